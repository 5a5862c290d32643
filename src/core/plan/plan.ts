/**
 * Planning a shoot: scan → layout (room_type, stack_id from folders) → EXIF → bracket grouping
 * for files without a stack folder (SPEC "Folder layout"). Reads no file whole: EXIF reads only headers.
 * The plan is what `--dry-run` prints and what the engine uploads.
 */
import { mimeFor } from '../../contract/media.js';
import { scanShoot, type SkippedFile } from './scan.js';
import { placeFile } from './layout.js';
import { readExif } from '../exif/exif.js';
import { StackAssigner } from './stack-assigner.js';
import { StackKeyBook } from './stack-keys.js';
import { mapBounded } from './bounded.js';
import type { FileFacts } from '../transfer/events.js';

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

/**
 * What planning needs of a file: where it is and its size and mtime (scan or watcher); `problem` (scan: empty,
 * unreadable, vanished) = no EXIF is read, the upload fails the file.
 */
export type FileToPlan = Pick<FileFacts, 'absPath' | 'relPath' | 'bytes' | 'mtimeMs'> & { problem?: string };

/** Scans and plans one shoot folder. Throws when `dir` is missing or not a folder (scanShoot's errors). */
export async function planShoot(dir: string, opts: PlanOptions): Promise<ShootPlan> {
  const scan = await scanShoot(dir, { types: opts.types });
  const items = await planFiles(scan.files, opts, new StackAssigner(opts.stackGapMs));
  items.sort((a, b) => a.relPath.localeCompare(b.relPath));
  // Skips are placed in their rooms too, for the summary's "skipped" column (issue 10).
  const skipped = scan.skipped.map((s) => ({ ...s, room_type: placeFile(s.relPath, { aliases: opts.aliases, defaultRoom: opts.defaultRoom }).room_type }));
  return { root: scan.root, items, skipped, types: opts.types };
}

/**
 * Plans files: room and stack from their folders, EXIF from their headers, and for files without a stack
 * folder a stack from bracket grouping. `stacks` carries the rooms' earlier frames, so planning the
 * arrivals of a watched card a few at a time gives the same stacks as planning them at once.
 */
export async function planFiles(files: FileToPlan[], opts: Omit<PlanOptions, 'types' | 'stackGapMs'>, stacks: StackAssigner): Promise<PlanItem[]> {
  // Bounded EXIF reads, no closure or promise per waiting file (issue 15: 20,000 files, peak RSS ≤ 150 MB);
  // one copy of each room's strings however many files the room has.
  const intern = interner();
  const folderStack: boolean[] = new Array(files.length);
  const items = await mapBounded(files, opts.exifConcurrency ?? 8, async (f, i): Promise<PlanItem> => {
    const place = placeFile(f.relPath, { aliases: opts.aliases, defaultRoom: opts.defaultRoom });
    const exif = f.problem ? { meta: {} } : await readExif(f.absPath, f.bytes);
    const name = f.relPath.slice(f.relPath.lastIndexOf('/') + 1);
    folderStack[i] = place.stack_id !== null;
    return {
      absPath: f.absPath,
      relPath: f.relPath,
      name,
      mime: mimeFor(name),
      bytes: f.bytes,
      mtimeMs: f.mtimeMs,
      room_type: intern(place.room_type),
      stack_id: place.stack_id ?? '',
      ...(place.room_label === undefined ? {} : { room_label: intern(place.room_label) }),
      meta: exif.meta,
      exifWarning: exif.warning,
    };
  });
  // Files in stack folders keep their folder's stack; loose files of a room folder are grouped by EXIF
  // (per folder: "Schlafzimmer 1" and "Schlafzimmer 2" never share a bracket).
  const looseByRoom = new Map<string, PlanItem[]>();
  items.forEach((item, i) => {
    const scope = `${item.room_type}\0${item.room_label ?? ''}`;
    if (folderStack[i]) stacks.reserve(item.room_type, item.stack_id);
    else if (looseByRoom.has(scope)) looseByRoom.get(scope)!.push(item);
    else looseByRoom.set(scope, [item]);
  });
  for (const [scope, loose] of looseByRoom) {
    stacks.assign(loose[0].room_type, loose, scope).forEach((id, i) => (loose[i].stack_id = id));
  }
  // SPEC v2 stack identity: keys and frame counts, kept across calls with the same `stacks` (watch arrivals).
  let book = keyBooks.get(stacks);
  if (!book) keyBooks.set(stacks, (book = new StackKeyBook()));
  await book.add(items);
  return items;
}

/** A string → the first equal string seen (one copy of repeated room names in a plan of many files). */
function interner(): <S extends string>(s: S) => S {
  const seen = new Map<string, string>();
  return <S extends string>(s: S): S => {
    const known = seen.get(s);
    if (known !== undefined) return known as S;
    seen.set(s, s);
    return s;
  };
}

/** One StackKeyBook per StackAssigner: planning a watched card's arrivals keeps every stack's key. */
const keyBooks = new WeakMap<StackAssigner, StackKeyBook>();
