/**
 * The processing pipeline's step interface (SPEC v2 "File lifecycle": `processing` = malware scan, then
 * previews). The consumer runs the steps in order on a file it has claimed (`processing`):
 * - a step returns nothing (or `{kind: "continue"}`) to hand on to the next;
 * - `{kind: "stop", status, reason}` ends the file as `failed` or `infected` (e.g. a scanner's verdict)
 *   without running the rest;
 * - a thrown PermanentProcessingError ends it `failed`; a TransientProcessingError (or any other Error)
 *   retries the message with backoff, bounded (consumer.ts).
 * Steps never write the original object; they may read it through the context (read once, cached).
 */
import type { Env } from '../env.js';

export interface ProcessingFile {
  id: string;
  user_id: string;
  order_id: string;
  object_key: string;
  filename: string;
  mime: string;
  /** Bytes. */
  bytes: number;
}

export interface ProcessingContext {
  env: Env;
  file: ProcessingFile;
  /** 1 on the first delivery of the job, 2 on the first retry, … (Queue `message.attempts`). */
  attempt: number;
  /** The whole original (read on first use, then cached). Throws TransientProcessingError on store errors. */
  original(): Promise<Uint8Array>;
  /** A fresh stream of the original (for steps that stream it elsewhere, e.g. a scanner). */
  openOriginal(): Promise<ReadableStream<Uint8Array>>;
  /** Preview sizes made so far (the previews step fills it; becomes files.previews). */
  previews: string[];
  /** status_reason of the file when it ends `ready` (e.g. the scan's `SCANNED_IN_WINDOWS …`); null = none. */
  readyReason?: string | null;
}

export type StepOutcome = { kind: 'continue' } | { kind: 'stop'; status: 'failed' | 'infected'; reason: string };

export interface ProcessingStep {
  /** Short name for logs and reasons, e.g. "scan", "previews". */
  readonly name: string;
  run(ctx: ProcessingContext): Promise<StepOutcome | undefined>;
}
