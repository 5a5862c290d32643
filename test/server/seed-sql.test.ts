/** Issue 14: the demo seed as SQL for `wrangler d1 execute --local` (npm run dev) — same rows as applySeed. */
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { seedSql } from '../../src/server/local/seed-sql.js';

describe('seedSql', () => {
  it('renders every upsert with its values as SQL literals, quotes doubled, tokens hashed', async () => {
    const sql = await seedSql(
      { users: [{ id: 'alice', name: "O'Brien", device_token: 'tok-alice', orders: [{ id: 'ORD-1', shootcode: 'SH123' }] }] },
      new Date('2025-01-02T03:04:05.000Z'),
    );
    const lines = sql.trim().split('\n');
    expect(lines).toHaveLength(3);
    for (const l of lines) expect(l).toMatch(/;$/);
    expect(lines[0]).toContain("VALUES ('alice', 'O''Brien', '2025-01-02T03:04:05.000Z')");
    expect(lines[1]).toContain(`'${createHash('sha256').update('tok-alice').digest('hex')}', 'alice', 'device'`);
    expect(sql).not.toContain('tok-alice');
    expect(lines[2]).toContain("VALUES ('ORD-1', 'alice', 'SH123'");
    expect(sql).not.toMatch(/\?\d/);
  });
});
