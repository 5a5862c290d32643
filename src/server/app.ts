/**
 * The Hono app: every route group registered, errors in the one JSON shape (lib/errors.ts),
 * unknown paths 404 NOT_FOUND.
 */
import { Hono } from 'hono';
import type { AppEnv } from './lib/app-env.js';
import { HttpError, errorResponse, toErrorResponse } from './lib/errors.js';
import { registerHardening } from './hardening.js';
import { provideServices } from './lib/services.js';
import { registerDeviceRoutes } from './routes/device.js';
import { registerLocalDownloadRoute } from './routes/download-local.js';
import { registerFileRoutes } from './routes/files.js';
import { registerFinalizeBatchRoute } from './routes/finalize-batch.js';
import { registerFinalizeRoute } from './routes/finalize.js';
import { registerIntentRoute } from './routes/intent.js';
import { registerBatchIntentRoute } from './routes/intents-batch.js';
import { registerMultipartRoutes } from './routes/multipart.js';
import { registerOrderRoutes } from './routes/orders.js';
import { registerStacksRoute } from './routes/stacks.js';
import { registerPreviewRoutes } from './routes/preview.js';
import { registerStatsRoute } from './routes/stats.js';
import { registerLocalUploadRoute } from './routes/upload-local.js';
import { registerWebRoutes } from './web/routes.js';

export function createApp(): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  registerHardening(app); // first: body limit and per-IP limits run before every route
  app.use('*', provideServices); // c.var.services: config, store, signer (lib/services.ts)
  registerIntentRoute(app);
  registerBatchIntentRoute(app);
  registerFinalizeRoute(app);
  registerMultipartRoutes(app);
  registerLocalUploadRoute(app);
  registerOrderRoutes(app);
  registerStacksRoute(app);
  registerDeviceRoutes(app);
  registerWebRoutes(app); // the web uploader at /app (SPEC "The web uploader")
  registerPreviewRoutes(app);
  registerFinalizeBatchRoute(app);
  registerFileRoutes(app);
  registerLocalDownloadRoute(app);
  registerStatsRoute(app);
  app.get('/healthz', (c) => c.json({ ok: true }));
  app.notFound((c) => errorResponse(new HttpError('NOT_FOUND', `no route for ${c.req.method} ${new URL(c.req.url).pathname}`)));
  app.onError((err) => toErrorResponse(err));
  return app;
}
