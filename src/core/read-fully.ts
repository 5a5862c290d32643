/**
 * One positioned read that does not stop at the OS's short reads: shared by the EXIF and container-check byte
 * sources (core/exif/makernotes/tiff.ts), the whole-file read of a small file before its upload
 * (core/transfer/file-prep.ts) and the PUT body (api/put-body.ts). A leaf module: it imports nothing of ours.
 */
import type { FileHandle } from 'node:fs/promises';

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
