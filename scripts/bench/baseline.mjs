#!/usr/bin/env node
// The bench's baseline: the bare data path of the piximmo API, as a standalone process so that its RSS
// and CPU are measured like piximmo's. Per file: intent → PUT (or multipart parts → complete) → finalize,
// with undici through one keep-alive Agent, `--concurrency` files at a time. Checksums (SHA-256) are
// computed before the clock starts; no EXIF, no manifest, no progress, no bracket grouping (room_type
// = the top folder's name as it is, the server slugs it).
//
// usage: node scripts/bench/baseline.mjs --api URL --token TOKEN --order ID --dir DIR
//          [--concurrency 4] [--intent-rate 3] [--intents auto|single|batch] [--batch-size 50]
//          [--parts-in-flight 3] [--finalize auto|single|batch]
// --intent-rate: intents per second the baseline paces itself to (0 = no pacing; a 429 is waited out
//   by its Retry-After either way). --intents auto uses POST /api/uploads/intents when the server has it.
// --finalize auto uses POST /api/uploads/finalize-batch when the server has it (as piximmo does): a file
//   whose data is sent leaves its slot and waits for its batch (≤ 50 files, ≤ 100 ms), like piximmo's
//   finalize batcher; single = one POST /api/uploads/finalize per file, in the file's slot.
// Prints one JSON object on stdout: {wall_s, data_cpu_s, hash_s, files, bytes, intents, rate_limited,
//   finalizes, retries, failed, errors}. Exit 0 when every file was finalized, 1 otherwise, 2 on usage errors.
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { Agent, request } from 'undici';
import { filesUnder } from './sys.mjs';

const MIME = {
  jpg: 'image/jpeg', jpeg: 'image/jpeg', png: 'image/png', heic: 'image/heic', dng: 'image/x-adobe-dng',
  mp4: 'video/mp4', mov: 'video/quicktime',
};

let values;
try {
  ({ values } = parseArgs({
    options: {
      api: { type: 'string' },
      token: { type: 'string' },
      order: { type: 'string' },
      dir: { type: 'string' },
      concurrency: { type: 'string', default: '4' },
      'intent-rate': { type: 'string', default: '3' },
      intents: { type: 'string', default: 'auto' },
      'batch-size': { type: 'string', default: '50' },
      'parts-in-flight': { type: 'string', default: '3' },
      finalize: { type: 'string', default: 'auto' },
    },
    strict: true,
  }));
  for (const k of ['api', 'token', 'order', 'dir']) if (!values[k]) throw new Error(`--${k} is required`);
  if (!['auto', 'single', 'batch'].includes(values.intents)) throw new Error('--intents must be auto, single or batch');
  if (!['auto', 'single', 'batch'].includes(values.finalize)) throw new Error('--finalize must be auto, single or batch');
} catch (e) {
  process.stderr.write(`baseline: ${e.message}\n`);
  process.exit(2);
}
const api = values.api.replace(/\/+$/, '');
const concurrency = Math.max(1, Number(values.concurrency));
const intentRate = Number(values['intent-rate']);
const batchSize = Math.max(1, Number(values['batch-size']));
const partsInFlight = Math.max(1, Number(values['parts-in-flight']));
const auth = { authorization: `Bearer ${values.token}` };
const agent = new Agent({ keepAliveTimeout: 30_000, connections: 16 });

const stats = { rate_limited: 0, retries: 0, failed: 0, errors: [] };
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// ---- before the clock: the file list and the checksums ----------------------------------------------
async function walk(dir) {
  const out = [];
  for (const r of await filesUnder(dir)) {
    const name = r.slice(r.lastIndexOf('/') + 1);
    const ext = path.extname(name).slice(1).toLowerCase();
    if (!MIME[ext]) continue;
    const abs = path.join(dir, r);
    out.push({ rel: r, abs, name, mime: MIME[ext], room: r.includes('/') ? r.split('/')[0] : undefined, bytes: (await stat(abs)).size });
  }
  return out;
}
function sha256(file) {
  return new Promise((resolve, reject) => {
    const h = createHash('sha256');
    createReadStream(file, { highWaterMark: 1024 * 1024 })
      .on('data', (c) => h.update(c))
      .on('error', reject)
      .on('end', () => resolve(h.digest('hex')));
  });
}
const files = await walk(values.dir);
const tHash = process.hrtime.bigint();
for (const f of files) f.checksum = await sha256(f.abs);
const hash_s = Number(process.hrtime.bigint() - tHash) / 1e9;

