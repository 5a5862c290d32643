/**
 * src/server/db/in-list.ts against a real D1 (Miniflare): lists longer than one statement's 100 bound
 * parameters are cut into chunks of IN_LIST_CHUNK, every value is asked exactly once, the leading
 * parameters are bound before each chunk, and no value gives no statement.
 */
import { Miniflare } from 'miniflare';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { IN_LIST_CHUNK, inListStatements } from '../../src/server/db/in-list.js';

describe('inListStatements (D1)', () => {
  let mf: Miniflare;
  let db: D1Database;
  beforeAll(async () => {
    mf = new Miniflare({ modules: true, script: 'export default { fetch() { return new Response("") } }', d1Databases: ['DB'] });
    db = (await mf.getD1Database('DB')) as unknown as D1Database;
    await db.prepare('CREATE TABLE t (grp TEXT NOT NULL, v TEXT NOT NULL)').run();
    const rows = Array.from({ length: 250 }, (_, i) => db.prepare('INSERT INTO t (grp, v) VALUES (?1, ?2)').bind(i % 2 ? 'a' : 'b', `v${i}`));
    await db.batch(rows);
  });
  afterAll(async () => {
    await mf?.dispose();
  });

  it('250 values → 3 statements in one batch; each value found once, the leading parameter applied to every chunk', async () => {
    const values = Array.from({ length: 250 }, (_, i) => `v${i}`);
    const statements = inListStatements(db, ['a'], values, (marks) => `SELECT v FROM t WHERE grp = ?1 AND v IN (${marks})`);
    expect(statements).toHaveLength(Math.ceil(250 / IN_LIST_CHUNK));
    const found = (await db.batch<{ v: string }>(statements)).flatMap((r) => r.results.map((x) => x.v));
    expect(found.sort()).toEqual(values.filter((_, i) => i % 2).sort());
  });

  it('without leading parameters the placeholders start at ?1; no values, no statement', async () => {
    const [one] = inListStatements(db, [], ['v1', 'v2'], (marks) => `SELECT v FROM t WHERE v IN (${marks}) ORDER BY v`);
    expect((await one.all<{ v: string }>()).results.map((x) => x.v)).toEqual(['v1', 'v2']);
    expect(inListStatements(db, ['a'], [], (marks) => `SELECT 1 WHERE 1 IN (${marks})`)).toEqual([]);
  });
});
