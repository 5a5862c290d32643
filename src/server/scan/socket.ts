/**
 * `Connect` (scan/clamd.ts) inside the Worker: `cloudflare:sockets` `connect()`, an outbound TCP socket
 * (https://developers.cloudflare.com/workers/runtime-apis/tcp-sockets/). Checked under Miniflare 4.20260426:
 * the local runtime connects to 127.0.0.1 (a private clamd) and reports a refused port as
 * "proxy request failed, cannot connect to the specified address" on the first read or write.
 * In production the target must be reachable from Cloudflare's network (not a Cloudflare IP range).
 * Only the Worker bundle imports this file (tsup marks `cloudflare:sockets` external); Node code uses
 * local/node-socket.ts.
 */
import { connect } from 'cloudflare:sockets';
import type { Connect } from './clamd.js';

export const workerConnect: Connect = ({ hostname, port }) => {
  const s = connect({ hostname, port });
  return { readable: s.readable, writable: s.writable, close: () => s.close() };
};
