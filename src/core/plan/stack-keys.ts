/**
 * The client's stack identity (SPEC v2 "Stack identity"): every stack of a plan gets a `stack_key` — derived
 * from content, not from paths, so it is the same on every run and every machine (a re-run, a resumed run, a
 * fresh manifest, another card reader) and different for different stacks — plus `stack_frames` (its frame
 * count). The server allocates the stack_id from the key (src/server/domain/stack-allocation.ts).
 *
 * Key = "sk1-" + SHA-256 (hex) of the fingerprint of the stack's anchor frame: the first frame in capture order
 * (ties and frames without a capture time: the smallest fingerprint). A frame's fingerprint is SHA-256 over its
 * size and its first and last 64 KiB (the header with the camera's EXIF — serial, capture time to the
 * subsecond — and the end of the image data): two stacks share a key only when their first frames are the
 * same bytes. The anchor, not all frames, so that a stack keeps its key while frames are added (a card
 * watched as the photographer shoots, a frame copied in later); computed at plan time (≤ 128 KiB read per
 * file), before any file is hashed whole, so no intent waits for another frame, and `--dry-run` knows it too.
 *
 * A stack of the plan is the files of one (room_type, room folder, stack id). Two folders of one room type with
 * the same stack folder ("Schlafzimmer 1/Stack 1", "Schlafzimmer 2/Stack 1") are two stacks: the later one
 * (by path) proposes the next free gNNN of the room type; the server decides in the end, across shoots and runs.
 * A StackKeyBook keeps what it gave out: planning more files later (watch) adds frames to known stacks with
 * their key unchanged.
 */
import { createHash } from 'node:crypto';
import { stackName } from '../../contract/stack-id.js';
import { HEAD_BYTES, headBuffers } from '../exif/jpeg-head.js';
import { readFileAt } from '../read-fully.js';
import type { ExifMeta } from '../../contract/api.js';
import type { FileFacts } from '../transfer/events.js';
import { mapBounded } from './bounded.js';

/** Bytes read from each end of a frame for its fingerprint: part of every stack key, so never changed. */
export const FINGERPRINT_EDGE = 64 * 1024;
// The fingerprint reads both ends into one pooled head buffer (exif/jpeg-head.ts); the edge must not follow
// HEAD_BYTES (a smaller head read would change every key), so a head too small for it is a build error here.
if (HEAD_BYTES < 2 * FINGERPRINT_EDGE) throw new Error('stack-keys: HEAD_BYTES must hold both fingerprint edges (2 × 64 KiB)');

/**
 * The fingerprint of one frame (hex); a file that cannot be read gets one from its name and size (it fails
 * later anyway). Reads ≤ 2 × {@link FINGERPRINT_EDGE} bytes into a pooled head buffer (issue 15, the CPU a
 * small file costs: a fresh zeroed 64 KiB buffer for each end, read through a FileHandle, was about a fifth of
 * planning 300 small files); a file of up to 128 KiB is one read, its two ends being contiguous.
 */
export async function frameFingerprint(absPath: string, bytes: number): Promise<string> {
  const h = createHash('sha256').update(`${bytes}\n`);
  const buf = headBuffers.take(); // ≥ 2 × FINGERPRINT_EDGE (checked above)
  try {
    const headLen = Math.min(FINGERPRINT_EDGE, bytes);
    const tailLen = bytes > FINGERPRINT_EDGE ? Math.min(FINGERPRINT_EDGE, bytes - FINGERPRINT_EDGE) : 0;
    if (headLen + tailLen === bytes) {
      h.update(buf.subarray(0, await readFileAt(absPath, buf.subarray(0, bytes), 0)));
    } else {
      h.update(buf.subarray(0, await readFileAt(absPath, buf.subarray(0, headLen), 0)));
      h.update(buf.subarray(headLen, headLen + (await readFileAt(absPath, buf.subarray(headLen, headLen + tailLen), bytes - tailLen))));
    }
  } catch {
    h.update(`unreadable\n${absPath.slice(absPath.lastIndexOf('/') + 1)}`);
  } finally {
    headBuffers.release(buf); // hashed: nothing reads buf any more
  }
  return h.digest('hex');
}

/** The plan's grouping of a file into a stack: room type, room folder, stack id. */
export function planStackOf(f: Pick<FileFacts, 'room_type' | 'room_label' | 'stack_id'>): string {
  return `${f.room_type}\0${f.room_label ?? ''}\0${f.stack_id}`;
}

