// A far link on loopback for the bench (issue 15: "a latency-and-rate proxy on loopback … that delays each
// direction and paces a shared uplink"). One `Link` stands for the photographer's connection: every
// proxy made from it (one per server the tools talk to: the API, the storage) shares its two pacers, so
// all connections together never pass the uplink or downlink rate, and every byte is delayed by half the
// round-trip time in its direction.
//
// Model (per direction): a byte leaves the sender's side when the shared pacer has room for it
// (serialisation at `bps`), then arrives after `rttMs / 2` (propagation). Chunks are cut to 16 KiB so the
// pacing is smooth; order within a connection is kept (the pacer is monotonic and the delay constant).
// Back-pressure: a socket is paused while more than 256 KiB of its data wait in the link, so a tool sees a
// slow network, not an endless buffer.
import net from 'node:net';

const PIECE = 16 * 1024;
const HIGH_WATER = 256 * 1024;

/** Serialisation of one direction of the link: when may the next byte leave? Shared by all connections. */
class Pacer {
  /** @param {number} bps bits per second */
  constructor(bps) {
    this.bytesPerMs = bps / 8 / 1000;
    this.next = 0;
  }
  /** ms timestamp at which `n` bytes have been put on the wire (reserves that time). */
  reserve(n) {
    const now = performance.now();
    const start = Math.max(now, this.next);
    this.next = start + n / this.bytesPerMs;
    return this.next;
  }
}

/**
 * Pipes `from` into `to` through one direction of the link. Returns a function reporting bytes carried.
 * @param {net.Socket} from @param {net.Socket} to @param {Pacer} pacer @param {number} delayMs
 */
function pipeThrough(from, to, pacer, delayMs, counters, key) {
  let waiting = 0;
  let ended = false;
  let inFlight = Promise.resolve();
  from.on('data', (chunk) => {
    for (let off = 0; off < chunk.length; off += PIECE) {
      const piece = chunk.subarray(off, Math.min(off + PIECE, chunk.length));
      waiting += piece.length;
      const arrive = pacer.reserve(piece.length) + delayMs;
      // Chained so a piece never overtakes the one before it (timers of equal deadline may reorder).
      inFlight = inFlight.then(
        () =>
          new Promise((resolve) =>
            setTimeout(() => {
              waiting -= piece.length;
              counters[key] += piece.length;
              if (!to.destroyed) to.write(piece);
              if (waiting < HIGH_WATER && from.isPaused()) from.resume();
              resolve();
            }, Math.max(0, arrive - performance.now())),
          ),
      );
    }
    if (waiting >= HIGH_WATER) from.pause();
  });
  const finish = () => {
    if (ended) return;
    ended = true;
    inFlight.then(() => setTimeout(() => to.end(), delayMs));
  };
  from.on('end', finish);
  from.on('error', () => to.destroy());
  to.on('error', () => from.destroy());
  from.on('close', () => {
    if (!ended) finish();
  });
}

/**
 * @param {{rttMs: number, upMbit: number, downMbit: number, name?: string}} profile
 * @returns {{profile: object, counters: {up: number, down: number, connections: number},
 *   proxy: (port: number, host?: string) => Promise<{port: number, url: string, close: () => Promise<void>}>}}
 */
export function createLink(profile) {
  const up = new Pacer(profile.upMbit * 1e6);
  const down = new Pacer(profile.downMbit * 1e6);
  const half = profile.rttMs / 2;
  const counters = { up: 0, down: 0, connections: 0 };
  const servers = new Set();
  async function proxy(targetPort, targetHost = '127.0.0.1') {
    const sockets = new Set();
    const server = net.createServer((client) => {
      counters.connections++;
      sockets.add(client);
      client.setNoDelay(true);
      const upstream = net.connect({ port: targetPort, host: targetHost });
      upstream.setNoDelay(true);
      sockets.add(upstream);
      // Connection set-up costs one round trip on a real link (SYN/SYN-ACK): the client's first bytes wait.
      client.pause();
      setTimeout(() => client.resume(), profile.rttMs);
      pipeThrough(client, upstream, up, half, counters, 'up');
      pipeThrough(upstream, client, down, half, counters, 'down');
      for (const s of [client, upstream]) s.on('close', () => sockets.delete(s));
    });
    await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
    servers.add(server);
    const port = server.address().port;
    return {
      port,
      url: `http://127.0.0.1:${port}`,
      close: () =>
        new Promise((resolve) => {
          for (const s of sockets) s.destroy();
          server.close(() => resolve());
        }),
    };
  }
  return { profile, counters, proxy };
}

/** The two profiles of issue 15. */
export const LINK_PROFILES = {
  hotel: { name: 'hotel Wi-Fi', rttMs: 80, upMbit: 40, downMbit: 100 },
  '4g': { name: 'tethered 4G', rttMs: 200, upMbit: 10, downMbit: 30 },
};
