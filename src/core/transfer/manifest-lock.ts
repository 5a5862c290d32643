/**
 * The manifest's lock file: two runs on one manifest are refused, naming the other process (SPEC
 * "Manifest": "two runs on the same manifest are refused with a clear message").
 *
 * The lock `<manifest>.lock` holds `{"pid", "host", "started_at", "nonce"}` and is created with its content in
 * one step: written to a private temp file, then hard-linked to the lock name (link fails with EEXIST when a
 * lock exists), so no other process can ever see an empty or half-written lock (issue 10: an empty lock file
 * of a live process was taken for stale, and two runs held the lock). A lock whose process is gone (kill -9),
 * or that names another host (whose processes cannot be checked; as before), is taken over by renaming it aside and checking that what was moved is the stale lock that was judged —
 * when it is not (another run took over first), it is put back and the run is refused.
 * A lock without readable content (written by an older piximmo) counts as stale only once it is older than
 * {@link EMPTY_LOCK_GRACE_MS}.
 */
import { randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import { hostname } from 'node:os';

export class ManifestLockedError extends Error {
  constructor(
    readonly file: string,
    readonly pid: number,
    readonly host: string,
  ) {
    super(`another piximmo run (process ${pid} on ${host}) is already using this manifest: ${file}`);
    this.name = 'ManifestLockedError';
  }
}

interface LockInfo {
  pid: number;
  host: string;
  nonce?: string;
}

/** An unreadable lock younger than this (ms) is someone's, being written by an older piximmo. */
export const EMPTY_LOCK_GRACE_MS = 10_000;
/** Attempts at taking the lock before giving up (each one either links, or judges the lock it found). */
const ATTEMPTS = 5;

export function lockPath(file: string): string {
  return `${file}.lock`;
}

/**
 * Takes the lock of the manifest `file`.
 * @throws ManifestLockedError when a live process (or a fresh unreadable lock) holds it; the fs error (EACCES,
 *   EROFS, ENOSPC, ENOTDIR…) when the lock cannot be written.
 */
export async function acquireLock(file: string): Promise<void> {
  const lock = lockPath(file);
  const nonce = randomBytes(8).toString('hex');
  const me = JSON.stringify({ pid: process.pid, host: hostname(), started_at: new Date().toISOString(), nonce });
  const tmp = `${lock}.${process.pid}.${nonce}.tmp`;
  await fs.writeFile(tmp, me, { mode: 0o600 });
  try {
    for (let i = 0; i < ATTEMPTS; i++) {
      try {
        await fs.link(tmp, lock);
        return;
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      }
      const found = await readLock(lock);
      if (found === 'gone') continue; // released meanwhile: try again
      if (found === null) {
        const age = await lockAge(lock);
        if (age !== null && age < EMPTY_LOCK_GRACE_MS) throw new ManifestLockedError(file, 0, 'unknown');
      } else if (found.pid !== process.pid && found.host === hostname() && isAlive(found.pid)) {
        throw new ManifestLockedError(file, found.pid, found.host);
      }
      await takeOverStale(file, lock, found);
    }
    throw new Error(`could not lock the manifest ${file}`);
  } finally {
    await fs.rm(tmp, { force: true });
  }
}

/** Releases the lock — only when it is still this process's. */
export async function releaseLock(file: string): Promise<void> {
  const lock = lockPath(file);
  const found = await readLock(lock);
  if (found !== 'gone' && found !== null && found.pid === process.pid) await fs.rm(lock, { force: true });
}

/**
 * Moves the stale lock `judged` aside; when what was moved is not it (another run replaced it meanwhile),
 * puts it back and refuses.
 */
async function takeOverStale(file: string, lock: string, judged: LockInfo | null): Promise<void> {
  const aside = `${lock}.stale-${process.pid}-${randomBytes(4).toString('hex')}`;
  try {
    await fs.rename(lock, aside);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return; // someone else moved it: try again
    throw err;
  }
  const moved = await readLock(aside);
  const same = judged === null ? moved === null || moved === 'gone' : moved !== null && moved !== 'gone' && moved.pid === judged.pid && moved.nonce === judged.nonce;
  if (same) {
    await fs.rm(aside, { force: true });
    return;
  }
  // We moved a live lock: put it back (link fails only if a third run locked meanwhile) and refuse.
  await fs.link(aside, lock).catch(() => undefined);
  await fs.rm(aside, { force: true });
  const holder = moved === null || moved === 'gone' ? { pid: 0, host: 'unknown' } : moved;
  throw new ManifestLockedError(file, holder.pid, holder.host);
}

/** The lock's content; null when it exists but is not readable JSON of a lock; 'gone' when it does not exist. */
async function readLock(lock: string): Promise<LockInfo | null | 'gone'> {
  let text: string;
  try {
    text = await fs.readFile(lock, 'utf8');
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'ENOENT' ? 'gone' : null;
  }
  try {
    const v = JSON.parse(text) as { pid?: unknown; host?: unknown; nonce?: unknown };
    if (typeof v.pid !== 'number' || typeof v.host !== 'string') return null;
    return { pid: v.pid, host: v.host, nonce: typeof v.nonce === 'string' ? v.nonce : undefined };
  } catch {
    return null;
  }
}

async function lockAge(lock: string): Promise<number | null> {
  try {
    return Date.now() - (await fs.stat(lock)).mtimeMs;
  } catch {
    return null;
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}
