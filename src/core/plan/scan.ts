/**
 * Scanning a shoot folder: which files to upload, which to skip and why (SPEC "The CLI" → "Types":
 * "Everything else is reported as skipped, with the reason. Hidden files, OS litter (`.DS_Store`,
 * `Thumbs.db`, `._*`) and the CLI's own state are never scanned."; SPEC v2 "CLI rules added in v2":
 * "Symlinks and links" and "Exit codes" — an unreadable or empty file of an allowed type is not skipped but
 * fails at upload, exit 1).
 */
import { accessSync, constants as fsc, promises as fsp } from 'node:fs';
import path from 'node:path';
import { extensionOf } from '../../contract/media.js';
import { type WalkedFile, walkShoot } from './walk.js';
import { mapBounded } from './bounded.js';

export { flagAdding, isDefaultTypes, parseTypes } from './allow-list.js';

/** One file to upload. */
export interface ScannedFile {
  /** Absolute path on disk (below `ScanResult.root`), in the file system's own spelling. */
  absPath: string;
  /** Path relative to the shoot root: posix separators, NFC-normalised (macOS stores NFD). */
  relPath: string;
  /** Last segment of `relPath`. */
  name: string;
  /** Lower-case extension without the dot ("jpg"). */
  ext: string;
  /** Size in bytes (0 for an empty file, which the upload then refuses with EMPTY_FILE). */
  bytes: number;
  /** Modification time, ms since the epoch. */
  mtimeMs: number;
  /**
   * Set when the file cannot be uploaded as it is: empty (0 bytes), unreadable (errno), or gone between
   * listing and stat. Such a file is still listed (SPEC v2: exit 1, never "skipped"); the engine fails it with
   * EMPTY_FILE / FILE_UNREADABLE / FILE_VANISHED, and planning reads no EXIF from it.
   */
  problem?: 'empty' | 'unreadable' | 'vanished';
}

/**
 * Why a file is not uploaded. 'symlink-outside': a symlink whose target lies outside the shoot folder (never
 * followed); 'same-file': another path to a file that is uploaded under its own path (hard link, symlink
 * inside the folder). 'empty' / 'unreadable' / 'vanished' are no longer produced by the scan (those files
 * fail at upload) but stay in the union for manifests and old output.
 */
export type SkipReason = 'type-not-allowed' | 'no-extension' | 'symlink-outside' | 'same-file' | 'empty' | 'unreadable' | 'vanished';

/** One file reported as skipped. */
export interface SkippedFile {
  relPath: string;
  reason: SkipReason;
  /** 'same-file': the path that is uploaded instead (posix, NFC). */
  sameAs?: string;
  /** The room the file would have gone to (set by planning, for the summary). */
  room_type?: string;
}

export interface ScanResult {
  /** realpath of the scanned folder. */
  root: string;
  /** Files to upload, sorted by relPath (code-unit order). */
  files: ScannedFile[];
  /** Files not uploaded, with the reason, sorted by relPath. */
  skipped: SkippedFile[];
}

/**
 * Deepest path scanned, in segments below the root (SPEC layout needs 3: room/stack/file).
 * Also bounds the walk through symlinked folders that point back up (fast-glob does not detect loops).
 */
export const MAX_SCAN_DEPTH = 8;

/** OS litter in folder names: never descended into (Synology thumbnails, Windows recycle bin and indexer). */
const LITTER_DIRS = ['@eaDir', '$RECYCLE.BIN', 'System Volume Information'];
/** OS litter by file name, compared case-insensitively (Windows Explorer thumbnail caches, folder settings). */
const LITTER_FILES = new Set(['thumbs.db', 'ehthumbs.db', 'ehthumbs_vista.db', 'desktop.ini']);

/**
 * Whether a path relative to the shoot root is never scanned (the same rule as scanShoot): a hidden
 * segment (dot-name, incl. `.piximmo*`), an OS litter folder, or an OS litter file. For watch mode.
 */
export function isIgnoredPath(relPath: string): boolean {
  const segments = relPath.split(/[\\/]/).filter((x) => x !== '');
  if (segments.some((x) => x.startsWith('.') || LITTER_DIRS.includes(x))) return true;
  return LITTER_FILES.has((segments.at(-1) ?? '').toLowerCase());
}

/**
 * List the files of a shoot folder, split into files to upload and skipped files.
 *
 * Never listed at all (neither file nor skipped): hidden files and folders (dot-names: `.DS_Store`, `._*`,
 * `.Spotlight-V100`, `.Trashes`, the CLI's `.piximmo*`), OS litter (`Thumbs.db`, `desktop.ini`, `@eaDir/`, …),
 * anything deeper than {@link MAX_SCAN_DEPTH} segments, dangling symlinks, symlinks to folders inside the
 * shoot (that folder is scanned in its own place).
 * Skipped with a reason: an extension not in `opts.types` (`type-not-allowed`), no extension
 * (`no-extension`), a symlink out of the folder (`symlink-outside`, never read or walked), a second path to
 * a file already listed (`same-file`: hard links and in-folder symlinks, by device and inode; the path
 * without a symlink is kept, else the one with the fewest segments, else the first by code units).
 * Listed with `problem` (they fail at upload, exit 1): empty, unreadable, vanished during the scan.
 *
 * @param dir the shoot folder (relative paths resolve against the process cwd)
 * @param opts.types allowed lower-case extensions without dots (see parseTypes)
 * @throws Error with `code` 'ENOENT' when `dir` does not exist, 'ENOTDIR' when it is not a folder,
 *   or the fs error (e.g. 'EACCES') when it cannot be opened
 */
