/**
 * The upload engine: per file size check → SHA-256 → intent → PUT → finalize, through one pool
 * (SPEC "Per file", "Errors"). No terminal I/O: it emits EngineEvents and takes its collaborators
 * (API client, hasher, clock, manifests) as arguments.
 */
import { setMaxListeners } from 'node:events';
import { isExistingIntent, isMultipartIntent, type IntentRequest, type IntentResponse, type MultipartIntentResponse } from '../../contract/api.js';
import { ApiError, isApiError } from '../../api/errors.js';
import type { PiximmoApi } from '../../api/client.js';
import type { Clock } from './clock.js';
import { systemClock } from './clock.js';
import { IntentPacer } from './intent-pacer.js';
import { IntentBroker } from './intent-broker.js';
import { FinalizeBatcher } from './finalize-batcher.js';
import { PrepareAhead } from './prepare-ahead.js';
import { DEFAULT_RETRY, withRetry, type RetryPolicy } from './retry.js';
import type { EngineEvent, EngineListener, Failure, FileOutcome, PlannedFile, RunResult } from './events.js';
import type { ManifestEntry } from './manifest.js';
import { failureFrom, FatalStop, FileProblem } from './failures.js';
import { uploadMultipart } from './multipart.js';
import { assertUnchanged, fsProblem, prepareFile, type HashFile } from './file-prep.js';
import { KeyedQueue } from './keyed-queue.js';
import { finalizeReplacing, stackFields, StackIds } from './stack-ids.js';
import { OfflineGate } from './offline.js';
import { countWindow, TransferWindow, type WindowLimits } from './window.js';

/** The part of the API client the engine uses (a stub can stand in for unit tests). */
export type UploadApi = Pick<
  PiximmoApi,
  'intent' | 'put' | 'finalize' | 'multipartParts' | 'multipartComplete' | 'multipartAbort'
> &
  Partial<Pick<PiximmoApi, 'intentBatch' | 'finalizeBatch'>>;

export interface EngineDeps {
  api: UploadApi;
  hashFile: HashFile;
  clock?: Clock;
}

export interface EngineOptions {
  /** Files in flight at once (SPEC default 4). */
  concurrency: number;
  retry?: RetryPolicy;
  /** Intents per second the client allows itself (SPEC: 3/s/user); 0 = unpaced. */
  intentRate?: number;
  /** Files hashed at once ahead of the uploads (default 2). */
  hashConcurrency?: number;
  /** Files between intent and finalize at once (default `concurrency`); transfers stay ≤ `concurrency`. */
  filesInFlight?: number;
  /** Ctrl-C: stop starting files, abort those in flight. */
  signal?: AbortSignal;
  /** SPEC "Offline is a state": how long to wait while the API cannot be reached, ms (Infinity: watch); unset = no offline state. */
  offlineWaitMs?: number;
  /** Files and transfers at once by count and bytes (window.ts); default: count only (`concurrency`, `filesInFlight`). */
  window?: WindowLimits;
}

/** SPEC "Errors": PUT 403/410 → new intent, at most 2 times. */
const MAX_URL_RENEWALS = 2;
/** SPEC "Errors": finalize 409 → back to waiting, upload again (bounded so a broken server cannot loop us). */
const MAX_REUPLOADS = 2;
/** A file that changes during its upload is read again this often before it is given up. */
const MAX_REREADS = 2;

export class UploadEngine {
  private readonly listeners: EngineListener[] = [];
  private readonly clock: Clock;
  private readonly retry: RetryPolicy;
  private readonly pacer: IntentPacer;
  private readonly stop = new AbortController();
  private fatal?: Failure;
  /** Orders refused at intent: their remaining files are not tried (SPEC: 403 on intent → stop). */
  private readonly forbidden = new Map<string, Failure>();
  /** Files in flight and transfers at once, for every run() of this engine (watch mode starts runs while others go). */
  private readonly window: TransferWindow;
  /** Files of one order with the same content go one after the other. */
  private readonly contentQueue = new KeyedQueue();
  private readonly broker: IntentBroker;
  /** Finalizes go out in batches (finalize-batch), single on older servers. */
  readonly finalizer: FinalizeBatcher;
  private readonly ahead: PrepareAhead<ManifestEntry>;
  /** Allocated stack ids (SPEC v2), applied to files and announced once per stack. */
  private readonly stacks = new StackIds();
  private bytesSent = 0;
  private readonly offline?: OfflineGate;

