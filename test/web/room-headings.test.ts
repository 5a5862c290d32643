/**
 * The order page's room headings (SPEC v2 `room_label`: the room folder's name as written): the folder's name,
 * followed by the room's own name only when the two read differently — „Schlafzimmer 2 (Schlafzimmer)", but
 * „Wohnzimmer", not „Wohnzimmer (Wohnzimmer)" (seen on a CLI upload of a folder named Wohnzimmer). Real local
 * server, files registered through the API as the CLI does, Debian's Chromium.
 */
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CHROMIUM_MISSING, chromiumAvailable } from '../helpers/browser.js';
import { randomBytes, uploadFile } from '../server/_client.js';
import { signIn, startRig, type WebRig } from './_page.js';

if (!chromiumAvailable) console.warn(CHROMIUM_MISSING);

describe.skipIf(!chromiumAvailable)('web gallery: room headings', () => {
  let rig: WebRig;
  let page: Page;
  beforeAll(async () => {
    rig = await startRig();
    page = await rig.browser.context.newPage();
    const file = (filename: string, room_type: string, room_label: string) => uploadFile(rig.server.url, randomBytes(500), { filename, room_type, room_label, stack_id: 'g001' });
    await file('a.jpg', 'livingroom', 'Wohnzimmer');
    await file('b.jpg', 'bedroom', 'Schlafzimmer 2');
    await file('c.jpg', 'kitchen', 'KÜCHE ');
  });
  afterAll(async () => {
    await rig?.close();
  });

  it('the folder name once when it is the room\'s own name (any case), with the room\'s name when not', async () => {
    await signIn(page, rig.base);
    await page.goto(`${rig.base}/app/orders/ORD-1`);
    await page.waitForSelector('#gallery .room', { timeout: 30_000 });
    const titles = await page.evaluate(`Object.fromEntries([...document.querySelectorAll('#gallery .room')].map((r) => [r.dataset.room, r.querySelector('.room-title').textContent]))`);
    expect(titles).toEqual({ livingroom: 'Wohnzimmer', bedroom: 'Schlafzimmer 2 (Schlafzimmer)', kitchen: 'KÜCHE ' });
  });
});
