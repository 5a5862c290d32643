/**
 * Time as a collaborator: the engine never calls Date.now/setTimeout directly, so tests can drive it.
 */
import { TransferAborted } from './failures.js';

export interface Clock {
  /** Milliseconds since the epoch. */
  now(): number;
  /** Resolves after `ms`; rejects with TransferAborted (kind 'aborted') when `signal` fires. */
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
}

export const systemClock: Clock = {
  now: () => Date.now(),
  sleep: (ms, signal) =>
    new Promise<void>((resolve, reject) => {
      const aborted = (): TransferAborted => new TransferAborted('wait');
      if (signal?.aborted) return reject(aborted());
      const t = setTimeout(() => {
        signal?.removeEventListener('abort', onAbort);
        resolve();
      }, ms);
      const onAbort = (): void => {
        clearTimeout(t);
        reject(aborted());
      };
      signal?.addEventListener('abort', onAbort, { once: true });
    }),
};
