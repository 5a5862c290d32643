/**
 * The local manifest of one (shoot folder, order): every file's state, so that a re-run uploads only
 * what is not registered and a killed run resumes (SPEC "Manifest").
 *
 * Shape on disk: JSON `ManifestData`, written atomically (temp file + fsync + rename) by a write-behind
 * loop: updates are coalesced, at most one write is in flight, `flush()` waits for the latest state.
 * Two runs on one manifest are refused through a lock file naming the other process.
 */
import { createHash } from 'node:crypto';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { acquireLock, releaseLock } from './manifest-lock.js';
import { defaultStateDir } from './state-dir.js';

export type ManifestState = 'pending' | 'uploaded' | 'registered' | 'failed';

export interface ManifestEntry {
  bytes: number;
  mtime_ms: number;
  /** SHA-256 hex of the content at (bytes, mtime_ms); absent until hashed. */
  checksum?: string;
  state: ManifestState;
  room_type: string;
  /** The plan's stack id, then the one the server allocated (SPEC v2). */
  stack_id: string;
  /** SPEC v2: the stack key sent for this file; a later run of the same stack keeps it (stack-memory.ts). */
  stack_key?: string;
  /** SPEC v2: file_id of the registered earlier version this file's new content replaces (finalize `replaces`). */
  replaces?: string;
  object_key?: string;
  file_id?: string;
  /** A multipart upload in progress: its id, part size (bytes) and the ETag of each finished part. */
  multipart?: { upload_id: string; object_key: string; part_size: number; etags: Record<string, string> };
  attempts: number;
  last_error?: { code: string; message: string };
  updated_at: string;
}

export interface ManifestData {
  version: 1;
  root: string;
  order_id: string;
  api_url: string;
  created_at: string;
  files: Record<string, ManifestEntry>;
}

export { ManifestLockedError } from './manifest-lock.js';

/** Where manifests live: state-dir.ts (`$PIXIMMO_STATE_DIR`, XDG, or the platform's place). */
export { defaultStateDir };

/** SPEC: keyed by the folder's real path and the order; never on the card or in the shoot folder. */
export function manifestPathFor(root: string, orderId: string, stateDir = defaultStateDir()): string {
  const id = createHash('sha256').update(`${root}\0${orderId}`).digest('hex').slice(0, 16);
  const label = `${path.basename(root)}-${orderId}`.replace(/[^A-Za-z0-9._-]+/g, '_').slice(0, 60);
  return path.join(stateDir, 'manifests', `${label}-${id}.json`);
}

export interface OpenManifestResult {
  store: ManifestStore;
  /** Set when an unreadable manifest was moved aside (to `aside`) and a fresh one started. */
  rebuilt?: { reason: string; aside: string };
}

export class ManifestStore {
  private dirty = false;
  private writing: Promise<void> | null = null;
  private failure: Error | null = null;
  private closed = false;

  private constructor(
    readonly file: string,
    private readonly data: ManifestData,
    private readonly onError: (e: Error) => void,
  ) {}

