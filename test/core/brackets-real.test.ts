/**
 * Issue 4: bracket grouping tested on real sequences — real camera JPEGs from ../shared/samples with
 * rewritten capture times and EV (src/fixtures/real-shoot.ts), planned by planShoot as the CLI does.
 */
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readExif } from '../../src/core/exif/exif.js';
import { planShoot, type ShootPlan } from '../../src/core/plan/plan.js';
import { parseTypes } from '../../src/core/plan/scan.js';
import { REAL_SHOOT, writeRealShoot } from '../../src/fixtures/real-shoot.js';
import { rewriteExif } from '../../src/fixtures/retime.js';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const samples = path.resolve(repoRoot, '../shared/samples');
const haveSamples = existsSync(path.join(samples, 'expected.json'));
if (!haveSamples) console.warn(`SKIP real-sequence grouping tests: ${samples} is absent (the shared camera samples are not beside this repo)`);

describe.skipIf(!haveSamples)('bracket grouping on real camera files with rewritten times and EV', () => {
  let dir: string;
  let plan: ShootPlan;

  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'piximmo-real-shoot-'));
    await writeRealShoot(samples, dir);
    plan = await planShoot(dir, { types: parseTypes(undefined) });
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('rewrites only the time and EV: same size, the other EXIF values as the camera wrote them', async () => {
    const source = await readFile(path.join(samples, 'cameras/canon-dslr.jpg'));
    const rewritten = await rewriteExif(source, { dateTimeOriginal: '2025:11:10 10:00:01', ev: -2 / 3, subSec: '25' });
    expect(rewritten.length).toBe(source.length);
    let differing = 0;
    for (let i = 0; i < source.length; i++) if (source[i] !== rewritten[i]) differing++;
    expect(differing).toBeLessThanOrEqual(3 * 19 + 8 + 2); // three date fields, one rational, the sub-seconds
    const file = path.join(dir, 'probe.jpg');
    await writeFile(file, rewritten);
    const { meta } = await readExif(file);
    const { meta: original } = await readExif(path.join(samples, 'cameras/canon-dslr.jpg'));
    expect(meta).toEqual({ ...original, captured_at: '2025-11-10T10:00:01', captured_subsec_ms: 250, ev: -0.67 });
    await rm(file);
  });

  it('refuses what it cannot rewrite in place', async () => {
    const noExif = await readFile(path.join(samples, 'edge/noexif.jpg'));
    await expect(rewriteExif(noExif, { ev: 1 })).rejects.toThrow(/no EXIF/);
    const jpeg = await readFile(path.join(samples, 'cameras/exiftool-Sony.jpg'));
    await expect(rewriteExif(jpeg, { dateTimeOriginal: '2025-11-10 10:00:00' })).rejects.toThrow(/YYYY:MM:DD/);
  });

  it('reads back each written time and EV', () => {
    for (const file of REAL_SHOOT.filter((f) => f.at !== undefined)) {
      const item = plan.items.find((i) => i.relPath === file.relPath)!;
      expect(item.meta.captured_at, file.relPath).toBe(file.at!.replace(/^(\d{4}):(\d{2}):(\d{2}) /, '$1-$2-$3T'));
      expect(item.meta.ev, file.relPath).toBe(file.ev);
    }
  });

  it('places every file in the expected room and stack', () => {
    const got = plan.items.map((i) => [i.relPath, i.room_type, i.stack_id]).sort();
    const want = REAL_SHOOT.map((f) => [f.relPath, f.room_type, f.stack_id]).sort();
    expect(got).toEqual(want);
  });

  it('puts the stacks of each room in capture order, each with one camera', () => {
    const byStack = new Map<string, { cameras: Set<string>; first: string }>();
    for (const item of plan.items) {
      const key = `${item.room_type}/${item.stack_id}`;
      const entry = byStack.get(key) ?? { cameras: new Set(), first: item.meta.captured_at ?? '~' };
      entry.cameras.add(`${item.meta.make}|${item.meta.model}`);
      if ((item.meta.captured_at ?? '~') < entry.first) entry.first = item.meta.captured_at!;
      byStack.set(key, entry);
    }
    for (const [key, { cameras }] of byStack) expect(cameras.size, key).toBe(1);
    const rooms = new Set(plan.items.map((i) => i.room_type));
    for (const room of rooms) {
      const firsts = [...byStack].filter(([k]) => k.startsWith(`${room}/`)).sort(([a], [b]) => (a < b ? -1 : 1)).map(([, v]) => v.first);
      expect(firsts, room).toEqual([...firsts].sort());
    }
  });

  it('keeps the Olympus brackets apart although a clock set back interleaves their times', () => {
    const olympus = plan.items.filter((i) => i.meta.model === 'C2000Z').sort((a, b) => (a.relPath < b.relPath ? -1 : 1));
    expect(olympus.map((i) => i.stack_id)).toEqual(['g004', 'g004', 'g004', 'g005', 'g005', 'g005']);
    expect(olympus.map((i) => i.meta.captured_at!.slice(11))).toEqual(['11:01:00', '11:01:01', '11:01:02', '11:01:01', '11:01:02', '11:01:03']);
  });
});
