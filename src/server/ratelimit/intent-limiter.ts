/**
 * Durable Object `IntentLimiter`: one instance per user (idFromName(user_id)), holding that user's
 * token bucket. A Durable Object is single-threaded and unique worldwide, so the limit is exact and
 * consistent across Worker instances (SPEC: "3 per second per user, consistent across Worker
 * instances"; the Workers rate-limit binding only has 10 s / 60 s periods).
 *
 * Protocol: `POST https://limiter/take?rate=<tokens per second>` → 200 `{"ok": true}` or
 * `{"ok": false, "retry_after_ms": <ms>}`. The bucket lives in memory: an evicted (idle) object has a
 * full bucket anyway.
 */
import { type BucketState, takeToken } from './token-bucket.js';

export interface TakeResponse {
  ok: boolean;
  retry_after_ms?: number;
}

export class IntentLimiter implements DurableObject {
  private bucket: BucketState | null = null;

  constructor(
    readonly state: DurableObjectState,
    readonly env: unknown,
  ) {}

  fetch(request: Request): Response {
    const rate = Number(new URL(request.url).searchParams.get('rate'));
    if (!Number.isFinite(rate) || rate <= 0) return Response.json({ ok: true } satisfies TakeResponse);
    // No await between read and write: the take is atomic within this object.
    const r = takeToken(this.bucket, Date.now(), rate);
    this.bucket = r.state;
    const body: TakeResponse = r.ok ? { ok: true } : { ok: false, retry_after_ms: r.retryAfterMs };
    return Response.json(body);
  }
}
