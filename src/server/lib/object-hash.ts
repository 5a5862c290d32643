/**
 * SHA-256 of a stored object: the one R2 recorded at put (when the put carried `sha256`), else
 * computed by streaming the object through `crypto.DigestStream` (multipart objects, S3 PUTs without
 * a checksum header). Cost of the latter: one read of the object inside the Worker.
 */
import { toHex } from './crypto.js';

/** Lower-case hex SHA-256 R2 recorded for the object, or null. */
export function recordedSha256(obj: R2Object): string | null {
  const s = obj.checksums?.sha256;
  return s ? toHex(s) : null;
}

/** Reads the object and hashes it; null when it is gone. */
export async function computeSha256(bucket: R2Bucket, key: string): Promise<string | null> {
  const obj = await bucket.get(key);
  if (!obj) return null;
  const digest = new crypto.DigestStream('SHA-256');
  await obj.body.pipeTo(digest);
  return toHex(await digest.digest);
}
