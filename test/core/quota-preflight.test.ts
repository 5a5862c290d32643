/**
 * src/cli/quota-preflight.ts — SPEC v2 "Quota" rule of the CLI: the bytes still to send (files not
 * registered in the manifest with the same size and mtime) against the quota left; exit 5 naming both
 * when they do not fit; no check against a server without quotas; a run refused by the quota mid-way
 * exits 5 instead of 1.
 */
import { describe, expect, it } from 'vitest';
import type { MeResponse } from '../../src/contract/api.js';
import type { FileOutcome, PlannedFile } from '../../src/core/transfer/events.js';
import { EXIT } from '../../src/cli/exit-codes.js';
import { bytesToSend, checkQuota, QuotaExit, withQuotaExit } from '../../src/cli/quota-preflight.js';
import { setLang } from '../../src/cli/i18n/index.js';

type Entry = { state: string; bytes: number; mtime_ms: number; file_id?: string };
function files(spec: { bytes: number; registered?: boolean; changed?: boolean }[]): PlannedFile[] {
  const entries = new Map<string, Entry>();
  const shoot = { orderId: 'ORD-1', manifest: { get: (p: string) => entries.get(p) } };
  return spec.map((s, i) => {
    const relPath = `f${i}.jpg`;
    if (s.registered) entries.set(relPath, { state: 'registered', bytes: s.bytes, mtime_ms: s.changed ? 1 : 0, file_id: `f_${i}` });
    return { relPath, bytes: s.bytes, mtimeMs: 0, shoot } as unknown as PlannedFile;
  });
}
const me = (quota?: MeResponse['quota']) => ({ me: async (): Promise<MeResponse> => ({ user_id: 'alice', quota }) });

describe('quota pre-flight', () => {
  it('counts only what is still to send (a changed file counts again)', () => {
    expect(bytesToSend(files([{ bytes: 100 }, { bytes: 200, registered: true }, { bytes: 300, registered: true, changed: true }]))).toBe(400);
  });

  it('passes when it fits, and against a server without quotas', async () => {
    const f = files([{ bytes: 600 }]);
    await checkQuota(me({ bytes_used: 400, bytes_limit: 1000 }), f);
    await checkQuota(me(undefined), f);
  });

  it('exit 5 naming both figures when it does not fit', async () => {
    setLang('en');
    const err = await checkQuota(me({ bytes_used: 500_000, bytes_limit: 1_000_000 }), files([{ bytes: 400_000 }, { bytes: 200_000 }])).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(QuotaExit);
    const q = err as QuotaExit;
    expect(q.code).toBe(EXIT.QUOTA);
    expect(q.reason).toBe('QUOTA_EXCEEDED');
    expect(q.figures).toEqual({ need: 600_000, left: 500_000, used: 500_000, limit: 1_000_000 });
    expect(q.message).toContain('this upload needs 600 KB, but only 500 KB is left');
    setLang('de');
    const de = (await checkQuota(me({ bytes_used: 500_000, bytes_limit: 1_000_000 }), files([{ bytes: 600_000 }])).catch((e: unknown) => e)) as QuotaExit;
    expect(de.message).toContain('braucht 600 KB, frei sind nur 500 KB');
    setLang('en');
  });

  it('a run refused by the quota mid-way exits 5, other failures stay 1', () => {
    const quota = [{ state: 'failed', failure: { code: 'QUOTA_EXCEEDED', detail: '' } }] as FileOutcome[];
    const other = [{ state: 'failed', failure: { code: 'NETWORK', detail: '' } }] as FileOutcome[];
    expect(withQuotaExit(EXIT.FAILED, quota)).toBe(EXIT.QUOTA);
    expect(withQuotaExit(EXIT.FAILED, other)).toBe(EXIT.FAILED);
    expect(withQuotaExit(EXIT.AUTH, quota)).toBe(EXIT.AUTH);
  });
});
