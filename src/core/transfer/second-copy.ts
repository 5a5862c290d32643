/**
 * The second copy while ingesting (issue 11, what Photo Mechanic and Lightroom offer so the card can be
 * formatted safely): `--copy-to DIR` copies each card file to `DIR/<order>/<card>/<relative path>`,
 * verified by SHA-256: written under a temporary name, fsync'ed, read back and hashed, compared with the
 * hash of the bytes read from the card, and only then renamed into place (the folder fsync'ed too).
 * A copy already in place with the same SHA-256 is kept. One copy at a time (the card is the bottleneck).
 *
 * A full target (ENOSPC, EDQUOT) stops further copies — reported once by the caller — and never the upload.
 * Test-only: PIXIMMO_TEST_COPY_ENOSPC_AFTER=N makes writes fail with ENOSPC once N bytes were written in
 * all (for machines where a small tmpfs cannot be mounted).
 */
import { createHash } from 'node:crypto';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import pLimit from 'p-limit';

export interface CopyJob {
  absPath: string;
  /** Posix path relative to the card root. */
  relPath: string;
  orderId: string;
  /** The card's label (folder name). */
  card: string;
}

export type CopyResult =
  | { state: 'copied'; dest: string; checksum: string; bytes: number; /** already there with this hash */ kept: boolean }
  | { state: 'failed'; dest: string; code: 'COPY_TARGET_FULL' | 'COPY_MISMATCH' | 'COPY_FAILED' | 'COPY_SOURCE_CHANGED'; detail: string };

const CHUNK = 1024 * 1024;
const FULL = new Set(['ENOSPC', 'EDQUOT']);

export class SecondCopy {
  private readonly queue = pLimit(1);
  private full?: string;
  private written = 0;
  private stopped = false;
  private readonly running = new Set<Promise<CopyResult>>();
  private readonly failAfter = Number(process.env.PIXIMMO_TEST_COPY_ENOSPC_AFTER ?? Number.NaN);

  constructor(readonly destRoot: string) {}

  /** Set once the target ran full: no further copies are tried. */
  get fullDetail(): string | undefined {
    return this.full;
  }

  destOf(job: CopyJob): string {
    return path.join(this.destRoot, safeSegment(job.orderId), safeSegment(job.card), ...job.relPath.split('/').map(safeSegment));
  }

  /** Queues a copy; resolves with its result (never rejects). */
  copy(job: CopyJob): Promise<CopyResult> {
    const p = this.queue(() => this.copyNow(job));
    this.running.add(p);
    void p.finally(() => this.running.delete(p));
    return p;
  }

  /** Ctrl-C: the copy in progress stops at its next chunk (its temporary file removed), queued ones are not made. */
  stop(): void {
    this.stopped = true;
  }

  /** Resolves when no copy is running or queued. */
  async idle(): Promise<void> {
    while (this.running.size > 0) await Promise.all([...this.running]);
  }

  private async copyNow(job: CopyJob): Promise<CopyResult> {
    const dest = this.destOf(job);
    if (this.full) return { state: 'failed', dest, code: 'COPY_TARGET_FULL', detail: this.full };
    if (this.stopped) return { state: 'failed', dest, code: 'COPY_FAILED', detail: 'interrupted' };
    const tmp = `${dest}.piximmo-${process.pid}.tmp`;
    try {
      const before = await fs.stat(job.absPath);
      const existing = await fs.stat(dest).catch(() => undefined);
      if (existing?.size === before.size) {
        const [a, b] = await Promise.all([hashFile(job.absPath), hashFile(dest)]);
        if (a === b) return { state: 'copied', dest, checksum: a, bytes: before.size, kept: true };
      }
      await fs.mkdir(path.dirname(dest), { recursive: true });
      const sourceSum = await this.writeTemp(job.absPath, tmp);
      const after = await fs.stat(job.absPath);
      if (after.size !== before.size || after.mtimeMs !== before.mtimeMs) {
        await fs.rm(tmp, { force: true });
        return { state: 'failed', dest, code: 'COPY_SOURCE_CHANGED', detail: 'the card file changed while it was copied' };
      }
      const copySum = await hashFile(tmp);
      if (copySum !== sourceSum) {
        await fs.rm(tmp, { force: true });
        return { state: 'failed', dest, code: 'COPY_MISMATCH', detail: `the copy reads back as ${copySum}, the card file as ${sourceSum}` };
      }
      await fs.rename(tmp, dest);
      await fsyncDir(path.dirname(dest));
      return { state: 'copied', dest, checksum: sourceSum, bytes: before.size, kept: false };
    } catch (err) {
      await fs.rm(tmp, { force: true }).catch(() => undefined);
      const e = err as NodeJS.ErrnoException;
      if (e.code && FULL.has(e.code)) {
        this.full = `${this.destRoot}: ${e.code} (${e.message})`;
        return { state: 'failed', dest, code: 'COPY_TARGET_FULL', detail: this.full };
      }
      return { state: 'failed', dest, code: 'COPY_FAILED', detail: `${e.code ?? 'ERROR'}: ${e.message}` };
    }
  }

  /** Copies `src` to `tmp` (created fresh), fsync'ed; returns the SHA-256 of the bytes read from `src`. */
  private async writeTemp(src: string, tmp: string): Promise<string> {
    const hash = createHash('sha256');
    const buf = Buffer.allocUnsafe(CHUNK);
    const input = await fs.open(src, 'r');
    try {
      const out = await fs.open(tmp, 'w', 0o644);
      try {
        for (;;) {
          const { bytesRead } = await input.read(buf, 0, CHUNK, null);
          if (bytesRead === 0) break;
          if (this.stopped) throw Object.assign(new Error('interrupted'), { code: 'EINTR' });
          const chunk = buf.subarray(0, bytesRead);
          hash.update(chunk);
          this.written += bytesRead;
          if (this.written > this.failAfter) throw Object.assign(new Error('no space left on device (simulated)'), { code: 'ENOSPC' });
          let off = 0;
          while (off < bytesRead) off += (await out.write(chunk, off, bytesRead - off)).bytesWritten;
        }
        await out.sync();
      } finally {
        await out.close();
      }
    } finally {
      await input.close();
    }
    return hash.digest('hex');
  }
}

async function hashFile(p: string): Promise<string> {
  const hash = createHash('sha256');
  const fh = await fs.open(p, 'r');
  try {
    const buf = Buffer.allocUnsafe(CHUNK);
    for (;;) {
      const { bytesRead } = await fh.read(buf, 0, CHUNK, null);
      if (bytesRead === 0) break;
      hash.update(buf.subarray(0, bytesRead));
    }
  } finally {
    await fh.close();
  }
  return hash.digest('hex');
}

async function fsyncDir(dir: string): Promise<void> {
  const fh = await fs.open(dir, 'r').catch(() => undefined);
  if (!fh) return;
  await fh.sync().catch(() => undefined); // not every platform can fsync a folder
  await fh.close();
}

/** One path segment that cannot climb out of the target (order ids and labels come from outside). */
function safeSegment(s: string): string {
  const clean = s.replace(/[\\/:*?"<>|\0]/g, '_');
  return clean === '.' || clean === '..' || clean === '' ? '_' : clean;
}
