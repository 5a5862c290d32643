/**
 * Issue 12, "Bad input and faults" of processing (SPEC v2 "File lifecycle", "Previews"), against the real
 * local server (Miniflare: R2, D1, Queue, Images) with files uploaded by the real CLI:
 * - a JPEG whose image data does not decode ends `failed` with a DECODE_FAILED reason — once, not in a
 *   loop — and its original object is untouched (same bytes, same SHA-256);
 * - EXIF orientation is applied: a 300×100 frame tagged "rotate 90° CW" gets portrait previews whose top
 *   is the frame's left edge;
 * - a job for a file deleted meanwhile ends quietly (status stays, no preview written);
 * - the preview route: PREVIEW_NOT_READY before processing, FILE_NOT_FOUND for another user's file,
 *   400 for an unknown size; the signed /preview URL: 403 when tampered, 410 after 15 minutes.
 */
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FileRecord, PreviewResponse } from '../../src/contract/api.js';
import { signPreviewToken } from '../../src/server/signers/preview-url.js';
import { CliEnv } from '../helpers/cli.js';
import { listFiles, waitForFiles, waitForStatus } from '../helpers/processing.js';
import { startTestServer, type TestServer } from '../helpers/server.js';

/** A JPEG whose markers are whole (SOI … EOI) but whose Huffman tables are missing: no decoder can read its pixels. */
async function undecodableJpeg(): Promise<Buffer> {
  const j = await sharp({ create: { width: 64, height: 48, channels: 3, background: '#808080' } }).jpeg().toBuffer();
  const out = [j.subarray(0, 2)];
  let i = 2;
  while (i < j.length) {
    const m = j[i + 1];
    const len = j.readUInt16BE(i + 2);
    if (m === 0xda) {
      out.push(j.subarray(i));
      break;
    }
    if (m !== 0xc4) out.push(j.subarray(i, i + 2 + len));
    i += 2 + len;
  }
  return Buffer.concat(out);
}

/** 300×100: left half red, right half blue, EXIF Orientation 6 (display rotated 90° clockwise). */
async function rotatedJpeg(): Promise<Buffer> {
  const raw = Buffer.alloc(300 * 100 * 3);
  for (let y = 0; y < 100; y++) {
    for (let x = 0; x < 300; x++) raw.set(x < 150 ? [255, 0, 0] : [0, 0, 255], (y * 300 + x) * 3);
  }
  return sharp(raw, { raw: { width: 300, height: 100, channels: 3 } }).jpeg({ quality: 95 }).withMetadata({ orientation: 6 }).toBuffer();
}

const sha256 = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');

