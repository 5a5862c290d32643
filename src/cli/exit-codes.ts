/** SPEC "Exit codes". */
export const EXIT = {
  /** All registered or skipped as duplicates. */
  OK: 0,
  /** Some files failed. */
  FAILED: 1,
  /** Usage or configuration error. */
  USAGE: 2,
  /** Authentication needed. */
  AUTH: 3,
  /** Order forbidden. */
  ORDER_FORBIDDEN: 4,
  /** Not enough storage quota (SPEC v2: checked before the first byte; nothing sent). */
  QUOTA: 5,
  /** Interrupted (Ctrl-C). */
  INTERRUPTED: 130,
} as const;

export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

/** Thrown by commands to end with a given code after printing `message` to stderr. */
export class CliExit extends Error {
  constructor(
    readonly code: ExitCode,
    message: string,
    /** Stable code for --json output. */
    readonly reason = 'ERROR',
  ) {
    super(message);
    this.name = 'CliExit';
  }
}
