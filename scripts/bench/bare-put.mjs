#!/usr/bin/env node
// The far link's practical limit (issue 15, `--far-link` rows, column "bare PUTs"): every file of --dir PUT
// to --url over keep-alive connections, --connections at a time, and nothing else — no API request, no
// checksum, no EXIF, no manifest. Behind the bench's link proxy (link-proxy.mjs) this is what the link allows
// a tool that only sends bytes: each connection's set-up round trip, the paced uplink, and the round trip of
// the last answer. The link limit (bytes ÷ uplink rate) leaves those out; piximmo's wall minus this one is
// what piximmo's own steps cost on that link (start-up, planning, its API round trips).
//
// usage: node scripts/bench/bare-put.mjs --url URL --dir DIR [--connections 12]
// Prints one JSON object on stdout: {wall_s, files, bytes, failed}. Exit 0 when every PUT was answered 2xx.
// `startDiscardSink()` is the server it sends to: reads each body to its end and answers 204.
import { readFile } from 'node:fs/promises';
import http from 'node:http';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { Agent, request } from 'undici';
import { filesUnder } from './sys.mjs';

/**
 * A server that reads every request body to its end and answers 204 (the bench process runs it; the link
 * proxy goes in front).
 * @returns {Promise<{port: number, bytes: () => number, stop: () => Promise<void>}>}
 */
export async function startDiscardSink() {
  let bytes = 0;
  const server = http.createServer((req, res) => {
    req.on('data', (d) => {
      bytes += d.length;
    });
    req.on('end', () => res.writeHead(204).end());
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: server.address().port,
    bytes: () => bytes,
    stop: () => new Promise((resolve) => server.close(() => resolve())).finally(() => server.closeAllConnections()),
  };
}

async function main() {
  const { values: o } = parseArgs({ options: { url: { type: 'string' }, dir: { type: 'string' }, connections: { type: 'string', default: '12' } } });
  if (!o.url || !o.dir) {
    process.stderr.write('usage: bare-put.mjs --url URL --dir DIR [--connections 12]\n');
    process.exit(2);
  }
  const connections = Number(o.connections);
  const files = (await filesUnder(o.dir)).map((r) => path.join(o.dir, r));
  const agent = new Agent({ connections, keepAliveTimeout: 30_000 });
  let next = 0;
  let bytes = 0;
  let failed = 0;
  const t0 = performance.now();
  const worker = async () => {
    while (next < files.length) {
      const i = next++;
      // Read when its turn comes (as a tool would); a file is at most a few MB here.
      const body = await readFile(files[i]);
      const res = await request(new URL(`/put/${i}`, o.url), { method: 'PUT', body, dispatcher: agent, headers: { 'content-type': 'application/octet-stream' } });
      await res.body.dump();
      if (res.statusCode >= 300) failed++;
      bytes += body.length;
    }
  };
  await Promise.all(Array.from({ length: Math.min(connections, files.length) }, worker));
  const wall_s = (performance.now() - t0) / 1000;
  await agent.close();
  process.stdout.write(`${JSON.stringify({ wall_s, files: files.length, bytes, failed })}\n`);
  process.exit(failed === 0 ? 0 : 1);
}

if (import.meta.url === `file://${process.argv[1]}`) await main();
