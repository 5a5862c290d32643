/**
 * The origin a request came in on, for local signed URLs (SPEC "The local server": "Signed URLs use
 * the origin the request came in on, so a proxy in between stays in the path").
 *
 * Under Miniflare the Worker's `request.url` carries the Host header the client used (checked:
 * a request to 127.0.0.1:P with `Host: proxy.example:9999` arrives as http://proxy.example:9999/…).
 * When `trustForwarded`, `X-Forwarded-Host`/`X-Forwarded-Proto` (set by proxies that rewrite Host or
 * terminate TLS) take precedence; only for the local signer, never in production.
 */
export function requestOrigin(request: Request, trustForwarded: boolean): string {
  const url = new URL(request.url);
  if (!trustForwarded) return url.origin;
  const fHost = request.headers.get('X-Forwarded-Host')?.split(',')[0].trim();
  const fProto = request.headers.get('X-Forwarded-Proto')?.split(',')[0].trim().toLowerCase();
  const host = fHost && /^[A-Za-z0-9.:[\]-]+$/.test(fHost) ? fHost : url.host;
  const proto = fProto === 'http' || fProto === 'https' ? fProto : url.protocol.replace(':', '');
  return `${proto}://${host}`;
}
