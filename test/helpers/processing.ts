/**
 * Test helper for processing after finalize (SPEC v2 "File lifecycle"): waits until files reach a
 * status, by polling the order's listing (GET /api/orders/:id/files) every 250 ms.
 */
import type { FileListResponse, FileRecord, FileStatusName } from '../../src/contract/api.js';

/** States a processing job ends in. */
export const SETTLED: readonly FileStatusName[] = ['ready', 'failed', 'infected', 'deleted', 'superseded'];

export async function listFiles(baseUrl: string, token: string, orderId: string): Promise<FileRecord[]> {
  const res = await fetch(`${baseUrl}/api/orders/${orderId}/files`, { headers: { authorization: `Bearer ${token}` } });
  if (!res.ok) throw new Error(`listing ${orderId}: HTTP ${res.status} ${await res.text()}`);
  return ((await res.json()) as FileListResponse).files;
}

/**
 * Resolves with the order's files once every file (or every file of `fileIds`) is in one of `statuses`
 * (default: settled). Rejects after `timeoutMs` naming the files still waiting and their status.
 */
export async function waitForFiles(
  baseUrl: string,
  token: string,
  orderId: string,
  opts: { fileIds?: readonly string[]; statuses?: readonly FileStatusName[]; timeoutMs?: number } = {},
): Promise<FileRecord[]> {
  const statuses = opts.statuses ?? SETTLED;
  const deadline = Date.now() + (opts.timeoutMs ?? 120_000);
  for (;;) {
    let files: FileRecord[];
    try {
      files = await listFiles(baseUrl, token, orderId);
    } catch (e) {
      // workerd runs JavaScript on one thread: while the consumer decodes a HEIC in WebAssembly (2–5 s of
      // CPU here), idle keep-alive connections time out unnoticed, and a request sent on one just then
      // fails with "other side closed" (a fresh connection is only delayed). Clients retry; so does this.
      if (Date.now() > deadline) throw e;
      await new Promise((r) => setTimeout(r, 250));
      continue;
    }
    const watched = opts.fileIds ? files.filter((f) => opts.fileIds!.includes(f.file_id)) : files;
    const waiting = watched.filter((f) => !statuses.includes(f.status));
    const complete = !opts.fileIds || watched.length === opts.fileIds.length;
    if (complete && waiting.length === 0) return files;
    if (Date.now() > deadline) {
      throw new Error(`files still waiting after ${opts.timeoutMs ?? 120_000} ms: ${waiting.map((f) => `${f.filename}=${f.status}`).join(', ') || 'not listed yet'}`);
    }
    await new Promise((r) => setTimeout(r, 250));
  }
}

/** waitForFiles for one file; resolves with its record. */
export async function waitForStatus(
  baseUrl: string,
  token: string,
  orderId: string,
  fileId: string,
  statuses: readonly FileStatusName[] = SETTLED,
  timeoutMs = 120_000,
): Promise<FileRecord> {
  const files = await waitForFiles(baseUrl, token, orderId, { fileIds: [fileId], statuses, timeoutMs });
  return files.find((f) => f.file_id === fileId)!;
}
