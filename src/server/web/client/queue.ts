/**
 * The upload queue (seed 000 "Max. gleichzeitige Uploads: 3–5 (Queue)"): items run through transfer.ts,
 * at most `concurrency` at once, in the order they were added; the rest wait („wartet…").
 * - cancel(item): a waiting item leaves the queue, a running one has its request aborted; → cancelled.
 * - retry(item): a failed (or cancelled) item goes back to the end of the queue (its checksum is kept).
 * - onRegistered: after each finalize (main.ts reloads the order's list then).
 * Intents are paced client-side to at most INTENTS_PER_S per rolling second (the server allows 3/s/user and
 * answers 429 beyond; that is handled too, transfer.ts).
 */
import type { Api } from './api.js';
import { Cancelled, Fatal, SignInNeeded } from './errors.js';
import type { Hasher } from './hasher.js';
import { setState, type UploadItem } from './item.js';
import { transfer } from './transfer.js';

const INTENTS_PER_S = 3;

export interface QueueOptions {
  api: Api;
  hasher: Hasher;
  orderId: string;
  concurrency: number;
  changed(item: UploadItem): void;
  onRegistered(item: UploadItem): void;
  /** Failure reason for the item's row. */
  onFailed(item: UploadItem, reason: Fatal): void;
}

export class UploadQueue {
  readonly items: UploadItem[] = [];
  private readonly waiting: UploadItem[] = [];
  private running = 0;
  private nextId = 1;
  private intentTimes: number[] = [];
  private stopped = false;

  constructor(private readonly o: QueueOptions) {}

  add(file: File, room: string, stack: string): UploadItem {
    const item: UploadItem = {
      id: this.nextId++, file, room, stack, state: 'waiting', history: ['waiting'], sent: 0, detail: { key: 'detail.queued' },
      ctrl: new AbortController(),
    };
    this.items.push(item);
    this.waiting.push(item);
    this.o.changed(item);
    this.pump();
    return item;
  }

  cancel(item: UploadItem): void {
    if (item.state === 'registered' || item.state === 'cancelled' || item.state === 'failed') return;
    const i = this.waiting.indexOf(item);
    if (i >= 0) this.waiting.splice(i, 1);
    item.ctrl.abort();
    item.detail = null;
    setState(item, 'cancelled');
    this.o.changed(item);
  }

  retry(item: UploadItem): void {
    if (item.state !== 'failed' && item.state !== 'cancelled') return;
    item.ctrl = new AbortController();
    item.sent = 0;
    item.detail = { key: 'detail.queued' };
    setState(item, 'waiting');
    this.waiting.push(item);
    this.o.changed(item);
    this.pump();
  }

  /** Items not yet finished (waiting or in flight). */
  activeCount(): number {
    return this.items.filter((i) => i.state === 'waiting' || i.state === 'uploading' || i.state === 'uploaded').length;
  }

  private pump(): void {
    while (!this.stopped && this.running < this.o.concurrency && this.waiting.length > 0) {
      const item = this.waiting.shift()!;
      this.running++;
      void this.run(item).finally(() => {
        this.running--;
        this.pump();
      });
    }
  }

  private async run(item: UploadItem): Promise<void> {
    const ctrl = item.ctrl;
    try {
      await transfer(item, {
        api: this.o.api,
        hasher: this.o.hasher,
        orderId: this.o.orderId,
        changed: (it) => {
          if (!ctrl.signal.aborted) this.o.changed(it);
        },
        paceIntent: () => this.paceIntent(ctrl.signal),
      });
      if (!ctrl.signal.aborted) this.o.onRegistered(item);
    } catch (e) {
      if (ctrl.signal.aborted || e instanceof Cancelled) return; // cancel() already set the state
      if (e instanceof SignInNeeded) {
        this.stopped = true; // the page is going to the sign-in page
        return;
      }
      const reason = e instanceof Fatal ? e : new Fatal('error.server', { status: 0 }, String(e));
      item.detail = { key: reason.key, vars: reason.vars };
      item.sent = 0; // nothing of a failed attempt counts (the bar would claim bytes that never arrived)
      setState(item, 'failed');
      this.o.onFailed(item, reason);
      this.o.changed(item);
    }
  }

  private async paceIntent(signal: AbortSignal): Promise<void> {
    for (;;) {
      if (signal.aborted) throw new Cancelled();
      const now = Date.now();
      this.intentTimes = this.intentTimes.filter((t) => now - t < 1000);
      if (this.intentTimes.length < INTENTS_PER_S) {
        this.intentTimes.push(now);
        return;
      }
      await new Promise((r) => setTimeout(r, this.intentTimes[0] + 1000 - now + 25));
    }
  }
}
