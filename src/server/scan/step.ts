/**
 * The scan step of processing (issue 16; SPEC v2 "File lifecycle": `processing` = malware scan, then
 * previews): scans one stored object with clamd and says what becomes of the file. Pure of D1: the
 * pipeline (queue consumer) applies the outcome to the file row.
 *
 * Outcomes:
 *   clean        scanned, nothing found → the pipeline goes on to previews. `reason` is null, or
 *                `SCANNED_IN_WINDOWS n×W` when the object was longer than SCANNER_STREAM_MAX and was scanned
 *                in n overlapping windows of W bytes (never skipped silently; scan/windows.ts).
 *   not-scanned  SCANNER is "none" (an explicit setting, the local server without clamd): the pipeline goes
 *                on (the reason `NOT_SCANNED` names it for callers that want to record it).
 *   infected     clamd named a signature: the object has been moved to `quarantine/<object_key>` →
 *                file `infected`, `status_reason` = the signature, no previews, never downloadable.
 *   unavailable  clamd could not be reached / broke off / answered an error → the file stays `processing`
 *                and the message is retried with backoff; after the retry budget the pipeline marks it
 *                `failed` with SCAN_UNAVAILABLE. Never `ready` unscanned.
 *   missing      the object is not at its key (deleted, or already quarantined by an earlier attempt that
 *                failed before recording it — then `quarantined` is the key found there).
 */
import { type ClamdClient, ScannerError, ScannerUnavailableError, ScanSizeLimitError } from './clamd.js';
import { quarantineKey, type ScanObjects } from './objects.js';
import { scanInWindows } from './windows.js';

/** status_reason of a file that failed because no scanner answered within the retry budget. */
export const SCAN_UNAVAILABLE = 'SCAN_UNAVAILABLE';
/** status_reason of a file that went on without a scan because SCANNER is "none". */
export const NOT_SCANNED = 'NOT_SCANNED';

export type ScanOutcome =
  | { kind: 'clean'; reason: string | null; windows: number; ms: number }
  | { kind: 'not-scanned'; reason: typeof NOT_SCANNED }
  | { kind: 'infected'; signature: string; quarantineKey: string; ms: number }
  | { kind: 'unavailable'; detail: string }
  | { kind: 'missing'; quarantined: string | null };

export interface ScanStepInput {
  objectKey: string;
  /** The scanner, or null for SCANNER "none". */
  client: ClamdClient | null;
  objects: ScanObjects;
  /** Bytes per INSTREAM (SCANNER_STREAM_MAX). */
  streamMax: number;
  /** Extra metadata stored with a quarantined object (e.g. file_id). */
  meta?: Record<string, string>;
}

/** `SCANNED_IN_WINDOWS 3×26214400` (windows × bytes per window). */
export function windowsReason(windows: number, windowBytes: number): string {
  return `SCANNED_IN_WINDOWS ${windows}×${windowBytes}`;
}

export async function scanStoredObject(input: ScanStepInput): Promise<ScanOutcome> {
  const { objectKey, client, objects } = input;
  if (!client) return { kind: 'not-scanned', reason: NOT_SCANNED };
  const size = await objects.size(objectKey);
  if (size === null) {
    const q = quarantineKey(objectKey);
    return { kind: 'missing', quarantined: (await objects.size(q)) !== null ? q : null };
  }
  const started = Date.now();
  let result: Awaited<ReturnType<typeof scanInWindows>>;
  try {
    result = await scanInWindows(client, { size, open: (o, l) => objects.open(objectKey, o, l) }, input.streamMax);
  } catch (e) {
    if (e instanceof ScannerUnavailableError || e instanceof ScannerError || e instanceof ScanSizeLimitError) {
      return { kind: 'unavailable', detail: e.message };
    }
    throw e;
  }
  const ms = Date.now() - started;
  if (result.verdict === 'infected') {
    const to = await objects.quarantine(objectKey, { ...input.meta, signature: result.signature, original_key: objectKey });
    return { kind: 'infected', signature: result.signature, quarantineKey: to, ms };
  }
  return { kind: 'clean', reason: result.windows > 1 ? windowsReason(result.windows, result.windowBytes) : null, windows: result.windows, ms };
}