/** Capture time as a sortable string ("" when unknown, sorted last). */
function captureSortKey(m: ExifMeta): string {
  return m.captured_at ? `${m.captured_at}.${String(m.captured_subsec_ms ?? 0).padStart(3, '0')}` : '\uffff';
}

/** The key of a stack from its frames (capture metadata + fingerprint); the anchor decides (see the file comment). */
export function stackKeyOf(frames: { meta: ExifMeta; fingerprint: string }[]): string {
  const anchor = [...frames].sort((a, b) => captureSortKey(a.meta).localeCompare(captureSortKey(b.meta)) || a.fingerprint.localeCompare(b.fingerprint))[0];
  return `sk1-${createHash('sha256').update(anchor.fingerprint).digest('hex')}`;
}

interface Group {
  key: string;
  /** The id this stack proposes (its folder's, or the next free one when another stack has that). */
  proposal: string;
  items: FileFacts[];
}

export class StackKeyBook {
  private readonly groups = new Map<string, Group>();
  /** Proposed ids per room type. */
  private readonly claimed = new Map<string, Set<string>>();

  /**
   * Sets `stack_key`, `stack_frames` (on every frame of the stacks touched) and `folder_stack_id` on `items`,
   * and their `stack_id` to their stack's proposal. Reads ≤ 128 KiB of each new stack's anchor candidates
   * (usually one frame a stack; `concurrency` files at once).
   */
  async add(items: FileFacts[], concurrency = 8): Promise<void> {
    const fresh = new Map<string, FileFacts[]>();
    for (const item of items) {
      const k = planStackOf(item);
      const list = fresh.get(k);
      if (list) list.push(item);
      else fresh.set(k, [item]);
    }
    // Stacks in the order of their first path (each stack's first path found once, not per comparison).
    const ordered = [...fresh.entries()]
      .map(([k, f]) => ({ k, f, first: minPath(f) }))
      .sort((a, b) => a.first.localeCompare(b.first))
      .map(({ k, f }): [string, FileFacts[]] => [k, f]);
    // Only a new stack's anchor candidates are read: a known stack keeps its key, and the anchor is always
    // among the frames of the earliest capture time (all of them when none has one).
    const candidates = new Map<string, FileFacts[]>();
    for (const [k, f] of ordered) if (!this.groups.has(k)) candidates.set(k, anchorCandidates(f));
    const toRead = [...candidates.values()].flat();
    const prints = await mapBounded(toRead, concurrency, (i) => frameFingerprint(i.absPath, i.bytes));
    const printOf = new Map(toRead.map((item, n) => [item, prints[n]]));
    for (const [k, f] of ordered) {
      let g = this.groups.get(k);
      if (!g) {
        const frames = (candidates.get(k) ?? []).map((i) => ({ meta: i.meta, fingerprint: printOf.get(i) ?? '' }));
        g = { key: stackKeyOf(frames), proposal: this.propose(f[0].room_type, f[0].stack_id), items: [] };
        this.groups.set(k, g);
      }
      for (const item of f) {
        item.folder_stack_id ??= item.stack_id;
        item.stack_id = g.proposal;
        item.stack_key = g.key;
        g.items.push(item);
      }
      for (const item of g.items) item.stack_frames = g.items.length;
    }
  }

  private propose(room: string, wanted: string): string {
    const used = this.claimed.get(room) ?? this.claimed.set(room, new Set()).get(room)!;
    let id = wanted;
    if (used.has(id)) {
      let n = 1;
      while (used.has(stackName(n))) n++;
      id = stackName(n);
    }
    used.add(id);
    return id;
  }
}

/**
 * The frames that may be a new stack's anchor: those of the earliest capture time, compared as
 * {@link stackKeyOf} sorts (the fingerprint decides only among them).
 */
function anchorCandidates(items: FileFacts[]): FileFacts[] {
  let first = captureSortKey(items[0].meta);
  for (const i of items) {
    const key = captureSortKey(i.meta);
    if (key.localeCompare(first) < 0) first = key;
  }
  return items.filter((i) => captureSortKey(i.meta).localeCompare(first) === 0);
}

function minPath(items: FileFacts[]): string {
  let min = items[0].relPath;
  for (const i of items) if (i.relPath.localeCompare(min) < 0) min = i.relPath;
  return min;
}
