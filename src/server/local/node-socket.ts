/**
 * `Connect` (scan/clamd.ts) for Node: a `node:net` TCP socket as web streams, the shape
 * `cloudflare:sockets` gives the Worker. Used by the local server (readiness of a private clamd) and tests.
 * Connection errors (ECONNREFUSED, …) surface on the first read or write, as in workerd.
 *
 * Not `Duplex.toWeb`: clamd answers a size-limit breach and closes while the client is still sending; the
 * next write fails (EPIPE/ECONNRESET) and Node destroys the socket. Here the readable side keeps what had
 * arrived and ends normally when it has data, so the reply is not lost to the write error.
 */
import { connect as netConnect } from 'node:net';
import type { Connect, DuplexSocket } from '../scan/clamd.js';

export const nodeConnect: Connect = ({ hostname, port }): DuplexSocket => {
  const sock = netConnect({ host: hostname, port });
  let received = 0;
  let done = false;
  const readable = new ReadableStream<Uint8Array>({
    start(c) {
      sock.on('data', (d: Buffer) => {
        received += d.byteLength;
        if (!done) c.enqueue(new Uint8Array(d));
      });
      sock.on('end', () => {
        if (!done) (done = true), c.close();
      });
      sock.on('close', () => {
        if (!done) (done = true), c.close();
      });
      sock.on('error', (e) => {
        if (done) return;
        done = true;
        if (received > 0) c.close();
        else c.error(e);
      });
    },
    cancel() {
      sock.destroy();
    },
  });
  const writable = new WritableStream<Uint8Array>({
    write(chunk) {
      return new Promise<void>((resolve, reject) => {
        if (sock.destroyed) return reject(new Error('socket closed'));
        sock.write(chunk, (err) => (err ? reject(err) : resolve()));
      });
    },
    close() {
      return new Promise<void>((resolve) => sock.end(resolve));
    },
    abort() {
      sock.destroy();
    },
  });
  return {
    readable,
    writable,
    close: async () => {
      sock.destroy();
    },
  };
};