  constructor(
    private readonly deps: EngineDeps,
    private readonly opts: EngineOptions,
  ) {
    this.clock = deps.clock ?? systemClock;
    this.retry = opts.retry ?? DEFAULT_RETRY;
    this.pacer = new IntentPacer(opts.intentRate ?? 3, this.clock);
    // Transfers (PUTs) are limited to `concurrency`; files in flight may be more (filesInFlight), so one
    // file's intent and finalize round trips overlap other files' transfers and the link does not idle.
    this.window = new TransferWindow(opts.window ?? countWindow(opts.concurrency, opts.filesInFlight ?? opts.concurrency));
    this.broker = new IntentBroker(deps.api, this.pacer, this.clock, opts.concurrency);
    this.finalizer = new FinalizeBatcher(deps.api, undefined, () => this.window.files.inFlight.count);
    this.ahead = new PrepareAhead(opts.hashConcurrency ?? 2);
    if (opts.offlineWaitMs) {
      this.offline = new OfflineGate({
        maxWaitMs: opts.offlineWaitMs,
        now: () => this.clock.now(),
        onChange: (off, since) => this.emit(off ? { type: 'offline', since_ms: since } : { type: 'online', offline_ms: this.clock.now() - since }),
      });
    }
    // Every file in flight, hash, pause and request listens on this one signal: more than Node's default of
    // 10 listeners is normal here, and its warning would break the terminal view (issue 10).
    setMaxListeners(0, this.stop.signal);
    const user = opts.signal;
    if (user) {
      if (user.aborted) this.stop.abort(user.reason);
      else user.addEventListener('abort', () => this.stop.abort(user.reason), { once: true });
    }
  }

  on(listener: EngineListener): this {
    this.listeners.push(listener);
    return this;
  }

  private emit(e: EngineEvent): void {
    if (e.type === 'bytes' && !e.resumed) this.bytesSent += Math.max(e.delta , 0);
    for (const l of this.listeners) l(e);
  }

  /** Uploads every file; resolves when all are settled or the run stopped. Never throws for a file's failure. */
  async run(files: PlannedFile[]): Promise<RunResult> {
    const started = this.clock.now();
    const pending = files.filter((f) => !this.alreadyRegistered(f));
    const todo = new Set(pending);
    const outcomes: FileOutcome[] = [];
    for (const f of files) {
      if (!todo.has(f)) {
        const m = f.shoot.manifest.get(f.relPath);
        if (m?.stack_id) this.stacks.apply(f, m.stack_id, (e) => this.emit(e));
        this.emit({ type: 'file', file: f, state: 'registered', note: 'already', file_id: m?.file_id, object_key: m?.object_key });
        outcomes.push({ file: f, state: 'registered', note: 'already', file_id: m?.file_id, object_key: m?.object_key, duration_ms: 0 });
      }
    }
    for (const f of pending) this.emit({ type: 'file', file: f, state: 'waiting' });
    const prepared = this.ahead.schedule(pending, (f) => this.prepareAndOffer(f));
    const settled = await Promise.all(
      pending.map((f) =>
        this.window.file(f.bytes, async (): Promise<FileOutcome> => {
          this.ahead.started(f);
          if (this.stop.signal.aborted || this.forbidden.has(f.shoot.orderId)) return { file: f, state: 'waiting', duration_ms: 0 };
          const started_ms = this.clock.now();
          const outcome = await this.processFile(f, prepared.get(f)!);
          this.broker.drop(f);
          return { ...outcome, started_ms: outcome.duration_ms > 0 || outcome.state !== 'waiting' ? started_ms : undefined };
        }),
      ),
    );
    outcomes.push(...settled);
    await Promise.all([...new Set(files.map((f) => f.shoot.manifest))].map((m) => m.flush().catch(() => undefined)));
    return {
      outcomes,
      fatal: this.fatal,
      forbidden_orders: [...this.forbidden.keys()],
      interrupted: Boolean(this.opts.signal?.aborted),
      bytes_sent: this.bytesSent,
      duration_ms: this.clock.now() - started,
    };
  }

