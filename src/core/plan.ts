/**
 * Planning a shoot: scan → layout (room_type, stack_id from folders) → EXIF → bracket grouping
 * for files without a stack folder (SPEC "Folder layout"). Reads no file whole: EXIF reads only headers.
 * The plan is what `--dry-run` prints and what the engine uploads.
 */
import pLimit from 'p-limit';
import type { ExifMeta } from '../contract/api.js';
import { mimeFor } from '../contract/media.js';
import { scanShoot, type SkippedFile } from './scan.js';
import { placeFile } from './layout.js';
import { readExif } from './exif.js';
import { StackAssigner } from './stack-assigner.js';
import type { FileFacts } from './events.js';

export interface PlanItem extends FileFacts {
  /** Set when EXIF could not be read (damaged file, none): the file still uploads. */
  exifWarning?: string;
}

export interface ShootPlan {
  /** Real path of the shoot folder. */
  root: string;
  items: PlanItem[];
  skipped: SkippedFile[];
  /** The allowed extensions the scan used (for skip messages). */
  types: readonly string[];
}

export interface PlanOptions {
  types: readonly string[];
  aliases?: Record<string, string>;
  /** Room for files outside room folders (and camera cards); default "unsorted". */
  defaultRoom?: string;
  /** Largest gap between frames of one bracket, ms (default 2000). */
  stackGapMs?: number;
  /** Parallel EXIF reads. */
  exifConcurrency?: number;
}

/** Scans and plans one shoot folder. Throws when `dir` is missing or not a folder (scanShoot's errors). */
export async function planShoot(dir: string, opts: PlanOptions): Promise<ShootPlan> {
  const scan = await scanShoot(dir, { types: opts.types });
  const limit = pLimit(opts.exifConcurrency ?? 8);
  const drafts = await Promise.all(
    scan.files.map((f) =>
      limit(async () => {
        const place = placeFile(f.relPath, { aliases: opts.aliases, defaultRoom: opts.defaultRoom });
        const exif = await readExif(f.absPath);
        return { f, place, exif };
      }),
    ),
  );

  const items: PlanItem[] = [];
  // Files in stack folders keep their folder's stack; loose files of a room are grouped by EXIF.
  const stacks = new StackAssigner(opts.stackGapMs);
  const looseByRoom = new Map<string, PlanItem[]>();
  for (const { f, place, exif } of drafts) {
    const item: PlanItem = {
      absPath: f.absPath,
      relPath: f.relPath,
      name: f.name,
      mime: mimeFor(f.name),
      bytes: f.bytes,
      mtimeMs: f.mtimeMs,
      room_type: place.room_type,
      stack_id: place.stack_id ?? '',
      meta: exif.meta,
      exifWarning: exif.warning,
    };
    items.push(item);
    if (place.stack_id) stacks.reserve(place.room_type, place.stack_id);
    else if (looseByRoom.has(place.room_type)) looseByRoom.get(place.room_type)!.push(item);
    else looseByRoom.set(place.room_type, [item]);
  }
  for (const [room, loose] of looseByRoom) {
    stacks.assign(room, loose).forEach((id, i) => (loose[i].stack_id = id));
  }
  items.sort((a, b) => a.relPath.localeCompare(b.relPath));
  return { root: scan.root, items, skipped: scan.skipped, types: opts.types };
}
