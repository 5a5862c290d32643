/**
 * Issue 16 through the real CLI binary against the real local server with a real private clamd: a shoot
 * with a JPEG carrying the EICAR test string (a valid JPEG: the string sits in a COM segment, found by the
 * body signature) and a real camera JPEG. The upload registers both; its closing check waits for the
 * server's scan, names the infected file with the signature (English and German, --json) and exits 1;
 * `piximmo files` shows the file as infected / infiziert and names the signature, and exits 1.
 * Skips, naming what is missing, without clamd/sigtool or the samples.
 */
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ClamdProcess, clamdSkipReason, clamdTitle, EICAR_SIGNATURE, eicarBytes, startTestClamd } from '../helpers/clamd.js';
import { CliEnv, samplesDir } from '../helpers/cli.js';
import { startTestServer, type TestServer } from '../helpers/server.js';

const SAMPLE = join(samplesDir, 'cameras/canon-dslr.jpg');
const SMALL = join(samplesDir, 'cameras/exiftool-Canon.jpg');
const SIG = `${EICAR_SIGNATURE}.UNOFFICIAL`;

/** `jpeg` with a COM segment holding the EICAR string right after SOI (still a whole JPEG). */
function jpegWithEicar(jpeg: Uint8Array): Uint8Array {
  const e = eicarBytes();
  const seg = new Uint8Array(4 + e.length);
  seg.set([0xff, 0xfe, (e.length + 2) >> 8, (e.length + 2) & 0xff]);
  seg.set(e, 4);
  const out = new Uint8Array(jpeg.length + seg.length);
  out.set(jpeg.subarray(0, 2));
  out.set(seg, 2);
  out.set(jpeg.subarray(2), 2 + seg.length);
  return out;
}

const haveSamples = existsSync(SAMPLE) && existsSync(SMALL);

describe.skipIf(clamdSkipReason() !== null || !haveSamples)(
  clamdTitle(haveSamples ? 'CLI: infected files named by the closing check and by piximmo files' : 'CLI scan test — SKIPPED: ../shared/samples is absent'),
  () => {
    let clamd: ClamdProcess;
    let s: TestServer;
    let cli: CliEnv;
    let shoot: string;
    beforeAll(async () => {
      clamd = await startTestClamd();
      s = await startTestServer({ scanner: clamd.url, intentRate: 0, persist: false });
      cli = new CliEnv(s.url, 'tok-alice', { PIXIMMO_SCAN_WAIT: '90' });
      shoot = mkdtempSync(join(tmpdir(), 'piximmo-scan-shoot-'));
      mkdirSync(join(shoot, 'Küche'));
      copyFileSync(SAMPLE, join(shoot, 'Küche', 'IMG_0001.jpg'));
      writeFileSync(join(shoot, 'Küche', 'IMG_0002.jpg'), jpegWithEicar(new Uint8Array(readFileSync(SMALL))));
    });
    afterAll(async () => {
      cli?.cleanup();
      if (shoot) rmSync(shoot, { recursive: true, force: true });
      await s?.close();
      await clamd?.dispose();
    });

    it('upload --json: both registered, the closing check names the infected file, exit 1', async () => {
      const r = await cli.run(['upload', shoot, '--order', 'ORD-1', '--json']);
      const summary = r.events.find((e) => e.event === 'summary') as { registered: number; failed: number; server_check: Record<string, unknown> };
      expect(summary, r.stderr).toBeDefined();
      expect(summary.registered).toBe(2);
      expect(summary.failed).toBe(0);
      expect(summary.server_check).toMatchObject({
        checked: true,
        missing: [],
        infected: [{ path: 'Küche/IMG_0002.jpg', order_id: 'ORD-1', signature: SIG, file_id: expect.any(String) }],
        processing: [],
      });
      expect(r.code).toBe(1);
    });

    it('the same run again, plain text in German and English: INFIZIERT / INFECTED with the signature, exit 1', async () => {
      const de = await cli.run(['upload', shoot, '--order', 'ORD-1', '--no-progress', '--lang', 'de']);
      expect(de.code).toBe(1);
      expect(de.stdout + de.stderr).toContain(`INFIZIERT Küche/IMG_0002.jpg: Schadsoftware auf dem Server gefunden (${SIG})`);
      const en = await cli.run(['upload', shoot, '--order', 'ORD-1', '--no-progress', '--lang', 'en']);
      expect(en.code).toBe(1);
      expect(en.stdout + en.stderr).toContain(`INFECTED Küche/IMG_0002.jpg: malware found on the server (${SIG})`);
    });

    it('piximmo files shows the infected file with its signature and exits 1 (en, de, --json)', async () => {
      const en = await cli.run(['files', '--order', 'ORD-1', '--lang', 'en']);
      expect(en.code).toBe(1);
      const line = en.stdout.split('\n').find((l) => l.includes('IMG_0002.jpg'));
      expect(line).toContain('infected (quarantined)');
      expect(en.stdout.split('\n').find((l) => l.includes('IMG_0001.jpg'))).toMatch(/ ready /);
      expect(en.stdout).toContain(`1 file(s) infected: quarantined on the server, never downloadable: IMG_0002.jpg (${SIG})`);
      const de = await cli.run(['files', '--order', 'ORD-1', '--lang', 'de']);
      expect(de.code).toBe(1);
      expect(de.stdout.split('\n').find((l) => l.includes('IMG_0002.jpg'))).toContain('infiziert (Quarantäne)');
      expect(de.stdout).toContain(`1 Datei(en) infiziert: auf dem Server in Quarantäne, nie herunterladbar: IMG_0002.jpg (${SIG})`);
      const js = await cli.run(['files', '--order', 'ORD-1', '--json']);
      expect(js.code).toBe(1);
      const bad = js.events.find((e) => e.filename === 'IMG_0002.jpg');
      expect(bad).toMatchObject({ event: 'server_file', status: 'infected', status_reason: SIG });
    });
  },
);
