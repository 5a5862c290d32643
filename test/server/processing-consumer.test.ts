/**
 * The processing consumer's rules (src/server/processing/consumer.ts) with stub steps against a real D1
 * (Miniflare): transient errors retry with growing delays and give up after MAX_ATTEMPTS as `failed`;
 * a permanent error fails at once; a step's stop verdict (e.g. a scanner's `infected`) ends the file and
 * skips the later steps; a file deleted during processing stays deleted; settled files are skipped.
 */
import { Miniflare } from 'miniflare';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Env } from '../../src/server/env.js';
import { PermanentProcessingError, TransientProcessingError } from '../../src/server/processing/errors.js';
import { MAX_ATTEMPTS, processFile, retryDelaySeconds } from '../../src/server/processing/consumer.js';
import type { ProcessingStep } from '../../src/server/processing/step.js';
import { applyMigrations, type D1Like } from '../../src/server/local/migrate.js';
import { migrationsDir } from '../../src/server/local/paths.js';

describe('processing consumer', () => {
  let mf: Miniflare;
  let db: D1Database;
  let env: Env;
  let n = 0;

  beforeAll(async () => {
    mf = new Miniflare({ modules: true, script: 'export default { fetch() { return new Response("") } }', d1Databases: ['DB'] });
    db = (await mf.getD1Database('DB')) as unknown as D1Database;
    await applyMigrations(db as unknown as D1Like, migrationsDir());
    await db.prepare(`INSERT INTO users (id, name, created_at) VALUES ('u1', 'u', '2026-01-01')`).run();
    await db.prepare(`INSERT INTO orders (id, user_id, shootcode, created_at) VALUES ('o1', 'u1', 'S1', '2026-01-01')`).run();
    env = { DB: db, PROCESSING_RETRY_DELAY: '10' } as unknown as Env;
  });
  afterAll(async () => {
    await mf?.dispose();
  });

  async function file(status = 'uploaded'): Promise<string> {
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
  const row = (id: string) => db.prepare('SELECT status, status_reason, previews FROM files WHERE id = ?1').bind(id).first<{ status: string; status_reason: string | null; previews: string }>();
  const step = (run: ProcessingStep['run'], name = 'stub'): ProcessingStep => ({ name, run });

  it('transient errors: retried with delays 10, 20, 40 s, then failed with the code after MAX_ATTEMPTS', async () => {
    const id = await file();
    const flaky = step(async () => {
      throw new TransientProcessingError('IMAGES_UNAVAILABLE', 'binding down');
    });
    const delays: number[] = [];
    for (let attempt = 1; attempt < MAX_ATTEMPTS; attempt++) {
      expect(await processFile(env, id, attempt, (d) => delays.push(d), [flaky])).toBe('retry');
      expect((await row(id))?.status).toBe('processing');
    }
    expect(delays).toEqual([10, 20, 40]);
    expect(await processFile(env, id, MAX_ATTEMPTS, (d) => delays.push(d), [flaky])).toBe('failed');
    expect(delays).toHaveLength(3);
    const r = await row(id);
    expect(r?.status).toBe('failed');
    expect(r?.status_reason).toBe(`IMAGES_UNAVAILABLE: gave up after ${MAX_ATTEMPTS} attempts: binding down`);
    // A late duplicate delivery finds it settled and does nothing.
    expect(await processFile(env, id, 1, () => expect.unreachable(), [flaky])).toBe('skipped');
  });

  it('unknown errors count as transient (bounded), so a bug never loops', async () => {
    const id = await file();
    const buggy = step(async () => {
      throw new TypeError('x is undefined');
    });
    expect(await processFile(env, id, MAX_ATTEMPTS, () => expect.unreachable(), [buggy])).toBe('failed');
    expect((await row(id))?.status_reason).toMatch(/^PROCESSING_ERROR: gave up after 4 attempts: x is undefined/);
  });

  it('a permanent error fails at once, without retry', async () => {
    const id = await file();
    const corrupt = step(async () => {
      throw new PermanentProcessingError('DECODE_FAILED', 'bad huffman');
    });
    expect(await processFile(env, id, 1, () => expect.unreachable(), [corrupt])).toBe('failed');
    expect((await row(id))?.status_reason).toBe('DECODE_FAILED: bad huffman');
  });

  it('a stop verdict (scanner: infected) ends the file and skips the later steps', async () => {
    const id = await file();
    let previewsRan = false;
    const scan = step(async () => ({ kind: 'stop', status: 'infected', reason: 'Eicar-Test-Signature' }), 'scan');
    const previews = step(async () => {
      previewsRan = true;
      return undefined;
    }, 'previews');
    expect(await processFile(env, id, 1, () => expect.unreachable(), [scan, previews])).toBe('infected');
    expect(previewsRan).toBe(false);
    expect(await row(id)).toMatchObject({ status: 'infected', status_reason: 'Eicar-Test-Signature' });
  });

  it('ready with the previews made; a file deleted while processing stays deleted', async () => {
    const ok = await file();
    expect(await processFile(env, ok, 1, () => expect.unreachable(), [step(async (ctx) => void ctx.previews.push('small', 'medium'))])).toBe('ready');
    expect(await row(ok)).toMatchObject({ status: 'ready', previews: '["small","medium"]' });

    const id = await file();
    const userDeletes = step(async () => {
      await db.prepare(`UPDATE files SET status = 'deleted' WHERE id = ?1`).bind(id).run();
      return undefined;
    });
    expect(await processFile(env, id, 1, () => expect.unreachable(), [userDeletes])).toBe('gone');
    expect((await row(id))?.status).toBe('deleted');
  });

  it('jobs for missing or settled files end quietly', async () => {
    const never = step(async () => expect.unreachable());
    expect(await processFile(env, 'nope', 1, () => expect.unreachable(), [never])).toBe('gone');
    for (const s of ['ready', 'failed', 'infected', 'deleted', 'superseded']) {
      const id = await file(s);
      expect(await processFile(env, id, 1, () => expect.unreachable(), [never]), s).toBe('skipped');
      expect((await row(id))?.status).toBe(s);
    }
  });

  it('retry delay doubles from PROCESSING_RETRY_DELAY and is capped at 300 s', () => {
    expect([1, 2, 3, 4, 5, 6].map((a) => retryDelaySeconds({ PROCESSING_RETRY_DELAY: '60' } as unknown as Env, a))).toEqual([60, 120, 240, 300, 300, 300]);
    expect(retryDelaySeconds({} as Env, 1)).toBe(10);
  });
});
