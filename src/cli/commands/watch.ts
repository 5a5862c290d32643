/**
 * `piximmo watch [dir] --order ID` (SPEC use 3; issues 4 and 11): ingests camera cards like a professional
 * ingest tool.
 * - With `dir`: that folder is the card. Without: every removable volume with a DCIM folder that appears
 *   (card-finder.ts; `--cards-root DIR` says where to look) is a card of its own.
 * - Each file is uploaded once it is complete (stability.ts: size+mtime stable 2 s and a whole container),
 *   with the same engine, manifest and messages as `upload`; a file that changes after it was registered
 *   is uploaded again. Nothing is sent twice, even from another path or card.
 * - A card pulled mid-upload is said once; its files wait (never "failed") and resume when it is back.
 * - Offline is a state (SPEC v2): while the API cannot be reached, "offline, waiting…", without limit.
 * - `--copy-to DIR`: a second copy of every file, verified by SHA-256 (second-copy.ts).
 * - A status line per card; "Card X: n of n registered — safe to remove" when a card is done.
 * - Ctrl-C / SIGTERM end it within 2 s with the summary: exit 0 when nothing failed, 130 when it was
 *   interrupted mid-transfer, 1 when files failed (or, with --copy-to, a file has no verified copy).
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { extensionOf } from '../../contract/media.js';
import { CardFinder, cardPlaces, hasDcim } from '../../core/plan/card-finder.js';
import { CardWatcher, type ReadyFile } from '../../core/plan/card-watcher.js';
import { checkContainer } from '../../core/plan/integrity.js';
import { planFiles } from '../../core/plan/plan.js';
import { StackAssigner } from '../../core/plan/stack-assigner.js';
import { bytesSentBy, type EngineEvent, type Failure, type FileOutcome, type PlannedFile, type Shoot } from '../../core/transfer/events.js';
import { SecondCopy } from '../../core/transfer/second-copy.js';
import { authedApi } from '../context.js';
import { formatBytes } from '../format.js';
import { t } from '../i18n/index.js';
import { writeJsonLine } from '../render/json.js';
import { WatchStatus } from '../render/watch-status.js';
import { UploadSession } from '../session.js';
import { UsageError } from '../settings.js';
import { summarize } from '../summary.js';
import { allowedTypes } from '../types-option.js';
import { exitCodeFor } from '../run-flow.js';
import { layoutOptions, transferSettings } from '../run-start.js';
import type { UploadOptions } from './upload.js';
import { CARD_TRANSIENT, CardIngest } from './watch-card.js';
import { FilteredRenderer, watchRenderer } from './watch-renderer.js';
import { tuneV8ForMemory } from '../v8-tuning.js';

export interface WatchOptions extends UploadOptions {
  /** Look for cards in the subfolders of this folder instead of the OS's mount places. */
  cardsRoot?: string;
  /** Second copy of every file into DIR/<order>/<card>/<relative path>. */
  copyTo?: string;
}

/** Arrivals are planned together after this quiet time, so a bracket's frames are grouped at once. */
const BATCH_QUIET_MS = 700;
/** A file failing for a card reason this often while its card is in is a real failure. */
const MAX_HIDDEN = 3;

