/**
 * One upload session of the CLI: the API client, the renderer, one engine (one pool), the opened shoots
 * with their manifests, and Ctrl-C handling (SPEC: once → stop starting files, abort transfers, save,
 * exit 130; twice → exit at once). Shared by `upload`, `batch` and `watch`.
 */
import { setMaxListeners } from 'node:events';
import path from 'node:path';
import type { PiximmoApi } from '../api/client.js';
import { alreadyRegistered, UploadEngine } from '../core/transfer/engine.js';
import type { PlannedFile, Shoot } from '../core/transfer/events.js';
import { sha256File } from '../core/transfer/hash.js';
import { ManifestLockedError, ManifestStore, manifestPathFor } from '../core/transfer/manifest.js';
import type { PlanItem } from '../core/plan/plan.js';
import type { RetryPolicy } from '../core/transfer/retry.js';
import { rememberStackKeys } from '../core/transfer/stack-memory.js';
import { CliExit, EXIT } from './exit-codes.js';
import { t } from './i18n/index.js';
import { ownSignals } from './own-signals.js';
import type { RunRenderer } from './render/types.js';
import { firstWave, smallFileWindow, type WindowLimits } from '../core/transfer/window.js';

/** fs errors that mean "this folder cannot hold our state" (exit 2, state.unwritable). */
const UNWRITABLE = new Set(['EACCES', 'EPERM', 'EROFS', 'ENOTDIR', 'ENOSPC', 'EDQUOT', 'EISDIR', 'EEXIST']);

/** At most this many upload connections opened ahead: one less than the pool's 16 per origin (api/http.ts), for the API's own. */
const MAX_WARM = 15;

/** The engine's settings (run-flow.ts `TransferSettings`, resolved by resolve-settings.ts). */
export interface SessionOptions {
  concurrency: number;
  retry?: RetryPolicy;
  /** Intents per second the client allows itself (SPEC 3/s); 0 = no limit. */
  intentRate: number;
  /** SPEC "Offline is a state": how long to wait while the API cannot be reached, ms (watch: Infinity). */
  offlineWaitMs?: number;
  /** The run's last confirmation batch asks for the closing check (EngineOptions `closingCheck`, issue 15). */
  closingCheck?: boolean;
}

export class UploadSession {
  readonly stop = new AbortController();
  readonly engine: UploadEngine;
  readonly shoots: Shoot[] = [];
  private readonly window: WindowLimits;
  private interrupts = 0;
  private readonly releaseSignals: () => void;
  private readonly onSignal = (): void => {
    this.interrupts++;
    if (this.interrupts > 1) process.exit(EXIT.INTERRUPTED); // the manifest on disk stays valid (atomic writes)
    this.renderer.notice('warn', 'INTERRUPTING', t('run.interrupting'));
    this.stop.abort(new Error('SIGINT'));
  };

  constructor(
    readonly api: PiximmoApi,
    readonly renderer: RunRenderer,
    opts: SessionOptions,
  ) {
    setMaxListeners(1000, this.stop.signal); // one listener per request in flight (see engine.ts)
    // More files in flight than transfers (window.ts FILES_PER_SLOT): intents and finalizes overlap the PUTs of others.
    this.window = smallFileWindow(opts.concurrency);
    this.engine = new UploadEngine(
      { api, hashFile: sha256File },
      {
        concurrency: opts.concurrency,
        window: this.window,
        signal: this.stop.signal,
        intentRate: opts.intentRate,
        retry: opts.retry,
        offlineWaitMs: opts.offlineWaitMs,
        closingCheck: opts.closingCheck,
      },
    );
    this.engine.on((e) => renderer.event(e));
    this.releaseSignals = ownSignals(this.onSignal);
  }

  get interrupted(): boolean {
    return this.stop.signal.aborted;
  }