// ---- HTTP -----------------------------------------------------------------------------------------------
class HttpError extends Error {
  constructor(op, status, text, headers) {
    super(`${op} → ${status} ${text.slice(0, 200)}`);
    this.status = status;
    this.headers = headers;
    try {
      this.code = JSON.parse(text)?.error?.code;
    } catch {}
  }
}
async function postJson(p, body) {
  const res = await request(api + p, {
    method: 'POST',
    headers: { ...auth, 'content-type': 'application/json', accept: 'application/json' },
    body: JSON.stringify(body),
    dispatcher: agent,
  });
  const text = await res.body.text();
  if (res.statusCode >= 300) throw new HttpError(`POST ${p}`, res.statusCode, text, res.headers);
  return text ? JSON.parse(text) : {};
}
async function put(url, headers, file, start, length) {
  const body = createReadStream(file, { start, end: start + length - 1, highWaterMark: 1024 * 1024 });
  const res = await request(url, {
    method: 'PUT',
    headers: { ...headers, 'content-length': String(length) },
    body,
    dispatcher: agent,
  });
  const text = await res.body.text();
  if (res.statusCode >= 300) throw new HttpError('PUT', res.statusCode, text, res.headers);
  const etag = res.headers.etag;
  return (Array.isArray(etag) ? etag[0] : etag) ?? '';
}
function retryAfterMs(e) {
  const h = Number(e.headers?.['retry-after']);
  return (Number.isFinite(h) && h > 0 ? h : 1) * 1000;
}
/** Runs `fn`; 429 → wait Retry-After and again (not counted as a failure); network/5xx → up to 3 retries. */
async function withRetry(fn) {
  for (let attempt = 0; ; attempt++) {
    try {
      return await fn();
    } catch (e) {
      if (e instanceof HttpError && e.status === 429) {
        stats.rate_limited++;
        await sleep(retryAfterMs(e));
        attempt--;
        continue;
      }
      const transient = !(e instanceof HttpError) || e.status >= 500;
      if (!transient || attempt >= 3) throw e;
      stats.retries++;
      await sleep(500 * 2 ** attempt);
    }
  }
}

// ---- intents: one by one (paced) or in batches ----------------------------------------------------------
let nextSlot = 0;
async function pace() {
  if (!(intentRate > 0)) return;
  const interval = (1000 / intentRate) * 1.02;
  const now = performance.now();
  const slot = Math.max(now, nextSlot);
  nextSlot = slot + interval;
  if (slot > now) await sleep(slot - now);
}
function intentBody(f) {
  const b = { filename: f.name, mime: f.mime, bytes: f.bytes, checksum: f.checksum };
  if (f.room) b.room_type = f.room;
  return b;
}
async function singleIntent(f) {
  return withRetry(async () => {
    await pace();
    return postJson('/api/uploads/intent', { ...intentBody(f), order_id: values.order });
  });
}

/**
 * Batch intents (POST /api/uploads/intents). The request carries the order once and the files as the
 * single route takes them; the answer's first array (intents | results | items | uploads | files) holds one
 * entry per file, in order: an intent answer, or {error: {...}}. Kept in one place so it can follow the
 * route's final shape.
 */
async function batchIntents(batch) {
  const res = await withRetry(async () => {
    await pace();
    return postJson('/api/uploads/intents', { order_id: values.order, files: batch.map(intentBody) });
  });
  const list = ['intents', 'results', 'items', 'uploads', 'files'].map((k) => res[k]).find(Array.isArray) ?? (Array.isArray(res) ? res : null);
  if (!list || list.length !== batch.length) throw new Error(`batch intents: answer not understood (${JSON.stringify(res).slice(0, 200)})`);
  return list.map((x) => (x && typeof x === 'object' && 'intent' in x ? x.intent : x));
}

/** Whether the server has the route `p` (an empty body is answered 400 by a route that exists). */
async function hasRoute(p) {
  const res = await request(api + p, {
    method: 'POST',
    headers: { ...auth, 'content-type': 'application/json' },
    body: '{}',
    dispatcher: agent,
  });
  await res.body.dump();
  return res.statusCode !== 404 && res.statusCode !== 405;
}
const useBatch = values.intents === 'auto' ? await hasRoute('/api/uploads/intents') : values.intents === 'batch';
const useFinalizeBatch = values.finalize === 'auto' ? await hasRoute('/api/uploads/finalize-batch') : values.finalize === 'batch';

// ---- finalize: one by one, or collected into batches (≤ FINALIZE_BATCH files, ≤ FINALIZE_WINDOW_MS) ---------
const FINALIZE_BATCH = 50;
const FINALIZE_WINDOW_MS = 100;
let finQueue = [];
let finTimer = null;
const finPending = [];
function finalizeBody(f, intent) {
  return { object_key: intent.object_key, bytes: f.bytes, checksum: f.checksum };
}
function flushFinalizes() {
  clearTimeout(finTimer);
  finTimer = null;
  const batch = finQueue;
  finQueue = [];
  if (!batch.length) return;
  withRetry(() => postJson('/api/uploads/finalize-batch', { files: batch.map((w) => w.body) })).then(
    (res) => {
      const list = Array.isArray(res.results) ? res.results : [];
      batch.forEach((w, i) => {
        const a = list[i];
        if (a && !a.error) w.resolve(a);
        else w.reject(new Error(`finalize ${w.body.object_key}: ${a?.error?.code ?? 'no answer'} ${a?.error?.message ?? ''}`));
      });
    },
    (e) => batch.forEach((w) => w.reject(e)),
  );
}
/** Queues the file's finalize into the next batch; the promise settles with its item's answer. */
function finalizeBatched(body) {
  const p = new Promise((resolve, reject) => finQueue.push({ body, resolve, reject }));
  if (finQueue.length >= FINALIZE_BATCH) flushFinalizes();
  else finTimer ??= setTimeout(flushFinalizes, FINALIZE_WINDOW_MS);
  return p;
}

