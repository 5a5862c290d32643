/**
 * How a processing step reports trouble (the consumer decides what happens to the file and the message):
 * - `PermanentProcessingError`: this file will never process (corrupt image, …) → `failed` with
 *   `"<code>: <detail>"` as status_reason, message acknowledged — never a loop.
 * - `TransientProcessingError`: worth another try (store or Images binding unreachable, …) →
 *   `message.retry()` with backoff, at most MAX_ATTEMPTS deliveries, then `failed` with the code.
 * Any other Error counts as transient (bounded the same way): a bug ends `failed`, not in a loop.
 */
export class PermanentProcessingError extends Error {
  override name = 'PermanentProcessingError';
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

export class TransientProcessingError extends Error {
  override name = 'TransientProcessingError';
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

/** status_reason text: "<CODE>: <detail>", at most 500 characters. */
export function reasonText(code: string, detail: string): string {
  return `${code}: ${detail}`.slice(0, 500);
}
