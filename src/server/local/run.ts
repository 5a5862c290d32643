/**
 * CLI of the local server (dist/local-server.js; `npm run server -- …`):
 *   node dist/local-server.js [--port 8787] [--host 127.0.0.1] [--state DIR] [--seed FILE]
 *     [--max-bytes N] [--url-ttl S] [--intent-rate N] [--multipart-threshold N] [--part-size N]
 *     [--device-interval S] [--no-persist]
 * Prints exactly `listening on http://127.0.0.1:<port>` on stdout when ready; on SIGINT/SIGTERM disposes
 * Miniflare and exits 0 (a second signal exits 130/143 at once). Usage errors: message on stderr, exit 2; start failures: exit 1.
 */
import { parseArgs } from 'node:util';
import { startLocalServer, type LocalServerOptions } from './start.js';

function int(name: string, v: string | undefined): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isFinite(n) || n < 0) {
    process.stderr.write(`--${name} must be a number >= 0, got "${v}"\n`);
    process.exit(2);
  }
  return n;
}

async function main(): Promise<void> {
  let values;
  try {
    ({ values } = parseArgs({
      options: {
        port: { type: 'string' },
        host: { type: 'string' },
        state: { type: 'string' },
        seed: { type: 'string' },
        'max-bytes': { type: 'string' },
        'url-ttl': { type: 'string' },
        'intent-rate': { type: 'string' },
        'multipart-threshold': { type: 'string' },
        'part-size': { type: 'string' },
        'device-interval': { type: 'string' },
        'no-persist': { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
      strict: true,
    }));
  } catch (e) {
    process.stderr.write(`${(e as Error).message}\n`);
    process.exit(2);
  }
  if (values.help) {
    process.stdout.write(
      'usage: local-server [--port 8787] [--host 127.0.0.1] [--state DIR] [--seed FILE] [--max-bytes N] [--url-ttl S]\n' +
        '                    [--intent-rate N] [--multipart-threshold N] [--part-size N] [--device-interval S] [--no-persist]\n',
    );
    return;
  }
  const opts: LocalServerOptions = {
    port: int('port', values.port) ?? 8787,
    host: values.host,
    stateDir: values.state,
    seed: values.seed,
    maxBytes: int('max-bytes', values['max-bytes']),
    urlTtlSeconds: int('url-ttl', values['url-ttl']),
    intentRate: int('intent-rate', values['intent-rate']),
    multipartThreshold: int('multipart-threshold', values['multipart-threshold']),
    partSize: int('part-size', values['part-size']),
    devicePollInterval: int('device-interval', values['device-interval']),
    persist: !values['no-persist'],
  };
  const server = await startLocalServer(opts);
  process.stdout.write(`listening on ${server.url}\n`);
  let closing = false;
  const stop = (signal: NodeJS.Signals): void => {
    if (closing) process.exit(signal === 'SIGINT' ? 130 : 143); // second signal: give up waiting
    closing = true;
    const force = setTimeout(() => process.exit(1), 10_000);
    force.unref();
    server.close().then(
      () => process.exit(0),
      (e: unknown) => {
        process.stderr.write(`close failed: ${String(e)}\n`);
        process.exit(1);
      },
    );
  };
  // Miniflare's exit hook would kill workerd and exit 128+signal at once; replace it with an orderly
  // dispose (its "exit" hook still kills workerd if anything is left).
  for (const sig of ['SIGINT', 'SIGTERM'] as const) {
    process.removeAllListeners(sig);
    process.on(sig, stop);
  }
}

main().catch((e: unknown) => {
  process.stderr.write(`local server failed to start: ${e instanceof Error ? e.message : String(e)}\n`);
  process.exit(1);
});
