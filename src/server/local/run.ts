/**
 * CLI of the local server (dist/local-server.js; `npm run server -- …`); flags and environment
 * variables: local/args.ts (USAGE).
 * Prints exactly `listening on http://127.0.0.1:<port>` on stdout when ready (the storage in use on
 * stderr); on SIGINT/SIGTERM disposes Miniflare and exits 0 (a second signal exits 130/143 at once).
 * Usage errors: message on stderr, exit 2; start failures: exit 1.
 */
import { parseServerArgs } from './args.js';
import { startLocalServer } from './start.js';

async function main(): Promise<void> {
  const parsed = parseServerArgs(process.argv.slice(2), process.env);
  if (parsed.kind === 'help') {
    process.stdout.write(parsed.text);
    return;
  }
  if (parsed.kind === 'usage') {
    process.stderr.write(`${parsed.message}\n`);
    process.exit(2);
  }
  const opts = parsed.opts;
  const server = await startLocalServer(opts);
  process.stderr.write(
    opts.storage === 's3' && opts.s3
      ? `storage: s3 ${opts.s3.endpoint.replace(/\/+$/, '')}/${opts.s3.bucket} (If-None-Match ${opts.s3.ifNoneMatch === false ? 'off' : 'on'}, multipart ${opts.s3.multipart === false ? 'off' : 'on'})\n`
      : 'storage: r2 (emulated, in the state directory)\n',
  );
  process.stderr.write(`${server.scanner.note}\n`);
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
