/**
 * The local file side of an upload: size check and SHA-256 (reusing the manifest's checksum when size and
 * mtime still match), the check that the bytes sent are the bytes hashed, and fs errors as FileProblems
 * with words for the user (SPEC "Per file"; issue 3 "Bad input").
 */
import { statSync } from 'node:fs';
import { isApiError } from '../../api/errors.js';
import { fileReadBuffers } from '../buffer-pool.js';
import { checkContainer, checkContainerBytes } from '../plan/integrity.js';
import { readFileAt } from '../read-fully.js';
import type { PlannedFile } from './events.js';
import { FileProblem } from './failures.js';
import type { ManifestEntry } from './manifest.js';
import { DEFAULT_TRANSFER } from './transfer-config.js';

/**
 * SHA-256 of a file as lower-case hex (hash.ts `sha256File`, injected). `content`: the file's bytes, already
 * read whole (a small file): hash those instead of reading the file again.
 */
export type HashFile = (absPath: string, opts?: { signal?: AbortSignal; content?: Uint8Array }) => Promise<string>;

/**
 * Files up to this size (1 MiB, one pooled read buffer) are read once, whole, for both their container check
 * and their SHA-256 (issue 15: 1,000 × 200 KB). Read separately, each small file took about 11 file
 * operations before its upload, each a round trip through libuv's thread pool; read once, it takes 5.
 */
export const WHOLE_READ_BYTES = fileReadBuffers.bytes;

/**
 * Stats, checks the container is whole and hashes `f`, records it as pending in its manifest and returns the
 * entry. `forceHash` ignores the manifest's checksum (the file is known to have changed); `hashPasses` (TransferConfig)
 * bounds the passes over a file still being written. Throws FileProblem
 * (EMPTY_FILE, FILE_TRUNCATED, FILE_VANISHED, FILE_UNREADABLE, NOT_A_FILE, FILE_CHANGING).
 */
export async function prepareFile(
  f: PlannedFile,
  hashFile: HashFile,
  signal: AbortSignal,
  forceHash = false,
  hashPasses = DEFAULT_TRANSFER.hashPasses,
): Promise<ManifestEntry> {
  const manifest = f.shoot.manifest;
  const st = await statOrProblem(f);
  f.bytes = st.size;
  f.mtimeMs = st.mtimeMs;
  if (st.size === 0) throw new FileProblem({ code: 'EMPTY_FILE', detail: 'the file is empty (0 bytes)' });
  const prev = manifest.get(f.relPath);
  const reuse = !forceHash && prev && prev.bytes === st.size && prev.mtime_ms === st.mtimeMs && prev.checksum;
  const buf = st.size <= WHOLE_READ_BYTES ? fileReadBuffers.take() : undefined;
  let checksum: string;
  try {
    const content = buf && (await readWhole(f, buf, st.size));
    await assertWhole(f, st.size, content);
    checksum = reuse ? prev.checksum! : await hashStable(f, hashFile, signal, hashPasses, content);
  } finally {
    // Nothing reads from buf any more: the check and the hash are done with it (or failed).
    if (buf) fileReadBuffers.release(buf);
  }
  manifest.set(f.relPath, {
    ...replacesField(prev, checksum),
    ...(f.stack_key ? { stack_key: f.stack_key } : {}),
    bytes: f.bytes,
    mtime_ms: f.mtimeMs,
    checksum,
    state: 'pending',
    room_type: f.room_type,
    // The stack id the server allocated for this content stays until the server says otherwise.
    stack_id: reuse && prev.stack_id ? prev.stack_id : f.stack_id,
    // A file changed on disk since it was registered is a new version (SPEC "Manifest").
    multipart: reuse ? prev.multipart : undefined,
    attempts: reuse ? prev.attempts : 0,
    updated_at: '',
  });
  return manifest.get(f.relPath)!;
}

/**
 * SPEC v2 "Truncated files are never uploaded": before the checksum is trusted (a manifest's included) and
 * before any byte is sent, the container must be whole (src/core/plan/integrity.ts).
 * Throws FileProblem FILE_TRUNCATED with `params.reason` ('jpeg-no-eoi', …), or the fs problem.
 */
