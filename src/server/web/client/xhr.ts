/**
 * One PUT of a Blob straight to a signed URL with upload progress (XMLHttpRequest: fetch has no upload
 * progress), seed 000 "Upload → R2: PUT signed_url mit gelieferten headers. Fortschritt tracken".
 * Resolves `{status, etag, text}` for every HTTP answer; rejects NetworkError when the connection fails or
 * no byte moved for STALL_MS, Cancelled when `signal` aborts (the request is aborted with it).
 */
import { Cancelled, NetworkError } from './errors.js';

/** A transfer with no progress for this long counts as a network error (SPEC CLI rule, 30 s). */
const STALL_MS = 30_000;

export interface PutAnswer {
  status: number;
  /** The `ETag` header (quoted as sent), or null. */
  etag: string | null;
  text: string;
}

export function putBlob(
  url: string,
  headers: Record<string, string>,
  body: Blob,
  onProgress: (loaded: number) => void,
  signal: AbortSignal,
): Promise<PutAnswer> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(new Cancelled());
    const xhr = new XMLHttpRequest();
    let stall = 0;
    const arm = () => {
      clearTimeout(stall);
      stall = window.setTimeout(() => {
        cleanup();
        xhr.abort();
        reject(new NetworkError('stalled'));
      }, STALL_MS);
    };
    const onAbort = () => {
      cleanup();
      xhr.abort();
      reject(new Cancelled());
    };
    const cleanup = () => {
      clearTimeout(stall);
      signal.removeEventListener('abort', onAbort);
    };
    xhr.open('PUT', url);
    for (const [k, v] of Object.entries(headers)) {
      if (!/^(content-length|host|connection)$/i.test(k)) xhr.setRequestHeader(k, v);
    }
    xhr.upload.onprogress = (e) => {
      arm();
      onProgress(e.loaded);
    };
    xhr.onload = () => {
      cleanup();
      resolve({ status: xhr.status, etag: xhr.getResponseHeader('ETag'), text: xhr.responseText });
    };
    xhr.onerror = () => {
      cleanup();
      reject(new NetworkError('connection failed'));
    };
    signal.addEventListener('abort', onAbort, { once: true });
    arm();
    xhr.send(body);
  });
}
