/**
 * Issue 16 on the web page: with a real private clamd behind the local server, the EICAR test file shows in
 * the order's gallery as „infiziert" with the signature (English: "infected"), without a preview, and its
 * „Herunterladen" is disabled; the clean sample beside it is „bereit" with its preview. A screenshot is kept
 * in test-results/. Skips, naming what is missing, without Chromium, the samples, or clamd/sigtool.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CHROMIUM_MISSING, chromiumAvailable } from '../helpers/browser.js';
import { type ClamdProcess, clamdSkipReason, clamdTitle, EICAR_SIGNATURE, eicarBytes, startTestClamd } from '../helpers/clamd.js';
import { uploadFile } from '../server/_client.js';
import { haveSamples, SAMPLES, SAMPLES_MISSING, signIn, startRig, type WebRig } from './_page.js';

if (!chromiumAvailable) console.warn(CHROMIUM_MISSING);
if (!haveSamples) console.warn(SAMPLES_MISSING);
const SIG = `${EICAR_SIGNATURE}.UNOFFICIAL`;

describe.skipIf(!chromiumAvailable || !haveSamples || clamdSkipReason() !== null)(clamdTitle('web gallery: an infected file shows „infiziert" with its signature'), () => {
  let clamd: ClamdProcess;
  let rig: WebRig;
  let page: Page;
  let bad: string;
  beforeAll(async () => {
    clamd = await startTestClamd();
    rig = await startRig({ server: { scanner: clamd.url } });
    page = await rig.browser.context.newPage();
    bad = (await uploadFile(rig.server.url, eicarBytes(), { filename: 'eicar.jpg', room_type: 'kitchen', stack_id: 'g001' })).fileId;
    await uploadFile(rig.server.url, new Uint8Array(readFileSync(join(SAMPLES, 'cameras/canon-dslr.jpg'))), { filename: 'canon-dslr.jpg', room_type: 'kitchen', stack_id: 'g002' });
  });
  afterAll(async () => {
    await rig?.close();
    await clamd?.dispose();
  });

  it('German: „infiziert" + signature, download disabled; the sample „bereit" with a preview', async () => {
    await signIn(page, rig.base);
    const tile = page.locator(`#gallery .tile[data-file-id="${bad}"]`);
    const good = page.locator('#gallery .tile[data-name="canon-dslr.jpg"]');
    // the gallery reloads while files are processing; reload ourselves until both have settled
    const end = Date.now() + 60_000;
    for (;;) {
      await page.goto(`${rig.base}/app/orders/ORD-1`);
      await page.waitForSelector('#gallery .tile', { timeout: 30_000 });
      const states = [await tile.getAttribute('data-status'), await good.getAttribute('data-status')];
      if (states[0] === 'infected' && states[1] === 'ready') break;
      if (Date.now() > end) throw new Error(`states ${states.join(', ')}`);
      await page.waitForTimeout(500);
    }
    await expect(tile.locator('.file-status').textContent()).resolves.toBe('infiziert');
    await expect(tile.locator('.file-reason').textContent()).resolves.toBe(SIG);
    await expect(tile.getByRole('button', { name: /^Herunterladen/ }).isDisabled()).resolves.toBe(true);
    await expect(tile.locator('.thumb img').count()).resolves.toBe(0);
    await expect(good.locator('.file-status').textContent()).resolves.toBe('bereit');
    await good.locator('.thumb img').waitFor({ timeout: 30_000 });
    await page.screenshot({ path: 'test-results/web-gallery-infected.png', fullPage: true });
  });

  it('English (the language switch): "infected" + signature', async () => {
    await page.getByRole('link', { name: 'English' }).click();
    await page.goto(`${rig.base}/app/orders/ORD-1`); // the choice is kept
    const tile = page.locator(`#gallery .tile[data-file-id="${bad}"]`);
    await tile.waitFor({ timeout: 30_000 });
    await expect(tile.locator('.file-status').textContent()).resolves.toBe('infected');
    await expect(tile.locator('.file-reason').textContent()).resolves.toBe(SIG);
  });
});
