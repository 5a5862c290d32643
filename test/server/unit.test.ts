/**
 * Pure pieces of the server: slugging and object keys, the token bucket, local URL tokens,
 * migration SQL splitting, multipart part arithmetic. No server.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { splitSql } from '../../src/server/local/migrate.js';
import { buildObjectKey, roomSlug, slug, stackSlug } from '../../src/server/lib/object-key.js';
import { effectivePartSize, partCount, partRange } from '../../src/contract/parts.js';
import { retryAfterSeconds, takeToken } from '../../src/server/ratelimit/token-bucket.js';
import { signLocalToken, verifyLocalToken } from '../../src/server/signers/local.js';

const partBytes = (bytes: number, size: number, n: number) => partRange(n, bytes, size).length;

describe('object keys (SPEC)', () => {
  it('slugs room and stack to [a-z0-9-] with defaults', () => {
    expect(slug('Wohnzimmer 2')).toBe('wohnzimmer-2');
    expect(slug('Küche')).toBe('kueche');
    expect(slug('Außen/Garten__Süd')).toBe('aussen-garten-sued');
    expect(slug('  --  ')).toBe('');
    expect(roomSlug(undefined)).toBe('unsorted');
    expect(roomSlug('!!!')).toBe('unsorted');
    expect(stackSlug(undefined)).toBe('s000');
    expect(stackSlug('G003')).toBe('g003');
  });

  it('builds the SPEC example key', () => {
    expect(
      buildObjectKey({
        userId: 'u1',
        orderId: 'ORD-123',
        shootcode: 'SH123',
        roomType: 'livingroom',
        stackId: 'g003',
        version: 1,
        filename: 'IMG_1234.HEIC',
        at: new Date('2025-11-10T23:59:59Z'),
      }),
    ).toBe('user/u1/orders/ORD-123/raw/2025-11-10_SH123_livingroom_g003_v1.heic');
  });
});

describe('token bucket (SPEC: 3 intents/s/user)', () => {
  it('lets a burst of 3 pass, refuses the 4th, refills at 3/s', () => {
    let s = null;
    for (let i = 0; i < 3; i++) {
      const r = takeToken(s, 1000, 3);
      expect(r.ok).toBe(true);
      s = r.state;
    }
    const r4 = takeToken(s, 1000, 3);
    expect(r4.ok).toBe(false);
    expect(r4.retryAfterMs).toBe(334);
    expect(retryAfterSeconds(r4.retryAfterMs)).toBe(1);
    expect(takeToken(r4.state, 1334, 3).ok).toBe(true);
  });
});

describe('local URL tokens', () => {
  it('verify only with the right secret and untouched payload', async () => {
    const t = await signLocalToken('s3cret', { i: 'in_1', k: 'user/a/x.jpg', b: 10, e: 2_000_000_000 });
    expect(await verifyLocalToken('s3cret', t)).toEqual({ i: 'in_1', k: 'user/a/x.jpg', b: 10, e: 2_000_000_000 });
    expect(await verifyLocalToken('other', t)).toBeNull();
    const [body, mac] = t.split('.');
    const forged = Buffer.from(JSON.stringify({ i: 'in_1', k: 'user/a/x.jpg', b: 999, e: 2_000_000_000 })).toString('base64url');
    expect(await verifyLocalToken('s3cret', `${forged}.${mac}`)).toBeNull();
    expect(await verifyLocalToken('s3cret', `${body}`)).toBeNull();
    expect(await verifyLocalToken('s3cret', 'garbage.%%')).toBeNull();
  });
});

describe('migrations', () => {
  it('split into statements without comments', () => {
    const stmts = splitSql(readFileSync(new URL('../../migrations/0001_init.sql', import.meta.url), 'utf8'));
    expect(stmts.length).toBeGreaterThan(5);
    for (const s of stmts) expect(s).toMatch(/^CREATE (TABLE|INDEX)/);
  });
});

describe('multipart arithmetic', () => {
  const MiB = 1024 * 1024;
  it('counts parts, sizes the last one, and keeps within 10,000 parts', () => {
    expect(partCount(12 * MiB, 5 * MiB)).toBe(3);
    expect(partBytes(12 * MiB, 5 * MiB, 3)).toBe(2 * MiB);
    expect(partBytes(12 * MiB, 5 * MiB, 1)).toBe(5 * MiB);
    expect(effectivePartSize(100 * MiB, 16 * MiB)).toBe(16 * MiB);
    expect(partCount(60_000 * MiB, effectivePartSize(60_000 * MiB, 5 * MiB))).toBeLessThanOrEqual(10_000);
  });
});