describe('processing: faults, orientation, preview route', () => {
  let server: TestServer;
  let cli: CliEnv;
  let dir: string;
  let files: FileRecord[];
  let bad: Buffer;
  const alice = { authorization: 'Bearer tok-alice' };
  const byName = (n: string) => files.find((f) => f.filename === n)!;

  beforeAll(async () => {
    server = await startTestServer({ intentRate: 0, processingRetryDelay: 1 });
    cli = new CliEnv(server.url, 'tok-alice');
    dir = mkdtempSync(path.join(tmpdir(), 'piximmo-proc-'));
    bad = await undecodableJpeg();
    writeFileSync(path.join(dir, 'undecodable.jpg'), bad);
    writeFileSync(path.join(dir, 'rotated.jpg'), await rotatedJpeg());
    const r = await cli.run(['upload', dir, '--order', 'ORD-1', '--json']);
    expect(r.code, r.stderr).toBe(0);
    files = await waitForFiles(server.url, 'tok-alice', 'ORD-1', { timeoutMs: 90_000 });
  }, 180_000);

  afterAll(async () => {
    cli?.cleanup();
    rmSync(dir, { recursive: true, force: true });
    await server?.close();
  });

  it('an undecodable JPEG ends failed with a DECODE_FAILED reason, no previews; the original is untouched', async () => {
    const f = byName('undecodable.jpg');
    expect(f.status).toBe('failed');
    expect(f.status_reason).toMatch(/^DECODE_FAILED: /);
    expect(f.previews).toEqual([]);
    const bucket = await server.mf.getR2Bucket('BUCKET');
    const obj = await bucket.get(f.object_key);
    expect(obj).not.toBeNull();
    expect(sha256(new Uint8Array(await obj!.arrayBuffer()))).toBe(sha256(bad));
    const res = await fetch(`${server.url}/api/files/${f.file_id}/preview`, { headers: alice });
    expect(res.status).toBe(404);
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe('NO_PREVIEW');
    // Settled for good: some seconds later it is still failed with the same reason (no loop).
    await new Promise((r) => setTimeout(r, 3000));
    const again = (await listFiles(server.url, 'tok-alice', 'ORD-1')).find((x) => x.file_id === f.file_id)!;
    expect({ status: again.status, reason: again.status_reason }).toEqual({ status: 'failed', reason: f.status_reason });
  });

  it('applies the EXIF orientation: a landscape frame tagged 90° CW gets portrait previews, its left edge on top', async () => {
    const f = byName('rotated.jpg');
    expect(f.status).toBe('ready');
    const res = await fetch(`${server.url}/api/files/${f.file_id}/preview?size=original`, { headers: alice });
    const p = (await res.json()) as PreviewResponse;
    expect({ width: p.width, height: p.height }).toEqual({ width: 100, height: 300 });
    const jpeg = Buffer.from(await (await fetch(p.url)).arrayBuffer());
    const { data, info } = await sharp(jpeg).raw().toBuffer({ resolveWithObject: true });
    expect({ width: info.width, height: info.height }).toEqual({ width: 100, height: 300 });
    const px = (x: number, y: number) => [...data.subarray((y * info.width + x) * info.channels, (y * info.width + x) * info.channels + 3)];
    const [tr, , tb] = px(50, 40);
    const [br, , bb] = px(50, 260);
    expect(tr).toBeGreaterThan(200);
    expect(tb).toBeLessThan(60);
    expect(br).toBeLessThan(60);
    expect(bb).toBeGreaterThan(200);
    const small = (await (await fetch(`${server.url}/api/files/${f.file_id}/preview?size=small`, { headers: alice })).json()) as PreviewResponse;
    expect({ width: small.width, height: small.height }).toEqual({ width: 67, height: 200 });
  });

  it('a job for a file deleted meanwhile ends quietly: status kept, nothing written', async () => {
    const f = byName('rotated.jpg');
    const db = await server.mf.getD1Database('DB');
    const bucket = await server.mf.getR2Bucket('BUCKET');
    await db.prepare(`UPDATE files SET status = 'deleted', deleted_at = ?1 WHERE id = ?2`).bind(new Date().toISOString(), f.file_id).run();
    const rowOf = () => db.prepare('SELECT status, status_reason, updated_at FROM files WHERE id = ?1').bind(f.file_id).first<{ status: string; status_reason: string | null; updated_at: string }>();
    const before = await rowOf();
    for (const s of ['small', 'medium', 'large', 'original']) await bucket.delete(`previews/${f.file_id}/${s}.jpg`);
    const q = await server.mf.getQueueProducer<{ file_id: string }>('PREVIEW_QUEUE');
    await q.send({ file_id: f.file_id });
    // A second, live file behind it: once that one is ready, the first job has run.
    // (its own folder: the first one holds the failed and the deleted file, which a re-run reports)
    const liveDir = path.join(dir, 'later');
    mkdirSync(liveDir);
    writeFileSync(path.join(liveDir, 'later.jpg'), await sharp({ create: { width: 40, height: 30, channels: 3, background: '#00ff00' } }).jpeg().toBuffer());
    const r = await cli.run(['upload', liveDir, '--order', 'ORD-1', '--json']);
    expect(r.code, r.stderr).toBe(0);
    const later = (await listFiles(server.url, 'tok-alice', 'ORD-1')).find((x) => x.filename === 'later.jpg')!;
    expect((await waitForStatus(server.url, 'tok-alice', 'ORD-1', later.file_id)).status).toBe('ready');
    // Untouched by the job: same status, reason and update time as the moment it was deleted.
    expect(await rowOf()).toEqual(before);
    expect(before?.status).toBe('deleted');
    const listed = await bucket.list({ prefix: `previews/${f.file_id}/` });
    expect(listed.objects).toEqual([]);
    const res = await fetch(`${server.url}/api/files/${f.file_id}/preview`, { headers: alice });
    expect(res.status).toBe(404);
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe('FILE_NOT_FOUND');
  });

  it('preview route: PREVIEW_NOT_READY before processing, FILE_NOT_FOUND for another user, 400 for an unknown size', async () => {
    const db = await server.mf.getD1Database('DB');
    const now = new Date().toISOString();
    // A finalized file whose job has not run yet (inserted directly, no message sent).
    await db
      .prepare(
        `INSERT INTO files (id, user_id, order_id, object_key, filename, bytes, mime, room_type, stack_id, status, created_at, updated_at)
         VALUES ('f_waiting', 'alice', 'ORD-1', 'ORD-1/x/waiting.jpg', 'waiting.jpg', 1, 'image/jpeg', 'unsorted', 'g001', 'uploaded', ?1, ?1)`,
      )
      .bind(now)
      .run();
    const waiting = await fetch(`${server.url}/api/files/f_waiting/preview?size=small`, { headers: alice });
    expect(waiting.status).toBe(404);
    expect(((await waiting.json()) as { error: { code: string } }).error.code).toBe('PREVIEW_NOT_READY');

    const later = byName('undecodable.jpg');
    const ready = (await listFiles(server.url, 'tok-alice', 'ORD-1')).find((x) => x.filename === 'later.jpg')!;
    for (const id of [ready.file_id, later.file_id, 'f_nonexistent']) {
      const res = await fetch(`${server.url}/api/files/${id}/preview`, { headers: { authorization: 'Bearer tok-bob' } });
      expect(res.status, id).toBe(404);
      expect(((await res.json()) as { error: { code: string } }).error.code).toBe('FILE_NOT_FOUND');
    }
    const huge = await fetch(`${server.url}/api/files/${ready.file_id}/preview?size=huge`, { headers: alice });
    expect(huge.status).toBe(400);
  });

  it('signed preview URLs: tampered → 403, expired → 410, genuine → the JPEG', async () => {
    const f = (await listFiles(server.url, 'tok-alice', 'ORD-1')).find((x) => x.filename === 'later.jpg')!;
    const p = (await (await fetch(`${server.url}/api/files/${f.file_id}/preview?size=small`, { headers: alice })).json()) as PreviewResponse;
    expect((await fetch(p.url)).status).toBe(200);
    // Flip the MAC's first character between two values that differ in its high bits (the last character
    // of a base64url MAC carries unused low bits, so changing only those would not change the MAC).
    const dot = p.url.lastIndexOf('.');
    const tampered = `${p.url.slice(0, dot + 1)}${p.url[dot + 1] === 'A' ? 'g' : 'A'}${p.url.slice(dot + 2)}`;
    expect((await fetch(tampered)).status).toBe(403);
    const secret = readFileSync(path.join(server.stateDir, 'local-signing-secret'), 'utf8').trim();
    const old = await signPreviewToken(secret, { f: f.file_id, s: 'small', e: Math.floor(Date.now() / 1000) - 1 });
    const expired = await fetch(`${server.url}/preview/${old}`);
    expect(expired.status).toBe(410);
    expect(((await expired.json()) as { error: { code: string } }).error.code).toBe('URL_EXPIRED');
  });
});
