/**
 * Issue 4, test 6: the same failing upload read in German and in English — every line the user sees is in
 * that language (German from LANG=de_DE.UTF-8, English from --lang en over the same environment), with the
 * seed's words for states and actions; --json stays language-neutral.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CliEnv } from '../helpers/cli.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { makeJpeg } from '../../src/fixtures/jpeg.js';

/** Words that give a language away; paths, file names, codes and numbers are taken out of a line first. */
const ENGLISH = /\b(the|and|files?|registered|failed|uploading|waiting|order|room|skipped|sent|scanning|too|large|limit|run|command|again|already|not|is|of)\b/i;
const GERMAN = /\b(der|die|das|und|dateien|registriert|fehlgeschlagen|auftrag|raum|übersprungen|gesendet|lese|groß|erlaubt|befehl|noch|einmal|schon|nicht|ist|von)\b/i;

function words(line: string): string {
  return line
    .split(/\s+/)
    .filter((tok) => !/[/\\]|\.(jpg|JPG|txt)\b|^[A-Z0-9_×]+$|^\d|^[A-Z]+-\d+/.test(tok))
    .join(' ');
}

describe('German and English', () => {
  let server: TestServer;
  let shoot: string;

  beforeAll(async () => {
    server = await startTestServer({ intentRate: 0, maxBytes: 40_000 });
    shoot = mkdtempSync(path.join(tmpdir(), 'piximmo-lang-'));
    mkdirSync(path.join(shoot, 'Wohnzimmer', 'g1'), { recursive: true });
    writeFileSync(path.join(shoot, 'Wohnzimmer', 'g1', 'IMG_1.JPG'), makeJpeg({ seed: 1 }));
    writeFileSync(path.join(shoot, 'Wohnzimmer', 'g1', 'IMG_2.JPG'), makeJpeg({ seed: 2, padTo: 60_000 })); // over the limit
    writeFileSync(path.join(shoot, 'notes.txt'), 'not a photo');
  });
  afterAll(async () => {
    rmSync(shoot, { recursive: true, force: true });
    await server?.close();
  });

  async function runIn(env: Record<string, string>, args: string[]): Promise<{ code: number | null; lines: string[]; stdout: string }> {
    const cli = new CliEnv(server.url, 'tok-alice', { PIXIMMO_INTENT_RATE: '0', ...env });
    try {
      const r = await cli.run(['upload', shoot, '--order', 'ORD-1', '--no-progress', ...args]);
      return { code: r.code, stdout: r.stdout, lines: `${r.stdout}\n${r.stderr}`.split('\n').filter((l) => words(l).trim() !== '') };
    } finally {
      cli.cleanup();
    }
  }

  it('German: every line is German, with the seed’s words', async () => {
    const r = await runIn({ LANG: 'de_DE.UTF-8' }, []);
    expect(r.code).toBe(1);
    const text = r.lines.join('\n');
    for (const w of ['registriert', 'fehlgeschlagen', 'Die Datei ist zu groß', 'Auftrag ORD-1', 'FEHLGESCHLAGEN']) expect(text).toContain(w);
    for (const line of r.lines) expect(words(line), line).not.toMatch(ENGLISH);
  });

  it('English (--lang en wins over LANG=de): every line is English', async () => {
    const r = await runIn({ LANG: 'de_DE.UTF-8' }, ['--lang', 'en']);
    expect(r.code).toBe(1);
    const text = r.lines.join('\n');
    for (const w of ['registered', 'failed', 'The file is too large', 'Order ORD-1']) expect(text).toContain(w);
    for (const line of r.lines) expect(words(line), line).not.toMatch(GERMAN);
  });

  it('--json is language-neutral: the same codes and no sentences in either language', async () => {
    const de = await runIn({ LANG: 'de_DE.UTF-8' }, ['--json']);
    const en = await runIn({ LANG: 'en_US.UTF-8' }, ['--json']);
    const shape = (s: string) =>
      s
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l) as Record<string, unknown>)
        .filter((e) => e.event === 'file' || e.event === 'summary')
        .map((e) => JSON.stringify({ event: e.event, path: e.path, state: e.state, error: (e.error as { code?: string } | undefined)?.code, note: e.note }))
        // Files in flight at once finish in either order: compare the events, not their interleaving.
        .sort();
    expect(shape(de.stdout)).toEqual(shape(en.stdout));
    expect(de.stdout).not.toMatch(/registriert|fehlgeschlagen|Datei/);
  });

  it('--help and commander’s usage errors: German from LANG=de, English with --lang en', async () => {
    const cli = new CliEnv(server.url, 'tok-alice', { LANG: 'de_DE.UTF-8' });
    try {
      // Option names, placeholders, lists of extensions and environment variables are typed as they are.
      // A line that starts a term (two spaces, then a command or option) has the term's name first.
      const prose = (line: string): string =>
        words((/^ {2}\S/.test(line) ? line.trim().split(/\s+/).slice(1) : line.split(/\s+/)).filter((tok) => !/^[-<[(]|[,=]|^[A-Z_]{3,}/.test(tok)).join(' '));
      for (const args of [['--help'], ['upload', '--help'], ['files', '--help'], ['verify', '--help']]) {
        const de = await cli.run(args);
        expect(de.code).toBe(0);
        const lines = de.stdout.split('\n').filter((l) => prose(l).trim() !== '' && !l.includes('piximmo '));
        for (const line of lines) expect(prose(line), `${args.join(' ')}: ${line}`).not.toMatch(ENGLISH);
      }
      const top = await cli.run(['--help']);
      for (const w of ['Aufruf: piximmo [Optionen] [Befehl]', 'Befehle:', 'upload [Optionen] <dir...>', 'Shooting-Ordner in einen Auftrag hochladen', '5 Speicherplatz reicht nicht'])
        expect(top.stdout).toContain(w);
      const en = await cli.run(['--lang', 'en', '--help']);
      for (const w of ['Usage: piximmo [options] [command]', 'Commands:', 'upload shoot folders into an order', '5 not enough storage quota']) expect(en.stdout).toContain(w);

      const missing = await cli.run(['upload', shoot]);
      expect(missing.code).toBe(2);
      expect(missing.stderr).toContain("Fehler: die Option '--order <id>' fehlt");
      const typo = await cli.run(['uplod']);
      expect(typo.code).toBe(2);
      expect(typo.stderr).toContain("Fehler: unbekannter Befehl 'uplod'\n(Meinten Sie upload?)");
      const missingEn = await cli.run(['--lang', 'en', 'upload', shoot]);
      expect(missingEn.code).toBe(2);
      expect(missingEn.stderr).toContain("error: required option '--order <id>' not specified");
    } finally {
      cli.cleanup();
    }
  });
});
