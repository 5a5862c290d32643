/**
 * SPEC v2 "Truncated files are never uploaded": checkContainer on the real camera samples (every sample is
 * whole; every sample cut at several points is not) and on built files for the rules samples do not reach.
 * Every verdict is also asked of checkContainerBytes (a small file read whole once for its check and its
 * SHA-256, core/transfer/file-prep.ts): the same bytes give the same verdict on disk and in memory.
 */
import { existsSync, readdirSync } from 'node:fs';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fileReadBuffers } from '../../src/core/buffer-pool.js';
import { checkContainer, checkContainerBytes } from '../../src/core/plan/integrity.js';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const samples = path.resolve(repoRoot, '../shared/samples');
const haveSamples = existsSync(path.join(samples, 'expected.json'));
if (!haveSamples) console.warn(`SKIP integrity tests on real samples: ${samples} is absent (the shared camera samples are not beside this repo)`);

/** Every sample file (relative to samples/), without the README and expected.json. */
function sampleFiles(): string[] {
  if (!haveSamples) return [];
  return readdirSync(samples, { withFileTypes: true })
    .filter((d) => d.isDirectory())
    .flatMap((d) => readdirSync(path.join(samples, d.name)).map((f) => `${d.name}/${f}`))
    .sort();
}

/**
 * Cut points of a file of `size` bytes, from just after the header on. JPEG, ISO-BMFF and PNG rules reach the
 * last byte, so those are also cut 100, 2 and 1 bytes short; TIFF and RAF rules reach the end of the data
 * their offsets name, and these samples (image data stripped by ExifTool) end in a few unreferenced filler
 * bytes ("<Dummy image data>"), which a cut may remove unnoticed.
 */
function cutPoints(rel: string, size: number): number[] {
  const points = [0.05, 0.25, 0.5, 0.75, 0.95].map((f) => Math.max(16, Math.floor(size * f)));
  const wholeRule = /\.(jpe?g|heic|mov|mp4|cr3|png)$/i.test(rel);
  return [...new Set([...points, ...(wholeRule ? [size - 100, size - 2, size - 1] : [])])].filter((n) => n > 0 && n < size);
}

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'piximmo-integrity-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** The verdict on disk, asserted equal to the verdict in memory. */
async function check(bytes: Buffer, name = 'x.bin') {
  const p = path.join(dir, name);
  await writeFile(p, bytes);
  const onDisk = await checkContainer(p, bytes.length);
  expect(await checkContainerBytes(bytes, bytes.length)).toEqual(onDisk);
  return onDisk;
}

describe.skipIf(!haveSamples)('checkContainer on the real samples', () => {
  const files = sampleFiles();
  it.each(files)('%s is whole', async (rel) => {
    const p = path.join(samples, rel);
    expect(await checkContainer(p, (await stat(p)).size)).toEqual({ whole: true });
    expect(await checkContainerBytes(await readFile(p), (await stat(p)).size)).toEqual({ whole: true });
  });

  // Cut copies: formats with a container rule (JPEG, ISO-BMFF, TIFF, RAF, PNG) are never whole.
  it.each(files)('%s cut at several points is not whole', async (rel) => {
    const full = await readFile(path.join(samples, rel));
    for (const n of cutPoints(rel, full.length)) {
      const verdict = await check(full.subarray(0, n), `cut-${path.basename(rel)}`);
      expect({ n, whole: verdict.whole }).toEqual({ n, whole: false });
      if (!verdict.whole) expect(verdict.reason).toMatch(/^[a-z0-9-]+$/);
    }
  });

  it('a file shorter on disk than the size the caller saw is not whole', async () => {
    const full = await readFile(path.join(samples, 'cameras/exiftool-Canon.jpg'));
    const p = path.join(dir, 'shrunk.jpg');
    await writeFile(p, full.subarray(0, 1000));
    expect(await checkContainer(p, full.length)).toMatchObject({ whole: false });
    expect(await checkContainerBytes(full.subarray(0, 1000), full.length)).toEqual({ whole: false, reason: 'file-shorter-than-size' });
  });
});

