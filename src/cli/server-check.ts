/**
 * After a run: reload each order's file list and confirm every registered file is in it
 * (SPEC: "a file is listed at most 10 s after its finalize returned"). A missing file is reported,
 * not silently counted as done.
 */
import type { PiximmoApi } from '../api/client.js';
import type { FileOutcome, PlannedFile } from '../core/transfer/events.js';
import type { ServerCheck } from './render/types.js';

/** SPEC: listed within 10 s. */
const LISTING_DEADLINE_MS = 10_000;

export async function verifyOnServer(api: Pick<PiximmoApi, 'listFiles'>, outcomes: FileOutcome[]): Promise<ServerCheck> {
  const wanted = outcomes.filter((o) => o.state === 'registered' && o.file_id);
  if (wanted.length === 0) return { checked: true, missing: [] };
  const byOrder = new Map<string, FileOutcome[]>();
  for (const o of wanted) {
    const list = byOrder.get(o.file.shoot.orderId) ?? [];
    list.push(o);
    byOrder.set(o.file.shoot.orderId, list);
  }
  const deadline = Date.now() + LISTING_DEADLINE_MS;
  const missing: PlannedFile[] = [];
  try {
    for (const [orderId, list] of byOrder) {
      let left = list;
      for (;;) {
        const listed = new Set((await api.listFiles(orderId)).files.map((f) => f.file_id));
        left = left.filter((o) => !listed.has(o.file_id!));
        if (left.length === 0 || Date.now() >= deadline) break;
        await new Promise((r) => setTimeout(r, 500));
      }
      missing.push(...left.map((o) => o.file));
    }
  } catch {
    return { checked: false, missing: [] };
  }
  return { checked: true, missing };
}
