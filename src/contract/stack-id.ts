/**
 * The stack-id format `gNNN` (SPEC "Folder layout": stack folders `g3`, `G003`, `stack-3` … all become
 * `g003`; SPEC v2 "Stack identity": the server's next free id is `gNNN`, highest + 1). One definition for the
 * CLI (core/plan/layout.ts, stack-assigner.ts, stack-keys.ts) and the server (domain/stack-allocation.ts).
 */

/** Stack id of stack number `n` (≥ 0): "g" + the number zero-padded to at least 3 digits (3 → "g003", 1234 → "g1234"). */
export function stackName(n: number): string {
  return `g${String(n).padStart(3, '0')}`;
}

/** The number of a `gNNN` id (1–9 digits), or null for any other id ("s000", "kitchen-2"). */
export function stackNumber(id: string): number | null {
  const m = /^g(\d{1,9})$/.exec(id);
  return m ? Number(m[1]) : null;
}

/** The next free gNNN after the highest one in `ids` (g001 when there is none). */
export function nextFreeStackId(ids: Iterable<string>): string {
  let max = 0;
  for (const id of ids) max = Math.max(max, stackNumber(id) ?? 0);
  return stackName(max + 1);
}
