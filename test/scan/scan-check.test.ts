/**
 * The closing check's wait for the server's scan (src/cli/scan-check.ts) with a scripted listing: infected
 * files are named with their signature, files still processing at the deadline are named (not failed), a
 * pre-v2 server (no `previews` field) is not waited for, PIXIMMO_SCAN_WAIT sets the wait.
 */
import { describe, expect, it } from 'vitest';
import type { FileListResponse, FileRecord } from '../../src/contract/api.js';
import { awaitScan, scanWaitMs } from '../../src/cli/scan-check.js';
import type { FileOutcome, PlannedFile } from '../../src/core/transfer/events.js';

function outcome(id: string, rel: string): FileOutcome {
  const file = { relPath: rel, shoot: { orderId: 'ORD-1' } } as unknown as PlannedFile;
  return { file, state: 'registered', file_id: id, duration_ms: 1 };
}

function rec(id: string, status: string, extra: Partial<FileRecord> = {}): FileRecord {
  return { file_id: id, status, previews: [], ...extra } as unknown as FileRecord;
}

/** A listing that answers the next scripted page on each call (the last one repeats). */
function scripted(pages: FileRecord[][]): { listFiles: (o: string) => Promise<FileListResponse>; calls: () => number } {
  let n = 0;
  return {
    listFiles: async () => ({ files: pages[Math.min(n++, pages.length - 1)] }),
    calls: () => n,
  };
}

describe('awaitScan', () => {
  it('waits until processing ends; names the infected file with its signature', async () => {
    const api = scripted([
      [rec('a', 'uploaded'), rec('b', 'processing')],
      [rec('a', 'processing'), rec('b', 'processing')],
      [rec('a', 'ready', { previews: ['small'] }), rec('b', 'infected', { status_reason: 'Eicar-Test-Signature.UNOFFICIAL' })],
    ]);
    const r = await awaitScan(api, [outcome('a', 'x/a.jpg'), outcome('b', 'x/b.jpg')], 10_000, 5);
    expect(r.infected).toEqual([{ file: expect.objectContaining({ relPath: 'x/b.jpg' }), file_id: 'b', signature: 'Eicar-Test-Signature.UNOFFICIAL' }]);
    expect(r.processing).toEqual([]);
    expect(api.calls()).toBe(3);
  });

  it('names files still processing at the deadline, without failing them', async () => {
    const api = scripted([[rec('a', 'processing')]]);
    const r = await awaitScan(api, [outcome('a', 'a.jpg')], 50, 5);
    expect(r.infected).toEqual([]);
    expect(r.processing.map((f) => f.relPath)).toEqual(['a.jpg']);
  });

  it('does not wait for a pre-v2 server (files stay "uploaded", no previews field)', async () => {
    const api = scripted([[{ file_id: 'a', status: 'uploaded' } as unknown as FileRecord]]);
    const r = await awaitScan(api, [outcome('a', 'a.jpg')], 10_000, 5);
    expect(r).toEqual({ infected: [], processing: [] });
    expect(api.calls()).toBe(1);
  });

  it('PIXIMMO_SCAN_WAIT in seconds; default 60 s', () => {
    expect(scanWaitMs({})).toBe(60_000);
    expect(scanWaitMs({ PIXIMMO_SCAN_WAIT: '0' })).toBe(0);
    expect(scanWaitMs({ PIXIMMO_SCAN_WAIT: '5' })).toBe(5000);
    expect(scanWaitMs({ PIXIMMO_SCAN_WAIT: 'x' })).toBe(60_000);
  });
});
