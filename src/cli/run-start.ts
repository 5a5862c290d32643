/**
 * What a run resolves before it plans (issue 15: the far link's wait before the first byte): its settings,
 * and its one `GET /api/me`, asked at once. This module stays light on purpose. `upload` and `batch` import
 * it statically, send the account request, and only then load the planner and the engine (run-flow.ts),
 * so the request's round trip overlaps their loading as well as the scan.
 */
import type { PiximmoApi } from '../api/client.js';
import type { MeResponse } from '../contract/api.js';
import { DEFAULT_RETRY, type RetryPolicy } from '../core/transfer/retry.js';
import { resolveSettings, type SettingFlags } from './resolve-settings.js';

/** The engine's settings of a run, resolved once (flag > env > conf > default; setting-table.ts). */
export interface TransferSettings {
  /** Transfers at once (files in flight: FILES_PER_SLOT of core/transfer/window.ts a transfer). */
  concurrency: number;
  retry: RetryPolicy;
  /** Intents per second the client allows itself; 0 = no limit. */
  intentRate: number;
  /** SPEC v2 "Offline is a state": wait this long while the API cannot be reached, ms. */
  offlineWaitMs: number;
}

/** `--concurrency`, `--retries`, `--intent-rate`, `--offline-wait` (and their env/conf values). @throws UsageError */
export function transferSettings(opts: SettingFlags): TransferSettings {
  const s = resolveSettings(opts, ['concurrency', 'retries', 'intentRate', 'offlineWait']);
  return { concurrency: s.concurrency, retry: { ...DEFAULT_RETRY, attempts: s.retries }, intentRate: s.intentRate, offlineWaitMs: s.offlineWait };
}

/** How folders map to rooms and frames to brackets (core/plan/plan.ts options). */
export interface LayoutSettings {
  aliases: Record<string, string>;
  defaultRoom?: string;
  /** Largest gap between frames of one bracket, ms. */
  stackGapMs: number;
}

/** Layout settings of a command: room aliases (config), `--room`, `--stack-gap` s as ms. @throws UsageError */
export function layoutOptions(opts: SettingFlags & { room?: string }): LayoutSettings {
  const { roomAliases, stackGap } = resolveSettings(opts, ['roomAliases', 'stackGap']);
  return { aliases: roomAliases, defaultRoom: opts.room, stackGapMs: stackGap * 1000 };
}

/**
 * The run's one `GET /api/me` (issue 15, far link: each round trip before the first byte and after the last
 * one is the photographer's wait): call it once before planning, so the connection and the answer overlap
 * the scan; the quota pre-flight and the closing scan check then read that answer. A failed answer is not
 * kept (the next call asks again: the link may be back by the end of the run), and never goes unhandled.
 * `askNow`: asks at once (the commands call this before they plan).
 */
export function accountOnce(api: Pick<PiximmoApi, 'me'>, askNow = false): () => Promise<MeResponse> {
  let answer: Promise<MeResponse> | undefined;
  const me = (): Promise<MeResponse> => {
    if (!answer) {
      const asked = api.me();
      answer = asked;
      asked.catch(() => {
        if (answer === asked) answer = undefined;
      });
    }
    return answer;
  };
  if (askNow) void me(); // its rejection is handled above
  return me;
}
