/**
 * One file's transfer in named steps (SPEC "Per file"; issue 9): intent → PUT or parts → unchanged check →
 * finalize. A failure of any step goes to recovery.ts, which answers with one action (renew the URL, upload
 * again, read again, give up, stop) charged to this file's one FileAttempts; the loop here only carries it out.
 * Every state change goes through `transition()`, which writes the manifest patch, emits the event and builds
 * the outcome together. Progress is counted by the body reads (body-meter.ts).
 */
import { isExistingIntent, isMultipartIntent, type IntentRequest, type IntentResponse, type MultipartIntentResponse } from '../../contract/api.js';
import { isApiError } from '../../api/errors.js';
import type { Clock } from './clock.js';
import { FileMeter } from './body-meter.js';
import type { EngineEvent, FileOutcome, FileState, PlannedFile } from './events.js';
import { failureFrom } from './failures.js';
import { assertUnchanged, prepareFile, type HashFile } from './file-prep.js';
import type { FinalizeBatcher } from './finalize-batcher.js';
import type { IntentBroker } from './intent-broker.js';
import type { ManifestEntry } from './manifest.js';
import { uploadMultipart } from './multipart.js';
import type { OfflineGate } from './offline.js';
import { classify, FileAttempts, type RecoveryAction, type Step } from './recovery.js';
import { withRetry, type RetryContext } from './retry.js';
import { finalizeReplacing, type StackIds } from './stack-ids.js';
import type { TransferConfig } from './transfer-config.js';
import type { UploadApi } from './upload-api.js';

/** What the engine (the scheduler) lends each file transfer. */
export interface TransferHost {
  api: UploadApi;
  hashFile: HashFile;
  config: TransferConfig;
  clock: Clock;
  /** The run's one stop signal. */
  signal: AbortSignal;
  offline?: OfflineGate;
  broker: IntentBroker;
  finalizer: Pick<FinalizeBatcher, 'finalize'>;
  stacks: StackIds;
  /** At most `concurrency` transfers (PUTs) at once. */
  transfers<T>(fn: () => Promise<T>): Promise<T>;
  /** Files of one order with the same content go one after the other (the second is a duplicate, not a second row). */
  sequence<T>(key: string, fn: () => Promise<T>): Promise<T>;
  intentBody(f: PlannedFile, entry: ManifestEntry): IntentRequest;
  emit(e: EngineEvent): void;
  /** recovery.ts said stop: the whole run (401, fatal) or this file's order (403 ORDER_FORBIDDEN at intent). */
  stop(scope: 'run' | 'order', err: unknown, f: PlannedFile): void;
}

type Info = { note?: 'already' | 'duplicate' | 'retry-upload'; object_key?: string; file_id?: string };

export class FileTransfer {
  private entry!: ManifestEntry;
  private step: Step = 'prepare';
  private resumed = false;
  private readonly attempts: FileAttempts;
  private readonly meter: FileMeter;
  private readonly t0: number;

  constructor(
    private readonly host: TransferHost,
    private readonly f: PlannedFile,
  ) {
    this.attempts = new FileAttempts(host.config.fileAttempts);
    this.meter = new FileMeter(f, (e) => host.emit(e));
    this.t0 = host.clock.now();
  }

  /** Runs the file from its prepared manifest entry to its end. Never throws: a failure is the outcome. */
  async run(prepared: Promise<ManifestEntry>): Promise<FileOutcome> {
    try {
      this.entry = await prepared;
      return await this.host.sequence(`${this.f.shoot.orderId}\0${this.entry.checksum}`, () => this.steps());
    } catch (err) {
      return this.settle(classify(err, this.recoveryCtx()));
    }
  }

  private async steps(): Promise<FileOutcome> {
    const known = (this.f.shoot.known ??= new Map()).get(this.entry.checksum!);
    if (known) return this.registered({ ...known, note: 'duplicate' });
    for (;;) {
      try {
        return await this.once();
      } catch (err) {
        const action = classify(err, this.recoveryCtx());
        if (!(await this.recover(action, err))) return this.settle(action);
      }
    }
  }

  /** One pass: intent → PUT or parts → unchanged check → finalize. Throws what a step threw. */
  private async once(): Promise<FileOutcome> {
    const f = this.f;
    this.step = 'intent';
    this.resumed = Boolean(this.entry.multipart);
    const intent = this.entry.multipart ? resumeIntent(this.entry) : await this.host.broker.get({ file: f, body: this.host.intentBody(f, this.entry) }, this.retry());
    if (intent.stack_id) {
      this.host.stacks.apply(f, intent.stack_id, (e) => this.host.emit(e), !isExistingIntent(intent));
      this.entry = f.shoot.manifest.patch(f.relPath, { stack_id: intent.stack_id });
    }
    if (isExistingIntent(intent)) return this.registered({ file_id: intent.existing_file_id, object_key: intent.object_key, note: 'duplicate' });
    const object_key = intent.object_key;
    this.transition('uploading', { object_key, attempts: this.entry.attempts + 1 }, { object_key });
    this.step = 'put';
    await this.host.transfers(() => this.send(intent));
    this.step = 'unchanged';
    await assertUnchanged(f, this.entry);
    this.transition('uploaded', { state: 'uploaded' }, { object_key });
    this.step = 'finalize';
    const fin = await finalizeReplacing(
      (replaces) =>
        withRetry(
          () => this.host.finalizer.finalize({ object_key, bytes: f.bytes, checksum: this.entry.checksum!, exif_meta: f.meta, ...(replaces ? { replaces } : {}) }, this.host.signal),
          this.retry(),
        ),
      this.entry.replaces,
    );
    return this.registered({ file_id: fin.file_id, object_key });
  }

