/**
 * One positioned read that does not stop at the OS's short reads: shared by the EXIF and container-check byte
 * sources (core/exif/makernotes/tiff.ts), the EXIF head read of planning (core/exif/exif.ts), the whole-file
 * read of a small file before its upload (core/transfer/file-prep.ts) and the PUT body (api/put-body.ts);
 * {@link readFileAt} opens the file for one such read (the last three). A leaf module: it imports nothing of ours.
 *
 * Issue 15, the CPU a small file costs: {@link readFileAt} opens and closes synchronously and reads
 * asynchronously. Each asynchronous fs call is a round trip through libuv's thread pool, ~30 µs of CPU on the
 * 2-core machines measured (6,000 files, open + 64 KiB read + close: through a FileHandle 108 µs of CPU a file,
 * sync open/close with an async read 36 µs, all sync 10 µs). Open and close touch only the inode, which the scan
 * has just listed; the read stays off the event loop, so a slow card never holds the PUTs in flight or Ctrl-C.
 */
import { closeSync, constants, openSync, read } from 'node:fs';
import type { FileHandle } from 'node:fs/promises';

/**
 * Reads into all of `buf` from byte `position` of `fh`, reading on after short reads.
 * @returns the count of bytes read, in bytes: `buf.length`, or fewer only where the file ends
 * @throws the fs error of the read (EIO, EBADF, …)
 */
export async function readFully(fh: FileHandle, buf: Buffer, position: number): Promise<number> {
  return fill(buf, position, async (offset, at) => (await fh.read(buf, offset, buf.length - offset, at)).bytesRead);
}

/**
 * Opens `path`, reads into all of `buf` from byte `position` (on after short reads) and closes it again.
 * @returns the count of bytes read, in bytes: `buf.length`, or fewer only where the file ends
 * @throws (rejects with) the fs error of the open or the read (ENOENT, EACCES, EISDIR, EIO, …)
 */
export async function readFileAt(path: string, buf: Buffer, position: number): Promise<number> {
  // O_NONBLOCK: a FIFO put where the file was (after the scan) must not hold the event loop — and Ctrl-C —
  // in a synchronous open waiting for a writer; its read then fails (ESPIPE, EAGAIN). No effect on regular files.
  const fd = openSync(path, constants.O_RDONLY | (constants.O_NONBLOCK ?? 0));
  try {
    return await fill(buf, position, (offset, at) => readFd(fd, buf, offset, at));
  } finally {
    try {
      closeSync(fd);
    } catch {
      // a failed close of a read-only file loses nothing
    }
  }
}

/** fs.read into buf[offset..] at `position`; resolves the bytes read. */
function readFd(fd: number, buf: Buffer, offset: number, position: number): Promise<number> {
  return new Promise((resolve, reject) => read(fd, buf, offset, buf.length - offset, position, (err, n) => (err ? reject(err) : resolve(n))));
}

/**
 * The loop both readers share: `readAt(offset, position)` reads into buf[offset..] from byte `position` and
 * resolves the bytes read (0 at the end of the file); called on after short reads until `buf` is full.
 */
async function fill(buf: Buffer, position: number, readAt: (offset: number, position: number) => Promise<number>): Promise<number> {
  let got = 0;
  while (got < buf.length) {
    const n = await readAt(got, position + got);
    if (n === 0) break;
    got += n;
  }
  return got;
}