  private alreadyRegistered(f: PlannedFile): boolean {
    const m = f.shoot.manifest.get(f.relPath);
    return m?.state === 'registered' && m.bytes === f.bytes && m.mtime_ms === f.mtimeMs && Boolean(m.file_id);
  }

  /** Prepares a file ahead of its turn and tells the broker it will want an intent. */
  private async prepareAndOffer(f: PlannedFile): Promise<ManifestEntry> {
    if (this.stop.signal.aborted) throw new ApiError({ kind: 'aborted', code: 'ABORTED', message: 'interrupted', operation: 'prepare' });
    const entry = await this.prepare(f, this.stop.signal);
    if (!entry.multipart) this.broker.offer({ file: f, body: this.intentBody(f, entry) });
    return entry;
  }

  private async processFile(f: PlannedFile, prepared: Promise<ManifestEntry>): Promise<FileOutcome> {
    const t0 = this.clock.now();
    try {
      const entry = await prepared;
      // Two files with the same content go one after the other, so the second is a duplicate, not a second row.
      return await this.contentQueue.run(`${f.shoot.orderId}\0${entry.checksum}`, () => this.send(f, entry, t0));
    } catch (err) {
      return this.settleFailure(f, err, t0);
    }
  }

  /** Intent → PUT → finalize for a prepared file, with SPEC's renewals and re-uploads. Throws on failure. */
  private async send(f: PlannedFile, prepared: ManifestEntry, t0: number): Promise<FileOutcome> {
    const signal = this.stop.signal;
    const manifest = f.shoot.manifest;
    let entry = prepared;
    const known = (f.shoot.known ??= new Map()).get(entry.checksum!);
    if (known) {
      manifest.patch(f.relPath, { state: 'registered', file_id: known.file_id, object_key: known.object_key, last_error: undefined });
      this.emit({ type: 'file', file: f, state: 'registered', note: 'duplicate', file_id: known.file_id, object_key: known.object_key });
      return { file: f, state: 'registered', note: 'duplicate', file_id: known.file_id, object_key: known.object_key, duration_ms: this.clock.now() - t0 };
    }
    let renewals = 0;
    let reuploads = 0;
    let rereads = 0;
    for (;;) {
      const intent = entry.multipart ? resumeIntent(entry) : await this.requestIntent(f, entry, signal);
      if (intent.stack_id) {
        this.stacks.apply(f, intent.stack_id, (e) => this.emit(e), !isExistingIntent(intent));
        entry = manifest.patch(f.relPath, { stack_id: intent.stack_id });
      }
      if (isExistingIntent(intent)) {
        f.shoot.known.set(entry.checksum!, { file_id: intent.existing_file_id, object_key: intent.object_key });
        entry = manifest.patch(f.relPath, { state: 'registered', file_id: intent.existing_file_id, object_key: intent.object_key, last_error: undefined, multipart: undefined });
        this.emit({ type: 'file', file: f, state: 'registered', note: 'duplicate', file_id: intent.existing_file_id, object_key: intent.object_key });
        return { file: f, state: 'registered', note: 'duplicate', file_id: intent.existing_file_id, object_key: intent.object_key, duration_ms: this.clock.now() - t0 };
      }
      entry = manifest.patch(f.relPath, { object_key: intent.object_key, attempts: entry.attempts + 1 });
      this.emit({ type: 'file', file: f, state: 'uploading', object_key: intent.object_key });
      try {
        await this.window.transfer(f.bytes, () => this.transfer(f, intent, signal));
      } catch (err) {
        if (isApiError(err) && err.kind === 'file') throw fsProblem(err); // deleted or unreadable while sending
        if (entry.multipart && isApiError(err) && err.kind === 'http' && [403, 404, 410].includes(err.status) && err.operation.includes('multipart/parts')) {
          // The saved multipart upload is gone on the server (expired, aborted): start a fresh one.
          entry = manifest.patch(f.relPath, { multipart: undefined });
          continue;
        }
        if (isChange(err) && rereads < MAX_REREADS) {
          rereads++; // SPEC: a file changed on disk is hashed and uploaded again, never registered torn
          entry = await this.prepare(f, signal, true);
          continue;
        }
        if (isApiError(err) && err.kind === 'http' && (err.status === 403 || err.status === 410) && renewals < MAX_URL_RENEWALS) {
          renewals++;
          this.emit({ type: 'retry', file: f, code: err.code, detail: err.message, wait_ms: 0, attempt: renewals });
          continue; // SPEC: PUT 403/410 → new intent, at most 2 times
        }
        if (isApiError(err) && err.kind === 'http' && (err.status === 403 || err.status === 410)) {
          throw new FileProblem({ code: 'URL_REJECTED', detail: err.message });
        }
        throw err;
      }
      try {
        await assertUnchanged(f, entry);
      } catch (err) {
        if (isChange(err) && rereads < MAX_REREADS) {
          rereads++;
          entry = await this.prepare(f, signal, true);
          continue;
        }
        throw err;
      }
      manifest.patch(f.relPath, { state: 'uploaded' });
      this.emit({ type: 'file', file: f, state: 'uploaded', object_key: intent.object_key });
      try {
        const fin = await finalizeReplacing(
          (replaces) =>
            withRetry(
              () => this.finalizer.finalize({ object_key: intent.object_key, bytes: f.bytes, checksum: entry.checksum!, exif_meta: f.meta, ...(replaces ? { replaces } : {}) }, signal),
              this.retryCtx(f, signal),
            ),
          entry.replaces,
        );
        manifest.patch(f.relPath, { state: 'registered', file_id: fin.file_id, last_error: undefined, multipart: undefined, replaces: undefined });
        f.shoot.known.set(entry.checksum!, { file_id: fin.file_id, object_key: intent.object_key });
        this.emit({ type: 'file', file: f, state: 'registered', file_id: fin.file_id, object_key: intent.object_key });
        return { file: f, state: 'registered', file_id: fin.file_id, object_key: intent.object_key, duration_ms: this.clock.now() - t0 };
      } catch (err) {
        if (isApiError(err) && err.status === 409 && reuploads < MAX_REUPLOADS) {
          reuploads++; // SPEC: finalize 409 → back to waiting, upload again
          entry = manifest.patch(f.relPath, { state: 'pending', multipart: undefined });
          this.emit({ type: 'bytes', file: f, delta: -entry.bytes }); // the file is sent again from its start
          this.emit({ type: 'file', file: f, state: 'waiting', note: 'retry-upload' });
          continue;
        }
        throw err;
      }
    }
  }

