/**
 * The upload engine as a scheduler (SPEC "Per file", "Errors"): files are prepared ahead (size check, SHA-256),
 * then each runs as one FileTransfer (file-transfer.ts: intent → PUT or parts → unchanged check → finalize) in one
 * pool of files in flight, with at most `concurrency` transfers at once. Recovery is recovery.ts's; the engine
 * only carries out the stops it asks for (the run, an order). No terminal I/O: it emits EngineEvents and takes
 * its collaborators (API client, hasher, clock, manifests) as arguments.
 */
import { setMaxListeners } from 'node:events';
import type { IntentRequest } from '../../contract/api.js';
import type { Clock } from './clock.js';
import { systemClock } from './clock.js';
import { bytesSentBy, type EngineEvent, type EngineListener, type Failure, type FileOutcome, type PlannedFile, type RunResult } from './events.js';
import { failureFrom, FatalStop, TransferAborted } from './failures.js';
import { prepareFile, type HashFile } from './file-prep.js';
import { FileTransfer, type TransferHost } from './file-transfer.js';
import { FinalizeBatcher } from './finalize-batcher.js';
import { IntentBroker } from './intent-broker.js';
import { IntentPacer } from './intent-pacer.js';
import { KeyedQueue } from './keyed-queue.js';
import type { ManifestEntry } from './manifest.js';
import { OfflineGate } from './offline.js';
import { countWindow, TransferWindow, type WindowLimits } from './window.js';
import { PrepareAhead } from './prepare-ahead.js';
import { stackFields, StackIds } from './stack-ids.js';
import { transferConfig, type RetryPolicy, type TransferConfig } from './transfer-config.js';
import type { UploadApi } from './upload-api.js';

export type { UploadApi } from './upload-api.js';

export interface EngineDeps {
  api: UploadApi;
  hashFile: HashFile;
  clock?: Clock;
}

export interface EngineOptions {
  /** Files in flight at once (SPEC default 4). */
  concurrency: number;
  /** One request's budget (`--retries`); the rest of the recovery budgets come from `transfer`. */
  retry?: RetryPolicy;
  /** Every recovery budget (transfer-config.ts); `retry` and `offlineWaitMs` override its fields. */
  transfer?: Partial<TransferConfig>;
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
  /**
   * Issue 15: the run's last confirmation batch asks for the closing check (finalize-batcher.ts); its answer is
   * RunResult `closing_check`. For runs whose closing check follows (upload, batch); not for watch.
   */
  closingCheck?: boolean;
}

/**
 * True when `f`'s manifest holds it as registered with the same size and mtime: a run sends it no more (the
 * engine's rule; the CLI's quota pre-flight and warm connections count what is left by it too).
 */
export function alreadyRegistered(f: PlannedFile): boolean {
  const m = f.shoot.manifest.get(f.relPath);
  return m?.state === 'registered' && m.bytes === f.bytes && m.mtime_ms === f.mtimeMs && Boolean(m.file_id);
}

export class UploadEngine {
  private readonly listeners: EngineListener[] = [];
  private readonly clock: Clock;
  private readonly config: TransferConfig;
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
  /** Files of the runs that have not yet asked for their confirmation and are not done (the closing check's cue). */
  private toConfirm = 0;
  /** Orders of the runs' files (the closing check's). */
  private readonly orders = new Set<string>();
  /** Runs whose preparation began before them ({@link prepareEarly}): their files → the pending ones. */
  private readonly early = new Map<readonly PlannedFile[], PlannedFile[]>();
  private readonly offline?: OfflineGate;
  /** What every file transfer of this engine borrows (file-transfer.ts). */
  private readonly host: TransferHost;

