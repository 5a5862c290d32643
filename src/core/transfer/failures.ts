/**
 * From thrown errors to `Failure` records with stable codes. The CLI turns codes into words
 * (src/cli/messages.ts); --json prints the codes as they are.
 */
import { isApiError } from '../../api/errors.js';
import type { Failure, PlannedFile } from './events.js';

/** A problem with one local file (vanished, unreadable, changing, empty). */
export class FileProblem extends Error {
  constructor(readonly failure: Failure) {
    super(failure.detail);
    this.name = 'FileProblem';
  }
}

/** A problem that stops the whole run (401, order forbidden, manifest not writable). */
export class FatalStop extends Error {
  constructor(readonly failure: Failure) {
    super(failure.detail);
    this.name = 'FatalStop';
  }
}

/**
 * The run (or one file) was stopped on purpose: Ctrl-C, a fatal stop of the run, a wait cut short. The engine's
 * own abort type (issue 9), apart from the HTTP client's ApiError of kind 'aborted' (which recovery.ts treats
 * the same). `kind`/`code` match that ApiError's, so renderers and tests see one shape.
 */
export class TransferAborted extends Error {
  readonly kind = 'aborted' as const;
  readonly code = 'ABORTED';
  constructor(readonly operation = 'wait') {
    super('interrupted');
    this.name = 'TransferAborted';
  }
}

/**
 * Maps any error to a Failure. API errors keep their SPEC code (FILE_TOO_LARGE, UNSUPPORTED_MEDIA_TYPE, …);
 * transport errors become NETWORK / STALLED / BAD_RESPONSE; anything else INTERNAL.
 */
export function failureFrom(err: unknown, f?: PlannedFile): Failure {
  if (err instanceof FileProblem || err instanceof FatalStop) return err.failure;
  if (isApiError(err)) {
    const params: Record<string, string | number> = {};
    if (f) {
      params.file = f.relPath;
      params.bytes = f.bytes;
      params.order = f.shoot.orderId;
    }
    // A short, language-neutral cause (ECONNRESET, HTTP_503, …) for messages in any language.
    params.cause = err.kind === 'http' ? `HTTP ${err.status}` : err.code;
    if (err.host) params.host = err.host;
    const limit = err.details?.max_bytes ?? err.details?.limit;
    if (typeof limit === 'number') params.limit = limit;
    if (err.kind === 'network') return { code: 'NETWORK', detail: `${err.operation}: ${err.message} (${err.code})`, params };
    if (err.kind === 'stalled') return { code: 'STALLED', detail: `${err.operation}: ${err.message}`, params };
    if (err.kind === 'protocol') {
      // An answer that breaks the contract names its field (api/expect.ts): the words say which, and where.
      if (typeof err.details?.field === 'string') Object.assign(params, { field: err.details.field, operation: err.operation, variant: String(err.details.problem) });
      return { code: err.code === 'FILE_CHANGED' ? 'FILE_CHANGED' : 'BAD_RESPONSE', detail: `${err.operation}: ${err.message}`, params };
    }
    // SPEC v2 "Hardening": a file name with control or direction characters is refused — the file's fault,
    // not a bug of piximmo (issue 10), so it gets its own code and words.
    if (err.code === 'VALIDATION_FAILED' && err.details?.field === 'filename') return { code: 'FILENAME_REFUSED', detail: `${err.operation}: ${err.message}`, params };
    if (err.status >= 500) return { code: 'SERVER_ERROR', detail: `${err.operation}: HTTP ${err.status} ${err.message}`, params };
    return { code: err.code, detail: `${err.operation}: ${err.message}`, params };
  }
  const e = err as { message?: string; code?: string };
  if (e?.code === 'ENOSPC') return { code: 'DISK_FULL', detail: e.message ?? 'no space left on device', params: { cause: 'ENOSPC' } };
  return { code: 'INTERNAL', detail: e?.message ?? String(err) };
}
