/**
 * Issue 16: "no file becomes downloadable or previewable before it was scanned clean". With a scanner
 * configured (SCANNER ≠ none), a file that is still `uploaded`/`processing`, or `failed` because no scanner
 * answered (SCAN_UNAVAILABLE), has not been scanned: the download route answers 409 SCAN_PENDING and the
 * listing gives it no `download_url`. (Previews exist only for `ready` files anyway; `infected` files are
 * refused with 403 FILE_INFECTED by the route itself.) Without a scanner nothing is held back.
 */
import type { Env } from '../env.js';
import { readScanConfig } from './config.js';
import { SCAN_UNAVAILABLE } from './step.js';

/** True when a configured scanner has not yet passed the file `f`. */
export function awaitingScan(env: Env, f: { status: string; status_reason?: string | null }): boolean {
  if (readScanConfig(env).scanner.kind === 'none') return false;
  if (f.status === 'uploaded' || f.status === 'processing') return true;
  return f.status === 'failed' && (f.status_reason ?? '').startsWith(SCAN_UNAVAILABLE);
}
