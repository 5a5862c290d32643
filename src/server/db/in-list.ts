/**
 * `… IN (?2, ?3, …)` over a list of any length: D1 binds at most 100 parameters per statement, so the list
 * is cut into chunks of IN_LIST_CHUNK values, one statement each — run them in one `D1Database.batch`
 * (one round trip) or one after the other.
 */

/** Values per statement: D1's limit of 100 bound parameters, with room for the leading ones. */
export const IN_LIST_CHUNK = 90;

/**
 * One prepared statement per chunk of `values`: `sql(marks)` gets the chunk's placeholders ("?2, ?3, …",
 * numbered after the `leading` parameters), bound as `leading` then the chunk. No statement for no values.
 */
export function inListStatements(
  db: D1Database,
  leading: readonly unknown[],
  values: readonly unknown[],
  sql: (marks: string) => string,
): D1PreparedStatement[] {
  const out: D1PreparedStatement[] = [];
  for (let i = 0; i < values.length; i += IN_LIST_CHUNK) {
    const chunk = values.slice(i, i + IN_LIST_CHUNK);
    const marks = chunk.map((_, j) => `?${leading.length + j + 1}`).join(', ');
    out.push(db.prepare(sql(marks)).bind(...leading, ...chunk));
  }
  return out;
}
