/**
 * Test helper: the local server (src/server/local/start.ts) on an ephemeral port with a fresh
 * temporary state directory, removed again on close(). Needs dist/worker.js (`npm test` builds it
 * in pretest; while iterating: `npx tsup`).
 *
 * Defaults: demo seed (fixtures/demo-seed.json: alice/tok-alice/sess-alice with ORD-1 (SH123) and
 * ORD-2 (SH124); bob/tok-bob/sess-bob with ORD-9 (SH900)), SPEC limits (3 intents/s/user, 250 MB,
 * 5-minute URLs, multipart above 100 MB), storage "r2" (emulated). Pass options to override, e.g.
 * `{ intentRate: 0 }`, or `{ storage: 's3', s3: { endpoint, bucket, accessKeyId, secretAccessKey } }` to sign
 * for an S3-compatible endpoint (test/server/_s3-stub.ts, or nginx via test/server/_nginx.ts).
 * The Worker's console.log lines (one per processed file) are dropped unless PIXIMMO_TEST_SERVER_LOG=all;
 * its warnings and errors always reach stderr.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startLocalServer, type LocalServer, type LocalServerOptions } from '../../src/server/local/start.js';

export type TestServer = LocalServer & { stateDir: string };

export async function startTestServer(opts: Partial<LocalServerOptions> = {}): Promise<TestServer> {
  const stateDir = opts.stateDir ?? mkdtempSync(join(tmpdir(), 'piximmo-test-'));
  const ownDir = opts.stateDir === undefined;
  let server: LocalServer;
  try {
    const workerLog = opts.workerLog ?? (process.env.PIXIMMO_TEST_SERVER_LOG === 'all' ? 'all' : 'warnings');
    server = await startLocalServer({ ...opts, port: opts.port ?? 0, stateDir, workerLog });
  } catch (e) {
    if (ownDir) rmSync(stateDir, { recursive: true, force: true });
    throw e;
  }
  return {
    ...server,
    stateDir,
    async close() {
      try {
        await server.close();
      } finally {
        if (ownDir) rmSync(stateDir, { recursive: true, force: true });
      }
    },
  };
}
