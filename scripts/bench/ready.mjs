// Issue 16: time from finalize to `ready` of one large JPEG on the local server — the processing queue's
// malware scan (a private clamd, `--scanner auto`) plus previews — against the same with `--scanner none`
// (previews only), so the scan's share shows. The file goes intent → PUT → finalize with fetch; the clock
// starts when finalize answers and stops when the order's listing shows the file `ready` (polled every
// 50 ms, so figures are ±50 ms). Without clamd installed the scan half is skipped and says so.
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { startServer } from './server.mjs';
import { median } from './sys.mjs';

const ORDER = 'B-1';

async function call(url, method, token, body) {
  const r = await fetch(url, { method, headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' }, body: JSON.stringify(body) });
  const j = await r.json().catch(() => null);
  if (!r.ok) throw new Error(`${method} ${url}: ${r.status} ${JSON.stringify(j)}`);
  return j;
}

/** Uploads `bytes` as a new file and returns ms from finalize's answer to `ready` (or throws after 5 min). */
async function oneRun(base, token, bytes, name) {
  const checksum = createHash('sha256').update(bytes).digest('hex');
  const i = await call(`${base}/api/uploads/intent`, 'POST', token, { order_id: ORDER, filename: name, mime: 'image/jpeg', bytes: bytes.length, checksum, room_type: 'livingroom', stack_id: 'g001' });
  if (i.existing_file_id) throw new Error('the server already has this content');
  const put = await fetch(i.signed_url, { method: 'PUT', headers: i.headers, body: bytes });
  if (!put.ok) throw new Error(`PUT ${put.status}`);
  const f = await call(`${base}/api/uploads/finalize`, 'POST', token, { object_key: i.object_key, bytes: bytes.length, checksum });
  const t0 = performance.now();
  const until = Date.now() + 300_000;
  while (Date.now() < until) {
    const list = await (await fetch(`${base}/api/orders/${ORDER}/files?limit=1000`, { headers: { Authorization: `Bearer ${token}` } })).json();
    const rec = list.files.find((x) => x.file_id === f.file_id);
    if (rec && rec.status !== 'uploaded' && rec.status !== 'processing') {
      if (rec.status !== 'ready') throw new Error(`ended ${rec.status}: ${rec.status_reason}`);
      return { ms: performance.now() - t0, status_reason: rec.status_reason ?? null, previews: rec.previews ?? [] };
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error('not ready within 5 minutes');
}

/**
 * A photo-like JPEG of about `bytes`: Gaussian noise at 24 MP (6000 × 4000) and JPEG quality 97 is ~25 MB,
 * i.e. what a full-frame camera writes; smaller sizes scale the pixel count. Made with sharp (~10 s).
 */
async function photo(bytes) {
  const { default: sharp } = await import('sharp');
  const scale = Math.sqrt(bytes / 24_800_000);
  const width = Math.max(64, Math.round(6000 * scale));
  const height = Math.max(48, Math.round(4000 * scale));
  const buf = await sharp({ create: { width, height, channels: 3, noise: { type: 'gaussian', mean: 128, sigma: 50 } } }).jpeg({ quality: 97 }).toBuffer();
  return new Uint8Array(buf);
}

/** `jpeg` with a COM segment "piximmo bench <i>" after SOI: distinct content (no duplicate answer), same picture. */
function variant(jpeg, i) {
  const text = new TextEncoder().encode(`piximmo bench ${i}`);
  const out = new Uint8Array(jpeg.length + 4 + text.length);
  out.set(jpeg.subarray(0, 2));
  out.set([0xff, 0xfe, (text.length + 2) >> 8, (text.length + 2) & 0xff], 2);
  out.set(text, 6);
  out.set(jpeg.subarray(2), 6 + text.length);
  return out;
}

/**
 * @param {{root: string, tmp: string, seed: string, token: string, runs: number, bytes: number,
 *          say: (s: string) => void}} o
 */
export async function measureReady(o) {
  const base = await photo(o.bytes);
  const jpegs = Array.from({ length: o.runs * 2 }, (_, i) => variant(base, i));
  const clamd = ['/usr/sbin/clamd', '/usr/local/sbin/clamd'].some((p) => existsSync(p));
  const out = { bytes: base.length, runs: o.runs, scan: null, no_scan: null, skipped: clamd ? null : 'clamd is not installed (apt-get install clamav-daemon)' };
  let k = 0;
  for (const mode of clamd ? ['auto', 'none'] : ['none']) {
    const server = await startServer({ root: o.root, stateDir: path.join(o.tmp, `ready-state-${mode}`), seed: o.seed, intentRate: 0, extra: ['--scanner', mode], logFile: path.join(o.tmp, `ready-${mode}.log`) });
    const list = [];
    try {
      for (let i = 0; i < o.runs; i++) {
        const r = await oneRun(server.url, o.token, jpegs[k], `ready-${k}.jpg`);
        k++;
        list.push(r);
        o.say(`  --scanner ${mode} run ${i + 1}/${o.runs}: finalize → ready ${(r.ms / 1000).toFixed(2)} s (${r.previews.length} previews${r.status_reason ? `, ${r.status_reason}` : ''})`);
      }
    } finally {
      await server.stop();
    }
    const stats = { median_ms: Math.round(median(list.map((r) => r.ms))), min_ms: Math.round(Math.min(...list.map((r) => r.ms))), max_ms: Math.round(Math.max(...list.map((r) => r.ms))), status_reason: list[0]?.status_reason ?? null };
    if (mode === 'auto') out.scan = stats;
    else out.no_scan = stats;
  }
  return out;
}
