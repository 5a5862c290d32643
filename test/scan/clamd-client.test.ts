/**
 * The INSTREAM client (src/server/scan/clamd.ts) and the window scan (scan/windows.ts) against a real clamd
 * (test/helpers/clamd.ts: private clamd, sigtool-built EICAR signatures, StreamMaxLength 1 MiB so that the
 * limit is reachable with small objects). Skips, naming what is missing, without clamd/sigtool.
 */
import { existsSync, readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { nodeConnect } from '../../src/server/local/node-socket.js';
import { ClamdClient, parseInstreamReply, ScannerError, ScannerUnavailableError, ScanSizeLimitError } from '../../src/server/scan/clamd.js';
import { planWindows, scanInWindows, type ScanSource } from '../../src/server/scan/windows.js';
import { type ClamdProcess, clamdSkipReason, clamdTitle, EICAR_SIGNATURE, eicarBytes, startTestClamd } from '../helpers/clamd.js';

const MiB = 1024 * 1024;
const SAMPLE = new URL('../../../shared/samples/cameras/canon-dslr.jpg', import.meta.url).pathname;

function pattern(n: number, seed = 7): Uint8Array {
  const b = new Uint8Array(n);
  let x = seed;
  for (let i = 0; i < n; i++) {
    x = (x * 1103515245 + 12345) >>> 0;
    b[i] = x >>> 24;
  }
  return b;
}

function withEicarAt(n: number, at: number): Uint8Array {
  const b = pattern(n);
  b.set(eicarBytes(), at);
  return b;
}

function memSource(b: Uint8Array): ScanSource & { opened: Array<[number, number]> } {
  const opened: Array<[number, number]> = [];
  return { size: b.byteLength, opened, open: async (o, l) => (opened.push([o, l]), b.subarray(o, o + l)) };
}

describe('INSTREAM replies (no clamd needed)', () => {
  it('parses OK, FOUND, the size limit and other errors', () => {
    expect(parseInstreamReply('stream: OK')).toEqual({ kind: 'clean' });
    expect(parseInstreamReply('stream: Win.Test.EICAR_HDB-1 FOUND\0')).toEqual({ kind: 'infected', signature: 'Win.Test.EICAR_HDB-1' });
    expect(() => parseInstreamReply('INSTREAM size limit exceeded. ERROR')).toThrow(ScanSizeLimitError);
    expect(() => parseInstreamReply("Can't allocate memory ERROR")).toThrow(ScannerError);
  });
  it('plans overlapping windows that cover every byte', () => {
    expect(planWindows(10, 20)).toEqual([{ offset: 0, length: 10 }]);
    const w = planWindows(100, 40, 10);
    expect(w).toEqual([
      { offset: 0, length: 40 },
      { offset: 30, length: 40 },
      { offset: 60, length: 40 },
    ]);
    // any 10-byte pattern lies wholly inside one window
    for (let p = 0; p + 10 <= 100; p++) expect(w.some((x) => x.offset <= p && p + 10 <= x.offset + x.length)).toBe(true);
  });
});

describe.skipIf(clamdSkipReason() !== null)(clamdTitle('clamd INSTREAM client against a private clamd'), () => {
  let clamd: ClamdProcess;
  let client: ClamdClient;
  beforeAll(async () => {
    clamd = await startTestClamd({ streamMaxLength: MiB });
    client = new ClamdClient({ hostname: '127.0.0.1', port: clamd.port, connect: nodeConnect, timeoutMs: 30_000 });
  });
  afterAll(async () => {
    await clamd?.dispose();
  });

  it('answers PING', async () => {
    expect(await client.ping()).toBe(true);
  });

  it('finds the EICAR test file and names the signature', async () => {
    const v = await client.instream(eicarBytes());
    expect(v).toEqual({ kind: 'infected', signature: `${EICAR_SIGNATURE}.UNOFFICIAL` });
  });

  it('finds the EICAR string inside other bytes (body signature), streamed in many chunks', async () => {
    const b = withEicarAt(300_000, 123_457);
    const chunks = new ReadableStream<Uint8Array>({
      start(c) {
        for (let i = 0; i < b.byteLength; i += 4096) c.enqueue(b.slice(i, i + 4096));
        c.close();
      },
    });
    expect((await client.instream(chunks)).kind).toBe('infected');
  });

  it.skipIf(!existsSync(SAMPLE))('a real camera JPEG (2 MB, in 1 MiB windows) is clean', async () => {
    const jpeg = new Uint8Array(readFileSync(SAMPLE));
    expect(await scanInWindows(client, memSource(jpeg), MiB)).toMatchObject({ verdict: 'clean', windows: 3 });
  });

  it('a stream above StreamMaxLength is refused as such (ScanSizeLimitError)', async () => {
    await expect(client.instream(pattern(3 * MiB))).rejects.toBeInstanceOf(ScanSizeLimitError);
  });

  it('objects above the limit are scanned in overlapping windows: EICAR after the limit and across a window edge is found', async () => {
    const clean = memSource(pattern(3 * MiB));
    const r = await scanInWindows(client, clean, MiB);
    expect(r).toMatchObject({ verdict: 'clean', windowBytes: MiB });
    expect(r.windows).toBeGreaterThan(3);
    // EICAR 2.5 MiB in: beyond the first window
    const late = await scanInWindows(client, memSource(withEicarAt(3 * MiB, 2.5 * MiB)), MiB);
    expect(late).toMatchObject({ verdict: 'infected', signature: `${EICAR_SIGNATURE}.UNOFFICIAL` });
    // EICAR straddling the end of the first window (1 MiB)
    const edge = await scanInWindows(client, memSource(withEicarAt(3 * MiB, MiB - 30)), MiB);
    expect(edge.verdict).toBe('infected');
  });

  it('a window larger than clamd allows is halved until clamd takes it', async () => {
    const r = await scanInWindows(client, memSource(withEicarAt(5 * MiB, 4 * MiB + 17)), 4 * MiB);
    expect(r).toMatchObject({ verdict: 'infected', windowBytes: MiB });
  });

  it('clamd stopped → ScannerUnavailableError; started again on the same port → scans again', async () => {
    await clamd.stop();
    await expect(client.instream(eicarBytes())).rejects.toBeInstanceOf(ScannerUnavailableError);
    expect(await client.ping()).toBe(false);
    await clamd.start();
    expect((await client.instream(eicarBytes())).kind).toBe('infected');
  });
});
