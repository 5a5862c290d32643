/**
 * Streams a signed download URL (SPEC v2 "Downloads") into a local file while hashing it, without ever
 * holding the file in memory, and never leaving a half or wrong file under the final name:
 * bytes go to `<dest>.piximmo-part`, the SHA-256 is compared with the expected one, then the part file
 * is moved into place — with `link` + `unlink` when it must not overwrite (fails with EEXIST, atomically,
 * if the name appeared meanwhile), `rename` with `force`.
 *
 * Throws ApiError: http (the store's/route's error status, e.g. 404 FILE_NOT_FOUND, 410 URL_EXPIRED),
 * network, protocol CHECKSUM_MISMATCH (bytes or size differ; nothing kept), file FILE_EXISTS / errno codes
 * of the local disk.
 */
import { createHash } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { constants } from 'node:fs';
import { copyFile, link, rename, rm } from 'node:fs/promises';
import { once } from 'node:events';
import { request, type Dispatcher } from './undici-core.js';
import { ApiError, hostOf } from './errors.js';
import { parseJsonAnswer } from './http.js';

export interface DownloadExpect {
  /** Bytes; checked when given. */
  bytes?: number;
  /** SHA-256 lower-case hex; checked when given. */
  sha256?: string | null;
}

export interface DownloadResult {
  bytes: number;
  sha256: string;
}

const operation = 'GET download URL';

export async function downloadToFile(
  dispatcher: Dispatcher,
  url: string,
  dest: string,
  expect: DownloadExpect,
  opts: { force?: boolean; signal?: AbortSignal } = {},
): Promise<DownloadResult> {
  const part = `${dest}.piximmo-part`;
  let res: Dispatcher.ResponseData;
  try {
    res = await request(url, { method: 'GET', dispatcher, signal: opts.signal });
  } catch (err) {
    const e = err as { code?: string; message?: string; cause?: { code?: string } };
    throw new ApiError({ kind: 'network', code: e.cause?.code ?? e.code ?? 'NETWORK', message: e.message ?? String(err), operation, host: hostOf(url), cause: err });
  }
  if (res.statusCode < 200 || res.statusCode >= 300) {
    parseJsonAnswer({ status: res.statusCode, headers: res.headers, text: await res.body.text() }, operation);
  }
  const hash = createHash('sha256');
  let n = 0;
  const out = createWriteStream(part, { flags: 'w', mode: 0o644 });
  try {
    for await (const chunk of res.body as AsyncIterable<Buffer>) {
      hash.update(chunk);
      n += chunk.length;
      if (!out.write(chunk)) await once(out, 'drain');
    }
    out.end();
    await once(out, 'close');
  } catch (err) {
    out.destroy();
    await rm(part, { force: true });
    if (err instanceof ApiError) throw err;
    const code = (err as NodeJS.ErrnoException).code;
    if (code && /^E[A-Z]+$/.test(code) && code !== 'ECONNRESET') {
      throw new ApiError({ kind: 'file', code, message: `cannot write ${part} (${code})`, operation, cause: err });
    }
    throw new ApiError({ kind: 'network', code: code ?? 'NETWORK', message: 'the download was cut', operation, cause: err });
  }
  const sha256 = hash.digest('hex');
  if ((expect.bytes !== undefined && n !== expect.bytes) || (expect.sha256 && sha256 !== expect.sha256)) {
    await rm(part, { force: true });
    throw new ApiError({
      kind: 'protocol',
      code: 'CHECKSUM_MISMATCH',
      message: `downloaded ${n} bytes with SHA-256 ${sha256}, expected ${expect.bytes ?? '?'} bytes with ${expect.sha256 ?? '?'}`,
      operation,
      details: { bytes: n, sha256, expected_bytes: expect.bytes, expected_sha256: expect.sha256 },
    });
  }
  try {
    if (opts.force) await rename(part, dest);
    else {
      // link fails with EEXIST when dest exists (no overwrite, no race); file systems without hard links
      // (FAT/exFAT cards, some network shares) get an exclusive copy instead.
      await link(part, dest).catch(async (err: NodeJS.ErrnoException) => {
        if (err.code === 'EEXIST') throw err;
        await copyFile(part, dest, constants.COPYFILE_EXCL);
      });
      await rm(part, { force: true });
    }
  } catch (err) {
    await rm(part, { force: true });
    const code = (err as NodeJS.ErrnoException).code ?? 'EIO';
    throw new ApiError({ kind: 'file', code: code === 'EEXIST' ? 'FILE_EXISTS' : code, message: `${dest}: ${code}`, operation, cause: err });
  }
  return { bytes: n, sha256 };
}
