/**
 * Issue 10, test 6 ("The terminal tells the truth"): in tmux (a real pty), a 40-file upload at --bwlimit shows
 * no file twice in any frame, every file row carries its state word, and the summary's time column is not
 * larger than the run's wall time. Also in German (the seed's words: wartet… / lädt hoch… / hochgeladen /
 * registriert / fehlgeschlagen) with "1 Datei" for a one-file run.
 *
 * Needs tmux; skipped with a message when it is missing.
 */
import { execFileSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeJpeg } from '../../src/fixtures/jpeg.js';
import { binPath, CliEnv } from '../helpers/cli.js';
import { startTestServer, type TestServer } from '../helpers/server.js';

function hasTmux(): boolean {
  try {
    execFileSync('tmux', ['-V'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}
const tmuxOk = hasTmux();
if (!tmuxOk) console.warn('SKIP terminal test (issue 10): tmux is not installed (apt-get install tmux; .ci/run does this)');

const FILES = 40;
const FILE_BYTES = 200_000;
const BWLIMIT = '2M'; // 8 MB in about 4 s
const STATE_WORDS = {
  en: ['waiting…', 'uploading…', 'uploaded', 'registered', 'failed'],
  de: ['wartet…', 'lädt hoch…', 'hochgeladen', 'registriert', 'fehlgeschlagen'],
};

function q(s: string): string {
  return `'${s.replace(/'/g, "'\\''")}'`;
}

/** "4.2s", "4,2s", "1m 05s", "1h 02m" → ms. */
function parseDuration(s: string): number {
  const sec = /^(\d+(?:[.,]\d+)?)s$/.exec(s);
  if (sec) return Number(sec[1].replace(',', '.')) * 1000;
  const ms = /^(\d+)m (\d+)s$/.exec(s);
  if (ms) return (Number(ms[1]) * 60 + Number(ms[2])) * 1000;
  const hm = /^(\d+)h (\d+)m$/.exec(s);
  if (hm) return (Number(hm[1]) * 3600 + Number(hm[2]) * 60) * 1000;
  throw new Error(`not a duration: ${s}`);
}

describe.skipIf(!tmuxOk)('TTY view tells the truth (tmux)', () => {
  let server: TestServer;
  let work: string;
  const socket = `piximmo-safety-${process.pid}`;
  const tmux = (...args: string[]): string => execFileSync('tmux', ['-L', socket, '-f', '/dev/null', ...args], { encoding: 'utf8' });

  beforeAll(async () => {
    server = await startTestServer({ intentRate: 0 });
    work = mkdtempSync(path.join(tmpdir(), 'piximmo-safety-tty-'));
  });
  afterAll(async () => {
    try {
      execFileSync('tmux', ['-L', socket, 'kill-server'], { stdio: 'ignore' });
    } catch {
      // no server left
    }
    rmSync(work, { recursive: true, force: true });
    await server?.close();
  });

  /** Runs `args` in a 160×50 tmux pane; returns every captured frame (the last one shows EXIT=n). */
  async function inTmux(name: string, cli: CliEnv, args: string[]): Promise<string[]> {
    const script = path.join(work, `${name}.sh`);
    const exports = Object.entries(cli.env)
      .filter(([, v]) => v !== undefined)
      .map(([k, v]) => `export ${k}=${q(v!)}`)
      .join('\n');
    writeFileSync(script, `${exports}\n${q(process.execPath)} ${q(binPath)} ${args.map(q).join(' ')}\necho "EXIT=$?"\nsleep 120\n`);
    chmodSync(script, 0o755);
    tmux('new-session', '-d', '-x', '160', '-y', '50', '-s', name, `sh ${q(script)}`);
    const frames: string[] = [];
    try {
      const deadline = Date.now() + 100_000;
      while (Date.now() < deadline) {
        const pane = tmux('capture-pane', '-p', '-t', name);
        frames.push(pane);
        if (/EXIT=\d+/.test(pane)) break;
        await new Promise((r) => setTimeout(r, 150));
      }
    } finally {
      tmux('kill-session', '-t', name);
    }
    return frames;
  }

  it(`a ${FILES}-file upload at --bwlimit: no file twice, every row with its state word, time column ≤ wall time`, async () => {
    const shoot = path.join(work, 'shoot');
    mkdirSync(path.join(shoot, 'Küche'), { recursive: true });
    mkdirSync(path.join(shoot, 'Bad'), { recursive: true });
    for (let i = 0; i < FILES; i++) {
      const exif = { make: 'Canon', model: 'Canon EOS R5', dateTimeOriginal: `2025:11:10 10:${String(Math.floor(i / 2)).padStart(2, '0')}:00` };
      writeFileSync(path.join(shoot, i % 2 ? 'Küche' : 'Bad', `IMG_${2000 + i}.JPG`), makeJpeg({ seed: 300 + i, padTo: FILE_BYTES, exif }));
    }
    const cli = new CliEnv(server.url, 'tok-alice', { PIXIMMO_INTENT_RATE: '0', TERM: 'xterm-256color' });
    try {
      const t0 = Date.now();
      const frames = await inTmux('up40', cli, ['upload', shoot, '--order', 'ORD-1', '--concurrency', '4', '--bwlimit', BWLIMIT]);
      const wallMs = Date.now() - t0;
      const last = frames[frames.length - 1];
      expect(last, last).toMatch(/EXIT=0/);
      const live = frames.filter((f) => /\d+\/\d+ files/.test(f) && !/EXIT=/.test(f));
      expect(live.length, frames.join('\n-----\n')).toBeGreaterThanOrEqual(5);
      if (process.env.SHOW_FRAMES) console.log(live[Math.floor(live.length / 2)], "\n=====\n", last);
      let rowsSeen = 0;
      const statesSeen = new Set<string>();
      for (const f of live) {
        // Rows of the live block start with their bar (lines above it — scan, warnings — are not rows).
        const rows = f.split('\n').filter((l) => /^[█░]{24} /.test(l) && /IMG_2\d{3}\.JPG/.test(l));
        const names = rows.map((l) => /IMG_2\d{3}\.JPG/.exec(l)![0]);
        expect(new Set(names).size, f).toBe(names.length); // no file twice
        for (const row of rows) {
          const word = STATE_WORDS.en.find((w) => row.includes(w));
          expect(word, `a row without its state word:\n${row}\n\n${f}`).toBeDefined();
          statesSeen.add(word!);
          expect(row, f).not.toMatch(/ 0 B\/0 B/);
        }
        rowsSeen += rows.length;
      }
      expect(rowsSeen).toBeGreaterThan(0);
      expect(statesSeen.has('uploading…')).toBe(true);
      // The summary: every room's time is at most the run's duration, which is at most the wall time measured here.
      const summary = last.slice(last.indexOf('room'));
      const total = /sent in (\S+)/.exec(summary)!;
      const runMs = parseDuration(total[1]);
      expect(runMs).toBeLessThanOrEqual(wallMs);
      const roomRows = summary.split('\n').filter((l) => /^(bathroom|kitchen)\s/.test(l));
      expect(roomRows).toHaveLength(2);
      for (const r of roomRows) {
        const cells = r.trim().split(/\s{2,}|\s(?=\S+$)/);
        const time = r.trim().split(/\s+/).at(-1)!;
        expect(parseDuration(time), `${r} (${cells.length} cells)`).toBeLessThanOrEqual(runMs + 100); // rounding of the shown value
      }
      expect(summary).toMatch(new RegExp(`${FILES} of ${FILES} files registered \\(0 already there\\), 0 failed, 0 skipped`));
    } finally {
      cli.cleanup();
    }
  }, 150_000);

  it('German: rows carry the seed\'s state words; a one-file run says "1 Datei"', async () => {
    const shoot = path.join(work, 'eine');
    mkdirSync(shoot, { recursive: true });
    writeFileSync(path.join(shoot, 'IMG_2999.JPG'), makeJpeg({ seed: 399, padTo: 3_000_000 }));
    const cli = new CliEnv(server.url, 'tok-alice', { PIXIMMO_INTENT_RATE: '0', TERM: 'xterm-256color', LANG: 'de_DE.UTF-8' });
    try {
      const frames = await inTmux('de1', cli, ['upload', shoot, '--order', 'ORD-2', '--bwlimit', '1M']);
      const last = frames[frames.length - 1];
      expect(last, last).toMatch(/EXIT=0/);
      const rows = frames.flatMap((f) => f.split('\n').filter((l) => /^[█░]{24} /.test(l) && l.includes('IMG_2999.JPG')));
      expect(rows.length).toBeGreaterThan(0);
      for (const row of rows) expect(STATE_WORDS.de.some((w) => row.includes(w)), row).toBe(true);
      expect(last).toContain('1 von 1 Datei registriert');
    } finally {
      cli.cleanup();
    }
  }, 120_000);
});
