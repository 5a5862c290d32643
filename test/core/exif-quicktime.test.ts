/**
 * QuickTime/MP4 metadata (src/core/exif/exif-quicktime.ts through readExif) on synthetic videos: Apple keyed
 * metadata, QuickTime user-data text, iTunes-style udta/meta, mvhd versions 0 and 1, moov after a big
 * (sparse) mdat, damaged atoms.
 */
import { mkdtemp, open, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readExif } from '../../src/core/exif/exif.js';

/** An atom: 32-bit size + type + payload (children concatenated). */
function atom(type: string, ...payload: Buffer[]): Buffer {
  const body = Buffer.concat(payload);
  const head = Buffer.alloc(8);
  head.writeUInt32BE(body.length + 8, 0);
  head.write(type, 4, 'latin1');
  return Buffer.concat([head, body]);
}

const u32 = (n: number) => {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(n);
  return b;
};

/** Seconds since 1904-01-01 of a UTC date-time. */
const qtSeconds = (iso: string) => Date.parse(`${iso}Z`) / 1000 + 2_082_844_800;

/** mvhd version 0 (32-bit times) or 1 (64-bit times). */
function mvhd(created: number, version: 0 | 1 = 0): Buffer {
  if (version === 0) return atom('mvhd', Buffer.from([0, 0, 0, 0]), u32(created), u32(created), u32(600), u32(0), Buffer.alloc(80));
  const t = Buffer.alloc(8);
  t.writeBigUInt64BE(BigInt(created));
  return atom('mvhd', Buffer.from([1, 0, 0, 0]), t, t, u32(600), Buffer.alloc(8), Buffer.alloc(80));
}

/** A `data` atom holding UTF-8 text (well-known type 1). */
const data = (text: string) => atom('data', u32(1), u32(0), Buffer.from(text, 'utf8'));

/** QuickTime moov/meta with mdta keys and their ilst values. */
function keyedMeta(entries: Record<string, string>): Buffer {
  const names = Object.keys(entries);
  const keys = atom('keys', u32(0), u32(names.length), ...names.map((n) => Buffer.concat([u32(8 + Buffer.byteLength(n)), Buffer.from('mdta'), Buffer.from(n)])));
  const items = names.map((n, i) => {
    const item = atom('xxxx', data(entries[n]));
    item.writeUInt32BE(i + 1, 4); // ilst item type = 1-based key index
    return item;
  });
  return atom('meta', atom('hdlr', Buffer.alloc(4), Buffer.from('\0\0\0\0mdta'), Buffer.alloc(12)), keys, atom('ilst', ...items));
}

/** QuickTime user-data text: [u16 length][u16 language][text]. */
function udtaText(type: string, text: string): Buffer {
  const t = Buffer.from(text, 'latin1');
  const head = Buffer.alloc(4);
  head.writeUInt16BE(t.length, 0);
  head.writeUInt16BE(0x55c4, 2);
  return atom(type, head, t);
}

const ftyp = (brand: string) => atom('ftyp', Buffer.from(brand, 'latin1'), u32(0), Buffer.from(`${brand}isom`, 'latin1'));

