/**
 * The request log of `--verbose` and `DEBUG=piximmo` (issue 14): one line per HTTP request on stderr,
 * `piximmo: POST http://host/api/uploads/intent → 200 (12 ms)` or `… → ECONNREFUSED (3 ms)`.
 * Never a credential: headers (the device token travels in Authorization) are not logged, and signed
 * URLs lose their secrets — the local signer's `/upload/<token>` path token and the SigV4 query values
 * (X-Amz-Signature, X-Amz-Credential, X-Amz-Security-Token) are replaced by `…`.
 * DEBUG follows the `debug` package's convention: a comma/space-separated list, `piximmo`, `piximmo:*`
 * or `*` turn it on.
 */
let forced = false;

/** `--verbose`: log every request from now on. */
export function setVerbose(on: boolean): void {
  forced = on;
}

/** Whether requests are logged: `--verbose`, or DEBUG naming piximmo. */
export function requestLogEnabled(env: NodeJS.ProcessEnv = process.env): boolean {
  if (forced) return true;
  const names = (env.DEBUG ?? '').split(/[\s,]+/).filter(Boolean);
  return names.some((n) => n === '*' || n === 'piximmo' || n === 'piximmo:*');
}

const SECRET_QUERY = /^x-amz-(signature|credential|security-token)$/i;

/** `url` without the secrets of signed URLs (see the file comment); unparsable input → "(url)". */
export function redactUrl(url: string): string {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return '(url)';
  }
  u.pathname = u.pathname.replace(/\/upload\/[^/]+/, '/upload/…');
  for (const k of [...u.searchParams.keys()]) if (SECRET_QUERY.test(k)) u.searchParams.set(k, '…');
  return u.toString().replace(/%E2%80%A6/g, '…');
}

/** Writes one log line for a finished (or failed) request when the log is on. */
export function logRequest(method: string, url: string, outcome: number | string, startedAt: number, out: NodeJS.WritableStream = process.stderr): void {
  if (!requestLogEnabled()) return;
  out.write(`piximmo: ${method} ${redactUrl(url)} → ${outcome} (${Date.now() - startedAt} ms)\n`);
}
