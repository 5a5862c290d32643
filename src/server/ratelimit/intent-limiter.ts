/**
 * Durable Object `IntentLimiter`: one instance per user (idFromName(user_id)), holding that user's
 * token bucket. A Durable Object is single-threaded and unique worldwide, so the limit is exact and
 * consistent across Worker instances (SPEC: "3 per second per user, consistent across Worker
 * instances"; the Workers rate-limit binding only has 10 s / 60 s periods).
 *
 * Also keyed by client IP for the unauthenticated routes (ip-limit.ts: idFromName("ip:<kind>:<ip>")).
 *
 * Protocol: `POST https://limiter/take?rate=<tokens per second>[&burst=<capacity>]` → 200 `{"ok": true}` or
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
    const params = new URL(request.url).searchParams;
    const rate = Number(params.get('rate'));
    if (!Number.isFinite(rate) || rate <= 0) return Response.json({ ok: true } satisfies TakeResponse);
    const burst = Number(params.get('burst'));
    // No await between read and write: the take is atomic within this object.
    const r = takeToken(this.bucket, Date.now(), rate, Number.isFinite(burst) && burst >= 1 ? burst : undefined);
    this.bucket = r.state;
    const body: TakeResponse = r.ok ? { ok: true } : { ok: false, retry_after_ms: r.retryAfterMs };
    return Response.json(body);
  }
}