  /**
   * Opens the manifest of (root, order) — refused with exit 2 when another run holds it — and, when it had
   * to be rebuilt, loads the order's content from the server so nothing is sent twice.
   */
  async openShoot(root: string, orderId: string, manifestFile?: string, preloadKnown = false): Promise<Shoot> {
    const file = manifestFile ? path.resolve(manifestFile) : manifestPathFor(root, orderId);
    const opened = await ManifestStore.open(file, { root, orderId, apiUrl: this.api.apiUrl }, (err) =>
      this.engine.abortAll({
        code: 'MANIFEST_WRITE_FAILED',
        detail: `${file}: ${err.message}`,
        params: { cause: (err as NodeJS.ErrnoException).code ?? 'EIO' },
      }),
    ).catch((err: unknown) => {
      if (err instanceof ManifestLockedError) {
        throw new CliExit(EXIT.USAGE, t('manifest.locked', { pid: err.pid, host: err.host, file: err.file }), 'MANIFEST_LOCKED');
      }
      // Issue 10: an unwritable state folder is exit 2 with a sentence, not a stack trace.
      const code = (err as NodeJS.ErrnoException).code;
      if (code && UNWRITABLE.has(code)) {
        throw new CliExit(EXIT.USAGE, t('state.unwritable', { dir: path.dirname(file), cause: code }), 'STATE_UNWRITABLE');
      }
      throw err;
    });
    const shoot: Shoot = { root, orderId, manifest: opened.store };
    if (opened.rebuilt) {
      this.renderer.notice('warn', 'MANIFEST_REBUILT', t('manifest.rebuilt', { detail: opened.rebuilt.reason, aside: opened.rebuilt.aside }));
    }
    if (opened.rebuilt || preloadKnown) shoot.known = await this.knownContent(orderId);
    for (const [, e] of opened.store.entries()) {
      if (e.state === 'registered' && e.checksum && e.file_id && e.object_key) {
        (shoot.known ??= new Map()).set(e.checksum, { file_id: e.file_id, object_key: e.object_key });
      }
    }
    this.shoots.push(shoot);
    return shoot;
  }

  /** Planned items as engine files of `shoot`; EXIF warnings are shown as they are attached. */
  planned(items: PlanItem[], shoot: Shoot): PlannedFile[] {
    const files = items.map(({ exifWarning, ...item }) => {
      const f: PlannedFile = { ...item, shoot };
      if (exifWarning) this.renderer.event({ type: 'warning', file: f, code: 'EXIF_UNREADABLE', detail: exifWarning });
      return f;
    });
    rememberStackKeys(files, shoot.manifest); // SPEC v2: a stack keeps the key (and so the id) it was sent with
    return files;
  }

  /**
   * Opens the first wave's upload connections (window.ts `firstWave` of the files still to send, at most
   * {@link MAX_WARM}) to `storageOrigin` (GET /api/me) while the run asks for its first intents (issue 15:
   * the far link's round trip before the first byte). Nothing without a storage origin.
   */
  warmUploads(files: readonly PlannedFile[], storageOrigin: string | undefined): void {
    if (!storageOrigin) return;
    const sizes = function* () {
      for (const f of files) if (!alreadyRegistered(f)) yield f.bytes;
    };
    this.api.warmUploads(storageOrigin, Math.min(MAX_WARM, firstWave(this.window.transfers, sizes())));
  }

  /**
   * The order's files on the server by checksum (a lost manifest, watch mode: "never sent again, even
   * from a different path"). Errors (401, 403 …) surface at the first intent with the usual handling.
   */
  private async knownContent(orderId: string): Promise<Shoot['known']> {
    try {
      const { files } = await this.api.listFiles(orderId);
      return new Map(files.filter((f) => f.checksum).map((f) => [f.checksum!, { file_id: f.file_id, object_key: f.object_key }]));
    } catch {
      return undefined;
    }
  }

  /**
   * Releases signals, renderer, manifests (flushed, compacted, unlocked) and the connection pool — the last two
   * at the same time: neither waits for the other, and both are the photographer's wait after the summary
   * (issue 15: a 300-file manifest's compaction ~10 ms, the pool's close ~6–11 ms, measured on the far-link trace).
   */
  async close(): Promise<void> {
    this.releaseSignals();
    this.renderer.close();
    await Promise.all([...this.shoots.map((s) => s.manifest.close().catch(() => undefined)), this.api.close().catch(() => undefined)]);
  }
}
