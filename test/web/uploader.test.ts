/**
 * Issue 13, tests 1, 2 and 6 — the web uploader in a real browser (Debian's Chromium via playwright-core):
 * sign in, open ORD-1, choose 10 sample files with the picker (setInputFiles) and drop 2 more (a synthetic
 * drop event with a DataTransfer): all twelve reach „registriert", the list reloads after finalizes, the
 * server lists them with the samples' SHA-256, and the page shows them grouped by room and stack (a
 * screenshot is kept in test-results/). A .txt and a 300 MB file are refused with their reasons before any
 * request. The gallery shows the previews (placeholders while processing), downloads the original and
 * deletes after a confirmation. A 24 MiB file goes through the multipart routes (threshold and part size
 * lowered to 8 MiB on this server) and through the worker's incremental SHA-256 (above 16 MiB); „Abbrechen"
 * on a multipart upload aborts it on the server. The drop zone opens the picker on Enter and Space.
 * Skips with a message without /usr/bin/chromium or without ../shared/samples.
 */
import { createHash, randomBytes } from 'node:crypto';
import { closeSync, mkdirSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync, ftruncateSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FileChooser, Page, Request, Route } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FileListResponse } from '../../src/contract/api.js';
import { CHROMIUM_MISSING, chromiumAvailable } from '../helpers/browser.js';
import { waitForFiles } from '../helpers/processing.js';
import { dropFiles, expectedSamples, haveSamples, recordRequests, SAMPLES, SAMPLES_MISSING, signIn, startRig, waitForCount, waitForRegistered, waitForState, type WebRig } from './_page.js';

if (!chromiumAvailable) console.warn(CHROMIUM_MISSING);
if (!haveSamples) console.warn(SAMPLES_MISSING);

const PICKED_LIVING = ['cameras/canon-dslr.jpg', 'cameras/exiftool-Apple.jpg', 'cameras/exiftool-Canon.jpg', 'cameras/exiftool-Nikon.jpg', 'cameras/img_1771.jpg', 'phones/IMG_20180725_163423.jpg'];
const PICKED_KITCHEN = ['phones/heic-iphone7.heic', 'phones/png_with_exif_and_gps.png', 'raw/exiftool-DNG.dng', 'video/exiftool-QuickTime.mov'];
const DROPPED = ['cameras/exiftool-Sony.jpg', 'phones/heic-iphone.heic'];
const base = (p: string) => p.split('/').pop()!;

