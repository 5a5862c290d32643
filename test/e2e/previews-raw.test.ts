/**
 * SPEC v2 "Previews": RAW files get their previews from the JPEG the camera embedded, turned upright by the
 * RAW's own orientation — end to end with the real CLI (`--types +raw`) and the real local server. The
 * shared samples are stripped (only 8×8 JPEGs are left in them), so these RAWs are synthetic: a CR2 layout
 * (IFD0 strip preview 640×480, Orientation 6, plus a 160×120 thumbnail) and a CR3 layout (PRVW 640×480 and
 * THMB 160×120, CMT1 Orientation 8).
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FileRecord, PreviewResponse } from '../../src/contract/api.js';
import { CliEnv } from '../helpers/cli.js';
import { waitForFiles } from '../helpers/processing.js';
import { cr2Like, cr3Like } from '../helpers/raw-fixtures.js';
import { startTestServer, type TestServer } from '../helpers/server.js';

/** 640×480: top half red, bottom half blue. */
const preview = async () => {
  const raw = Buffer.alloc(640 * 480 * 3);
  for (let y = 0; y < 480; y++) for (let x = 0; x < 640; x++) raw.set(y < 240 ? [255, 0, 0] : [0, 0, 255], (y * 640 + x) * 3);
  return sharp(raw, { raw: { width: 640, height: 480, channels: 3 } }).jpeg({ quality: 95 }).toBuffer();
};

describe('RAW previews from the embedded JPEG', () => {
  let server: TestServer;
  let cli: CliEnv;
  let dir: string;
  let files: FileRecord[];
  const auth = { authorization: 'Bearer tok-alice' };

  beforeAll(async () => {
    server = await startTestServer({ intentRate: 0, processingRetryDelay: 1 });
    cli = new CliEnv(server.url, 'tok-alice');
    dir = mkdtempSync(path.join(tmpdir(), 'piximmo-raw-'));
    const big = await preview();
    const thumb = await sharp({ create: { width: 160, height: 120, channels: 3, background: '#00ff00' } }).jpeg().toBuffer();
    writeFileSync(path.join(dir, 'IMG_0001.CR2'), cr2Like(big, thumb, 6));
    writeFileSync(path.join(dir, 'IMG_0002.CR3'), cr3Like(big, thumb, 8));
    const r = await cli.run(['upload', dir, '--order', 'ORD-1', '--types', '+raw', '--json']);
    expect(r.code, r.stderr).toBe(0);
    files = await waitForFiles(server.url, 'tok-alice', 'ORD-1', { timeoutMs: 90_000 });
  }, 180_000);

  afterAll(async () => {
    cli?.cleanup();
    rmSync(dir, { recursive: true, force: true });
    await server?.close();
  });

  async function fetchPreview(fileId: string, size: string) {
    const p = (await (await fetch(`${server.url}/api/files/${fileId}/preview?size=${size}`, { headers: auth })).json()) as PreviewResponse;
    const { data, info } = await sharp(Buffer.from(await (await fetch(p.url)).arrayBuffer())).raw().toBuffer({ resolveWithObject: true });
    const px = (x: number, y: number) => [...data.subarray((y * info.width + x) * info.channels, (y * info.width + x) * info.channels + 3)];
    return { p, info, px };
  }

  it.each([
    // Orientation 6 (rotate 90° CW): the top (red) half becomes the right side.
    ['IMG_0001.CR2', 'right'],
    // Orientation 8 (rotate 270° CW): the top (red) half becomes the left side.
    ['IMG_0002.CR3', 'left'],
  ])('%s: ready with four previews of the embedded 640×480 JPEG, upright (red on the %s)', async (name, redSide) => {
    const f = files.find((x) => x.filename === name)!;
    expect(f.status).toBe('ready');
    expect(f.previews).toEqual(['small', 'medium', 'large', 'original']);
    const want = { original: [480, 640], large: [480, 640], medium: [300, 400], small: [150, 200] } as const;
    for (const [size, [w, h]] of Object.entries(want)) {
      const { p, info } = await fetchPreview(f.file_id, size);
      expect([p.width, p.height, info.width, info.height], `${name} ${size}`).toEqual([w, h, w, h]);
    }
    const { px } = await fetchPreview(f.file_id, 'original');
    const [lr, , lb] = px(100, 320);
    const [rr, , rb] = px(380, 320);
    const red = redSide === 'left' ? { r: lr, b: lb } : { r: rr, b: rb };
    const blue = redSide === 'left' ? { r: rr, b: rb } : { r: lr, b: lb };
    expect(red.r).toBeGreaterThan(200);
    expect(red.b).toBeLessThan(60);
    expect(blue.b).toBeGreaterThan(200);
    expect(blue.r).toBeLessThan(60);
  });
});
