/**
 * The demo seed as SQL text, for `wrangler d1 execute DB --local --file …` (npm run dev): the same
 * statements applySeed (seed.ts) runs against Miniflare's D1, recorded through a D1-shaped stub and
 * rendered with their bound values as SQL literals (strings quoted with '' doubled, null as NULL).
 */
import { applySeed, type SeedFile } from './seed.js';
import type { D1Like, D1StmtLike } from './migrate.js';

function literal(v: unknown): string {
  if (v === null || v === undefined) return 'NULL';
  if (typeof v === 'number') return String(v);
  return `'${String(v).replace(/'/g, "''")}'`;
}

/** `?N` placeholders of `sql` replaced by the literals of `values` (1-based). */
function render(sql: string, values: unknown[]): string {
  return sql.replace(/\?(\d+)/g, (_, n: string) => literal(values[Number(n) - 1]));
}

/** SQL statements (one per line, `;`-terminated) that upsert every user, token and order of `seed`. */
export async function seedSql(seed: SeedFile, now = new Date()): Promise<string> {
  const out: string[] = [];
  const stmt = (sql: string, values: unknown[] = []): D1StmtLike & { text: string } => ({
    text: render(sql, values),
    bind: (...v: unknown[]) => stmt(sql, v),
    all: async () => ({ results: [] }),
  });
  const db: D1Like = {
    prepare: (sql) => stmt(sql),
    batch: async (stmts) => {
      for (const s of stmts as (D1StmtLike & { text: string })[]) out.push(`${s.text.replace(/\s+/g, ' ').trim()};`);
      return [];
    },
  };
  await applySeed(db, seed, now);
  return `${out.join('\n')}\n`;
}
