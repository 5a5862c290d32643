/**
 * Issue 13, tests 3 and 4 — seed 000's error table in a real browser, through the fault proxy in front of
 * the local server (signed URLs follow the request's origin, so the page's PUTs pass the proxy too), with
 * faults chosen per request by the proxy's `decide` hook:
 * - a PUT answered 410 → the page fetches a new intent and succeeds;
 * - a PUT that never reaches storage ('lost': the proxy answers 200 itself) → finalize 409 → the item goes
 *   back to „wartet…", is uploaded again and registered;
 * - the network cut for every PUT → backoff, then „fehlgeschlagen"; after the cut „Erneut versuchen" → registered;
 * - „Abbrechen" on a running (throttled) upload stops it: the PUT never completes, no finalize, nothing listed.
 * Skips with a message without /usr/bin/chromium.
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FileListResponse } from '../../src/contract/api.js';
import { CHROMIUM_MISSING, chromiumAvailable } from '../helpers/browser.js';
import type { FaultKind, FaultProxy } from '../helpers/fault-proxy.js';
import { historyOf, recordRequests, signIn, startRig, waitForState, type WebRig } from './_page.js';

if (!chromiumAvailable) console.warn(CHROMIUM_MISSING);

/** A small valid-looking JPEG body (the server checks type by extension, bytes by SHA-256). */
function photo(dir: string, name: string, bytes = 64 * 1024): string {
  const p = join(dir, name);
  writeFileSync(p, Buffer.concat([Buffer.from([0xff, 0xd8, 0xff, 0xe0]), randomBytes(bytes - 6), Buffer.from([0xff, 0xd9])]));
  return p;
}

async function listed(rig: WebRig): Promise<string[]> {
  const r = await fetch(`${rig.server.url}/api/orders/ORD-1/files`, { headers: { Authorization: 'Bearer tok-alice' } });
  return ((await r.json()) as FileListResponse).files.map((f) => f.filename);
}

