/**
 * Unit tests of the web uploader's pure parts: the worker's incremental SHA-256 against node:crypto (chunk
 * boundaries around the 64-byte block and the padding edge at 55/56 bytes), the page language choice
 * (SPEC: German by default, English by Accept-Language), the WEB_* settings, the cookie's Secure rule,
 * size formatting in the SPEC's units.
 */
import { createHash, randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { Sha256 } from '../../src/server/web/client/sha256.js';
import { chooseLang, formatBytes, MESSAGES } from '../../src/server/web/i18n.js';
import { cookieSecure } from '../../src/server/web/session.js';
import { readWebSettings, seededSignInAllowed, WEB_DEFAULT_TYPES } from '../../src/server/web/settings.js';
import type { Env } from '../../src/server/env.js';

const node = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');

describe('incremental SHA-256', () => {
  it('equals node:crypto for every length 0…200 and for odd chunkings', () => {
    for (let n = 0; n <= 200; n++) {
      const data = randomBytes(n);
      expect(new Sha256().update(data).digestHex(), `length ${n}`).toBe(node(data));
    }
    const big = randomBytes(3 * 1024 * 1024 + 17);
    for (const step of [1, 63, 64, 65, 1000, 4 * 1024 * 1024]) {
      const h = new Sha256();
      const small = step === 1 ? big.subarray(0, 5000) : big;
      for (let i = 0; i < small.length; i += step) h.update(small.subarray(i, i + step));
      expect(h.digestHex(), `step ${step}`).toBe(node(small));
    }
    expect(new Sha256().update(new TextEncoder().encode('abc')).digestHex()).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
  });
});

describe('page language', () => {
  it('German by default and for German/other browsers, English when the browser prefers it; the switch wins', () => {
    expect(chooseLang(undefined, undefined)).toBe('de');
    expect(chooseLang(undefined, 'fr-FR,fr;q=0.9')).toBe('de');
    expect(chooseLang(undefined, 'en-US,en;q=0.9,de;q=0.8')).toBe('en');
    expect(chooseLang(undefined, 'fr;q=1, en;q=0.5, de;q=0.7')).toBe('de');
    expect(chooseLang(undefined, 'de-AT')).toBe('de');
    expect(chooseLang('en', 'de-DE')).toBe('en');
    expect(chooseLang('de', 'en-US')).toBe('de');
  });

  it('has every text in both languages, with the seed\'s words in German', () => {
    expect(Object.keys(MESSAGES.en).sort()).toEqual(Object.keys(MESSAGES.de).sort());
    const de = MESSAGES.de;
    expect([de['upload.pick'], de['upload.drop'], de['action.retry'], de['action.cancel']]).toEqual([
      'Dateien auswählen', 'Dateien hierher ziehen', 'Erneut versuchen', 'Abbrechen',
    ]);
    expect([de['state.waiting'], de['state.uploading'], de['state.uploaded'], de['state.registered'], de['state.failed']]).toEqual([
      'wartet…', 'lädt hoch…', 'hochgeladen', 'registriert', 'fehlgeschlagen',
    ]);
  });

  it('formats sizes in the SPEC\'s units (250 MB = 262,144,000 bytes)', () => {
    expect(formatBytes(262_144_000, 'de')).toBe('250 MB');
    expect(formatBytes(2_090_815, 'de')).toBe('2,0 MB');
    expect(formatBytes(2_090_815, 'en')).toBe('2.0 MB');
    expect(formatBytes(512, 'en')).toBe('512 B');
  });
});

describe('web settings and cookie', () => {
  const env = (vars: Partial<Env>) => vars as Env;
  it('defaults: SPEC v2 types, 4 at once, no seeded users', () => {
    expect(readWebSettings(env({}))).toEqual({ types: [...WEB_DEFAULT_TYPES], concurrency: 4, signinUsers: false });
    expect(WEB_DEFAULT_TYPES).toEqual(['jpg', 'jpeg', 'png', 'heic', 'dng', 'mp4', 'mov', 'cr2', 'cr3', 'nef', 'arw', 'raf', 'rw2', 'orf']);
  });
  it('takes WEB_TYPES and WEB_CONCURRENCY 3–5, refuses anything else', () => {
    expect(readWebSettings(env({ WEB_TYPES: 'JPG, .heic', WEB_CONCURRENCY: '5', WEB_SIGNIN_USERS: 'on' }))).toEqual({ types: ['jpg', 'heic'], concurrency: 5, signinUsers: true });
    expect(() => readWebSettings(env({ WEB_TYPES: 'jpg,exe' }))).toThrow(/exe/);
    for (const c of ['2', '6', '4.5', 'x']) expect(() => readWebSettings(env({ WEB_CONCURRENCY: c }))).toThrow(/WEB_CONCURRENCY/);
  });
  it('seeded users only with the setting, and only on a development server (local signer or loopback host)', () => {
    const on = readWebSettings(env({ WEB_SIGNIN_USERS: 'on' }));
    const off = readWebSettings(env({}));
    expect(seededSignInAllowed(on, 'local', 'http://10.0.0.5:8787/app')).toBe(true);
    expect(seededSignInAllowed(on, 's3', 'http://127.0.0.1:8787/app')).toBe(true);
    expect(seededSignInAllowed(on, 's3', 'https://upload.piximmo.example/app')).toBe(false);
    expect(seededSignInAllowed(off, 'local', 'http://127.0.0.1:8787/app')).toBe(false);
  });
  it('Secure cookie except on plain-http loopback', () => {
    expect(cookieSecure('http://127.0.0.1:8787/app/login')).toBe(false);
    expect(cookieSecure('http://localhost:8787/app/login')).toBe(false);
    expect(cookieSecure('https://127.0.0.1/app/login')).toBe(true);
    expect(cookieSecure('http://piximmo.example/app/login')).toBe(true);
    expect(cookieSecure('https://piximmo.example/app/login')).toBe(true);
  });
});
