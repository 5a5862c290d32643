/**
 * Test helper: Debian's Chromium (/usr/bin/chromium, `.ci/run` installs the `chromium` package) driven by
 * playwright-core — no browser download. Each launch gets a fresh user-data dir (removed on close) and
 * the flags that keep Chromium quiet and offline apart from the pages under test. Tests skip with
 * `CHROMIUM_MISSING` when the binary is absent.
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext } from 'playwright-core';

export const CHROMIUM_PATH = '/usr/bin/chromium';
export const chromiumAvailable = existsSync(CHROMIUM_PATH);
export const CHROMIUM_MISSING = `skipped: ${CHROMIUM_PATH} not found — install Debian's "chromium" package (.ci/run does) to run the web page tests`;

const ARGS = [
  '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
  '--disable-component-update', '--disable-sync',
];

export interface TestBrowser {
  context: BrowserContext;
  close(): Promise<void>;
}

/** A persistent context on a fresh profile; `locale` sets Accept-Language (default de-DE). */
export async function launchBrowser(opts: { locale?: string } = {}): Promise<TestBrowser> {
  const profile = mkdtempSync(join(tmpdir(), 'piximmo-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM_PATH,
    headless: true,
    args: ARGS,
    locale: opts.locale ?? 'de-DE',
    viewport: { width: 1280, height: 900 },
    acceptDownloads: true,
  });
  return {
    context,
    async close() {
      await context.close().catch(() => undefined);
      rmSync(profile, { recursive: true, force: true });
    },
  };
}
