/**
 * The scan step (src/server/scan/step.ts) against a real clamd (private, sigtool-built EICAR signatures,
 * StreamMaxLength 1 MiB) with an in-memory object store: clean, infected → quarantined with the signature,
 * windows above the stream limit recorded, clamd down → unavailable (never clean), SCANNER none → not-scanned.
 */
import { existsSync, readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { nodeConnect } from '../../src/server/local/node-socket.js';
import { ClamdClient } from '../../src/server/scan/clamd.js';
import { quarantineKey, type ScanObjects } from '../../src/server/scan/objects.js';
import { NOT_SCANNED, scanStoredObject } from '../../src/server/scan/step.js';
import { type ClamdProcess, clamdSkipReason, clamdTitle, EICAR_SIGNATURE, eicarBytes, startTestClamd } from '../helpers/clamd.js';

const MiB = 1024 * 1024;
const SAMPLE = new URL('../../../shared/samples/cameras/canon-dslr.jpg', import.meta.url).pathname;

class MemObjects implements ScanObjects {
  readonly store = new Map<string, { body: Uint8Array; meta: Record<string, string> }>();
  async size(key: string) {
    return this.store.get(key)?.body.byteLength ?? null;
  }
  async open(key: string, offset: number, length: number) {
    const o = this.store.get(key);
    if (!o) throw new Error('gone');
    return o.body.subarray(offset, offset + length);
  }
  async quarantine(key: string, meta: Record<string, string>) {
    const o = this.store.get(key)!;
    this.store.set(quarantineKey(key), { body: o.body, meta });
    this.store.delete(key);
    return quarantineKey(key);
  }
}

function noise(n: number): Uint8Array {
  const b = new Uint8Array(n);
  for (let i = 0; i < n; i++) b[i] = (i * 2654435761) >>> 24;
  return b;
}

describe('scan step without a scanner (no clamd needed)', () => {
  it('SCANNER none → not-scanned (NOT_SCANNED)', async () => {
    const objects = new MemObjects();
    objects.store.set('k', { body: eicarBytes(), meta: {} });
    expect(await scanStoredObject({ objectKey: 'k', client: null, objects, streamMax: MiB })).toEqual({ kind: 'not-scanned', reason: NOT_SCANNED });
  });
});

describe.skipIf(clamdSkipReason() !== null)(clamdTitle('scan step against a private clamd'), () => {
  let clamd: ClamdProcess;
  let client: ClamdClient;
  beforeAll(async () => {
    clamd = await startTestClamd({ streamMaxLength: MiB });
    client = new ClamdClient({ hostname: '127.0.0.1', port: clamd.port, connect: nodeConnect, timeoutMs: 30_000 });
  });
  afterAll(async () => {
    await clamd?.dispose();
  });

  it('EICAR → infected with the signature, object moved to quarantine/<key>', async () => {
    const objects = new MemObjects();
    objects.store.set('ORD-1/kitchen/g001/v1/eicar.jpg', { body: eicarBytes(), meta: {} });
    const r = await scanStoredObject({ objectKey: 'ORD-1/kitchen/g001/v1/eicar.jpg', client, objects, streamMax: MiB, meta: { file_id: 'f1' } });
    expect(r).toMatchObject({ kind: 'infected', signature: `${EICAR_SIGNATURE}.UNOFFICIAL`, quarantineKey: 'quarantine/ORD-1/kitchen/g001/v1/eicar.jpg' });
    expect(objects.store.has('ORD-1/kitchen/g001/v1/eicar.jpg')).toBe(false);
    expect(objects.store.get('quarantine/ORD-1/kitchen/g001/v1/eicar.jpg')?.meta).toMatchObject({ file_id: 'f1', signature: `${EICAR_SIGNATURE}.UNOFFICIAL` });
    // a retry after the move finds it in quarantine
    expect(await scanStoredObject({ objectKey: 'ORD-1/kitchen/g001/v1/eicar.jpg', client, objects, streamMax: MiB })).toEqual({
      kind: 'missing',
      quarantined: 'quarantine/ORD-1/kitchen/g001/v1/eicar.jpg',
    });
  });

  it.skipIf(!existsSync(SAMPLE))('a real camera JPEG above the stream limit → clean, scanned in windows (recorded)', async () => {
    const objects = new MemObjects();
    objects.store.set('a.jpg', { body: new Uint8Array(readFileSync(SAMPLE)), meta: {} });
    const r = await scanStoredObject({ objectKey: 'a.jpg', client, objects, streamMax: MiB });
    expect(r).toMatchObject({ kind: 'clean', reason: `SCANNED_IN_WINDOWS 3×${MiB}`, windows: 3 });
    expect(objects.store.has('a.jpg')).toBe(true);
  });

  it('a small clean object → clean without a reason', async () => {
    const objects = new MemObjects();
    objects.store.set('s.bin', { body: noise(200_000), meta: {} });
    expect(await scanStoredObject({ objectKey: 's.bin', client, objects, streamMax: MiB })).toMatchObject({ kind: 'clean', reason: null, windows: 1 });
  });

  it('EICAR 2.5 MiB into a 3 MiB object → infected (found in a later window)', async () => {
    const objects = new MemObjects();
    const b = noise(3 * MiB);
    b.set(eicarBytes(), 2.5 * MiB);
    objects.store.set('big.bin', { body: b, meta: {} });
    expect((await scanStoredObject({ objectKey: 'big.bin', client, objects, streamMax: MiB })).kind).toBe('infected');
  });

  it('clamd down → unavailable, object untouched; back → scans', async () => {
    const objects = new MemObjects();
    objects.store.set('e', { body: eicarBytes(), meta: {} });
    await clamd.stop();
    try {
      const r = await scanStoredObject({ objectKey: 'e', client, objects, streamMax: MiB });
      expect(r.kind).toBe('unavailable');
      expect(objects.store.has('e')).toBe(true);
    } finally {
      await clamd.start();
    }
    expect((await scanStoredObject({ objectKey: 'e', client, objects, streamMax: MiB })).kind).toBe('infected');
  });
});