export async function scanShoot(dir: string, opts: { types: readonly string[] }): Promise<ScanResult> {
  const root = await resolveRoot(dir);
  const allowed = new Set(opts.types.map((t) => t.toLowerCase()));
  const walked = await walkShoot(root, { maxDepth: MAX_SCAN_DEPTH, ignoreName: (name, isDir) => isIgnoredPath(isDir ? `${name}/x` : name) });

  const files: ScannedFile[] = [];
  const skipped: SkippedFile[] = walked.outside.map((rel) => {
    const relPath = rel.normalize('NFC');
    return { relPath, reason: 'symlink-outside' };
  });
  const candidates: WalkedFile[] = [];
  for (const entry of walked.files) {
    const relPath = entry.relPath.normalize('NFC');
    const name = relPath.slice(relPath.lastIndexOf('/') + 1);
    const ext = extensionOf(name);
    if (ext === '') skipped.push({ relPath, reason: 'no-extension' });
    else if (!allowed.has(ext)) skipped.push({ relPath, reason: 'type-not-allowed' });
    else candidates.push(entry);
  }
  const { kept, others } = foldSameFiles(candidates);
  for (const { entry, sameAs } of others) {
    const relPath = entry.relPath.normalize('NFC');
    const keptRel = sameAs.normalize('NFC');
    skipped.push({ relPath, reason: 'same-file', sameAs: keptRel });
  }
  // A few access checks at a time (issue 15: memory flat in the number of files); the list is sorted below.
  await mapBounded(kept, 16, async (entry) => {
    const relPath = entry.relPath.normalize('NFC');
    const name = relPath.slice(relPath.lastIndexOf('/') + 1);
    const file: ScannedFile = { absPath: entry.absPath, relPath, name, ext: extensionOf(name), bytes: entry.stats.size, mtimeMs: entry.stats.mtimeMs };
    if (entry.stats.ino === 0 && entry.stats.mtimeMs === 0) file.problem = 'vanished';
    else if (entry.stats.size === 0) file.problem = 'empty';
    else if (await readProblem(entry.absPath)) file.problem = 'unreadable';
    files.push(file);
  });
  files.sort(byRelPath);
  skipped.sort(byRelPath);
  return { root, files, skipped };
}

/**
 * Files reached under several paths (same device and inode: hard links, symlinks inside the folder): one is
 * kept — no symlink, else fewest segments, else first by code units — the others name it.
 */
function foldSameFiles(entries: WalkedFile[]): { kept: WalkedFile[]; others: { entry: WalkedFile; sameAs: string }[] } {
  const byInode = new Map<string, WalkedFile[]>();
  for (const entry of entries) {
    const { dev, ino } = entry.stats;
    const key = ino === 0 ? `path:${entry.relPath}` : `${dev}:${ino}`;
    const group = byInode.get(key);
    if (group) group.push(entry);
    else byInode.set(key, [entry]);
  }
  const kept: WalkedFile[] = [];
  const others: { entry: WalkedFile; sameAs: string }[] = [];
  for (const group of byInode.values()) {
    group.sort((a, b) => Number(a.viaSymlink) - Number(b.viaSymlink) || depth(a.relPath) - depth(b.relPath) || compareText(a.relPath, b.relPath));
    kept.push(group[0]);
    for (const entry of group.slice(1)) others.push({ entry, sameAs: group[0].relPath });
  }
  return { kept, others };
}

/** realpath of `dir`, checked to be a folder. */
async function resolveRoot(dir: string): Promise<string> {
  let root: string;
  try {
    root = await fsp.realpath(path.resolve(dir));
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') throw fsError('ENOENT', `Folder not found: ${dir}`);
    throw err;
  }
  const st = await fsp.stat(root);
  if (!st.isDirectory()) throw fsError('ENOTDIR', `Not a folder: ${dir} (give the shoot folder, not a file)`);
  return root;
}

/** The errno code that stops this user from reading the file, or null when it is readable. */
async function readProblem(absPath: string): Promise<string | null> {
  try {
    accessSync(absPath, fsc.R_OK); // synchronous: a few µs, not a thread-pool round trip (core/read-fully.ts)
    return null;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code ?? 'unknown error';
  }
}

function fsError(code: string, message: string): Error {
  return Object.assign(new Error(message), { code });
}

function depth(p: string): number {
  return p.split('/').length;
}

function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function byRelPath(a: { relPath: string }, b: { relPath: string }): number {
  return compareText(a.relPath, b.relPath);
}
