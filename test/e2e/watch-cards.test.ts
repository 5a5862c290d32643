/**
 * Issue 11, test 2: card detection under `--cards-root`. `piximmo watch --order ORD-1` without a folder
 * waits for cards (volumes with a DCIM folder); two cards appear one after the other and each is ingested
 * into the order and announced safe to remove; a third is pulled mid-upload (uploads slowed by --bwlimit),
 * said once, and resumes when it is re-inserted. Nothing is registered twice, nothing is reported failed.
 * Runs in German, so the sentence is checked word for word.
 */
import { mkdirSync, mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CliEnv, parseNdjson } from '../helpers/cli.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { cameraJpeg, count, listed, sha, sleep, waitForEvent } from './_watch.js';

describe('watch: cards found under --cards-root', () => {
  let server: TestServer;
  let base: string;

  beforeAll(async () => {
    server = await startTestServer({ intentRate: 0 });
    base = mkdtempSync(path.join(tmpdir(), 'piximmo-watch-cards-'));
  });
  afterAll(async () => {
    rmSync(base, { recursive: true, force: true });
    await server?.close();
  });

  it('two cards one after the other, a third pulled mid-upload and re-inserted: each file once', async () => {
    const cards = path.join(base, 'media');
    const staging = path.join(base, 'staging');
    mkdirSync(cards, { recursive: true });
    const contents = new Map<string, Buffer>();
    /** Builds a card in staging; `insert` moves it under the cards root in one step (like a mount). */
    const makeCard = (label: string, folder: string, n: number, seed: number, bytes: number): string => {
      const dcim = path.join(staging, label, 'DCIM', folder);
      mkdirSync(dcim, { recursive: true });
      mkdirSync(path.join(staging, label, 'MISC'), { recursive: true });
      writeFileSync(path.join(staging, label, 'MISC', 'CARD.CTG'), 'not a photo');
      for (let i = 0; i < n; i++) {
        const b = cameraJpeg(seed + i, bytes, i * 7);
        contents.set(sha(b), b);
        writeFileSync(path.join(dcim, `IMG_${seed + i}.JPG`), b);
      }
      return path.join(staging, label);
    };
    const insert = (label: string) => renameSync(path.join(staging, label), path.join(cards, label));
    const pull = (label: string) => renameSync(path.join(cards, label), path.join(staging, label));

    const cli = new CliEnv(server.url, 'tok-alice', { PIXIMMO_INTENT_RATE: '0', LANG: 'de_DE.UTF-8' });
    const run = cli.spawn(['watch', '--order', 'ORD-1', '--cards-root', cards, '--json', '--bwlimit', '600K', '--concurrency', '2']);
    const out = () => run.output().stdout;
    const cardEvent = (card: string, state: string) => (e: Record<string, unknown>) => e.event === 'card' && e.card === card && e.state === state;
    try {
      await sleep(1500);
      makeCard('EOS_DIGITAL', '100CANON', 4, 9100, 200_000);
      insert('EOS_DIGITAL');
      expect(await waitForEvent(out, cardEvent('EOS_DIGITAL', 'done')), `first card done\n${run.output().stderr}`).toBe(true);

      makeCard('NIKON_D850', '100NIKON', 3, 9200, 200_000);
      insert('NIKON_D850');
      expect(await waitForEvent(out, cardEvent('NIKON_D850', 'done')), `second card done\n${run.output().stderr}`).toBe(true);

      // The third card: 6 × 700 KB at 600 KB/s — pulled once its first file is registered.
      makeCard('LUMIX', '100_PANA', 6, 9300, 700_000);
      insert('LUMIX');
      const lumixRegistered = (e: Record<string, unknown>) => e.event === 'file' && e.state === 'registered' && String(e.root).endsWith('/LUMIX');
      expect(await waitForEvent(out, lumixRegistered), 'a file of the third card registered').toBe(true);
      pull('LUMIX');
      expect(await waitForEvent(out, cardEvent('LUMIX', 'gone'), 10_000), 'the pull is noticed').toBe(true);
      const atPull = parseNdjson(out()).filter(lumixRegistered).length;
      expect(atPull, 'pulled mid-upload').toBeLessThan(6);
      await sleep(2000);
      insert('LUMIX');
      expect(await waitForEvent(out, cardEvent('LUMIX', 'done'), 90_000), `third card done after re-insertion\n${run.output().stderr}`).toBe(true);
      await sleep(2500); // nothing more may arrive

      const rows = await listed(server.url, 'ORD-1');
      expect(rows).toHaveLength(13);
      expect(new Set(rows.map((f) => f.checksum))).toEqual(new Set(contents.keys()));
      for (const f of rows) expect(f.bytes).toBe(contents.get(f.checksum!)!.length);
    } finally {
      run.child.kill('SIGINT');
    }
    const r = await run.done;
    try {
      expect(r.code, r.stderr).toBe(0);
      const events = r.events;
      expect(events.filter((e) => e.event === 'file' && e.state === 'failed'), 'no false "failed"').toEqual([]);
      // Each file registered once — the re-inserted card's finished files are not announced again.
      const registered = events.filter((e) => e.event === 'file' && e.state === 'registered').map((e) => `${e.root}|${e.path}`);
      expect(registered).toHaveLength(13);
      expect(new Set(registered).size).toBe(13);
      // Said once each: waiting for a card, each card found, the pull; the German sentence.
      expect(count(r.stderr, 'Warte auf eine Karte')).toBe(1);
      for (const label of ['EOS_DIGITAL', 'NIKON_D850', 'LUMIX']) expect(count(r.stderr, `Karte ${label} erkannt`)).toBe(1);
      expect(count(r.stderr, 'Karte LUMIX wurde entnommen')).toBe(1);
      expect(count(r.stderr, 'Karte LUMIX ist wieder da')).toBe(1);
      expect(r.stderr).toContain('Karte EOS_DIGITAL: 4 von 4 registriert — kann entnommen werden');
      expect(r.stderr).toContain('Karte NIKON_D850: 3 von 3 registriert — kann entnommen werden');
      expect(r.stderr).toContain('Karte LUMIX: 6 von 6 registriert — kann entnommen werden');
      expect(r.stderr).not.toMatch(/fehlgeschlagen: /);
      // The status per card in --json.
      const watch = events.filter((e) => e.event === 'watch' && e.card === 'EOS_DIGITAL');
      expect(watch.at(-1)).toMatchObject({ present: true, total: 4, done: 4, failed: 0 });
    } finally {
      cli.cleanup();
    }
  }, 240_000);

  it('a folder together with --cards-root, or --manifest without a folder, is a usage error (exit 2)', async () => {
    const cli = new CliEnv(server.url, 'tok-alice');
    try {
      const both = await cli.run(['watch', base, '--order', 'ORD-1', '--cards-root', base]);
      expect(both.code).toBe(2);
      expect(both.stderr).toContain('--cards-root');
      const manifest = await cli.run(['watch', '--order', 'ORD-1', '--cards-root', base, '--manifest', `${base}/m.json`]);
      expect(manifest.code).toBe(2);
      expect(manifest.stderr).toContain('--manifest');
    } finally {
      cli.cleanup();
    }
  });
});