export async function watchCommand(dir: string | undefined, opts: WatchOptions): Promise<number> {
  if (dir && opts.cardsRoot) throw new UsageError(t('usage.watchBoth'));
  if (!dir && opts.manifest) throw new UsageError(t('usage.watchManifest'));
  const types = new Set(allowedTypes(opts.types));
  const layout = layoutOptions(opts);
  const api = authedApi(opts);
  tuneV8ForMemory();
  const json = Boolean(opts.json);
  const copier = opts.copyTo ? new SecondCopy(path.resolve(opts.copyTo)) : undefined;
  const cards = new Map<string, CardIngest>();
  const byShoot = new Map<Shoot, CardIngest>();
  const places = dir ? [] : cardPlaces(opts.cardsRoot);
  const status = new WatchStatus(
    () => [...cards.values()].map((c) => c.counts()),
    () => t('watch.waitingCards', { places: places.map((p) => p.dir).join(', ') }),
    { json, copies: Boolean(copier) },
  );
  const inner = watchRenderer(json, status);
  const hidden = new Set<PlannedFile>();
  const renderer = new FilteredRenderer(inner, (e) => onEngineEvent(e));
  // SPEC v2: watch waits without limit while offline
  const session = new UploadSession(api, renderer, { ...transferSettings(opts), offlineWaitMs: Number.POSITIVE_INFINITY });
  const last = new Map<string, FileOutcome>();
  const runs = new Set<Promise<void>>();
  let fatal: Failure | undefined;
  let forbidden = false;
  let fullTold = false;
  let adding = Promise.resolve();

  const notice = (level: 'info' | 'warn', code: string, text: string, card?: CardIngest, state?: string): void => {
    if (json && card && state) {
      const c = card.counts();
      writeJsonLine({ event: 'card', card: card.label, root: card.root, state, done: c.done, total: c.total, ...(copier ? { copied: c.copied } : {}) });
    }
    renderer.notice(level, code, text);
  };

  function onEngineEvent(e: EngineEvent): EngineEvent | undefined {
    status.bytesSent += bytesSentBy(e); // the one definition of bytes_sent (core/transfer/events.ts)
    if (e.type === 'offline' || e.type === 'online') {
      status.offline = e.type === 'offline';
      status.render(true);
      return e;
    }
    if (e.type !== 'file') return e;
    const card = byShoot.get(e.file.shoot);
    const rec = card?.files.get(e.file.relPath);
    if (!card || !rec) return e;
    if (e.state === 'failed' && e.failure && CARD_TRANSIENT.has(e.failure.code) && (!card.watcher.isPresent || rec.hidden < MAX_HIDDEN)) {
      // The card was pulled, or the file is still being written: wait for it, never "failed" (issue 11).
      if (card.watcher.isPresent) rec.hidden++;
      rec.state = 'waiting';
      hidden.add(e.file);
      card.watcher.recheck(e.file.relPath);
      return undefined;
    }
    rec.state = e.state;
    if (e.state === 'registered') rec.hidden = 0;
    checkSafe(card);
    status.render(false);
    return e;
  }

  const checkSafe = (card: CardIngest): void => {
    if (!card.takeSafe()) return;
    const c = card.counts();
    const params = { card: card.label, done: c.done, total: c.total, copied: c.copied };
    if (c.copyFailed > 0) notice('warn', 'CARD_DONE_WITHOUT_COPY', t('watch.cardDoneNoCopy', params), card, 'done-without-copy');
    else notice('info', 'CARD_DONE', t(copier ? 'watch.cardSafeCopied' : 'watch.cardSafe', params), card, 'done');
  };

  const flush = (card: CardIngest): void => {
    card.timer = undefined;
    const batch = card.pending;
    card.pending = [];
    if (batch.length === 0 || session.interrupted) return;
    const run = (async () => {
      let files: PlannedFile[];
      try {
        files = session.planned(await planFiles(batch, layout, stacksOf(card)), card.shoot!);
      } catch {
        for (const f of batch) {
          card.inFlight.delete(f.relPath);
          card.watcher.recheck(f.relPath); // unreadable while planning (card pulled): look again
        }
        return;
      }
      const result = await session.engine.run(files);
      for (const o of result.outcomes) {
        const wasHidden = hidden.delete(o.file);
        last.set(`${card.root}\0${o.file.relPath}`, wasHidden ? { ...o, state: 'waiting', failure: undefined } : o);
        card.inFlight.delete(o.file.relPath);
        const next = card.again.get(o.file.relPath);
        if (next) {
          card.again.delete(o.file.relPath);
          onReady(card, next);
        }
      }
      if (result.fatal || result.forbidden_orders.length > 0) {
        fatal ??= result.fatal;
        forbidden ||= result.forbidden_orders.length > 0;
        session.stop.abort(new Error('stop')); // 401 / order forbidden: stop watching
      }
      checkSafe(card);
    })().finally(() => runs.delete(run));
    runs.add(run);
  };

  const stacks = new Map<CardIngest, StackAssigner>();
  const stacksOf = (card: CardIngest): StackAssigner => {
    let s = stacks.get(card);
    if (!s) stacks.set(card, (s = new StackAssigner(layout.stackGapMs)));
    return s;
  };

  const onReady = (card: CardIngest, f: ReadyFile): void => {
    if (session.interrupted || f.bytes === 0) return;
    const cur = card.files.get(f.relPath);
    const same = cur !== undefined && cur.bytes === f.bytes && cur.mtimeMs === f.mtimeMs;
    if (card.inFlight.has(f.relPath)) {
      if (!same) card.again.set(f.relPath, f); // changed while uploading: look at it again afterwards
      return;
    }
    const rec = card.seen(f);
    if (!(same && rec.state === 'registered')) {
      card.inFlight.add(f.relPath);
      card.pending.push(f);
      if (card.timer) clearTimeout(card.timer);
      card.timer = setTimeout(() => flush(card), BATCH_QUIET_MS);
    }
    if (copier && rec.copy === undefined) copy(card, f, rec);
    status.render(false);
  };

  const copy = (card: CardIngest, f: ReadyFile, rec: CardIngest['files'] extends Map<string, infer R> ? R : never): void => {
    rec.copy = 'pending';
    void copier!.copy({ absPath: f.absPath, relPath: f.relPath, orderId: opts.order, card: card.label }).then((r) => {
      if (card.files.get(f.relPath) !== rec || session.interrupted) return; // a newer version took its place / Ctrl-C
      if (r.state === 'copied') {
        rec.copy = 'copied';
        if (json) writeJsonLine({ event: 'copy', card: card.label, path: f.relPath, dest: r.dest, checksum: r.checksum, bytes: r.bytes, state: 'copied' });
      } else if (r.code === 'COPY_SOURCE_CHANGED' || (r.code === 'COPY_FAILED' && !card.watcher.isPresent)) {
        rec.copy = undefined; // copied again when the file is complete again / the card is back
      } else {
        rec.copy = 'failed';
        if (json) writeJsonLine({ event: 'copy', card: card.label, path: f.relPath, dest: r.dest, state: 'failed', error: { code: r.code, detail: r.detail } });
        if (r.code !== 'COPY_TARGET_FULL') renderer.notice('warn', r.code, t('watch.copyFailed', { file: f.relPath, code: r.code, detail: r.detail }));
        else if (!fullTold) {
          fullTold = true;
          renderer.notice('warn', r.code, t('watch.copyFull', { detail: r.detail }));
        }
      }
      checkSafe(card);
      status.render(false);
    });
  };

  const addCard = async (root: string, label: string, manifest?: string): Promise<void> => {
    if (cards.has(root) || session.interrupted) return;
    const watcher = new CardWatcher(root, {
      stableMs: Number(process.env.PIXIMMO_WATCH_STABLE_MS ?? 2000),
      slowAfterMs: Number(process.env.PIXIMMO_WATCH_SLOW_MS ?? 10_000),
      check: checkContainer, // SPEC v2 "Truncated files are never uploaded … (watch: waits until it is whole)"
      accept: (rel) => types.has(extensionOf(rel)),
      isCard: dir ? undefined : hasDcim,
    });
    const card = new CardIngest(label, root, watcher, Boolean(copier));
    card.shoot = await session.openShoot(root, opts.order, manifest, true);
    cards.set(root, card);
    byShoot.set(card.shoot, card);
    watcher.on('file', (f) => onReady(card, f));
    watcher.on('absent', () => notice('info', 'CARD_WAITING', t('watch.waitingDir', { dir: root, card: label }), card, 'waiting'));
    watcher.on('present', (again) =>
      notice('info', again ? 'CARD_BACK' : 'CARD_FOUND', t(again ? 'watch.cardBack' : 'watch.cardFound', { card: label, dir: root }), card, again ? 'back' : 'found'),
    );
    watcher.on('gone', () => {
      card.pulled();
      const c = card.counts();
      const left = c.total - c.done;
      const text = dir ? t('watch.gone', { dir: root }) : left > 0 ? t('watch.cardPulled', { card: label, left, total: c.total }) : t('watch.cardRemoved', { card: label });
      notice('warn', 'CARD_GONE', text, card, 'gone');
      status.render(true);
    });
    watcher.on('ready', () => checkSafe(card));
    watcher.on('slow', (f, reason) =>
      renderer.notice('warn', 'FILE_INCOMPLETE', t('watch.slow', { file: f.relPath, size: formatBytes(Math.max(0, f.bytes)), reason: reason ? `; ${reason}` : '' })),
    );
    watcher.on('error', (e) => renderer.notice('warn', 'WATCH_ERROR', e.message));
    await watcher.start();
    status.render(true);
  };

  const finder = dir ? undefined : new CardFinder(places);
  const safeTimer = setInterval(() => {
    for (const c of cards.values()) checkSafe(c);
  }, 500);
  try {
    if (dir) {
      const resolved = path.resolve(dir);
      const root = await fs.realpath(resolved).catch(() => resolved);
      await addCard(root, path.basename(root), opts.manifest);
    } else {
      renderer.notice('info', 'CARD_WAITING', t('watch.waitingCards', { places: places.map((p) => p.dir).join(', ') }));
      finder!.on('card', (c) => {
        adding = adding.then(() => addCard(c.root, c.label)).catch((e: Error) => renderer.notice('warn', 'WATCH_ERROR', e.message));
      });
      finder!.on('error', (e) => renderer.notice('warn', 'WATCH_ERROR', e.message));
      await finder!.start();
    }
    status.start();
    const reason = await new Promise<unknown>((resolve) => {
      if (session.stop.signal.aborted) resolve(session.stop.signal.reason);
      session.stop.signal.addEventListener('abort', () => resolve(session.stop.signal.reason), { once: true });
    });
    // Interrupted mid-transfer (exit 130, as upload) or between cards (0): what was in flight at the signal.
    const busy = (reason as Error)?.message === 'SIGINT' && [...cards.values()].some((c) => c.inFlight.size > 0);
    finder?.close();
    clearInterval(safeTimer);
    copier?.stop();
    await adding;
    await Promise.all([...cards.values()].map((c) => (c.timer && clearTimeout(c.timer), c.watcher.close())));
    while (runs.size > 0) await Promise.all([...runs]);
    await copier?.idle();
    status.stop();
    const outcomes = [...last.values()];
    const forbiddenOrders = forbidden ? [opts.order] : [];
    const copyFailed = [...cards.values()].some((c) => c.counts().copyFailed > 0);
    renderer.notice('info', 'WATCH_STOPPED', t('watch.stopped', { dir: dir ? [...cards.keys()].join(', ') : places.map((p) => p.dir).join(', ') }));
    renderer.finish(
      summarize({ outcomes, forbidden_orders: forbiddenOrders, interrupted: busy, bytes_sent: status.bytesSent, duration_ms: status.elapsedMs(), fatal }),
      { checked: false, missing: [] },
    );
    if (copier) {
      const all = [...cards.values()].map((c) => c.counts());
      const copied = all.reduce((s, c) => s + c.copied, 0);
      const total = all.reduce((s, c) => s + c.total, 0);
      renderer.notice('info', 'COPY_SUMMARY', t('watch.copySummary', { copied, total, dir: copier.destRoot }));
    }
    return exitCodeFor({ fatal, forbidden_orders: forbiddenOrders, interrupted: busy }, copyFailed || outcomes.some((o) => o.state === 'failed'));
  } finally {
    clearInterval(safeTimer);
    finder?.close();
    status.stop();
    await Promise.all([...cards.values()].map((c) => c.watcher.close()));
    await session.close();
  }
}
