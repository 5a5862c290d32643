/**
 * One positioned read that does not stop at the OS's short reads: shared by the EXIF and container-check byte
 * sources (core/exif/makernotes/tiff.ts), the whole-file read of a small file before its upload
 * (core/transfer/file-prep.ts) and the PUT body (api/put-body.ts); {@link readFileAt} opens the file for one
 * such read (the last two). A leaf module: it imports nothing of ours.
 */
import { open, type FileHandle } from 'node:fs/promises';

/**
 * Reads into all of `buf` from byte `position` of `fh`, reading on after short reads.
 * @returns the count of bytes read, in bytes: `buf.length`, or fewer only where the file ends
 * @throws the fs error of the read (EIO, EBADF, …)
 */
export async function readFully(fh: FileHandle, buf: Buffer, position: number): Promise<number> {
  let got = 0;
  while (got < buf.length) {
    const { bytesRead } = await fh.read(buf, got, buf.length - got, position + got);
    if (bytesRead === 0) break;
    got += bytesRead;
  }
  return got;
}

/**
 * Opens `path`, reads into all of `buf` from byte `position` ({@link readFully}) and closes it again.
 * @returns the count of bytes read, in bytes: `buf.length`, or fewer only where the file ends
 * @throws the fs error of the open or the read (ENOENT, EACCES, EIO, …)
 */
export async function readFileAt(path: string, buf: Buffer, position: number): Promise<number> {
  const fh = await open(path, 'r');
  try {
    return await readFully(fh, buf, position);
  } finally {
    await fh.close().catch(() => undefined); // a failed close of a read-only file loses nothing
  }
}
