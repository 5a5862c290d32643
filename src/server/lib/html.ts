/** Minimal HTML helpers for the local approval page. */

export function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (ch) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[ch] ?? ch);
}

/** A complete small HTML page; `body` must already be escaped. */
export function page(title: string, body: string): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)}</title>
<style>body{font-family:system-ui,sans-serif;max-width:28rem;margin:3rem auto;padding:0 1rem}
input,select,button{font-size:1.1rem;padding:.4rem;margin:.3rem 0}label{display:block;margin-top:.8rem}
.code{font-family:ui-monospace,monospace;letter-spacing:.15em}</style></head>
<body><h1>${escapeHtml(title)}</h1>${body}</body></html>`;
}
