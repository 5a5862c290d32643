/**
 * src/api/put-body.ts — the PUT body reuses two buffers in turn (issue 15: peak RSS). Proven here through
 * the real undici writer and a real socket: a receiver that reads slowly makes the socket push back, and
 * every byte must arrive as it is on disk (SHA-256 of what the server received, for whole files and ranges,
 * at both chunk sizes). The buffers also pass between PUTs (ChunkLease): bodies sent from reused buffers
 * arrive whole, and a buffer goes back only after a 2xx to a body read to its end. Also: a file that shrinks
 * is FILE_CHANGED, a missing one is a `file` error. A small body (≤ WHOLE_BODY_BYTES) is read whole into a
 * pooled buffer and sent as one: the same proofs for it.
 */
import { createHash, randomFillSync } from 'node:crypto';
import { mkdtempSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isApiError, type ApiError } from '../../src/api/errors.js';
import { createAgent, send } from '../../src/api/http.js';
import { ChunkLease, PUT_CHUNK_BYTES, readRange, readWholeRange, WHOLE_BODY_BYTES, type PutSource } from '../../src/api/put-body.js';

const dir = mkdtempSync(join(tmpdir(), 'piximmo-put-body-'));
const agent = createAgent();
let server: Server;
let origin = '';

/**
 * Received bodies' SHA-256 and length. The receiver reads nothing for 150 ms, then pauses 4 ms every 128 KiB:
 * the kernel's socket buffers fill, and the sender's writes wait in its socket (undici must wait for drain).
 */
