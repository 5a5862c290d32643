/**
 * The local manifest of one (shoot folder, order): every file's state, so that a re-run uploads only
 * what is not registered and a killed run resumes (SPEC "Manifest").
 *
 * On disk: a snapshot (JSON `ManifestData`, replaced atomically) and an append-only journal of entry updates
 * beside it, compacted into a new snapshot now and then and on close (manifest-journal.ts: issue 15, the cost
 * of an update does not grow with the shoot). A write-behind loop coalesces updates (one journal line per
 * changed entry and write), keeps at most one write in flight, and `flush()` waits for the latest state.
 * Two runs on one manifest are refused through a lock file naming the other process.
 */
import { createHash } from 'node:crypto';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { JournalWriter, journalPath, loadManifest, type LoadedManifest } from './manifest-journal.js';
import { acquireLock, releaseLock } from './manifest-lock.js';
import type { ManifestData, ManifestEntry } from './manifest-shape.js';
import { defaultStateDir } from './state-dir.js';

export type { ManifestData, ManifestEntry, ManifestState } from './manifest-shape.js';

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

/**
 * Shortest time between two journal writes, ms (issue 15: a write and an fsync per handful of updates were
 * 1,000 fsyncs for 1,000 small files; a file's intent, upload and registration usually fall within one
 * interval and become one line). A kill -9 loses at most this much more than the write in flight: the
 * resumed run asks the server, which names the files it registered (SPEC "Manifest").
 */
export const COMMIT_INTERVAL_MS = 100;

export class ManifestStore {
  /** Entries changed since the last write began (the journal gets each one's latest state once). */
  private dirty = new Set<string>();
  private writing: Promise<void> | null = null;
  private failure: Error | null = null;
  private closed = false;
  /** When the last write began (performance.now(), ms); the next waits for {@link COMMIT_INTERVAL_MS} after it. */
  private lastWriteAt = Number.NEGATIVE_INFINITY;
  /** The wait for the next write's turn, while one is pending. */
  private turn: NodeJS.Timeout | null = null;

  private constructor(
    readonly file: string,
    private readonly data: ManifestData,
    private readonly journal: JournalWriter,
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
    let loaded: LoadedManifest | null = null;
    try {
      loaded = await loadManifest(file);
    } catch (err) {
      // Unreadable (bad JSON, wrong shape, a bad journal line, EISDIR…): snapshot and journal are moved aside together, kept for inspection; a fresh manifest starts.
      const stamp = Date.now();
      const aside = `${file}.corrupt-${stamp}`;
      await fs.rename(file, aside).catch(() => undefined);
      await fs.rename(journalPath(file), `${journalPath(file)}.corrupt-${stamp}`).catch(() => undefined);
      rebuilt = { reason: (err as Error).message, aside };
    }
    const data: ManifestData = loaded?.data ?? {
      version: 1,
      root: ident.root,
      order_id: ident.orderId,
      api_url: ident.apiUrl,
      created_at: new Date().toISOString(),
      files: {},
    };
    const journal = new JournalWriter(file, loaded?.gen ?? 0, loaded?.snapshotBytes ?? 0, loaded?.journalBytes ?? 0, loaded?.tidy ?? false);
    return { store: new ManifestStore(file, data, journal, onError), rebuilt };
  }

  /**
   * Reads the manifest at `file` (snapshot + journal) without taking its lock and without writing anything
   * (for `status` and `verify`, which may run while an upload holds the lock: the snapshot is replaced by
   * atomic renames and a torn last journal line is skipped, so the reader sees a complete state).
   *
   * @returns the data, or null when the file does not exist
   * @throws Error when the file exists but is not a readable piximmo manifest (bad JSON, wrong version),
   *   or the fs error (EACCES, EISDIR, …) unchanged
   */
  static async read(file: string): Promise<ManifestData | null> {
    try {
      return (await loadManifest(file))?.data ?? null;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== undefined) throw err;
      throw new Error(`not a piximmo manifest: ${file} (${(err as Error).message})`);
    }
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
    this.schedule(relPath);
  }

  patch(relPath: string, patch: Partial<ManifestEntry>): ManifestEntry {
    const cur = this.data.files[relPath];
    if (!cur) throw new Error(`manifest has no entry for ${relPath}`);
    const next = { ...cur, ...patch, updated_at: new Date().toISOString() };
    this.data.files[relPath] = next;
    this.schedule(relPath);
    return next;
  }

  /** The first background write error, if any (then nothing more is written). */
  get error(): Error | null {
    return this.failure;
  }

  /** Resolves when everything set so far is on disk; rejects with the write error. */
  async flush(): Promise<void> {
    while (!this.failure && (this.writing || this.dirty.size > 0)) {
      if (!this.writing) this.startWrite(); // now, not at the next turn
      await this.writing;
    }
    if (this.failure) throw this.failure;
  }

  /** Flushes, folds the journal into a new snapshot (so a clean close leaves one whole JSON) and releases the lock. */
  async close(): Promise<void> {
    if (this.closed) return;
    try {
      await this.flush();
      if (this.journal.hasLines) {
        this.writing = this.journal.compact(this.data);
        await this.writing.finally(() => {
          this.writing = null;
        });
      }
    } finally {
      this.closed = true;
      if (this.turn) clearTimeout(this.turn);
      await this.journal.close();
      await releaseLock(this.file);
    }
  }

  private schedule(relPath: string): void {
    if (this.closed) return; // the lock is released: nothing more is written
    this.dirty.add(relPath);
    this.nextTurn();
  }

  /**
   * Starts the next write when its turn has come: one write in flight, and at most one every
   * {@link COMMIT_INTERVAL_MS} (a group commit: a file's updates within the interval become one line).
   */
  private nextTurn(): void {
    if (this.writing || this.failure || this.turn || this.dirty.size === 0) return;
    const wait = this.lastWriteAt + COMMIT_INTERVAL_MS - performance.now();
    if (wait <= 0) {
      this.startWrite();
      return;
    }
    this.turn = setTimeout(() => {
      this.turn = null;
      this.nextTurn();
    }, wait);
  }

  /** One write: the changed entries as journal lines, or a compaction when the journal asks for one. */
  private startWrite(): void {
    if (this.turn) clearTimeout(this.turn);
    this.turn = null;
    this.lastWriteAt = performance.now();
    const keys = this.dirty;
    this.dirty = new Set();
    this.writing = this.write(keys)
      .catch((err: Error) => {
        this.failure ??= err;
        this.dirty.clear();
        this.onError(err);
      })
      .finally(() => {
        this.writing = null;
        this.nextTurn();
      });
  }

  private async write(keys: Set<string>): Promise<void> {
    if (this.journal.wantsCompaction) return this.journal.compact(this.data);
    const files = this.data.files;
    await this.journal.append((function* () {
      for (const k of keys) yield [k, files[k]] as [string, ManifestEntry];
    })());
    if (this.journal.wantsCompaction) await this.journal.compact(this.data);
  }
}