// The queue of files; in batch mode intents are fetched ahead, one batch at a time, as workers need them.
const queue = files.slice();
const ready = [];
let fetching = null;
async function nextJob() {
  if (!useBatch) {
    const f = queue.shift();
    return f ? { f, intent: null } : null;
  }
  for (;;) {
    if (ready.length) return ready.shift();
    if (!queue.length && !fetching) return null;
    if (!fetching) {
      const batch = queue.splice(0, batchSize);
      fetching = batchIntents(batch)
        .then((answers) => batch.forEach((f, i) => ready.push({ f, intent: answers[i] })))
        .finally(() => {
          fetching = null;
        });
    }
    await fetching;
  }
}

// ---- one file --------------------------------------------------------------------------------------------
async function uploadFile(f, intent) {
  intent ??= await singleIntent(f);
  if (intent.error) throw new Error(`intent ${f.rel}: ${intent.error.code} ${intent.error.message ?? ''}`);
  if (intent.existing_file_id) return; // nothing to send (does not happen with a fresh order)
  if (intent.multipart) {
    const { upload_id, part_size, parts } = intent.multipart;
    const urls = new Map(parts.map((p) => [p.part_number, p.url]));
    const total = Math.max(1, Math.ceil(f.bytes / part_size));
    const missing = [];
    for (let n = 1; n <= total; n++) if (!urls.has(n)) missing.push(n);
    if (missing.length) {
      const more = await withRetry(() =>
        postJson('/api/uploads/multipart/parts', { object_key: intent.object_key, upload_id, part_numbers: missing }),
      );
      for (const p of more.parts) urls.set(p.part_number, p.url);
    }
    const etags = [];
    let next = 1;
    const partWorker = async () => {
      while (next <= total) {
        const n = next++;
        const start = (n - 1) * part_size;
        const length = Math.min(part_size, f.bytes - start);
        etags.push({ part_number: n, etag: await withRetry(() => put(urls.get(n), {}, f.abs, start, length)) });
      }
    };
    await Promise.all(Array.from({ length: Math.min(partsInFlight, total) }, partWorker));
    etags.sort((a, b) => a.part_number - b.part_number);
    await withRetry(() => postJson('/api/uploads/multipart/complete', { object_key: intent.object_key, upload_id, parts: etags }));
  } else {
    await withRetry(() => put(intent.signed_url, intent.headers ?? {}, f.abs, 0, f.bytes));
  }
  if (useFinalizeBatch) {
    // The slot is free for the next file while this one waits for its batch (as in piximmo's engine).
    const p = finalizeBatched(finalizeBody(f, intent)).catch((e) => {
      stats.failed++;
      if (stats.errors.length < 5) stats.errors.push(`${f.rel}: ${e.message}`);
    });
    finPending.push(p);
    return;
  }
  await withRetry(() => postJson('/api/uploads/finalize', finalizeBody(f, intent)));
}

// ---- the clock -----------------------------------------------------------------------------------------
const cpu0 = process.cpuUsage();
const t0 = process.hrtime.bigint();
await Promise.all(
  Array.from({ length: concurrency }, async () => {
    for (let job = await nextJob(); job; job = await nextJob()) {
      try {
        await uploadFile(job.f, job.intent);
      } catch (e) {
        stats.failed++;
        if (stats.errors.length < 5) stats.errors.push(`${job.f.rel}: ${e.message}`);
      }
    }
  }),
);
flushFinalizes();
await Promise.all(finPending);
const wall_s = Number(process.hrtime.bigint() - t0) / 1e9;
const cpu = process.cpuUsage(cpu0);
await agent.close();
const result = {
  wall_s,
  data_cpu_s: (cpu.user + cpu.system) / 1e6,
  hash_s,
  files: files.length,
  bytes: files.reduce((s, f) => s + f.bytes, 0),
  intents: useBatch ? 'batch' : 'single',
  finalizes: useFinalizeBatch ? 'batch' : 'single',
  ...stats,
};
process.stdout.write(`${JSON.stringify(result)}\n`);
process.exit(stats.failed ? 1 : 0);