beforeAll(async () => {
  server = createServer((req, res) => {
    const hash = createHash('sha256');
    let bytes = 0;
    let sincePause = 0;
    req.pause();
    setTimeout(() => req.resume(), 150);
    req.on('data', (chunk: Buffer) => {
      hash.update(chunk);
      bytes += chunk.length;
      sincePause += chunk.length;
      if (sincePause >= 128 * 1024) {
        sincePause = 0;
        req.pause();
        setTimeout(() => req.resume(), 4);
      }
    });
    req.on('end', () => res.end(JSON.stringify({ sha256: hash.digest('hex'), bytes })));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  await agent.close();
  await new Promise((r) => server.close(r));
  rmSync(dir, { recursive: true, force: true });
});

function fileOf(name: string, size: number): { path: string; bytes: Buffer } {
  const bytes = randomFillSync(Buffer.allocUnsafe(size));
  const path = join(dir, name);
  writeFileSync(path, bytes);
  return { path, bytes };
}

type Consumer = (body: AsyncIterable<Uint8Array>) => AsyncIterable<Uint8Array>;

/** One PUT of `src`; with `pooled`, its buffers come from the shared pool and go back as client.put gives them back. */
async function put(
  src: PutSource,
  throttle?: (n: number) => Promise<void>,
  between: Consumer = (b) => b,
  pooled = false,
): Promise<{ sha256: string; bytes: number; reported: number }> {
  let reported = 0;
  const lease = pooled ? new ChunkLease() : undefined;
  const ans = await send({
    method: 'PUT',
    url: `${origin}/put`,
    headers: { 'content-length': String(src.length) },
    body: between(readRange(src, (n) => (reported += n), () => undefined, throttle, lease)),
    operation: 'PUT test',
    dispatcher: agent,
  }).catch((err: unknown) => {
    lease?.settle(false);
    throw err;
  });
  lease?.settle(ans.status >= 200 && ans.status < 300);
  return { ...(JSON.parse(ans.text) as { sha256: string; bytes: number }), reported };
}

const sha = (b: Buffer): string => createHash('sha256').update(b).digest('hex');

describe('readRange through undici, against a receiver that pushes back', () => {
  it.each([
    ['24 MB whole file', 24 * 1024 * 1024 + 123, 0, undefined],
    ['a 5 MiB range from the middle (a multipart part)', 16 * 1024 * 1024, 3 * 1024 * 1024 + 7, 5 * 1024 * 1024],
    ['one byte over two chunks', 2 * PUT_CHUNK_BYTES + 1, 0, undefined],
    ['shorter than one chunk', 100_000, 0, undefined],
  ])('%s arrives byte for byte', async (name, size, start, length) => {
    const f = fileOf(name.replace(/\W+/g, '-'), size);
    const len = length ?? size - start;
    const got = await put({ path: f.path, start, length: len });
    expect(got.bytes).toBe(len);
    expect(got.reported).toBe(len);
    expect(got.sha256).toBe(sha(f.bytes.subarray(start, start + len)));
  });

  it('under a bandwidth limit (64 KiB chunks), the same bytes arrive', async () => {
    const f = fileOf('throttled', 6 * 1024 * 1024 + 5);
    const got = await put({ path: f.path, start: 0, length: f.bytes.length }, async () => undefined);
    expect(got.sha256).toBe(sha(f.bytes));
  });

  it('four bodies at once keep their own buffers', async () => {
    const files = [0, 1, 2, 3].map((i) => fileOf(`parallel-${i}`, 8 * 1024 * 1024 + i));
    const got = await Promise.all(files.map((f) => put({ path: f.path, start: 0, length: f.bytes.length })));
    got.forEach((g, i) => expect(g.sha256).toBe(sha(files[i]!.bytes)));
  });
});

/** A consumer that holds `n` chunks before passing the first one on, as a Readable with a high-water mark would. */
const readAhead =
  (n: number): Consumer =>
  async function* (body) {
    const held: Uint8Array[] = [];
    for await (const chunk of body) {
      held.push(chunk);
      if (held.length > n) yield held.shift()!;
    }
    yield* held;
  };

describe('pooled buffers (ChunkLease): reused across PUTs only when nothing can read them', () => {
  it('60 bodies, 12 at a time, from buffers passed between PUTs, arrive byte for byte', async () => {
    const files = Array.from({ length: 12 }, (_, i) => fileOf(`pooled-${i}`, PUT_CHUNK_BYTES + 4096 * i + 5));
    for (let round = 0; round < 5; round++) {
      const got = await Promise.all(files.map((f) => put({ path: f.path, start: 0, length: f.bytes.length }, undefined, undefined, true)));
      got.forEach((g, i) => expect(g.sha256).toBe(sha(files[i]!.bytes)));
    }
  });

  it('gives its buffers back after a 2xx to a body read to its end, and only then', async () => {
    const f = fileOf('lease', PUT_CHUNK_BYTES + 10);
    /** Reads the body through `lease` (to its end, or one chunk only), then settles it; returns the buffers it held. */
    const leaseOf = async (accepted: boolean, stopEarly = false): Promise<Buffer[]> => {
      const lease = new ChunkLease();
      const held: Buffer[] = [];
      const take = lease.take.bind(lease);
      lease.take = () => {
        const buf = take();
        held.push(buf);
        return buf;
      };
      for await (const _ of readRange({ path: f.path, start: 0, length: f.bytes.length }, () => undefined, () => undefined, undefined, lease)) {
        if (stopEarly) break;
      }
      lease.settle(accepted);
      return held;
    };
    /** Everything the pool holds now (taken out and put back). */
    const pooled = (): Buffer[] => {
      const drain = new ChunkLease();
      const all = Array.from({ length: 40 }, () => drain.take());
      drain.finished();
      drain.settle(true);
      return all;
    };
    const back = await leaseOf(true);
    expect(back).toHaveLength(2);
    expect(pooled()).toEqual(expect.arrayContaining(back));
    for (const [accepted, stopEarly] of [[false, false], [true, true]]) {
      // not 2xx (a socket may still hold a chunk), or not read to its end (the reader may still run)
      const kept = await leaseOf(accepted, stopEarly);
      const now = pooled();
      for (const buf of kept) expect(now.includes(buf)).toBe(false);
    }
  });
});

describe('the check has teeth', () => {
  it('a consumer that reads 3 chunks ahead would send torn bytes: the SHA-256 differs', async () => {
    const f = fileOf('read-ahead', 4 * 1024 * 1024);
    const got = await put({ path: f.path, start: 0, length: f.bytes.length }, undefined, readAhead(3));
    expect(got.bytes).toBe(f.bytes.length);
    expect(got.sha256).not.toBe(sha(f.bytes));
  });
});

describe('readRange: the file itself fails', () => {
  async function drain(src: PutSource): Promise<{ thrown: unknown; told: ApiError | undefined }> {
    let told: ApiError | undefined;
    try {
      for await (const _ of readRange(src, () => undefined, (e) => (told = e))) void _;
    } catch (thrown) {
      return { thrown, told };
    }
    return { thrown: undefined, told };
  }

  it('a file shorter than its planned length is FILE_CHANGED, nothing torn is passed off as whole', async () => {
    const f = fileOf('shrunk', 1_000_000);
    truncateSync(f.path, 600_000);
    const { thrown, told } = await drain({ path: f.path, start: 0, length: 1_000_000 });
    expect(isApiError(thrown) && thrown.code).toBe('FILE_CHANGED');
    expect(told?.code).toBe('FILE_CHANGED');
  });

  it('a missing file is a file error (ENOENT), not a network one', async () => {
    const { thrown } = await drain({ path: join(dir, 'gone.jpg'), start: 0, length: 10 });
    expect(isApiError(thrown) && [thrown.kind, thrown.code]).toEqual(['file', 'ENOENT']);
  });
});

describe('readWholeRange: a small body in one pooled buffer', () => {
  /** One PUT of `src` from a whole buffer, as client.put sends a small file. */
  async function putWhole(src: PutSource): Promise<{ sha256: string; bytes: number }> {
    const lease = new ChunkLease();
    const body = await readWholeRange(src, lease);
    const ans = await send({ method: 'PUT', url: `${origin}/put`, headers: { 'content-length': String(src.length) }, body, operation: 'PUT test', dispatcher: agent }).catch(
      (err: unknown) => {
        lease.settle(false);
        throw err;
      },
    );
    lease.settle(ans.status >= 200 && ans.status < 300);
    return JSON.parse(ans.text) as { sha256: string; bytes: number };
  }

  it('60 bodies up to WHOLE_BODY_BYTES, 12 at a time, whole files and ranges, from buffers passed between PUTs, arrive byte for byte', async () => {
    const files = Array.from({ length: 12 }, (_, i) => fileOf(`whole-${i}`, i === 0 ? WHOLE_BODY_BYTES : 20_000 + 20_001 * i));
    for (let round = 0; round < 5; round++) {
      const got = await Promise.all(
        files.map((f, i) => {
          const start = round % 2 === 1 ? 1000 + i : 0; // odd rounds: a range that does not start at 0
          return putWhole({ path: f.path, start, length: f.bytes.length - start });
        }),
      );
      got.forEach((g, i) => {
        const start = round % 2 === 1 ? 1000 + i : 0;
        expect(g.bytes).toBe(files[i]!.bytes.length - start);
        expect(g.sha256).toBe(sha(files[i]!.bytes.subarray(start)));
      });
    }
  });

  it('gives its buffer back after a 2xx only: the next body reads into it', async () => {
    const f = fileOf('whole-lease', 200_000);
    const first = new ChunkLease();
    const a = await readWholeRange({ path: f.path, start: 0, length: 200_000 }, first);
    first.settle(false); // not 2xx: a socket may still hold it
    const second = new ChunkLease();
    const b = await readWholeRange({ path: f.path, start: 0, length: 200_000 }, second);
    expect(b.buffer).not.toBe(a.buffer);
    second.settle(true);
    const third = new ChunkLease();
    const c = await readWholeRange({ path: f.path, start: 0, length: 200_000 }, third);
    expect(c.buffer).toBe(b.buffer);
    third.settle(true);
  });

  it('a file shorter than its planned length is FILE_CHANGED; a missing one is a file error (ENOENT)', async () => {
    const f = fileOf('whole-shrunk', 300_000);
    truncateSync(f.path, 100_000);
    const changed = await readWholeRange({ path: f.path, start: 0, length: 300_000 }, new ChunkLease()).catch((e: unknown) => e);
    expect(isApiError(changed) && changed.code).toBe('FILE_CHANGED');
    const gone = await readWholeRange({ path: join(dir, 'gone-whole.jpg'), start: 0, length: 10 }, new ChunkLease()).catch((e: unknown) => e);
    expect(isApiError(gone) && [gone.kind, gone.code]).toEqual(['file', 'ENOENT']);
  });
});