  /**
   * Opens (or creates) the manifest at `file`, taking its lock.
   * Throws ManifestLockedError when a live process holds it; fs errors otherwise.
   * `onError` hears about failed background writes (e.g. ENOSPC): the caller must stop safely.
   */
  static async open(
    file: string,
    ident: { root: string; orderId: string; apiUrl: string },
    onError: (e: Error) => void = () => undefined,
  ): Promise<OpenManifestResult> {
    await fs.mkdir(path.dirname(file), { recursive: true });
    await acquireLock(file);
    let rebuilt: OpenManifestResult['rebuilt'];
    let data: ManifestData | null = null;
    try {
      data = validate(JSON.parse(await fs.readFile(file, 'utf8')));
      if (!data) throw new Error('not a piximmo manifest (unexpected shape)');
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code !== 'ENOENT') {
        const aside = `${file}.corrupt-${Date.now()}`;
        await fs.rename(file, aside).catch(() => undefined);
        rebuilt = { reason: (err as Error).message, aside };
      }
      data = null;
    }
    const fresh: ManifestData = {
      version: 1,
      root: ident.root,
      order_id: ident.orderId,
      api_url: ident.apiUrl,
      created_at: new Date().toISOString(),
      files: {},
    };
    return { store: new ManifestStore(file, data ?? fresh, onError), rebuilt };
  }

  /**
   * Reads the manifest at `file` without taking its lock and without writing anything (for `status`
   * and `verify`, which may run while an upload holds the lock: writes are atomic renames, so the
   * reader sees the previous or the next complete state, never a torn one).
   *
   * @returns the data, or null when the file does not exist
   * @throws Error when the file exists but is not a readable piximmo manifest (bad JSON, wrong version),
   *   or the fs error (EACCES, EISDIR, …) unchanged
   */
  static async read(file: string): Promise<ManifestData | null> {
    let text: string;
    try {
      text = await fs.readFile(file, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
      throw err;
    }
    const data = validate(JSON.parse(text));
    if (!data) throw new Error(`not a piximmo manifest: ${file}`);
    return data;
  }

  get(relPath: string): ManifestEntry | undefined {
    return this.data.files[relPath];
  }

  entries(): [string, ManifestEntry][] {
    return Object.entries(this.data.files);
  }

  /** Replaces or patches one entry and schedules a write. */
  set(relPath: string, entry: ManifestEntry): void {
    this.data.files[relPath] = { ...entry, updated_at: new Date().toISOString() };
    this.schedule();
  }

  patch(relPath: string, patch: Partial<ManifestEntry>): ManifestEntry {
    const cur = this.data.files[relPath];
    if (!cur) throw new Error(`manifest has no entry for ${relPath}`);
    const next = { ...cur, ...patch, updated_at: new Date().toISOString() };
    this.data.files[relPath] = next;
    this.schedule();
    return next;
  }

  /** The first background write error, if any (then nothing more is written). */
  get error(): Error | null {
    return this.failure;
  }

  /** Resolves when everything set so far is on disk; rejects with the write error. */
  async flush(): Promise<void> {
    while (!this.failure && (this.writing || this.dirty)) {
      if (!this.writing) this.startWrite();
      await this.writing;
    }
    if (this.failure) throw this.failure;
  }

  /** Flushes and releases the lock. */
  async close(): Promise<void> {
    if (this.closed) return;
    try {
      await this.flush();
    } finally {
      this.closed = true;
      await releaseLock(this.file);
    }
  }

  private schedule(): void {
    if (this.closed) return; // the lock is released: nothing more is written
    this.dirty = true;
    if (!this.writing && !this.failure) this.startWrite();
  }

  private startWrite(): void {
    this.dirty = false;
    const snapshot = JSON.stringify(this.data);
    this.writing = writeAtomic(this.file, snapshot)
      .catch((err: Error) => {
        this.failure ??= err;
        this.dirty = false;
        this.onError(err);
      })
      .finally(() => {
        this.writing = null;
        if (this.dirty && !this.failure) this.startWrite();
      });
  }
}

/** temp file + fsync + rename: a reader sees the old or the new manifest, never a torn one. */
async function writeAtomic(file: string, text: string): Promise<void> {
  const tmp = `${file}.${process.pid}.tmp`;
  try {
    const fh = await fs.open(tmp, 'w', 0o600);
    try {
      await fh.writeFile(text);
      await fh.sync();
    } finally {
      await fh.close();
    }
    await fs.rename(tmp, file);
  } catch (err) {
    // A full disk leaves a partial temp file: remove it, the last good manifest stays in place.
    await fs.rm(tmp, { force: true }).catch(() => undefined);
    throw err;
  }
}

/**
 * The manifest when `v` has its shape: version 1 and `files` an object (not an array) whose every entry has
 * numeric `bytes` and `mtime_ms`, a known `state`, and string `room_type`/`stack_id` (issue 10: a manifest
 * whose `files` is not the expected shape is moved aside and rebuilt, as a truncated one is); else null.
 */
function validate(v: unknown): ManifestData | null {
  if (typeof v !== 'object' || v === null) return null;
  const d = v as Partial<ManifestData>;
  if (d.version !== 1 || typeof d.files !== 'object' || d.files === null || Array.isArray(d.files)) return null;
  for (const e of Object.values(d.files as Record<string, unknown>)) if (!isEntry(e)) return null;
  return d as ManifestData;
}

const STATES = new Set<string>(['pending', 'uploaded', 'registered', 'failed']);

function isEntry(v: unknown): v is ManifestEntry {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return false;
  const e = v as Record<string, unknown>;
  return (
    typeof e.bytes === 'number' &&
    typeof e.mtime_ms === 'number' &&
    typeof e.state === 'string' &&
    STATES.has(e.state) &&
    typeof e.room_type === 'string' &&
    typeof e.stack_id === 'string' &&
    (e.checksum === undefined || typeof e.checksum === 'string') &&
    (e.attempts === undefined || typeof e.attempts === 'number') &&
    (e.multipart === undefined || (typeof e.multipart === 'object' && e.multipart !== null))
  );
}
