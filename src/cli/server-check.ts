/**
 * After a run: reload each order's file list and confirm every registered file is in it
 * (SPEC: "a file is listed at most 10 s after its finalize returned"). A missing file is reported,
 * not silently counted as done. An order the run's last confirmation batch already showed whole
 * (closing-fold.ts, issue 15) is not asked again. Then (issue 16) the server's malware scan of those files is awaited
 * (cli/scan-check.ts): infected files are named and fail the run.
 */
import type { PiximmoApi } from '../api/client.js';
import type { MeResponse } from '../contract/api.js';
import { type Clock, systemClock } from '../core/transfer/clock.js';
import type { FileOutcome, PlannedFile } from '../core/transfer/events.js';
import { DEFAULT_TRANSFER, type TransferConfig } from '../core/transfer/transfer-config.js';
import type { CoveredOrders } from './closing-fold.js';
import type { ServerCheck } from './render/types.js';
import { awaitScan, scanWaitMs } from './scan-check.js';

/**
 * Polls each order's list until every registered file is in it or SPEC's 10 s have passed (TransferConfig
 * `listingDeadlineMs`, `listingPollMs`; time from the injected clock, so tests drive it).
 */
export async function verifyOnServer(
  api: Pick<PiximmoApi, 'listFiles' | 'me'> & Partial<Pick<PiximmoApi, 'listFileIdsPage'>>,
  outcomes: FileOutcome[],
  opts: {
    clock?: Clock;
    config?: Pick<TransferConfig, 'listingDeadlineMs' | 'listingPollMs'>;
    /** The run's GET /api/me when it has one (run-flow.ts accountOnce); default `api.me()`. */
    me?: () => Promise<MeResponse>;
    /** Orders the run's last confirmation batch already showed complete (closing-fold.ts): not asked again. */
    covered?: CoveredOrders;
  } = {},
): Promise<ServerCheck> {
  const clock = opts.clock ?? systemClock;
  const { listingDeadlineMs, listingPollMs } = opts.config ?? DEFAULT_TRANSFER;
  const byOrder = registeredByOrder(outcomes);
  if (byOrder.size === 0) return { checked: true, missing: [] };
  const deadline = clock.now() + listingDeadlineMs;
  const missing: PlannedFile[] = [];
  try {
    for (const [orderId, list] of byOrder) {
      if (opts.covered?.has(orderId)) continue;
      let left = list;
      for (;;) {
        const listed = await listedFileIds(api, orderId);
        left = left.filter((o) => !listed.has(o.file_id!));
        if (left.length === 0 || clock.now() >= deadline) break;
        await clock.sleep(listingPollMs);
      }
      missing.push(...left.map((o) => o.file));
    }
  } catch {
    return { checked: false, missing: [] };
  }
  // issue 16: wait for the server's malware scan of these files and name the infected ones — only where the
  // server scans (GET /api/me `malware_scan`); otherwise processing is previews, which the run need not wait for.
  const scans = await (opts.me ?? (() => api.me()))().then((m) => m.malware_scan === true, () => false);
  const scan = scans ? await awaitScan(api, outcomes, scanWaitMs(), listingPollMs, clock) : { infected: [], processing: [] };
  return { checked: true, missing, infected: scan.infected, processing: scan.processing };
}

/**
 * The file ids of the order's list, read page by page so that only the ids are kept (issue 15: memory flat in
 * the number of files — 20,000 listed files as objects cost tens of MB at the end of a run); a client without
 * `listFileIdsPage` (test stubs) reads the whole list. Only ids travel (`fields=file_id`, issue 15: 300 records are ~200 kB).
 */
async function listedFileIds(api: Pick<PiximmoApi, 'listFiles'> & Partial<Pick<PiximmoApi, 'listFileIdsPage'>>, orderId: string): Promise<Set<string>> {
  if (!api.listFileIdsPage) return new Set((await api.listFiles(orderId)).files.map((f) => f.file_id));
  const ids = new Set<string>();
  let cursor: string | undefined;
  for (let page = 0; page < 10_000; page++) {
    const r = await api.listFileIdsPage(orderId, cursor);
    for (const f of r.files) ids.add(f.file_id);
    if (!r.next_cursor) break;
    cursor = r.next_cursor;
  }
  return ids;
}

/** The outcomes the closing check looks for on the server (registered, with a file_id), by order id. */
export function registeredByOrder(outcomes: readonly FileOutcome[]): Map<string, FileOutcome[]> {
  const byOrder = new Map<string, FileOutcome[]>();
  for (const o of outcomes) {
    if (o.state !== 'registered' || !o.file_id) continue;
    const list = byOrder.get(o.file.shoot.orderId) ?? [];
    list.push(o);
    byOrder.set(o.file.shoot.orderId, list);
  }
  return byOrder;
}

/** True when the check makes the run a failure (exit 1): a registered file missing or found infected. */
export function checkFailed(check: ServerCheck): boolean {
  return check.missing.length > 0 || (check.infected?.length ?? 0) > 0;
}