describe.skipIf(!chromiumAvailable || !haveSamples)('web uploader: twelve samples into ORD-1', () => {
  let rig: WebRig;
  let page: Page;
  let tmp: string;
  const filesRequests: string[] = [];

  beforeAll(async () => {
    tmp = mkdtempSync(join(tmpdir(), 'piximmo-web-'));
    rig = await startRig({ server: { multipartThreshold: 8 * 1024 * 1024, partSize: 8 * 1024 * 1024 } });
    page = await rig.browser.context.newPage();
    page.on('request', (r) => {
      if (r.method() === 'GET' && new URL(r.url()).pathname === '/api/orders/ORD-1/files') filesRequests.push(r.url());
    });
  });
  afterAll(async () => {
    await rig?.close();
    if (tmp) rmSync(tmp, { recursive: true, force: true });
  });

  it('signs in, uploads 10 picked + 2 dropped files; all registered, listed with the right checksums', async () => {
    await signIn(page, rig.base);
    await page.getByRole('link', { name: 'Auftrag ORD-1' }).first().click();
    await page.waitForURL(/\/app\/orders\/ORD-1$/);
    await expect(page.getByRole('button', { name: 'Dateien auswählen' }).isVisible()).resolves.toBe(true);
    await expect(page.locator('#dropzone').textContent()).resolves.toContain('Dateien hierher ziehen');

    // Uploads at once: PUTs in flight, as the browser sends them (server setting WEB_CONCURRENCY, default 4).
    let inFlight = 0;
    let maxInFlight = 0;
    const isPut = (r: Request) => r.method() === 'PUT' && new URL(r.url()).pathname.startsWith('/upload/');
    page.on('request', (r) => {
      if (isPut(r)) maxInFlight = Math.max(maxInFlight, ++inFlight);
    });
    const done = (r: Request) => {
      if (isPut(r)) inFlight--;
    };
    page.on('requestfinished', done);
    page.on('requestfailed', done);
    await page.selectOption('#room', 'livingroom');
    await page.fill('#stack', 'g001');
    await page.locator('#file-input').setInputFiles(PICKED_LIVING.map((p) => join(SAMPLES, p)));
    await page.selectOption('#room', 'kitchen');
    await page.fill('#stack', 'g002');
    await page.locator('#file-input').setInputFiles(PICKED_KITCHEN.map((p) => join(SAMPLES, p)));
    await page.selectOption('#room', 'bathroom');
    await page.fill('#stack', '');
    await dropFiles(page, DROPPED.map((p) => ({ name: base(p), type: p.endsWith('.heic') ? 'image/heic' : 'image/jpeg', data: readFileSync(join(SAMPLES, p)) })));

    // The queue shows every item with name, size, progress and the seed's status word.
    await expect(page.locator('#queue .item').count()).resolves.toBe(12);
    // While files are processing the gallery shows a placeholder for their preview.
    let pendingSeen = 0;
    const until = Date.now() + 120_000;
    while ((await page.locator('#queue .item[data-state="registered"]').count()) < 12 && Date.now() < until) {
      pendingSeen = Math.max(pendingSeen, await page.locator('#gallery .placeholder[data-preview="pending"]').count());
      await page.waitForTimeout(100);
    }
    await waitForRegistered(page, 12);
    expect(pendingSeen).toBeGreaterThan(0);
    expect(maxInFlight).toBeGreaterThanOrEqual(1);
    expect(maxInFlight).toBeLessThanOrEqual(4);
    const rows = page.locator('#queue .item');
    for (let i = 0; i < 12; i++) {
      const row = rows.nth(i);
      await expect(row.locator('.item-status').textContent()).resolves.toBe('registriert');
      const bar = row.locator('progress');
      expect(Number(await bar.getAttribute('value'))).toBe(Number(await bar.getAttribute('max')));
      const history = ((await row.getAttribute('data-history')) ?? '').split(' ');
      expect(history).toEqual(['waiting', 'uploading', 'uploaded', 'registered']);
    }
    await expect(page.locator('#queue-summary').textContent()).resolves.toBe('12 von 12 registriert');

    // The server lists all twelve with the samples' SHA-256, in the rooms and stacks chosen on the page.
    const expected = expectedSamples();
    const r = await fetch(`${rig.server.url}/api/orders/ORD-1/files`, { headers: { Authorization: 'Bearer tok-alice' } });
    const { files } = (await r.json()) as FileListResponse;
    expect(files).toHaveLength(12);
    const byName = new Map(files.map((f) => [f.filename, f]));
    for (const [list, room, stack] of [[PICKED_LIVING, 'livingroom', 'g001'], [PICKED_KITCHEN, 'kitchen', 'g002'], [DROPPED, 'bathroom', 's000']] as const) {
      for (const p of list) {
        const f = byName.get(base(p));
        expect(f, p).toBeDefined();
        expect(f!.checksum, p).toBe(expected[p].sha256);
        expect(f!.bytes, p).toBe(expected[p].bytes);
        expect([f!.room_type, f!.stack_id], p).toEqual([room, stack]);
      }
    }

    // The list reloaded from the server after finalizes; the gallery shows the twelve, grouped.
    expect(filesRequests.length).toBeGreaterThanOrEqual(2);
    await waitForCount(page, '#gallery .tile', 12);
    const groups = await page.evaluate(
      `[...document.querySelectorAll('#gallery .room')].map((r) => [r.dataset.room, r.querySelector('.room-title').textContent, [...r.querySelectorAll('.stack')].map((s) => [s.dataset.stack, s.querySelectorAll('.tile').length])])`,
    );
    expect(groups).toEqual([
      ['livingroom', 'Wohnzimmer', [['g001', 6]]],
      ['kitchen', 'Küche', [['g002', 4]]],
      ['bathroom', 'Bad', [['s000', 2]]],
    ]);
    await expect(page.locator('#gallery-count').textContent()).resolves.toMatch(/^12 Dateien · /);
    mkdirSync('test-results', { recursive: true });
    await page.screenshot({ path: 'test-results/web-uploader-ORD-1.png', fullPage: true });
  }, 180_000);

  it('the gallery shows the previews grouped by room and stack; download and delete (with confirmation)', async () => {
    // Previews come from the processing queue (SPEC v2 "Previews"); the page asks again while they are pending.
    const expected = expectedSamples();
    // (waitForFiles retries a listing whose keep-alive connection the busy isolate dropped meanwhile.)
    const listing = () => waitForFiles(rig.server.url, 'tok-alice', 'ORD-1', { statuses: ['uploaded', 'processing', 'ready', 'failed', 'infected'] });
    const files = await waitForFiles(rig.server.url, 'tok-alice', 'ORD-1', { timeoutMs: 150_000 });
    expect(files.filter((f) => f.status !== 'ready')).toEqual([]);
    const withPreview = files.filter((f) => (f.previews ?? []).length > 0).map((f) => f.filename).sort();
    // JPEG, PNG and HEIC (phones and cameras) all have previews; the video has none.
    for (const name of ['canon-dslr.jpg', 'exiftool-Sony.jpg', 'png_with_exif_and_gps.png', 'heic-iphone.heic', 'heic-iphone7.heic', 'IMG_20180725_163423.jpg']) {
      expect(withPreview, name).toContain(name);
    }
    expect(withPreview).not.toContain('exiftool-QuickTime.mov');
    await waitForCount(page, '#gallery .tile .thumb img', withPreview.length, 60_000);
    // The thumbnails load lazily: bring each into view, then wait until every one has decoded.
    const imgs = page.locator('#gallery .tile .thumb img');
    for (let i = 0; i < (await imgs.count()); i++) await imgs.nth(i).scrollIntoViewIfNeeded();
    const loaded = `[...document.querySelectorAll('#gallery .thumb img')].every((i) => i.complete && i.naturalWidth > 0)`;
    const decodeBy = Date.now() + 30_000;
    while (!(await page.evaluate(loaded)) && Date.now() < decodeBy) await page.waitForTimeout(200);
    const shown = await page.evaluate(
      `[...document.querySelectorAll('#gallery .tile')].map((t) => { const img = t.querySelector('.thumb img'); return [t.closest('.room').dataset.room, t.closest('.stack').dataset.stack, t.dataset.name, img ? (img.complete && img.naturalWidth > 0 ? 'image' : 'broken') : t.querySelector('.placeholder').dataset.preview]; })`,
    ) as [string, string, string, string][];
    expect(shown.filter(([, , , kind]) => kind === 'image').map(([, , n]) => n).sort()).toEqual(withPreview);
    expect(shown.find(([, , n]) => n === 'exiftool-QuickTime.mov')).toEqual(['kitchen', 'g002', 'exiftool-QuickTime.mov', 'none']);
    expect(shown.find(([, , n]) => n === 'heic-iphone.heic')?.slice(0, 2)).toEqual(['bathroom', 's000']);
    mkdirSync('test-results', { recursive: true });
    await page.screenshot({ path: 'test-results/web-gallery-ORD-1.png', fullPage: true });

    // Download: the original's bytes, under its own name.
    const tile = (name: string) => page.locator(`#gallery .tile[data-name="${name}"]`);
    const dl = page.waitForEvent('download');
    await tile('canon-dslr.jpg').getByRole('button', { name: /^Herunterladen/ }).click();
    const download = await dl;
    expect(download.suggestedFilename()).toBe('canon-dslr.jpg');
    const saved = join(tmp, 'downloaded.jpg');
    await download.saveAs(saved);
    expect(createHash('sha256').update(readFileSync(saved)).digest('hex')).toBe(expected['cameras/canon-dslr.jpg'].sha256);

    // Delete asks first; „Abbrechen" keeps the file, „Endgültig löschen" removes it.
    const dialog = page.locator('#confirm-delete');
    await tile('exiftool-Apple.jpg').getByRole('button', { name: /^Löschen/ }).click();
    await expect(dialog.getAttribute('open')).resolves.toBe('');
    await expect(dialog.locator('#confirm-text').textContent()).resolves.toBe('„exiftool-Apple.jpg“ wird aus dem Auftrag entfernt.');
    await dialog.getByRole('button', { name: 'Abbrechen' }).click();
    await expect(dialog.getAttribute('open')).resolves.toBeNull();
    expect((await listing()).map((f) => f.filename)).toContain('exiftool-Apple.jpg');
    await tile('exiftool-Apple.jpg').getByRole('button', { name: /^Löschen/ }).click();
    await dialog.getByRole('button', { name: 'Endgültig löschen' }).click();
    const gone = Date.now() + 30_000;
    while ((await tile('exiftool-Apple.jpg').count()) > 0 && Date.now() < gone) await page.waitForTimeout(100);
    await expect(tile('exiftool-Apple.jpg').count()).resolves.toBe(0);
    expect((await listing()).map((f) => f.filename)).not.toContain('exiftool-Apple.jpg');
    await expect(page.locator('#gallery-count').textContent()).resolves.toMatch(/^11 Dateien · /);
  }, 240_000);

  it('refuses a .txt and a 300 MB file with their reasons before any request', async () => {
    const txt = join(tmp, 'notes.txt');
    writeFileSync(txt, 'not a photo\n');
    const big = join(tmp, 'huge-video.mp4');
    const fd = openSync(big, 'w');
    ftruncateSync(fd, 300 * 1024 * 1024); // sparse: no 300 MB written to disk
    closeSync(fd);
    const rec = recordRequests(page);
    const rowsBefore = await page.locator('#queue .item').count();
    await page.locator('#file-input').setInputFiles([txt, big]);
    await page.waitForSelector('#rejected:not([hidden]) li[data-name="huge-video.mp4"]');
    const reasons = await page.locator('#rejected-list li').allInnerTexts();
    expect(reasons).toEqual([
      'notes.txt: Dateityp „.txt“ ist nicht erlaubt (erlaubt: JPG, JPEG, PNG, HEIC, DNG, MP4, MOV, CR2, CR3, NEF, ARW, RAF, RW2, ORF).',
      'huge-video.mp4: 300 MB ist größer als das Limit von 250 MB.',
    ]);
    await page.waitForTimeout(500);
    rec.stop();
    expect(rec.list).toEqual([]);
    await expect(page.locator('#queue .item').count()).resolves.toBe(rowsBefore);
  });

  it('sends a 24 MiB file through the multipart routes, hashed incrementally in the worker', async () => {
    const before = await page.locator('#queue .item[data-state="registered"]').count();
    const data = randomBytes(24 * 1024 * 1024);
    const file = join(tmp, 'drone-pano.dng');
    writeFileSync(file, data);
    const rec = recordRequests(page);
    await page.locator('#file-input').setInputFiles(file);
    await waitForRegistered(page, before + 1);
    rec.stop();
    const puts = rec.list.filter((l) => l.startsWith('PUT /upload/'));
    expect(puts).toHaveLength(3); // 3 parts of 8 MiB
    expect(rec.list).toContain('POST /api/uploads/multipart/complete');
    const r = await fetch(`${rig.server.url}/api/orders/ORD-1/files`, { headers: { Authorization: 'Bearer tok-alice' } });
    const f = ((await r.json()) as FileListResponse).files.find((x) => x.filename === 'drone-pano.dng');
    expect(f?.checksum).toBe(createHash('sha256').update(data).digest('hex'));
  }, 180_000);

  it('„Abbrechen" during a multipart upload aborts it on the server; nothing is listed', async () => {
    const file = join(tmp, 'cancel-me.dng');
    writeFileSync(file, randomBytes(20 * 1024 * 1024));
    // Hold the part PUTs in the browser, so the upload is surely running when „Abbrechen" is pressed.
    const held: Route[] = [];
    await page.route('**/upload/**', (route) => void held.push(route));
    const rec = recordRequests(page);
    await page.locator('#file-input').setInputFiles(file);
    await waitForState(page, 'cancel-me.dng', 'uploading');
    while (held.length === 0) await page.waitForTimeout(50);
    const abort = page.waitForResponse((r) => new URL(r.url()).pathname === '/api/uploads/multipart/abort');
    await page.locator('#queue .item[data-name="cancel-me.dng"]').getByRole('button', { name: /^Abbrechen/ }).click();
    expect((await abort).status()).toBe(204);
    await waitForState(page, 'cancel-me.dng', 'cancelled');
    await page.unroute('**/upload/**');
    for (const r of held) await r.abort().catch(() => undefined);
    rec.stop();
    expect(rec.list).not.toContain('POST /api/uploads/multipart/complete');
    expect(rec.list).not.toContain('POST /api/uploads/finalize');
    const r = await fetch(`${rig.server.url}/api/orders/ORD-1/files`, { headers: { Authorization: 'Bearer tok-alice' } });
    expect(((await r.json()) as FileListResponse).files.map((f) => f.filename)).not.toContain('cancel-me.dng');
  });

  it('the drop zone opens the file picker on Enter and on Space', async () => {
    // A standing listener (Playwright turns the browser's picker interception on asynchronously; a
    // listener added right before the key press can miss a picker that opens at once on a busy machine).
    const choosers: FileChooser[] = [];
    const onChooser = (fc: FileChooser) => choosers.push(fc);
    page.on('filechooser', onChooser);
    await page.reload();
    for (const key of ['Enter', 'Space']) {
      const before = choosers.length;
      await page.locator('#dropzone').focus();
      await page.keyboard.press(key);
      const until = Date.now() + 10_000;
      while (choosers.length === before && Date.now() < until) await page.waitForTimeout(50);
      expect(choosers.length, `${key} opened no file picker`).toBe(before + 1);
      expect(choosers[before].isMultiple()).toBe(true);
      await choosers[before].setFiles([]);
    }
    page.off('filechooser', onChooser);
  });
});