  private prepare(f: PlannedFile, signal: AbortSignal, forceHash = false): Promise<ManifestEntry> {
    return prepareFile(f, this.deps.hashFile, signal, forceHash);
  }

  private intentBody(f: PlannedFile, entry: ManifestEntry): IntentRequest {
    return {
      filename: f.name,
      mime: f.mime,
      order_id: f.shoot.orderId,
      room_type: f.room_type,
      stack_id: f.stack_id,
      bytes: entry.bytes,
      checksum: entry.checksum,
      ...stackFields(f),
    };
  }

  private requestIntent(f: PlannedFile, entry: ManifestEntry, signal: AbortSignal): Promise<IntentResponse> {
    return this.broker.get({ file: f, body: this.intentBody(f, entry) }, this.retryCtx(f, signal));
  }

  private async transfer(f: PlannedFile, intent: IntentResponse, signal: AbortSignal): Promise<void> {
    if (isMultipartIntent(intent)) {
      await uploadMultipart(
        { api: this.deps.api, emit: (e) => this.emit(e), retryCtx: this.retryCtx(f, signal), signal },
        f,
        intent,
      );
      return;
    }
    if (isExistingIntent(intent)) return;
    let sentThisTry = 0;
    const takeBack = (): void => {
      // The bytes of a failed try are sent again: progress counts each byte of the file once.
      if (sentThisTry > 0) this.emit({ type: 'bytes', file: f, delta: -sentThisTry });
      sentThisTry = 0;
    };
    try {
      await withRetry(async () => {
        takeBack();
        await this.deps.api.put(intent.signed_url, intent.headers, { path: f.absPath, start: 0, length: f.bytes }, {
          signal,
          onBytes: (n) => {
            sentThisTry += n;
            this.emit({ type: 'bytes', file: f, delta: n });
          },
        });
      }, this.retryCtx(f, signal));
    } catch (err) {
      takeBack(); // a renewal or a re-upload starts the file over
      throw err;
    }
  }

