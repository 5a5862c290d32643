/**
 * The client's failure kinds, as the upload flow (transfer.ts) tells them apart — seed 000's error table:
 * NetworkError (no answer, cut, stalled, 5xx: backoff), UrlRejected (PUT 403/410: new intent),
 * ObjectMissing (finalize 409: back to „wartet…"), Cancelled („Abbrechen"), Fatal (no retry helps;
 * `key` names the message, web/i18n.ts), SignInNeeded (401: to the sign-in page).
 */
import type { MessageKey } from '../i18n.js';

export class NetworkError extends Error {}
export class UrlRejected extends Error {}
export class ObjectMissing extends Error {}
export class Cancelled extends Error {}
export class SignInNeeded extends Error {}
export class Fatal extends Error {
  constructor(
    readonly key: MessageKey,
    readonly vars: Record<string, string | number> = {},
    detail = '',
  ) {
    super(detail || key);
  }
}

/** The API's error code → the message shown (SPEC "API" error table). */
export function fatalFor(status: number, code: string | undefined, message: string): Fatal {
  switch (code) {
    case 'ORDER_FORBIDDEN':
    case 'KEY_FORBIDDEN':
      return new Fatal('error.forbidden', {}, message);
    case 'FILE_TOO_LARGE':
      return new Fatal('error.tooLarge', {}, message);
    case 'QUOTA_EXCEEDED':
      return new Fatal('error.quota', {}, message);
    case 'UNSUPPORTED_MEDIA_TYPE':
      return new Fatal('error.type', {}, message);
    case 'CHECKSUM_MISMATCH':
      return new Fatal('error.checksum', {}, message);
    default:
      return new Fatal('error.server', { status }, message);
  }
}

/** Waits `ms`; rejects with Cancelled when `signal` aborts first. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(new Cancelled());
    const t = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(t);
      reject(new Cancelled());
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