  /** The transfer step: parts for a multipart intent, else one PUT of the whole file. */
  private async send(intent: IntentResponse): Promise<void> {
    const host = this.host;
    if (isMultipartIntent(intent)) {
      await uploadMultipart({ api: host.api, emit: (e) => host.emit(e), meter: this.meter, retryCtx: this.retry(), signal: host.signal, resumed: this.resumed }, this.f, intent);
      return;
    }
    if (isExistingIntent(intent)) return;
    const body = this.meter.read();
    try {
      await withRetry(() => {
        body.restart();
        return host.api.put(intent.signed_url, intent.headers, { path: this.f.absPath, start: 0, length: this.f.bytes }, { signal: host.signal, onBytes: body.onBytes });
      }, { ...this.retry(), url: 'put' });
    } catch (err) {
      body.restart(); // a renewal or a re-upload starts the file over
      throw err;
    }
  }

  /** Carries out a step-level action; false when the file ends here (give up, stop). Each starts the file over. */
  private async recover(action: RecoveryAction, err: unknown): Promise<boolean> {
    const f = this.f;
    if (action.kind !== 'renew-url' && action.kind !== 'read-again' && action.kind !== 'upload-again') return false;
    this.meter.rewind(); // the file is sent again from its start: progress takes back what it reported
    if (action.kind === 'renew-url') {
      // SPEC: PUT 403/410 → new intent, at most `urlRenewals` times
      if (isApiError(err)) this.host.emit({ type: 'retry', file: f, code: err.code, detail: err.message, wait_ms: 0, attempt: this.attempts.renewalsOf('put') });
    } else if (action.kind === 'read-again') {
      // SPEC: a file changed on disk is hashed and uploaded again, never registered torn
      this.entry = await prepareFile(f, this.host.hashFile, this.host.signal, true, this.host.config.hashPasses);
    } else if (this.step === 'finalize') {
      // SPEC: finalize 409 → back to waiting, upload again.
      this.transition('waiting', { state: 'pending', multipart: undefined }, { note: 'retry-upload' });
    } else {
      this.entry = f.shoot.manifest.patch(f.relPath, { multipart: undefined }); // the saved multipart upload is gone
    }
    return true;
  }

  /** The file's end after give-up or stop: failed (manifest, event), or left waiting for a later run. */
  private settle(action: RecoveryAction): FileOutcome {
    const duration_ms = this.host.clock.now() - this.t0;
    if (action.kind === 'stop-run') {
      if (action.scope !== 'aborted') this.host.stop(action.scope, action.error, this.f);
      return { file: this.f, state: 'waiting', duration_ms };
    }
    if (action.kind !== 'give-up') throw new Error(`recovery: ${action.kind} is not an end`);
    if (this.host.signal.aborted) return { file: this.f, state: 'waiting', duration_ms };
    const failure = failureFrom(action.error, this.f);
    const patch = this.f.shoot.manifest.get(this.f.relPath) ? { state: 'failed' as const, last_error: { code: failure.code, message: failure.detail } } : undefined;
    return { ...this.transition('failed', patch, {}, { failure }), failure };
  }

  private registered(info: Info & { file_id: string; object_key: string }): FileOutcome {
    this.f.shoot.known!.set(this.entry.checksum!, { file_id: info.file_id, object_key: info.object_key });
    const patch = { state: 'registered' as const, file_id: info.file_id, object_key: info.object_key, last_error: undefined, multipart: undefined, replaces: undefined };
    return this.transition('registered', patch, info);
  }

  /** One state change: the manifest patch (if any), the file event and the outcome, together. */
  private transition(state: FileState, patch: Partial<ManifestEntry> | undefined, info: Info, extra: Pick<EngineEvent & { type: 'file' }, 'failure'> = {}): FileOutcome {
    if (patch) this.entry = this.f.shoot.manifest.patch(this.f.relPath, patch);
    this.host.emit({ type: 'file', file: this.f, state, ...info, ...extra });
    const note = info.note === 'retry-upload' ? undefined : info.note;
    return { file: this.f, state, ...(note ? { note } : {}), file_id: info.file_id, object_key: info.object_key, duration_ms: this.host.clock.now() - this.t0 };
  }

  private recoveryCtx() {
    return { config: this.host.config, step: this.step, file: this.attempts, signal: this.host.signal, resumed: this.resumed };
  }

  /** The request context of the current step: budgets, clock, the file's attempts, retry events. */
  private retry(): RetryContext {
    return {
      policy: this.host.config,
      clock: this.host.clock,
      signal: this.host.signal,
      offline: this.host.offline,
      step: this.step,
      file: this.attempts,
      onRetry: (err, waitMs, attempt) => this.host.emit({ type: 'retry', file: this.f, code: err.code, detail: err.message, wait_ms: waitMs, attempt }),
    };
  }
}

/** An intent-shaped record for continuing the multipart upload saved in the manifest. */
function resumeIntent(entry: ManifestEntry): MultipartIntentResponse {
  const mp = entry.multipart!;
  return { object_key: mp.object_key, multipart: { upload_id: mp.upload_id, part_size: mp.part_size, parts: [] }, expires_at: '', stack_id: entry.stack_id };
}
