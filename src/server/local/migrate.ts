/**
 * Applies migrations/NNNN_*.sql to a D1 database, each once, in file-name order — the bookkeeping of
 * `wrangler d1 migrations apply` (table d1_migrations(id, name, applied_at)), so a state directory
 * stays compatible with wrangler. Each migration runs as one D1 batch (atomic) together with its
 * d1_migrations row. Idempotent: already-applied names are skipped.
 *
 * SQL is split on ";" after removing "--" comments: migrations must not contain ";" inside strings
 * or triggers.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

/** The subset of D1Database used here (Miniflare's proxy type and the Workers type both fit). */
export interface D1StmtLike {
  bind(...values: unknown[]): D1StmtLike;
  all<T>(): Promise<{ results: T[] }>;
}
export interface D1Like {
  prepare(sql: string): D1StmtLike;
  batch(stmts: D1StmtLike[]): Promise<unknown>;
}

export function splitSql(sql: string): string[] {
  return sql
    .split('\n')
    .map((l) => l.replace(/--.*$/, ''))
    .join('\n')
    .split(';')
    .map((s) => s.trim())
    .filter((s) => s.length > 0);
}

/** Applies pending migrations from `dir`; returns the names applied now. */
export async function applyMigrations(db: D1Like, dir: string): Promise<string[]> {
  await db.batch([
    db.prepare(
      `CREATE TABLE IF NOT EXISTS d1_migrations (id INTEGER PRIMARY KEY AUTOINCREMENT, name TEXT UNIQUE,
       applied_at TIMESTAMP DEFAULT CURRENT_TIMESTAMP NOT NULL)`,
    ),
  ]);
  const done = new Set((await db.prepare(`SELECT name FROM d1_migrations`).all<{ name: string }>()).results.map((r) => r.name));
  const files = readdirSync(dir)
    .filter((f) => /^\d+_.+\.sql$/.test(f))
    .sort();
  const applied: string[] = [];
  for (const name of files) {
    if (done.has(name)) continue;
    const stmts = splitSql(readFileSync(join(dir, name), 'utf8')).map((s) => db.prepare(s));
    stmts.push(db.prepare(`INSERT INTO d1_migrations (name) VALUES (?1)`).bind(name));
    await db.batch(stmts);
    applied.push(name);
  }
  return applied;
}