describe('checkContainer on built files', () => {
  const seg = (marker: number, body: Buffer) => Buffer.concat([Buffer.from([0xff, marker, (body.length + 2) >> 8, (body.length + 2) & 0xff]), body]);
  const soi = Buffer.from([0xff, 0xd8]);
  const eoi = Buffer.from([0xff, 0xd9]);
  const scan = Buffer.from([0x12, 0xff, 0x00, 0x34, 0xff, 0xd0, 0x56, 0xff, 0xff, 0xd9]); // stuffing, RST0, fill, EOI

  it('JPEG: entropy data with stuffing, RST and fill bytes reaches EOI; trailing bytes are tolerated', async () => {
    const jpeg = Buffer.concat([soi, seg(0xe0, Buffer.alloc(14)), seg(0xda, Buffer.alloc(10)), scan]);
    expect(await check(jpeg)).toEqual({ whole: true });
    expect(await check(Buffer.concat([jpeg, Buffer.from('trailer after EOI')]))).toEqual({ whole: true });
  });

  it("JPEG: a thumbnail's EOI inside APP1 is not the end", async () => {
    const app1 = seg(0xe1, Buffer.concat([Buffer.from('Exif\0\0'), soi, eoi, Buffer.alloc(8)]));
    const cut = Buffer.concat([soi, app1, seg(0xda, Buffer.alloc(10)), Buffer.from([1, 2, 3])]);
    expect(await check(cut)).toEqual({ whole: false, reason: 'jpeg-no-eoi' });
  });

  it('JPEG: a segment running past the end is not whole', async () => {
    const jpeg = Buffer.concat([soi, seg(0xe1, Buffer.alloc(100))]).subarray(0, 50);
    expect(await check(jpeg)).toEqual({ whole: false, reason: 'jpeg-segment-overruns' });
  });

  it('JPEG: a marker split across the 64 KiB read boundary is found', async () => {
    const head = Buffer.concat([soi, seg(0xda, Buffer.alloc(10))]);
    const fill = Buffer.alloc(64 * 1024 - head.length - 1, 0x11);
    expect(await check(Buffer.concat([head, fill, eoi]))).toEqual({ whole: true });
    expect(await check(Buffer.concat([head, fill, Buffer.from([0xff])]))).toMatchObject({ whole: false });
  });

  it('JPEG on disk: scanned 1 MiB at a time in a pooled buffer; an 0xFF on the last byte of a read is judged with the next byte', async () => {
    const head = Buffer.concat([soi, seg(0xda, Buffer.alloc(10))]);
    const fill = Buffer.alloc(fileReadBuffers.bytes - 1, 0x11); // the scan starts after SOS: the 0xFF below ends its first read
    expect(await check(Buffer.concat([head, fill, eoi]))).toEqual({ whole: true });
    // A stuffed 0xFF00 across the same boundary is data, not a marker: the EOI after it ends the file.
    expect(await check(Buffer.concat([head, fill, Buffer.from([0xff, 0x00]), Buffer.alloc(3 * fileReadBuffers.bytes, 0x22), eoi]))).toEqual({ whole: true });
    expect(await check(Buffer.concat([head, fill, Buffer.from([0xff, 0x00]), Buffer.alloc(3 * fileReadBuffers.bytes, 0x22)]))).toEqual({ whole: false, reason: 'jpeg-no-eoi' });
    // Scans one after another reuse the pool's buffers: a later file's bytes never leak into an earlier verdict.
    const verdicts = await Promise.all([0, 1, 2, 3].map((i) => check(Buffer.concat([head, Buffer.alloc(fileReadBuffers.bytes + i * 1000, 0x33), ...(i % 2 ? [eoi] : [])]), `scan-${i}.jpg`)));
    expect(verdicts.map((v) => v.whole)).toEqual([false, true, false, true]);
  });

  const box = (type: string, body: Buffer) => {
    const b = Buffer.alloc(8);
    b.writeUInt32BE(8 + body.length, 0);
    b.write(type, 4, 'latin1');
    return Buffer.concat([b, body]);
  };
  const ftyp = box('ftyp', Buffer.from('qt  \0\0\0\0qt  '));

  it('ISO-BMFF: boxes tiling the file are whole; a size-0 last box runs to the end; 64-bit sizes count', async () => {
    const moov = box('moov', box('mvhd', Buffer.alloc(20)));
    expect(await check(Buffer.concat([ftyp, moov, box('mdat', Buffer.alloc(50))]))).toEqual({ whole: true });
    const open = Buffer.concat([Buffer.from([0, 0, 0, 0]), Buffer.from('mdat'), Buffer.alloc(77)]);
    expect(await check(Buffer.concat([ftyp, moov, open]))).toEqual({ whole: true });
    const large = Buffer.alloc(16);
    large.writeUInt32BE(1, 0);
    large.write('mdat', 4, 'latin1');
    large.writeBigUInt64BE(16n + 40n, 8);
    expect(await check(Buffer.concat([ftyp, moov, large, Buffer.alloc(40)]))).toEqual({ whole: true });
    expect(await check(Buffer.concat([ftyp, moov, large, Buffer.alloc(39)]))).toEqual({ whole: false, reason: 'bmff-box-overruns' });
  });

  it('ISO-BMFF: cut at a box boundary before moov, or with chunk offsets past the end, is not whole', async () => {
    expect(await check(Buffer.concat([ftyp, box('mdat', Buffer.alloc(50))]))).toEqual({ whole: false, reason: 'bmff-no-moov-or-meta' });
    const stco = box('stco', Buffer.from([0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0x10, 0]));
    const moov = box('moov', box('trak', box('mdia', box('minf', box('stbl', stco)))));
    expect(await check(Buffer.concat([ftyp, moov]))).toEqual({ whole: false, reason: 'bmff-chunk-outside' });
  });

  it('PNG: whole with IEND, not whole without', async () => {
    const chunk = (type: string, body: Buffer) => {
      const len = Buffer.alloc(4);
      len.writeUInt32BE(body.length);
      return Buffer.concat([len, Buffer.from(type, 'latin1'), body, Buffer.alloc(4)]);
    };
    const sig = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
    const png = Buffer.concat([sig, chunk('IHDR', Buffer.alloc(13)), chunk('IDAT', Buffer.alloc(30))]);
    expect(await check(Buffer.concat([png, chunk('IEND', Buffer.alloc(0))]))).toEqual({ whole: true });
    expect(await check(png)).toEqual({ whole: false, reason: 'png-no-iend' });
  });

  it('unknown formats and empty files are whole (nothing to check)', async () => {
    expect(await check(Buffer.from('just some text, not a container'))).toEqual({ whole: true });
    expect(await check(Buffer.alloc(0))).toEqual({ whole: true });
  });

  it('a missing file throws the fs error', async () => {
    await expect(checkContainer(path.join(dir, 'nope.jpg'), 10)).rejects.toMatchObject({ code: 'ENOENT' });
  });
});
