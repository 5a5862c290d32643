/**
 * Worker entry (bundled to dist/worker.js as one ES module): the Hono app as `fetch`, housekeeping as
 * `scheduled` (cron), file processing as `queue` (the preview queue's consumer), and the Durable Object class `IntentLimiter` (binding INTENT_LIMITER).
 * Bindings and vars: see src/server/env.ts.
 */
import { createApp } from './app.js';
import type { Env } from './env.js';
import { runHousekeeping } from './housekeeping.js';
import { throughStartupGate } from './startup-gate.js';
import { handleProcessingBatch } from './processing/consumer.js';

export { IntentLimiter } from './ratelimit/intent-limiter.js';
export type { Env } from './env.js';

const app = createApp();

export default {
  /** The Hono app; on the local server behind its start-up gate (startup-gate.ts), a no-op elsewhere. */
  fetch: (request: Request, env: Env, ctx: ExecutionContext) => throughStartupGate(request, env, () => app.fetch(request, env, ctx)),
  /** Cron (wrangler.toml [triggers]): housekeeping as of the event's scheduledTime (awaited, not waitUntil). */
  async scheduled(controller: ScheduledController, env: Env): Promise<void> {
    const r = await runHousekeeping(env, new Date(controller.scheduledTime));
    console.log(`piximmo housekeeping: ${JSON.stringify(r)}`);
  },
  /** Preview queue consumer (wrangler.toml [[queues.consumers]]): scan hook, previews, lifecycle. */
  queue: (batch: MessageBatch<unknown>, env: Env) => handleProcessingBatch(batch, env),
} satisfies ExportedHandler<Env>;