  private retryCtx(f: PlannedFile, signal: AbortSignal) {
    return {
      policy: this.retry,
      clock: this.clock,
      signal,
      offline: this.offline,
      onRetry: (err: ApiError, waitMs: number, attempt: number) =>
        this.emit({ type: 'retry', file: f, code: err.code, detail: err.message, wait_ms: waitMs, attempt }),
    };
  }

  private settleFailure(f: PlannedFile, err: unknown, t0: number): FileOutcome {
    const duration_ms = this.clock.now() - t0;
    if (isApiError(err) && err.code === 'ORDER_FORBIDDEN') {
      if (!this.forbidden.has(f.shoot.orderId)) {
        const failure = failureFrom(err, f);
        this.forbidden.set(f.shoot.orderId, failure);
        this.emit({ type: 'order-forbidden', orderId: f.shoot.orderId, failure });
      }
      return { file: f, state: 'waiting', duration_ms };
    }
    if (err instanceof FatalStop || (isApiError(err) && err.status === 401)) {
      const failure = err instanceof FatalStop ? err.failure : failureFrom(err, f);
      if (!this.fatal) {
        this.fatal = failure;
        this.emit({ type: 'fatal', failure });
        this.stop.abort(new Error(failure.code));
      }
      return { file: f, state: 'waiting', duration_ms };
    }
    if ((isApiError(err) && err.kind === 'aborted') || this.stop.signal.aborted) {
      return { file: f, state: 'waiting', duration_ms };
    }
    const failure = failureFrom(err, f);
    const cur = f.shoot.manifest.get(f.relPath);
    if (cur) f.shoot.manifest.patch(f.relPath, { state: 'failed', last_error: { code: failure.code, message: failure.detail } });
    this.emit({ type: 'file', file: f, state: 'failed', failure });
    return { file: f, state: 'failed', failure, duration_ms };
  }

  /** Stops the run for everyone (e.g. the manifest cannot be written any more). */
  abortAll(failure: Failure): void {
    if (this.fatal) return;
    this.fatal = failure;
    this.emit({ type: 'fatal', failure });
    this.stop.abort(new Error(failure.code));
  }
}

/** A re-read (hash again, new intent) helps: the file changed, or the server saw other bytes than we hashed. */
function isChange(err: unknown): boolean {
  if (err instanceof FileProblem) return err.failure.code === 'FILE_CHANGED';
  return isApiError(err) && (err.code === 'FILE_CHANGED' || err.status === 422 || err.status === 413);
}

/** An intent-shaped record for continuing the multipart upload saved in the manifest. */
function resumeIntent(entry: ManifestEntry): MultipartIntentResponse {
  const mp = entry.multipart!;
  return { object_key: mp.object_key, multipart: { upload_id: mp.upload_id, part_size: mp.part_size, parts: [] }, expires_at: '', stack_id: entry.stack_id };
}
