/**
 * `piximmo watch <dir> --order ID` (SPEC use 3, issue 4): uploads each new allowed file of a card-reader
 * folder once its writes have finished, with the same engine, manifest and messages as `upload`; says so
 * when the card is pulled and carries on when it is back; never sends a file twice, even from another path
 * (same checksum in the manifest or in the order on the server). Ctrl-C ends it: exit 0 when nothing is
 * left failed.
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { extensionOf } from '../../contract/media.js';
import { CardWatcher, type ReadyFile } from '../../core/plan/card-watcher.js';
import type { Failure, FileOutcome, PlannedFile, Shoot } from '../../core/transfer/events.js';
import { planFiles } from '../../core/plan/plan.js';
import { allowedTypes } from '../types-option.js';
import { StackAssigner } from '../../core/plan/stack-assigner.js';
import { authedApi } from '../context.js';
import { t } from '../i18n/index.js';
import { pickRenderer } from '../render/pick.js';
import { resolveConcurrency } from '../settings.js';
import { UploadSession } from '../session.js';
import { summarize } from '../summary.js';
import { exitCodeFor, layoutOptions, resolveRetry, type UploadOptions } from './upload.js';
import { WatchStatus } from '../render/watch-status.js';

/** Arrivals are planned together after this quiet time, so a bracket's frames are grouped at once. */
const BATCH_QUIET_MS = 700;

export async function watchCommand(dir: string, opts: UploadOptions): Promise<number> {
  const types = new Set(allowedTypes(opts.types));
  const api = authedApi(opts);
  const renderer = await pickRenderer({ ...opts, progress: false });
  const session = new UploadSession(api, renderer, { concurrency: resolveConcurrency(opts.concurrency), retry: resolveRetry(opts.retries), intentRate: opts.intentRate });
  const resolved = path.resolve(dir);
  const root = await fs.realpath(resolved).catch(() => resolved);
  const layout = layoutOptions(opts);
  const stacks = new StackAssigner(layout.stackGapMs);
  const status = new WatchStatus(root, Boolean(opts.json));
  const last = new Map<string, FileOutcome>();
  const inFlight = new Set<string>();
  const again = new Map<string, ReadyFile>();
  const runs = new Set<Promise<void>>();
  let pending: ReadyFile[] = [];
  let timer: NodeJS.Timeout | undefined;
  let shoot: Shoot | undefined;
  let fatal: Failure | undefined;
  let forbidden = false;

  const flush = (): void => {
    timer = undefined;
    const batch = pending;
    pending = [];
    if (batch.length === 0 || session.interrupted) return;
    const run = (async () => {
      const files = await planBatch(batch, shoot!);
      const result = await session.engine.run(files);
      for (const o of result.outcomes) {
        last.set(o.file.relPath, o);
        inFlight.delete(o.file.relPath);
        const next = again.get(o.file.relPath);
        if (next) {
          again.delete(o.file.relPath);
          enqueue(next);
        }
      }
      if (result.fatal || result.forbidden_orders.length > 0) {
        fatal ??= result.fatal;
        forbidden ||= result.forbidden_orders.length > 0;
        session.stop.abort(new Error('stop')); // 401 / order forbidden: stop watching
      }
    })().finally(() => runs.delete(run));
    runs.add(run);
  };

  const enqueue = (f: ReadyFile): void => {
    if (session.interrupted) return;
    if (!types.has(extensionOf(f.relPath)) || f.bytes === 0) return;
    if (inFlight.has(f.relPath)) {
      again.set(f.relPath, f); // changed while uploading: look at it again afterwards
      return;
    }
    inFlight.add(f.relPath);
    pending.push(f);
    if (timer) clearTimeout(timer);
    timer = setTimeout(flush, BATCH_QUIET_MS);
  };

  const planBatch = async (batch: ReadyFile[], s: Shoot): Promise<PlannedFile[]> =>
    session.planned(await planFiles(batch, layout, stacks), s);

  session.engine.on((e) => status.onEvent(e));
  const watcher = new CardWatcher(root, { stableMs: Number(process.env.PIXIMMO_WATCH_STABLE_MS ?? 2000) });
  watcher.on('file', enqueue);
  watcher.on('gone', () => {
    status.setPresent(false);
    renderer.notice('warn', 'CARD_GONE', t('watch.gone', { dir: root }));
  });
  watcher.on('back', () => {
    status.setPresent(true);
    renderer.notice('info', 'CARD_BACK', t('watch.back', { dir: root }));
  });
  watcher.on('error', (e) => renderer.notice('warn', 'WATCH_ERROR', e.message));

  try {
    shoot = await session.openShoot(root, opts.order, opts.manifest, true);
    await watcher.start();
    status.setPresent(watcher.isPresent);
    await status.start();
    await new Promise<void>((resolve) => session.stop.signal.addEventListener('abort', () => resolve(), { once: true }));
    await watcher.close();
    if (timer) clearTimeout(timer);
    while (runs.size > 0) await Promise.all([...runs]);
    status.stop();
    renderer.notice('info', 'WATCH_STOPPED', t('watch.stopped', { dir: root }));
    const outcomes = [...last.values()];
    renderer.finish(summarize({ outcomes, forbidden_orders: [], interrupted: false, bytes_sent: status.bytesSent, duration_ms: status.elapsedMs(), fatal }), { checked: false, missing: [] });
    // Ctrl-C is the normal end of watching: 0 when nothing is left failed (issue 4).
    return exitCodeFor({ fatal, forbidden_orders: forbidden ? [opts.order] : [], interrupted: false }, outcomes.some((o) => o.state === 'failed'));
  } finally {
    status.stop();
    await watcher.close();
    await session.close();
  }
}
