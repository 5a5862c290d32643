/**
 * The client's stack identity (SPEC v2 "Stack identity"): every stack of a plan gets a `stack_key` — derived
 * from content, not from paths, so it is the same on every run and every machine (a re-run, a resumed run, a
 * fresh manifest, another card reader) and different for different stacks — plus `stack_frames` (its frame
 * count). The server allocates the stack_id from the key (src/server/domain/stack-allocation.ts).
 *
 * Key = "sk1-" + SHA-256 (hex) over the sorted fingerprints of the stack's frames; a frame's fingerprint is
 * SHA-256 over its size and its first and last 64 KiB (the header with the camera's EXIF — serial, capture
 * time to the subsecond — and the end of the image data). Computed at plan time, before any file is hashed
 * whole, so no intent waits for the other frames of its stack, and `--dry-run` knows it too.
 *
 * A stack of the plan is the files of one (room_type, room folder, stack id). Two folders of one room type with
 * the same stack folder ("Schlafzimmer 1/Stack 1", "Schlafzimmer 2/Stack 1") are two stacks: the later one
 * proposes the next free gNNN of the room type (the server decides in the end, across shoots and runs).
 */
import { createHash } from 'node:crypto';
import { promises as fs } from 'node:fs';
import pLimit from 'p-limit';
import type { FileFacts } from '../transfer/events.js';
import { stackName } from './stack-assigner.js';

/** Bytes read from each end of a frame for its fingerprint. */
export const FINGERPRINT_EDGE = 64 * 1024;

/** The fingerprint of one frame (hex); a file that cannot be read gets one from its name and size (it fails later anyway). */
export async function frameFingerprint(absPath: string, bytes: number): Promise<string> {
  const h = createHash('sha256').update(`${bytes}\n`);
  let fh: fs.FileHandle | undefined;
  try {
    fh = await fs.open(absPath, 'r');
    const head = Buffer.alloc(Math.min(FINGERPRINT_EDGE, bytes));
    const { bytesRead } = await fh.read(head, 0, head.length, 0);
    h.update(head.subarray(0, bytesRead));
    if (bytes > FINGERPRINT_EDGE) {
      const tailLen = Math.min(FINGERPRINT_EDGE, bytes - FINGERPRINT_EDGE);
      const tail = Buffer.alloc(tailLen);
      const r = await fh.read(tail, 0, tailLen, bytes - tailLen);
      h.update(tail.subarray(0, r.bytesRead));
    }
  } catch {
    h.update(`unreadable\n${absPath.slice(absPath.lastIndexOf('/') + 1)}`);
  } finally {
    await fh?.close().catch(() => undefined);
  }
  return h.digest('hex');
}

/** The plan's grouping of a file into a stack: room type, room folder, stack id. */
export function planStackOf(f: Pick<FileFacts, 'room_type' | 'room_label' | 'stack_id'>): string {
  return `${f.room_type}\0${f.room_label ?? ''}\0${f.stack_id}`;
}

/** The key of a stack from its frames' fingerprints (order does not matter). */
export function stackKeyOf(fingerprints: string[]): string {
  return `sk1-${createHash('sha256').update([...fingerprints].sort().join('\n')).digest('hex')}`;
}

/**
 * Sets `stack_key`, `stack_frames` and `folder_stack_id` on every item, and gives the second of two stacks
 * that share (room_type, stack_id) in this plan the next free gNNN of the room type as its proposal.
 * Reads ≤ 128 KiB per file (8 files at once).
 */
export async function assignStackKeys(items: FileFacts[], concurrency = 8): Promise<void> {
  const limit = pLimit(concurrency);
  const prints = await Promise.all(items.map((i) => limit(() => frameFingerprint(i.absPath, i.bytes))));
  const groups = new Map<string, { items: FileFacts[]; prints: string[] }>();
  items.forEach((item, n) => {
    const k = planStackOf(item);
    const g = groups.get(k) ?? { items: [], prints: [] };
    g.items.push(item);
    g.prints.push(prints[n]);
    groups.set(k, g);
  });
  const usedByRoom = new Map<string, Set<string>>();
  for (const i of items) (usedByRoom.get(i.room_type) ?? usedByRoom.set(i.room_type, new Set()).get(i.room_type)!).add(i.stack_id);
  const claimed = new Set<string>();
  const ordered = [...groups.values()].sort((a, b) => a.items[0].relPath.localeCompare(b.items[0].relPath));
  for (const g of ordered) {
    const first = g.items[0];
    const key = stackKeyOf(g.prints);
    let proposal = first.stack_id;
    const slot = `${first.room_type}\0${proposal}`;
    if (claimed.has(slot)) {
      const used = usedByRoom.get(first.room_type)!;
      let n = 1;
      while (used.has(stackName(n))) n++;
      proposal = stackName(n);
      used.add(proposal);
    }
    claimed.add(`${first.room_type}\0${proposal}`);
    for (const item of g.items) {
      item.folder_stack_id = item.stack_id;
      item.stack_id = proposal;
      item.stack_key = key;
      item.stack_frames = g.items.length;
    }
  }
}
