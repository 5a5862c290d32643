/**
 * Issue 12, test 1 (SPEC v2 "File lifecycle", "Previews"): every sample of ../shared/samples, uploaded with
 * the real CLI into the real local server (Miniflare: R2, D1, Queue, Images on Sharp), is processed by the
 * queue consumer and ends `ready`:
 * - JPEG, PNG and HEIC with four JPEG previews whose pixel sizes (decoded here with Sharp) are the SPEC's
 *   longest sides (200/400/800/≤1200, never enlarged) of the upright image, aspect kept;
 * - RAW with the camera's embedded JPEG where the file has one (these samples are stripped: only the RAF
 *   and the RW2 still carry one, 8×8), else without previews;
 * - the MOV and ExifTool's metadata-only HEIC (its image item points past the end of the file) without.
 * `edge/broken1.jpg` is broken in its metadata only: its image data decodes (Sharp and jpeg-js agree),
 * so it ends `ready` with previews — the truth, asserted. A JPEG that really does not decode ends
 * `failed` (test/e2e/processing-faults.test.ts).
 */
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FileRecord, PreviewResponse } from '../../src/contract/api.js';
import { PREVIEW_SIZES, previewDimensions } from '../../src/server/processing/preview-sizes.js';
import { CliEnv, samplesDir } from '../helpers/cli.js';
import { waitForFiles } from '../helpers/processing.js';
import { startTestServer, type TestServer } from '../helpers/server.js';

const haveSamples = existsSync(path.join(samplesDir, 'expected.json'));
if (!haveSamples) console.warn(`SKIP previews e2e: ${samplesDir} is absent (the shared camera samples are not beside this repo)`);

const NO_PREVIEW = new Set([
  'raw/exiftool-CanonRaw.cr2',
  'raw/exiftool-CanonRaw.cr3',
  'raw/exiftool-DNG.dng',
  'raw/exiftool-Nikon.nef',
  'video/exiftool-QuickTime.mov',
  'edge/exiftool-QuickTime.heic',
]);
const RAW_EMBEDDED: Record<string, { width: number; height: number }> = {
  'raw/exiftool-FujiFilm.raf': { width: 8, height: 8 },
  'raw/exiftool-Panasonic.rw2': { width: 8, height: 8 },
};

/** Upright pixel size of a sample, by an independent reader (Sharp with EXIF orientation; libheif for HEIC). */
async function uprightSize(rel: string): Promise<{ width: number; height: number }> {
  if (RAW_EMBEDDED[rel]) return RAW_EMBEDDED[rel];
  const file = path.join(samplesDir, rel);
  if (rel.endsWith('.heic')) {
    const libheif = createRequire(import.meta.url)('libheif-js/wasm-bundle') as {
      HeifDecoder: new () => { decode(b: Buffer): { get_width(): number; get_height(): number }[] };
    };
    const img = new libheif.HeifDecoder().decode(readFileSync(file))[0];
    return { width: img.get_width(), height: img.get_height() };
  }
  const m = await sharp(file).metadata();
  return m.orientation && m.orientation >= 5 ? { width: m.height!, height: m.width! } : { width: m.width!, height: m.height! };
}

describe.skipIf(!haveSamples)('previews of the real camera samples', () => {
  let server: TestServer;
  let cli: CliEnv;
  let files: FileRecord[];
  let rels: string[];
  const auth = { authorization: 'Bearer tok-alice' };

  beforeAll(async () => {
    const expected = JSON.parse(readFileSync(path.join(samplesDir, 'expected.json'), 'utf8')) as Record<string, unknown>;
    rels = Object.keys(expected).filter((k) => !k.endsWith('.tif'));
    server = await startTestServer({ intentRate: 0, processingRetryDelay: 1 });
    cli = new CliEnv(server.url, 'tok-alice');
    const r = await cli.run(['upload', samplesDir, '--order', 'ORD-2', '--types', '+raw', '--json']);
    expect(r.code, r.stderr).toBe(0);
    const t0 = Date.now();
    files = await waitForFiles(server.url, 'tok-alice', 'ORD-2', { timeoutMs: 180_000 });
    console.log(`all ${files.length} samples settled ${Date.now() - t0} ms after the upload ended`);
  }, 300_000);

  afterAll(async () => {
    cli?.cleanup();
    await server?.close();
  });

  const byName = (rel: string) => files.find((f) => f.filename === path.basename(rel))!;

  it('every sample ends ready (broken1.jpg too: only its metadata is damaged)', () => {
    expect(files.map((f) => f.filename).sort()).toEqual(rels.map((r) => path.basename(r)).sort());
    // No scanner in tests (startLocalServer's default): a ready file says NOT_SCANNED (issue 16), nothing else.
    for (const f of files) {
      expect({ name: f.filename, status: f.status, reason: f.status_reason ?? null }).toEqual({ name: f.filename, status: 'ready', reason: expect.toBeOneOf([null, 'NOT_SCANNED']) });
    }
  });

  it('files without a usable image (video, stripped RAW, metadata-only HEIC) have no previews; the preview route says NO_PREVIEW', async () => {
    for (const rel of NO_PREVIEW) {
      const f = byName(rel);
      expect(f.previews, rel).toEqual([]);
      const res = await fetch(`${server.url}/api/files/${f.file_id}/preview?size=small`, { headers: auth });
      expect(res.status, rel).toBe(404);
      expect(((await res.json()) as { error: { code: string } }).error.code).toBe('NO_PREVIEW');
    }
  });

  it('JPEG, PNG, HEIC and RAW with an embedded JPEG have four JPEG previews of the SPEC sizes', async () => {
    for (const rel of rels.filter((r) => !NO_PREVIEW.has(r))) {
      const f = byName(rel);
      expect(f.previews, rel).toEqual(['small', 'medium', 'large', 'original']);
      const upright = await uprightSize(rel);
      for (const size of PREVIEW_SIZES) {
        const res = await fetch(`${server.url}/api/files/${f.file_id}/preview?size=${size}`, { headers: auth });
        expect(res.status, `${rel} ${size}`).toBe(200);
        const p = (await res.json()) as PreviewResponse;
        expect(p.size).toBe(size);
        const want = previewDimensions(upright.width, upright.height, size);
        const img = await fetch(p.url);
        expect(img.status, `${rel} ${size}`).toBe(200);
        expect(img.headers.get('content-type')).toBe('image/jpeg');
        const m = await sharp(Buffer.from(await img.arrayBuffer())).metadata();
        expect(m.format, `${rel} ${size}`).toBe('jpeg');
        const got = { width: m.width!, height: m.height! };
        expect({ width: p.width, height: p.height }, `${rel} ${size}: the route's figures are the JPEG's`).toEqual(got);
        expect(Math.max(got.width, got.height), `${rel} ${size} longest side`).toBe(Math.max(want.width, want.height));
        expect(Math.abs(got.width - want.width) + Math.abs(got.height - want.height), `${rel} ${size} ${JSON.stringify(got)} vs ${JSON.stringify(want)}`).toBeLessThanOrEqual(1);
        expect(Date.parse(p.expires_at) - Date.now()).toBeGreaterThan(14 * 60_000);
      }
    }
  }, 120_000);
});
