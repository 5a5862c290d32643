// Issue 12: how long processing takes after finalize (SPEC v2 "Previews": a 25 MB JPEG is `ready` with all
// four preview sizes within 10 s on the local server — measured here, not asserted in a test). One file at
// a time through the bare data path (intent → PUT → finalize with fetch), then the listing is polled every
// 50 ms until the file is settled; the figure is finalize's answer → first listing that shows `ready`.
// The JPEG is real image data (noise over gradients, quality 92, sized to ~25 MB), not padding, so the
// Images binding (Sharp under Miniflare) really decodes ~45 megapixels.
import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';

/** Writes a JPEG of about `targetBytes` of real pixels; returns {file, bytes, width, height}. */
export async function writeHeavyJpeg(sharp, file, targetBytes) {
  const render = async (w, h) => {
    const raw = Buffer.alloc(w * h * 3);
    let s = 12345;
    for (let i = 0; i < raw.length; i += 3) {
      s = (s * 1103515245 + 12345) >>> 0;
      const p = i / 3;
      const x = p % w;
      const y = (p / w) | 0;
      raw[i] = ((x * 255) / w + (s & 63)) & 255;
      raw[i + 1] = ((y * 255) / h + ((s >> 8) & 63)) & 255;
      raw[i + 2] = (((x + y) * 127) / (w + h) + ((s >> 16) & 63)) & 255;
    }
    return sharp(raw, { raw: { width: w, height: h, channels: 3 } }).jpeg({ quality: 92 }).toBuffer();
  };
  // Bytes grow with pixels: size a small probe, then scale to the target (3:2 frame).
  const probe = await render(1200, 800);
  const scale = Math.sqrt(targetBytes / probe.length);
  const w = Math.round((1200 * scale) / 16) * 16;
  const h = Math.round((800 * scale) / 16) * 16;
  const jpeg = await render(w, h);
  writeFileSync(file, jpeg);
  return { file, bytes: jpeg.length, width: w, height: h };
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

async function api(url, token, method, p, body) {
  const res = await fetch(`${url}${p}`, {
    method,
    headers: { authorization: `Bearer ${token}`, ...(body ? { 'content-type': 'application/json' } : {}) },
    body: body ? JSON.stringify(body) : undefined,
  });
  const text = await res.text();
  if (!res.ok) throw new Error(`${method} ${p}: HTTP ${res.status} ${text.slice(0, 200)}`);
  return JSON.parse(text);
}

/**
 * Uploads `file` into `order` and measures finalize → ready.
 * @returns {Promise<{finalize_to_ready_ms: number, status: string, previews: string[], reason?: string}>}
 */
export async function finalizeToReady({ url, token, order, file, mime = 'image/jpeg', timeoutMs = 120_000 }) {
  const bytes = readFileSync(file);
  const checksum = createHash('sha256').update(bytes).digest('hex');
  const name = `${Date.now()}-${path.basename(file)}`;
  const intent = await api(url, token, 'POST', '/api/uploads/intent', { order_id: order, filename: name, mime, bytes: bytes.length, checksum });
  if (intent.upload_id) throw new Error('the file went multipart: keep it under the multipart threshold');
  const put = await fetch(intent.signed_url, { method: 'PUT', headers: intent.headers, body: bytes });
  if (!put.ok) throw new Error(`PUT: HTTP ${put.status}`);
  const fin = await api(url, token, 'POST', '/api/uploads/finalize', { object_key: intent.object_key, bytes: bytes.length, checksum });
  const t0 = performance.now();
  for (;;) {
    let f;
    try {
      f = (await api(url, token, 'GET', `/api/orders/${order}/files`)).files.find((x) => x.file_id === fin.file_id);
    } catch {
      f = null; // a keep-alive connection dropped while the Worker decodes: ask again
    }
    if (f && !['uploaded', 'processing'].includes(f.status)) {
      return { finalize_to_ready_ms: Math.round(performance.now() - t0), status: f.status, previews: f.previews ?? [], ...(f.status_reason ? { reason: f.status_reason } : {}) };
    }
    if (performance.now() - t0 > timeoutMs) throw new Error(`not processed within ${timeoutMs} ms (status ${f?.status})`);
    await sleep(50);
  }
}
