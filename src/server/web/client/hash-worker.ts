/**
 * The hashing Web Worker (served as /app/assets/hash-worker.js): SHA-256 of a File off the main thread so
 * the page stays responsive (SPEC "The web uploader"; the server verifies the bytes against it and knows
 * duplicates by it).
 * Message in: `{id, file}`. Out: `{id, progress: bytesHashed}` now and then, then `{id, hex}` or `{id, error}`.
 * Files up to ONE_SHOT_MAX are hashed by Web Crypto in one call (native speed); larger ones are read in
 * CHUNK slices and fed to the incremental SHA-256 (sha256.ts), so memory stays at one chunk.
 */
import { Sha256 } from './sha256.js';

/** Bytes: up to this size, `crypto.subtle.digest` on the whole file. */
const ONE_SHOT_MAX = 16 * 1024 * 1024;
/** Bytes per slice for larger files. */
const CHUNK = 4 * 1024 * 1024;

interface WorkerScope {
  onmessage: ((e: MessageEvent<{ id: number; file: File }>) => void) | null;
  postMessage(message: unknown): void;
}
const scope = self as unknown as WorkerScope;

async function hashFile(id: number, file: File): Promise<string> {
  if (file.size <= ONE_SHOT_MAX) {
    const digest = await crypto.subtle.digest('SHA-256', await file.arrayBuffer());
    return Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, '0')).join('');
  }
  const h = new Sha256();
  for (let off = 0; off < file.size; off += CHUNK) {
    h.update(new Uint8Array(await file.slice(off, off + CHUNK).arrayBuffer()));
    scope.postMessage({ id, progress: Math.min(file.size, off + CHUNK) });
  }
  return h.digestHex();
}

scope.onmessage = (e) => {
  const { id, file } = e.data;
  hashFile(id, file).then(
    (hex) => scope.postMessage({ id, hex }),
    (err: unknown) => scope.postMessage({ id, error: err instanceof Error ? err.message : String(err) }),
  );
};
