/**
 * `piximmo config get|set|list` through the real CLI binary: values and validation (exit 2), the conf
 * file's mode 0600, the masked token, precedence flag > environment > config file > default, and that
 * upload's plan uses the stored room aliases and types. No server is needed (dry runs).
 */
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CliEnv } from '../helpers/cli.js';
import { makeJpeg } from '../../src/fixtures/jpeg.js';

const UNUSED_API = 'http://127.0.0.1:9';

describe('piximmo config', () => {
  let cli: CliEnv;
  let confFile: string;

  beforeEach(() => {
    cli = new CliEnv(UNUSED_API, undefined, { PIXIMMO_API_URL: '' });
    confFile = path.join(cli.home, 'config', 'config.json');
  });
  afterEach(() => cli.cleanup());

  const get = async (key: string, env: NodeJS.ProcessEnv = {}, pre: string[] = []): Promise<{ value: unknown; source: unknown }> => {
    const r = await cli.run([...pre, '--json', 'config', 'get', key], { env });
    expect(r.code, r.stderr).toBe(0);
    const e = r.events[0];
    return { value: e.value, source: e.source };
  };

  it('list shows every key with value and source; defaults first', async () => {
    const r = await cli.run(['config', 'list'], { env: { LANG: '', LC_ALL: '', LC_MESSAGES: '' } });
    expect(r.code, r.stderr).toBe(0);
    const rows = r.stdout.trim().split('\n').slice(1).map((l) => l.split(/\s{2,}/));
    expect(rows).toEqual([
      ['api-url', 'http://127.0.0.1:8787', 'default'],
      ['token', '(none)', 'default'],
      ['concurrency', '4', 'default'],
      ['types', 'jpg,jpeg,png,heic,dng,mp4,mov,cr2,cr3,nef,arw,raf,rw2,orf', 'default'],
      ['room-aliases', '(none)', 'default'],
      ['stack-gap', '2', 'default'],
      ['lang', 'en', 'default'],
    ]);
    const j = await cli.run(['--json', 'config', 'list']);
    expect(j.events.map((e) => e.key)).toEqual(['api-url', 'token', 'concurrency', 'types', 'room-aliases', 'stack-gap', 'lang']);
    expect(j.events.every((e) => e.v === 1 && e.event === 'config')).toBe(true);
  });

  it('set then get, for every settable key; "" resets to the default', async () => {
    const cases: [string, string, string][] = [
      ['api-url', 'https://api.example.test/', 'https://api.example.test'],
      ['concurrency', '8', '8'],
      ['types', '+cr3,+raw', '+cr3,+raw'],
      ['room-aliases', 'Wintergarten=livingroom, Hobbyraum=Home Office', 'Wintergarten=livingroom,Hobbyraum=home-office'],
      ['stack-gap', '2.5', '2.5'],
      ['lang', 'DE', 'de'],
    ];
    for (const [key, value, shown] of cases) {
      const s = await cli.run(['config', 'set', key, value]);
      expect(s.code, `${key}: ${s.stderr}`).toBe(0);
      expect(s.stdout).toContain(`${key} = ${shown}`);
      expect(await get(key)).toEqual({ value: shown, source: 'config' });
    }
    const stored = JSON.parse(readFileSync(confFile, 'utf8')) as Record<string, unknown>;
    expect(stored).toMatchObject({
      api_url: 'https://api.example.test',
      concurrency: 8,
      types: '+cr3,+raw',
      room_aliases: { Wintergarten: 'livingroom', Hobbyraum: 'home-office' },
      stack_gap: 2.5,
      lang: 'de',
    });
    expect((await cli.run(['config', 'set', 'concurrency', ''])).code).toBe(0);
    expect(await get('concurrency')).toEqual({ value: '4', source: 'default' });
    // underscores work as dashes
    expect((await get('api_url')).value).toBe('https://api.example.test');
  });

  it('invalid values and keys are usage errors (exit 2) with a clear message, and nothing is stored', async () => {
    const bad: [string[], RegExp][] = [
      [['set', 'concurrency', '0'], /concurrency must be a whole number from 1 to 64 \(got 0\)/],
      [['set', 'concurrency', '2.5'], /concurrency must be/],
      [['set', 'api-url', 'ftp://x'], /api-url must be an http:\/\/ or https:\/\/ address/],
      [['set', 'api-url', 'not a url'], /api-url must be/],
      [['set', 'types', 'docx'], /types: Unknown file type "docx"/],
      [['set', 'room-aliases', 'Wintergarten'], /room-aliases must look like .* \(problem: "Wintergarten"\)/],
      [['set', 'room-aliases', 'A=b,=c'], /problem: "=c"/],
      [['set', 'stack-gap', '-1'], /stack-gap must be a number of seconds from 0 to 600/],
      [['set', 'stack-gap', 'two'], /stack-gap must be/],
      [['set', 'lang', 'fr'], /lang must be de or en \(got fr\)/],
      [['set', 'token', 'abc'], /piximmo login/],
      [['set', 'concurrency'], /needs a value/],
      [['set', 'colour', 'red'], /Unknown setting "colour"/],
      [['get'], /needs the name of a setting/],
      [['delete', 'lang'], /config takes get, set or list \(got delete\)/],
    ];
    for (const [args, message] of bad) {
      const r = await cli.run(['config', ...args]);
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.stderr, args.join(' ')).toMatch(message);
      expect(r.stdout).toBe('');
    }
    const j = await cli.run(['--json', 'config', 'set', 'lang', 'fr']);
    expect(j.code).toBe(2);
    expect(j.events).toEqual([expect.objectContaining({ event: 'error', code: 'USAGE' })]);
    const list = await cli.run(['--json', 'config', 'list']);
    expect(list.events.every((e) => e.source !== 'config')).toBe(true);
  });

  it('the conf file is mode 0600, also when it existed with wider rights', async () => {
    expect((await cli.run(['config', 'set', 'concurrency', '3'])).code).toBe(0);
    expect(statSync(confFile).mode & 0o777).toBe(0o600);
    chmodSync(confFile, 0o644);
    expect((await cli.run(['config', 'set', 'lang', 'en'])).code).toBe(0);
    expect(statSync(confFile).mode & 0o777).toBe(0o600);
  });

  it('a damaged or unreadable settings file is a usage error naming it (en, de) — no stack trace, none of its text, the file kept', async () => {
    mkdirSync(path.dirname(confFile), { recursive: true });
    const damaged = '{"token": "tok-secret-9f2c", broken';
    for (const text of [damaged, '[1, 2]', 'null']) {
      writeFileSync(confFile, text, { mode: 0o600 });
      for (const args of [['upload', '.', '--order', 'O-1', '--dry-run'], ['config', 'list'], ['config', 'set', 'concurrency', '3'], ['whoami']]) {
        const r = await cli.run(args, { env: { LANG: 'C' } });
        expect(r.code, `${text} ${args.join(' ')}: ${r.stderr}`).toBe(2);
        expect(r.stderr).toContain(`The settings file ${confFile} is damaged (not a JSON object of settings). Fix it, or delete it and log in again (piximmo login).`);
        expect(r.stderr).not.toMatch(/tok-secret|SyntaxError|\bat /);
      }
      expect(readFileSync(confFile, 'utf8')).toBe(text); // `config set` never overwrites what it could not read
    }
    const de = await cli.run(['--lang', 'de', 'config', 'get', 'concurrency']);
    expect(de.code).toBe(2);
    expect(de.stderr).toContain(`Die Einstellungsdatei ${confFile} ist beschädigt`);
    if (process.getuid?.() !== 0) {
      writeFileSync(confFile, '{}', { mode: 0o000 });
      const r = await cli.run(['config', 'list']);
      expect(r.code).toBe(2);
      expect(r.stderr).toContain(`The settings file ${confFile} cannot be read (EACCES). Check its permissions.`);
    }
  });

  it('the token is never printed in full: neither from the environment nor from the conf file', async () => {
    const token = 'dtk_9f2c4e7a1b3d5f6081726354aabbccdd';
    const fromEnv = await cli.run(['config', 'list'], { env: { PIXIMMO_TOKEN: token } });
    expect(fromEnv.stdout).not.toContain(token);
    expect(fromEnv.stdout).toMatch(/token\s+dtk_…ccdd\s+environment/);
    mkdirSync(path.dirname(confFile), { recursive: true });
    writeFileSync(confFile, JSON.stringify({ token: 'tok-alice' }), { mode: 0o600 });
    const fromConf = await cli.run(['--json', 'config', 'list']);
    expect(fromConf.stdout).not.toContain('tok-alice');
    expect(fromConf.events.find((e) => e.key === 'token')).toMatchObject({ value: '********', source: 'config' });
    const viaGet = await cli.run(['config', 'get', 'token']);
    expect(viaGet.stdout).not.toContain('tok-alice');
  });

  it('precedence: flag > environment > config file > default', async () => {
    expect(await get('api-url')).toEqual({ value: 'http://127.0.0.1:8787', source: 'default' });
    await cli.run(['config', 'set', 'api-url', 'http://conf.example.test']);
    expect(await get('api-url')).toEqual({ value: 'http://conf.example.test', source: 'config' });
    const env = { PIXIMMO_API_URL: 'http://env.example.test' };
    expect(await get('api-url', env)).toEqual({ value: 'http://env.example.test', source: 'env' });
    expect(await get('api-url', env, ['--api-url', 'http://flag.example.test'])).toEqual({ value: 'http://flag.example.test', source: 'flag' });

    expect(await get('concurrency')).toEqual({ value: '4', source: 'default' });
    await cli.run(['config', 'set', 'concurrency', '6']);
    expect(await get('concurrency')).toEqual({ value: '6', source: 'config' });
    expect(await get('concurrency', { PIXIMMO_CONCURRENCY: '2' })).toEqual({ value: '2', source: 'env' });
    // Setting a value the environment overrides says so.
    const shadowed = await cli.run(['config', 'set', 'concurrency', '7'], { env: { PIXIMMO_CONCURRENCY: '2' } });
    expect(shadowed.stderr).toContain('environment wins over the saved value, so concurrency is 2');

    await cli.run(['config', 'set', 'types', 'jpg,cr3']);
    expect(await get('types', { PIXIMMO_TYPES: 'heic' })).toEqual({ value: 'heic', source: 'env' });

    // lang: --lang > PIXIMMO_LANG > config file > locale (LANG …) > en
    const noLocale = { LANG: '', LC_ALL: '', LC_MESSAGES: '' };
    expect(await get('lang', noLocale)).toEqual({ value: 'en', source: 'default' });
    expect(await get('lang', { ...noLocale, LANG: 'de_DE.UTF-8' })).toEqual({ value: 'de', source: 'locale' });
    await cli.run(['config', 'set', 'lang', 'en']);
    expect(await get('lang', { LANG: 'de_DE.UTF-8' })).toEqual({ value: 'en', source: 'config' });
    expect(await get('lang', { PIXIMMO_LANG: 'de' })).toEqual({ value: 'de', source: 'env' });
    expect(await get('lang', { PIXIMMO_LANG: 'de' }, ['--lang', 'en'])).toEqual({ value: 'en', source: 'flag' });
  });

  it('one limit, one message: --stack-gap 900, config set stack-gap 900 and a conf file holding 900 are refused alike (en, de)', async () => {
    const shoot = mkdtempSync(path.join(tmpdir(), 'piximmo-conf-'));
    try {
      writeFileSync(path.join(shoot, 'IMG_1.JPG'), makeJpeg({ seed: 1 }));
      for (const [lang, text] of [
        ['en', 'stack-gap must be a number of seconds from 0 to 600 (got 900).'],
        ['de', 'stack-gap muss eine Zahl von Sekunden zwischen 0 und 600 sein (war 900).'],
      ]) {
        const env = { PIXIMMO_LANG: lang };
        const set = await cli.run(['config', 'set', 'stack-gap', '900'], { env });
        const flag = await cli.run(['upload', shoot, '--order', 'ORD-1', '--dry-run', '--stack-gap', '900'], { env });
        for (const r of [set, flag]) {
          expect(r.code, r.stderr).toBe(2);
          expect(r.stderr.trim()).toBe(text);
        }
      }
      expect((await cli.run(['upload', shoot, '--order', 'ORD-1', '--dry-run', '--stack-gap', '600'])).code).toBe(0);
      // A hand-edited conf file: the upload that reads it says the same.
      mkdirSync(path.dirname(confFile), { recursive: true });
      writeFileSync(confFile, JSON.stringify({ stack_gap: 900 }), { mode: 0o600 });
      const fromConf = await cli.run(['upload', shoot, '--order', 'ORD-1', '--dry-run']);
      expect(fromConf.code).toBe(2);
      expect(fromConf.stderr.trim()).toBe('stack-gap must be a number of seconds from 0 to 600 (got 900).');
      expect(await get('stack-gap')).toEqual({ value: '900', source: 'config' });
    } finally {
      rmSync(shoot, { recursive: true, force: true });
    }
  });

  it('upload uses the stored room aliases and types (dry run)', async () => {
    const shoot = mkdtempSync(path.join(tmpdir(), 'piximmo-conf-'));
    try {
      mkdirSync(path.join(shoot, 'Wintergarten'));
      writeFileSync(path.join(shoot, 'Wintergarten', 'IMG_1.JPG'), makeJpeg({ seed: 1 }));
      writeFileSync(path.join(shoot, 'Wintergarten', 'IMG_2.TIF'), Buffer.alloc(2048, 7)); // not in the default list (RAW is, since v2)
      const before = await cli.run(['upload', shoot, '--order', 'ORD-1', '--dry-run', '--json']);
      expect(before.events.filter((e) => e.event === 'plan').map((e) => [e.path, e.room_type])).toEqual([['Wintergarten/IMG_1.JPG', 'wintergarten']]);
      await cli.run(['config', 'set', 'room-aliases', 'Wintergarten=livingroom']);
      await cli.run(['config', 'set', 'types', '+tif']);
      const after = await cli.run(['upload', shoot, '--order', 'ORD-1', '--dry-run', '--json']);
      expect(after.code, after.stderr).toBe(0);
      expect(after.events.filter((e) => e.event === 'plan').map((e) => [e.path, e.room_type])).toEqual([
        ['Wintergarten/IMG_1.JPG', 'livingroom'],
        ['Wintergarten/IMG_2.TIF', 'livingroom'],
      ]);
    } finally {
      rmSync(shoot, { recursive: true, force: true });
    }
  });
});