describe('QuickTime/MP4 metadata through readExif', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'piximmo-qt-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  async function read(name: string, bytes: Buffer) {
    await writeFile(path.join(dir, name), bytes);
    return readExif(path.join(dir, name));
  }

  it("reads an iPhone's keyed metadata: make, model, creationdate (local clock, zone dropped)", async () => {
    const moov = atom(
      'moov',
      mvhd(qtSeconds('2024-05-01T12:03:22')),
      keyedMeta({
        'com.apple.quicktime.make': 'Apple',
        'com.apple.quicktime.model': 'iPhone 15 Pro',
        'com.apple.quicktime.creationdate': '2024-05-01T14:03:22+0200',
        'com.apple.quicktime.software': '17.4.1',
      }),
    );
    const res = await read('iphone.mov', Buffer.concat([ftyp('qt  '), atom('wide'), atom('mdat', Buffer.alloc(64)), moov]));
    expect(res).toEqual({ meta: { make: 'Apple', model: 'iPhone 15 Pro', captured_at: '2024-05-01T14:03:22' } });
  });

  it('reads user-data text ©mak/©mod and the mvhd time when ©day is only a year', async () => {
    const moov = atom('moov', mvhd(qtSeconds('2025-11-10T10:00:05')), atom('udta', udtaText('\xa9mak', 'SONY'), udtaText('\xa9mod', 'ILCE-7RM4'), udtaText('\xa9day', '2025')));
    const res = await read('sony.mp4', Buffer.concat([ftyp('mp42'), moov, atom('mdat', Buffer.alloc(32))]));
    expect(res).toEqual({ meta: { make: 'SONY', model: 'ILCE-7RM4', captured_at: '2025-11-10T10:00:05' } });
  });

  it('reads ©day and ©mak from an iTunes-style udta/meta/ilst, and mvhd version 1', async () => {
    const ilst = atom('ilst', atom('\xa9mak', data('DJI')), atom('\xa9day', data('2025-11-10T09:30:00Z')), atom('covr', Buffer.alloc(100_000)));
    const meta = atom('meta', u32(0), atom('hdlr', Buffer.alloc(8), Buffer.from('mdir'), Buffer.alloc(12)), ilst);
    const moov = atom('moov', mvhd(qtSeconds('2001-01-01T00:00:00'), 1), atom('udta', meta));
    const res = await read('dji.mp4', Buffer.concat([ftyp('isom'), moov]));
    expect(res).toEqual({ meta: { make: 'DJI', captured_at: '2025-11-10T09:30:00' } });
    const v1 = await read('v1.mp4', Buffer.concat([ftyp('isom'), atom('moov', mvhd(qtSeconds('2001-01-01T00:00:00'), 1))]));
    expect(v1.meta).toEqual({ captured_at: '2001-01-01T00:00:00' });
  });

  it('finds moov after a 300 MB (sparse) mdat with few reads, fast', async () => {
    const file = path.join(dir, 'big.mov');
    const fh = await open(file, 'w');
    try {
      const head = Buffer.concat([ftyp('qt  ')]);
      const mdatSize = 300 * 1024 * 1024;
      const mdatHead = Buffer.alloc(16);
      mdatHead.writeUInt32BE(1, 0); // 64-bit size follows
      mdatHead.write('mdat', 4, 'latin1');
      mdatHead.writeBigUInt64BE(BigInt(mdatSize), 8);
      await fh.write(head, 0, head.length, 0);
      await fh.write(mdatHead, 0, 16, head.length);
      const moov = atom('moov', mvhd(qtSeconds('2025-11-10T10:00:00')), atom('udta', udtaText('\xa9mak', 'Canon')));
      await fh.write(moov, 0, moov.length, head.length + mdatSize);
    } finally {
      await fh.close();
    }
    const started = Date.now();
    const res = await readExif(file);
    expect(Date.now() - started).toBeLessThan(1000);
    expect(res).toEqual({ meta: { make: 'Canon', captured_at: '2025-11-10T10:00:00' } });
  });

  it('ignores a zero mvhd time and survives damaged atoms without a warning', async () => {
    const zero = await read('zero.mov', Buffer.concat([ftyp('qt  '), atom('moov', mvhd(0))]));
    expect(zero).toEqual({ meta: {} });
    const moov = atom('moov', mvhd(qtSeconds('2025-11-10T10:00:00')), atom('udta', udtaText('\xa9mak', 'GoPro')));
    moov.writeUInt32BE(0x7fffffff, moov.indexOf('udta') - 4); // udta claims more bytes than moov holds
    const damaged = await read('damaged.mp4', Buffer.concat([ftyp('mp42'), moov]));
    expect(damaged).toEqual({ meta: { captured_at: '2025-11-10T10:00:00' } });
    const truncated = await read('truncated.mp4', Buffer.concat([ftyp('mp42'), atom('moov', mvhd(1)).subarray(0, 20)]));
    expect(truncated).toEqual({ meta: {} });
  });
});