  constructor(
    private readonly deps: EngineDeps,
    private readonly opts: EngineOptions,
  ) {
    this.clock = deps.clock ?? systemClock;
    this.config = transferConfig(opts.transfer, opts.retry, { offlineWaitMs: opts.offlineWaitMs });
    this.pacer = new IntentPacer(opts.intentRate ?? 3, this.clock);
    // Transfers (PUTs) are limited to `concurrency`; files in flight may be more (filesInFlight), so one
    // file's intent and finalize round trips overlap other files' transfers and the link does not idle.
    this.window = new TransferWindow(opts.window ?? countWindow(opts.concurrency, opts.filesInFlight ?? opts.concurrency));
    this.broker = new IntentBroker(deps.api, this.pacer, this.clock, opts.concurrency);
    this.finalizer = new FinalizeBatcher(
      deps.api,
      undefined,
      () => this.window.files.inFlight.count,
      opts.closingCheck ? { filesToConfirm: () => this.toConfirm, orders: () => [...this.orders] } : undefined,
    );
    this.ahead = new PrepareAhead(opts.hashConcurrency ?? 2);
    if (this.config.offlineWaitMs) {
      this.offline = new OfflineGate({
        maxWaitMs: this.config.offlineWaitMs,
        now: () => this.clock.now(),
        onChange: (off, since, why) =>
          this.emit(off ? { type: 'offline', since_ms: since, ...why } : { type: 'online', offline_ms: this.clock.now() - since }),
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
    this.host = {
      api: deps.api,
      hashFile: deps.hashFile,
      config: this.config,
      clock: this.clock,
      signal: this.stop.signal,
      offline: this.offline,
      broker: this.broker,
      finalizer: this.finalizer,
      stacks: this.stacks,
      transfers: () => Promise.reject(new Error('per file: see run()')),
      sequence: (key, fn) => this.contentQueue.run(key, fn),
      intentBody: (f, entry) => this.intentBody(f, entry),
      emit: (e) => this.emit(e),
      stop: (scope, err, f) => this.stopFor(scope, err, f),
    };
  }

  on(listener: EngineListener): this {
    this.listeners.push(listener);
    return this;
  }

  private emit(e: EngineEvent): void {
    this.bytesSent += bytesSentBy(e);
    for (const l of this.listeners) l(e);
  }

  /**
   * Begins preparing (stat, container check, SHA-256, the manifest's pending entry) the files that
   * `run(files)` — the same array — will send, before that run starts. Nothing goes to the server: the run's
   * caller may still be waiting for an answer that decides whether anything is sent (issue 15, far link: the
   * quota pre-flight's `GET /api/me` is the wait before the first intent on a slow link; the first files'
   * checksums are ready by then). {@link abandonEarly} stops it when the run will not happen.
   */
  prepareEarly(files: readonly PlannedFile[]): void {
    if (this.early.has(files)) return;
    const pending = files.filter((f) => !alreadyRegistered(f));
    this.early.set(files, pending);
    this.broker.expect(pending.length);
    this.ahead.schedule(pending, (f) => this.prepareAndOffer(f));
  }

  /** Stops the preparations {@link prepareEarly} began (the run will not start: e.g. exit 5 at the quota pre-flight); the engine is done. */
  abandonEarly(): void {
    this.early.clear();
    this.stop.abort(new TransferAborted('prepare'));
  }

  /** Uploads every file; resolves when all are settled or the run stopped. Never throws for a file's failure. */
  async run(files: PlannedFile[]): Promise<RunResult> {
    const started = this.clock.now();
    this.prepareEarly(files); // begins the preparations now, unless the caller began them already
    const pending = this.early.get(files)!;
    this.early.delete(files);
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
    for (const f of files) this.orders.add(f.shoot.orderId);
    this.toConfirm += pending.length;
    outcomes.push(...(await this.admitInTurn(pending)));
    await Promise.all([...new Set(files.map((f) => f.shoot.manifest))].map((m) => m.flush().catch(() => undefined)));
    return {
      outcomes,
      fatal: this.fatal,
      forbidden_orders: [...this.forbidden.keys()],
      interrupted: Boolean(this.opts.signal?.aborted),
      bytes_sent: this.bytesSent,
      duration_ms: this.clock.now() - started,
      closing_check: this.finalizer.closing,
    };
  }

  /**
   * Lets `pending` into the files window one at a time, in order (issue 15: "memory flat in the number of
   * files"): the next file asks for its place only once the one before it is in, so the gate's queue holds at
   * most one file of this run and closures exist only for files in flight — first come, first served as
   * before (a large file at the head waits for room, window.ts). Answers one outcome per file, in order.
   */
  private async admitInTurn(pending: readonly PlannedFile[]): Promise<FileOutcome[]> {
    const outcomes = new Array<FileOutcome>(pending.length);
    const inFlight = new Set<Promise<void>>();
    let broken: { err: unknown } | undefined;
    for (let i = 0; i < pending.length && !broken; i++) {
      const f = pending[i];
      if (this.stop.signal.aborted || this.forbidden.has(f.shoot.orderId)) {
        void this.ahead.take(f);
        this.toConfirm--;
        outcomes[i] = { file: f, state: 'waiting', duration_ms: 0 };
        continue;
      }
      await new Promise<void>((admitted) => {
        const turn = this.window
          .file(f.bytes, () => {
            admitted();
            return this.transferOne(f);
          })
          .then(
            (o) => {
              outcomes[i] = o;
            },
            (err: unknown) => {
              broken ??= { err };
              admitted();
            },
          )
          .finally(() => inFlight.delete(turn));
        inFlight.add(turn);
      });
    }
    await Promise.all(inFlight);
    if (broken) throw broken.err;
    return outcomes;
  }

  /** One file's turn inside the files window: its prepared entry, then intent → transfer → finalize. */
  private async transferOne(f: PlannedFile): Promise<FileOutcome> {
    // The file leaves `toConfirm` when it first asks for its confirmation, or when it is done without one.
    let asked = false;
    const confirming = (): void => {
      if (!asked) this.toConfirm--;
      asked = true;
    };
    try {
      const mine = this.ahead.take(f); // issue 15: nothing of a file is kept once it is settled but its outcome
      if (this.stop.signal.aborted || this.forbidden.has(f.shoot.orderId)) return { file: f, state: 'waiting', duration_ms: 0 };
      const started_ms = this.clock.now();
      const finalizer = { finalize: (...a: Parameters<FinalizeBatcher['finalize']>) => (confirming(), this.finalizer.finalize(...a)) };
      const outcome = await new FileTransfer({ ...this.host, finalizer, transfers: (fn) => this.window.transfer(f.bytes, fn) }, f).run(mine);
      this.broker.drop(f);
      return { ...outcome, started_ms: outcome.duration_ms > 0 || outcome.state !== 'waiting' ? started_ms : undefined };
    } finally {
      confirming();
    }
  }


  /** Prepares a file ahead of its turn and tells the broker it will want an intent. */
  private async prepareAndOffer(f: PlannedFile): Promise<ManifestEntry> {
    if (this.stop.signal.aborted) throw new TransferAborted('prepare');
    const entry = await prepareFile(f, this.deps.hashFile, this.stop.signal, false, this.config.hashPasses);
    if (!entry.multipart) this.broker.offer({ file: f, body: this.intentBody(f, entry) });
    return entry;
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

  /** recovery.ts said stop: the run (401, fatal) or one order (403 ORDER_FORBIDDEN at intent: its other files are not tried). */
  private stopFor(scope: 'run' | 'order', err: unknown, f: PlannedFile): void {
    if (scope === 'run') {
      this.abortAll(err instanceof FatalStop ? err.failure : failureFrom(err, f));
      return;
    }
    if (this.forbidden.has(f.shoot.orderId)) return;
    const failure = failureFrom(err, f);
    this.forbidden.set(f.shoot.orderId, failure);
    this.emit({ type: 'order-forbidden', orderId: f.shoot.orderId, failure });
  }

  /** Stops the run for everyone (e.g. the manifest cannot be written any more). */
  abortAll(failure: Failure): void {
    if (this.fatal) return;
    this.fatal = failure;
    this.emit({ type: 'fatal', failure });
    this.stop.abort(new Error(failure.code));
  }
}
