/**
 * SPEC v2 "File lifecycle": the allowed transitions, one test per forbidden one, and the D1 write that
 * applies only allowed transitions (a conditional UPDATE against a real D1 under Miniflare).
 */
import { Miniflare } from 'miniflare';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  FILE_STATUSES,
  canTransition,
  claimProcessing,
  transitionFile,
  type FileStatus,
} from '../../src/server/domain/lifecycle.js';
import { applyMigrations, type D1Like } from '../../src/server/local/migrate.js';
import { migrationsDir } from '../../src/server/local/paths.js';

const ALLOWED: ReadonlyArray<[FileStatus, FileStatus]> = [
  ['uploaded', 'processing'],
  ['processing', 'ready'],
  ['processing', 'failed'],
  ['processing', 'infected'],
  ...(['uploaded', 'processing', 'ready', 'failed', 'infected', 'superseded'] as const).map(
    (f) => [f, 'deleted'] as [FileStatus, FileStatus],
  ),
  ...(['uploaded', 'processing', 'ready', 'failed', 'infected'] as const).map((f) => [f, 'superseded'] as [FileStatus, FileStatus]),
];
const isAllowed = (f: FileStatus, t: FileStatus) => ALLOWED.some(([a, b]) => a === f && b === t);
const FORBIDDEN = FILE_STATUSES.flatMap((f) => FILE_STATUSES.filter((t) => !isAllowed(f, t)).map((t) => [f, t] as const));

describe('lifecycle rule (pure)', () => {
  it.each(ALLOWED)('%s → %s is allowed', (from, to) => {
    expect(canTransition(from, to)).toBe(true);
  });
  it.each(FORBIDDEN)('%s → %s is forbidden', (from, to) => {
    expect(canTransition(from, to)).toBe(false);
  });
  it('names the SPEC examples among the forbidden ones', () => {
    const f = FORBIDDEN.map(([a, b]) => `${a}>${b}`);
    for (const x of ['ready>processing', 'infected>ready', 'failed>ready', 'uploaded>ready', 'deleted>ready']) expect(f).toContain(x);
  });
});

describe('transitionFile (D1, conditional UPDATE)', () => {
  let mf: Miniflare;
  let db: D1Database;
  beforeAll(async () => {
    mf = new Miniflare({ modules: true, script: 'export default { fetch() { return new Response("") } }', d1Databases: ['DB'] });
    db = (await mf.getD1Database('DB')) as unknown as D1Database;
    await applyMigrations(db as unknown as D1Like, migrationsDir());
    await db.prepare(`INSERT INTO users (id, name, created_at) VALUES ('u1', 'u', '2026-01-01')`).run();
    await db.prepare(`INSERT INTO orders (id, user_id, shootcode, created_at) VALUES ('o1', 'u1', 'S1', '2026-01-01')`).run();
  });
  afterAll(async () => {
    await mf?.dispose();
  });

  let n = 0;
  async function fileIn(status: FileStatus): Promise<string> {
    const id = `f${++n}`;
    await db
      .prepare(
        `INSERT INTO files (id, user_id, order_id, object_key, filename, bytes, mime, room_type, stack_id, status, created_at, updated_at)
         VALUES (?1, 'u1', 'o1', ?2, 'a.jpg', 1, 'image/jpeg', 'kitchen', 'g001', ?3, '2026-01-01', '2026-01-01')`,
      )
      .bind(id, `k/${id}`, status)
      .run();
    return id;
  }
  const statusOf = async (id: string) => (await db.prepare('SELECT status FROM files WHERE id = ?1').bind(id).first<{ status: string }>())?.status;

  it.each(FORBIDDEN)('%s → %s leaves the row unchanged', async (from, to) => {
    const id = await fileIn(from);
    expect(await transitionFile(db, id, to)).toBe(false);
    expect(await statusOf(id)).toBe(from);
  });

  it.each(ALLOWED)('%s → %s is written', async (from, to) => {
    const id = await fileIn(from);
    expect(await transitionFile(db, id, to, { reason: to === 'failed' ? 'DECODE_FAILED: x' : undefined })).toBe(true);
    expect(await statusOf(id)).toBe(to);
  });

  it('writes reason and previews with the status', async () => {
    const id = await fileIn('processing');
    expect(await transitionFile(db, id, 'ready', { previews: ['small', 'medium'], reason: null })).toBe(true);
    const row = await db.prepare('SELECT previews, status_reason FROM files WHERE id = ?1').bind(id).first<{ previews: string; status_reason: null }>();
    expect(JSON.parse(row!.previews)).toEqual(['small', 'medium']);
  });

  it('refuses an onlyFrom that SPEC does not allow (programming error)', async () => {
    const id = await fileIn('ready');
    await expect(transitionFile(db, id, 'processing', {}, new Date(), ['ready'])).rejects.toThrow(/forbidden/);
  });

  it('claimProcessing: uploaded and processing (redelivery) claim; settled states do not', async () => {
    for (const s of FILE_STATUSES) {
      const id = await fileIn(s);
      expect(await claimProcessing(db, id), s).toBe(s === 'uploaded' || s === 'processing');
    }
    expect(await claimProcessing(db, 'nope')).toBe(false);
  });
});
