/**
 * `Content-Disposition: attachment` for a download of the original file (SPEC v2 "Downloads":
 * `attachment; filename="<original filename>"`), per RFC 6266: a quoted ASCII `filename` (non-ASCII,
 * quotes, backslashes and controls replaced by "_") and, when the name is not plain ASCII, `filename*`
 * with the UTF-8 name percent-encoded (RFC 8187), which browsers and curl prefer.
 */

/** RFC 8187 attr-char: ALPHA / DIGIT / "!#$&+-.^_`|~"; everything else is percent-encoded. */
function encodeRfc8187(s: string): string {
  return Array.from(new TextEncoder().encode(s))
    .map((b) => {
      const ch = String.fromCharCode(b);
      return /[A-Za-z0-9!#$&+\-.^_`|~]/.test(ch) ? ch : `%${b.toString(16).toUpperCase().padStart(2, '0')}`;
    })
    .join('');
}

export function attachmentDisposition(filename: string): string {
  const ascii = filename.replace(/[^\x20-\x7e]|["\\]/g, '_');
  const header = `attachment; filename="${ascii}"`;
  return ascii === filename ? header : `${header}; filename*=UTF-8''${encodeRfc8187(filename)}`;
}
