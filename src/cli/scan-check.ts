/**
 * The malware part of the upload's closing check (issue 16: "the upload's closing check names infected
 * files and the run exits 1"). The server scans every file after finalize, in its queue (SPEC v2 lifecycle:
 * uploaded → processing → ready | failed | infected); the upload itself never waits for it. At the end of a
 * run the CLI re-reads the order's list until the files it registered have left `uploaded`/`processing`,
 * for at most `waitMs` (PIXIMMO_SCAN_WAIT seconds, default 60), and reports:
 *   infected   — path and the signature the server named (exit 1);
 *   processing — still being checked at the deadline (named, not a failure: `piximmo files` shows the end).
 * A server without processing (pre-v2: files stay `uploaded`, no `previews` field) is not waited for; when
 * nothing moved out of `uploaded` for 10 s the wait ends too (a v2 server without a queue).
 */
import type { PiximmoApi } from '../api/client.js';
import type { FileRecord } from '../contract/api.js';
import { type Clock, systemClock } from '../core/transfer/clock.js';
import type { FileOutcome, PlannedFile } from '../core/transfer/events.js';

export interface InfectedFile {
  file: PlannedFile;
  file_id: string;
  /** The signature clamd named, e.g. "Eicar-Test-Signature.UNOFFICIAL". */
  signature: string;
}

export interface ScanCheck {
  infected: InfectedFile[];
  /** Registered files still `uploaded`/`processing` when the wait ended. */
  processing: PlannedFile[];
}

/** Milliseconds the closing check waits for the server's scan: PIXIMMO_SCAN_WAIT (seconds) or 60 s. */
export function scanWaitMs(env: NodeJS.ProcessEnv = process.env): number {
  const v = Number(env.PIXIMMO_SCAN_WAIT);
  return env.PIXIMMO_SCAN_WAIT !== undefined && env.PIXIMMO_SCAN_WAIT !== '' && Number.isFinite(v) && v >= 0 ? v * 1000 : 60_000;
}

/** Milliseconds without any file leaving `uploaded` after which the server is taken to have no processing. */
const NO_PROGRESS_MS = 10_000;

const unsettled = (s: string): boolean => s === 'uploaded' || s === 'processing';

/**
 * Waits for the processing of `outcomes`' registered files (see the file comment), at most `waitMs`, looking
 * every `pollMs`; time from `clock` (the engine's injected clock, so tests drive it). Never throws.
 */
export async function awaitScan(
  api: Pick<PiximmoApi, 'listFiles'>,
  outcomes: FileOutcome[],
  waitMs: number = scanWaitMs(),
  pollMs = 500,
  clock: Clock = systemClock,
): Promise<ScanCheck> {
  const wanted = outcomes.filter((o) => o.state === 'registered' && o.file_id);
  const result: ScanCheck = { infected: [], processing: [] };
  if (wanted.length === 0) return result;
  const orders = [...new Set(wanted.map((o) => o.file.shoot.orderId))];
  const deadline = clock.now() + waitMs;
  let lastMove = clock.now();
  let seen = new Map<string, FileRecord>();
  try {
    for (;;) {
      const next = new Map<string, FileRecord>();
      for (const order of orders) for (const f of (await api.listFiles(order)).files) next.set(f.file_id, f);
      const moved = wanted.some((o) => {
        const before = seen.get(o.file_id!)?.status;
        const now = next.get(o.file_id!)?.status;
        return now !== undefined && now !== 'uploaded' && now !== before;
      });
      if (moved) lastMove = clock.now();
      seen = next;
      const open = wanted.filter((o) => {
        const r = next.get(o.file_id!);
        return r !== undefined && unsettled(r.status);
      });
      const v2 = [...next.values()].some((r) => Array.isArray(r.previews));
      const onlyUploaded = open.every((o) => next.get(o.file_id!)?.status === 'uploaded');
      if (open.length === 0 || !v2 || clock.now() >= deadline || (onlyUploaded && clock.now() - lastMove >= NO_PROGRESS_MS)) break;
      await clock.sleep(pollMs);
    }
  } catch {
    // the list could not be read: report what was seen
  }
  for (const o of wanted) {
    const r = seen.get(o.file_id!);
    if (!r) continue;
    if (r.status === 'infected') result.infected.push({ file: o.file, file_id: r.file_id, signature: r.status_reason ?? '?' });
    else if (unsettled(r.status) && Array.isArray(r.previews)) result.processing.push(o.file);
  }
  return result;
}
