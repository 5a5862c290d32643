/**
 * Shared pieces of the `watch` end-to-end tests (issue 11): camera-like JPEGs, a slow writer that copies a
 * file onto a "card" in chunks, the order's rows on the server, and waiting for NDJSON events.
 */
import { createHash } from 'node:crypto';
import { appendFileSync, writeFileSync } from 'node:fs';
import { makeJpeg } from '../../src/fixtures/jpeg.js';
import type { FileListResponse } from '../../src/contract/api.js';
import { parseNdjson, waitFor } from '../helpers/cli.js';

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
export const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');

/** A valid JPEG with Canon EXIF, `bytes` long (padding inside the file, EOI at the end). */
export function cameraJpeg(seed: number, bytes: number, second = seed % 60): Buffer {
  return makeJpeg({ seed, padTo: bytes, exif: { make: 'Canon', model: 'EOS R5', dateTimeOriginal: `2025:11:10 12:${String(Math.floor(seed / 60) % 60).padStart(2, '0')}:${String(second).padStart(2, '0')}` } });
}

/** Writes `data` to `file` in `chunk`-byte pieces, `gapMs` apart (a camera or a copy still at work). */
export async function writeSlowly(file: string, data: Buffer, chunk: number, gapMs: number, pauseAt?: { bytes: number; ms: number }): Promise<void> {
  writeFileSync(file, data.subarray(0, Math.min(chunk, data.length)));
  let paused = false;
  for (let at = chunk; at < data.length; at += chunk) {
    await sleep(gapMs);
    if (pauseAt && !paused && at >= pauseAt.bytes) {
      paused = true;
      await sleep(pauseAt.ms);
    }
    appendFileSync(file, data.subarray(at, Math.min(data.length, at + chunk)));
  }
}

export async function listed(url: string, order: string): Promise<FileListResponse['files']> {
  const res = await fetch(`${url}/api/orders/${order}/files`, { headers: { authorization: 'Bearer tok-alice' } });
  return ((await res.json()) as FileListResponse).files;
}

/** Polls the order until it lists `n` files (or more); returns whether it did within `ms`. */
export async function waitForRows(url: string, order: string, n: number, ms = 60_000): Promise<boolean> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if ((await listed(url, order)).length >= n) return true;
    await sleep(300);
  }
  return false;
}

/** Waits until the NDJSON on stdout has an event matching `pred`. */
export function waitForEvent(stdout: () => string, pred: (e: Record<string, unknown>) => boolean, ms = 60_000): Promise<boolean> {
  return waitFor(() => parseNdjson(stdout()).some(pred), ms);
}

/** How often `needle` occurs in `text`. */
export function count(text: string, needle: string): number {
  return text.split(needle).length - 1;
}