describe.skipIf(!chromiumAvailable)('web uploader: seed 000 error table through the fault proxy', () => {
  let rig: WebRig;
  let proxy: FaultProxy;
  let page: Page;
  let tmp: string;
  /** PUT faults to apply, in order, to the next PUTs. */
  let putFaults: FaultKind[] = [];
  let cut = false;

  beforeAll(async () => {
    tmp = mkdtempSync(join(tmpdir(), 'piximmo-web-faults-'));
    rig = await startRig({ proxy: true });
    proxy = rig.proxy!;
    proxy.decide = (e) => {
      if (e.kind !== 'put') return null;
      if (cut) return 'drop';
      return putFaults.shift() ?? null;
    };
    page = await rig.browser.context.newPage();
    await signIn(page, rig.base);
    await page.goto(`${rig.base}/app/orders/ORD-1`);
  });
  afterAll(async () => {
    await rig?.close();
    if (tmp) rmSync(tmp, { recursive: true, force: true });
  });

  it('PUT 410 → a new intent, then registered', async () => {
    putFaults = ['expire'];
    const rec = recordRequests(page);
    await page.locator('#file-input').setInputFiles(photo(tmp, 'expired-url.jpg'));
    await waitForState(page, 'expired-url.jpg', 'registered');
    rec.stop();
    expect(rec.list.filter((l) => l === 'POST /api/uploads/intent')).toHaveLength(2);
    expect(proxy.log.filter((e) => e.kind === 'put' && e.fault === 'expire')).toHaveLength(1);
    expect(await historyOf(page, 'expired-url.jpg')).toEqual(['waiting', 'uploading', 'uploaded', 'registered']);
    expect(await listed(rig)).toContain('expired-url.jpg');
  });

  it('finalize 409 → back to „wartet…", uploaded again, registered', async () => {
    putFaults = ['lost'];
    const rec = recordRequests(page);
    await page.locator('#file-input').setInputFiles(photo(tmp, 'lost-object.jpg'));
    await waitForState(page, 'lost-object.jpg', 'registered');
    rec.stop();
    expect(await historyOf(page, 'lost-object.jpg')).toEqual(['waiting', 'uploading', 'uploaded', 'waiting', 'uploading', 'uploaded', 'registered']);
    expect(rec.list.filter((l) => l === 'POST /api/uploads/finalize')).toHaveLength(2);
    const finals = proxy.log.filter((e) => e.kind === 'finalize').map((e) => e.status);
    expect(finals.slice(-2)).toEqual([409, 200]);
    expect(await listed(rig)).toContain('lost-object.jpg');
  });

  it('network cut → backoff, „fehlgeschlagen"; „Erneut versuchen" after the cut → registered', async () => {
    cut = true;
    const rec = recordRequests(page);
    await page.locator('#file-input').setInputFiles(photo(tmp, 'hotel-wifi.jpg', 512 * 1024));
    await waitForState(page, 'hotel-wifi.jpg', 'failed');
    rec.stop();
    const row = page.locator('#queue .item[data-name="hotel-wifi.jpg"]');
    await expect(row.locator('.item-status').textContent()).resolves.toBe('fehlgeschlagen');
    await expect(row.locator('.item-detail').textContent()).resolves.toBe('Keine Verbindung zum Server.');
    // The first try and 3 retries with backoff, each with a new intent (seed 000: "Retry mit neuer
    // signed_url"); Chromium itself may resend a PUT whose reused connection was reset, hence >= at the proxy.
    expect(rec.list.filter((l) => l === 'POST /api/uploads/intent')).toHaveLength(4);
    expect(rec.list.filter((l) => l.startsWith('PUT /upload/'))).toHaveLength(4);
    expect(proxy.log.filter((e) => e.kind === 'put' && e.fault === 'drop').length).toBeGreaterThanOrEqual(4);
    expect(await listed(rig)).not.toContain('hotel-wifi.jpg');
    mkdirSync('test-results', { recursive: true });
    await page.screenshot({ path: 'test-results/web-uploader-failed.png', fullPage: true });
    cut = false;
    await row.getByRole('button', { name: /^Erneut versuchen/ }).click();
    await waitForState(page, 'hotel-wifi.jpg', 'registered');
    expect(await listed(rig)).toContain('hotel-wifi.jpg');
  });

  it('„Abbrechen" on a running upload stops it; nothing of it is listed', async () => {
    // 32 MiB at 1 MB/s: far more than the socket buffers between browser and proxy hold, so the upload is
    // really still running when „Abbrechen" is pressed.
    const size = 32 * 1024 * 1024;
    proxy.opts.throttleBps = 1_000_000;
    const rec = recordRequests(page);
    await page.locator('#file-input').setInputFiles(photo(tmp, 'too-slow.jpg', size));
    await waitForState(page, 'too-slow.jpg', 'uploading');
    const row = page.locator('#queue .item[data-name="too-slow.jpg"]');
    const until = Date.now() + 30_000;
    while (Number(await row.locator('progress').getAttribute('value')) <= 0 && Date.now() < until) await page.waitForTimeout(100);
    expect(Number(await row.locator('progress').getAttribute('value'))).toBeGreaterThan(0);
    await row.getByRole('button', { name: /^Abbrechen/ }).click();
    await waitForState(page, 'too-slow.jpg', 'cancelled');
    await expect(row.locator('.item-status').textContent()).resolves.toBe('abgebrochen');
    await page.waitForTimeout(1500);
    rec.stop();
    proxy.opts.throttleBps = undefined;
    expect(rec.list.filter((l) => l === 'POST /api/uploads/finalize')).toEqual([]);
    const put = proxy.log.filter((e) => e.kind === 'put').at(-1)!;
    expect(put.status).toBe(0); // the connection ended before the server answered
    expect(put.bytesForwarded).toBeLessThan(size);
    expect(await listed(rig)).not.toContain('too-slow.jpg');
    await expect(row.getByRole('button', { name: /^Ausblenden/ }).isVisible()).resolves.toBe(true);
    await page.screenshot({ path: 'test-results/web-uploader-cancelled.png', fullPage: true });
  });
});
