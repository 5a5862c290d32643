/**
 * Shared pieces of the web page tests (not a test file): a local server (optionally behind the fault
 * proxy), Chromium (test/helpers/browser.ts), signing in through the page, reading the upload list's
 * states, counting the requests the page makes. Browser-side code is passed as strings (the test
 * tsconfig has no DOM types).
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Page, Request } from 'playwright-core';
import { samplesDir } from '../helpers/cli.js';
import { FaultProxy } from '../helpers/fault-proxy.js';
import { type TestBrowser, launchBrowser } from '../helpers/browser.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import type { LocalServerOptions } from '../../src/server/local/start.js';

/** ../shared/samples (real camera files); tests that need them skip when absent. */
export const SAMPLES = samplesDir;
export const haveSamples = existsSync(join(SAMPLES, 'expected.json'));
export const SAMPLES_MISSING = `skipped: ${SAMPLES}/expected.json not found (the shared camera samples are not beside this repo)`;

export interface Expected {
  bytes: number;
  sha256: string;
}
export function expectedSamples(): Record<string, Expected> {
  return JSON.parse(readFileSync(join(SAMPLES, 'expected.json'), 'utf8')) as Record<string, Expected>;
}

export interface WebRig {
  server: TestServer;
  proxy: FaultProxy | null;
  /** Where the page is opened (the proxy when there is one). */
  base: string;
  browser: TestBrowser;
  close(): Promise<void>;
}

export async function startRig(opts: { server?: Partial<LocalServerOptions>; proxy?: boolean; locale?: string } = {}): Promise<WebRig> {
  const server = await startTestServer({ intentRate: 0, ...opts.server });
  const proxy = opts.proxy ? await FaultProxy.start(server.url) : null;
  const browser = await launchBrowser({ locale: opts.locale });
  return {
    server,
    proxy,
    base: proxy?.url ?? server.url,
    browser,
    async close() {
      await browser.close();
      await proxy?.close();
      await server.close();
    },
  };
}

/** Signs in through /app as a seeded user (the local server's buttons) and waits for the orders page. */
export async function signIn(page: Page, base: string, who: 'Alice' | 'Bob' = 'Alice'): Promise<void> {
  await page.goto(`${base}/app`);
  await page.getByRole('button', { name: new RegExp(`(Anmelden als|Sign in as) ${who}`) }).click();
  await page.waitForURL(/\/app$/);
}

/** `data-state` of every upload row, by file name. */
export async function itemStates(page: Page): Promise<Record<string, string>> {
  return page.evaluate(
    `Object.fromEntries([...document.querySelectorAll('#queue .item')].map((li) => [li.dataset.name, li.dataset.state]))`,
  ) as Promise<Record<string, string>>;
}

/** Waits until the row of `name` has `state`; fails naming all states after `timeout` ms. */
export async function waitForState(page: Page, name: string, state: string, timeout = 45_000): Promise<void> {
  const sel = `#queue .item[data-name="${name}"][data-state="${state}"]`;
  try {
    await page.waitForSelector(sel, { timeout, state: 'attached' });
  } catch (e) {
    throw new Error(`${name} never reached "${state}"; rows: ${JSON.stringify(await itemStates(page))}; ${(e as Error).message}`);
  }
}

/** Waits until at least `n` elements match `selector` (polled from here: the page's CSP forbids eval). */
export async function waitForCount(page: Page, selector: string, n: number, timeout = 90_000): Promise<void> {
  const until = Date.now() + timeout;
  while ((await page.locator(selector).count()) < n) {
    if (Date.now() > until) throw new Error(`fewer than ${n} × ${selector} after ${timeout} ms`);
    await page.waitForTimeout(100);
  }
}

/** Waits until `n` rows are registered. */
export async function waitForRegistered(page: Page, n: number, timeout = 90_000): Promise<void> {
  try {
    await waitForCount(page, '#queue .item[data-state="registered"]', n, timeout);
  } catch (e) {
    throw new Error(`not ${n} registered; rows: ${JSON.stringify(await itemStates(page))}; ${(e as Error).message}`);
  }
}

/** The `data-history` of the row of `name` (every state it went through, space-separated). */
export async function historyOf(page: Page, name: string): Promise<string[]> {
  const h = await page.locator(`#queue .item[data-name="${name}"]`).getAttribute('data-history');
  return (h ?? '').split(' ').filter(Boolean);
}

/** Records the requests the page makes (method + path), from now on. */
export function recordRequests(page: Page): { list: string[]; stop(): void } {
  const list: string[] = [];
  const on = (r: Request) => list.push(`${r.method()} ${new URL(r.url()).pathname}`);
  page.on('request', on);
  return { list, stop: () => page.off('request', on) };
}

/** Drops files on the drop zone with a synthetic drop event carrying a DataTransfer (built in the page). */
export async function dropFiles(page: Page, files: { name: string; type: string; data: Buffer }[]): Promise<void> {
  const payload = files.map((f) => ({ name: f.name, type: f.type, b64: f.data.toString('base64') }));
  await page.evaluate(
    `((files) => {
      const dt = new DataTransfer();
      for (const f of files) {
        const bin = atob(f.b64);
        const bytes = new Uint8Array(bin.length);
        for (let i = 0; i < bin.length; i++) bytes[i] = bin.charCodeAt(i);
        dt.items.add(new File([bytes], f.name, { type: f.type }));
      }
      const zone = document.getElementById('dropzone');
      zone.dispatchEvent(new DragEvent('dragenter', { dataTransfer: dt, bubbles: true, cancelable: true }));
      zone.dispatchEvent(new DragEvent('dragover', { dataTransfer: dt, bubbles: true, cancelable: true }));
      zone.dispatchEvent(new DragEvent('drop', { dataTransfer: dt, bubbles: true, cancelable: true }));
    })(${JSON.stringify(payload)})`,
  );
}