async function assertWhole(f: PlannedFile, bytes: number, content?: Buffer): Promise<void> {
  const verdict = await (content ? checkContainerBytes(content, bytes) : checkContainer(f.absPath, bytes)).catch((err: unknown) => {
    throw fsProblem(err);
  });
  if (!verdict.whole) {
    throw new FileProblem({ code: 'FILE_TRUNCATED', detail: `the file is incomplete (${verdict.reason})`, params: { reason: verdict.reason } });
  }
}

/**
 * SPEC v2 "Changed files": new content of a file registered before replaces that registered version
 * (`replaces` = its file_id, sent at finalize); a run that resumes such an upload keeps it. Content equal to
 * the registered version's replaces nothing.
 */
function replacesField(prev: ManifestEntry | undefined, checksum: string): { replaces?: string } {
  if (!prev) return {};
  if (prev.state === 'registered' && prev.file_id) return prev.checksum && prev.checksum !== checksum ? { replaces: prev.file_id } : {};
  return prev.replaces ? { replaces: prev.replaces } : {};
}

/**
 * Reads a small file whole into `buf` (its first `bytes` bytes; fewer when the file is shorter now).
 * @throws FileProblem for the fs errors (fsProblem)
 */
async function readWhole(f: PlannedFile, buf: Buffer, bytes: number): Promise<Buffer> {
  try {
    return buf.subarray(0, await readFileAt(f.absPath, buf.subarray(0, bytes), 0));
  } catch (err) {
    throw fsProblem(err);
  }
}

/**
 * Hashes until the file is the same before and after (a file still being written is hashed again). The first
 * pass hashes `content` when the file was read whole already; a file that changed meanwhile is read again.
 */
async function hashStable(f: PlannedFile, hashFile: HashFile, signal: AbortSignal, passes: number, content?: Buffer): Promise<string> {
  for (let i = 0; i < passes; i++) {
    const sum = await hashFile(f.absPath, { signal, ...(i === 0 && content ? { content } : {}) }).catch((err: unknown) => {
      throw fsProblem(err);
    });
    const st = await statOrProblem(f);
    if (st.size === f.bytes && st.mtimeMs === f.mtimeMs) return sum;
    f.bytes = st.size;
    f.mtimeMs = st.mtimeMs;
  }
  throw new FileProblem({ code: 'FILE_CHANGING', detail: 'the file keeps changing while it is read' });
}

/** SPEC: never register a torn file — the bytes sent must be the bytes hashed. Throws FileProblem FILE_CHANGED. */
export async function assertUnchanged(f: PlannedFile, entry: ManifestEntry): Promise<void> {
  const st = await statOrProblem(f);
  if (st.size !== entry.bytes || st.mtimeMs !== entry.mtime_ms) {
    throw new FileProblem({ code: 'FILE_CHANGED', detail: 'the file changed on disk during the upload' });
  }
}

/** stat of the file, synchronous (a few µs against ~30 µs of CPU through the thread pool: read-fully.ts). */
async function statOrProblem(f: PlannedFile): Promise<{ size: number; mtimeMs: number }> {
  try {
    const st = statSync(f.absPath);
    if (!st.isFile()) throw new FileProblem({ code: 'NOT_A_FILE', detail: 'the path is no longer a regular file' });
    return { size: st.size, mtimeMs: st.mtimeMs };
  } catch (err) {
    throw fsProblem(err);
  }
}

/** fs errors (and ApiErrors of kind 'file', raised while a body was read) as FileProblems; others unchanged. */
export function fsProblem(err: unknown): unknown {
  if (err instanceof FileProblem || (isApiError(err) && err.kind !== 'file')) return err;
  const code = (err as NodeJS.ErrnoException).code;
  if (code === 'ENOENT') return new FileProblem({ code: 'FILE_VANISHED', detail: 'the file was deleted or moved after the scan' });
  if (code === 'EACCES' || code === 'EPERM' || code === 'EIO') {
    return new FileProblem({ code: 'FILE_UNREADABLE', detail: `the file cannot be read (${code})`, params: { cause: code } });
  }
  return err;
}
