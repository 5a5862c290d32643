/**
 * Scanning a shoot folder: which files to upload, which to skip and why (SPEC "The CLI" → "Types":
 * "Everything else is reported as skipped, with the reason. Hidden files, OS litter (`.DS_Store`,
 * `Thumbs.db`, `._*`) and the CLI's own state are never scanned.").
 */
import { constants as fsc, promises as fsp, type Stats } from 'node:fs';
import path from 'node:path';
import fg from 'fast-glob';
import { DEFAULT_TYPES, extensionOf, MIME_BY_EXT, RAW_TYPES } from '../../contract/media.js';

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
  /** Size in bytes (> 0). */
  bytes: number;
  /** Modification time, ms since the epoch. */
  mtimeMs: number;
}

export type SkipReason = 'type-not-allowed' | 'no-extension' | 'empty' | 'unreadable' | 'vanished';

/** One file reported as skipped. */
export interface SkippedFile {
  relPath: string;
  reason: SkipReason;
  /** English sentence for the user, saying what to do where something can be done. */
  detail: string;
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
 * anything deeper than {@link MAX_SCAN_DEPTH} segments, symlinks that point nowhere. Symlinks are followed
 * (to files and folders); a file reached twice (a symlink to it, a symlinked folder, a loop) is listed once,
 * under its path without symlinks (else its shortest).
 * Skipped with a reason: an extension not in `opts.types` (`type-not-allowed`), no extension
 * (`no-extension`), 0 bytes (`empty`), not readable by this user (`unreadable`), gone between listing
 * and checking (`vanished`).
 *
 * @param dir the shoot folder (relative paths resolve against the process cwd)
 * @param opts.types allowed lower-case extensions without dots (see parseTypes)
 * @throws Error with `code` 'ENOENT' when `dir` does not exist, 'ENOTDIR' when it is not a folder,
 *   or the fs error (e.g. 'EACCES') when it cannot be opened
 */
export async function scanShoot(dir: string, opts: { types: readonly string[] }): Promise<ScanResult> {
  const root = await resolveRoot(dir);
  const allowed = new Set(opts.types.map((t) => t.toLowerCase()));
  const entries = await fg('**/*', {
    cwd: root,
    stats: true,
    dot: false,
    followSymbolicLinks: true,
    suppressErrors: true,
    onlyFiles: true,
    deep: MAX_SCAN_DEPTH,
    ignore: LITTER_DIRS.map((d) => `**/${d}/**`),
  });

  const files: ScannedFile[] = [];
  const skipped: SkippedFile[] = [];
  await Promise.all(
    (await uniqueFiles(root, entries)).map(async (entry) => {
      const stats = entry.stats as Stats;
      const relPath = entry.path.normalize('NFC');
      const name = relPath.slice(relPath.lastIndexOf('/') + 1);
      const ext = extensionOf(name);
      const skip = (reason: SkipReason, detail: string): void => void skipped.push({ relPath, reason, detail });
      if (ext === '') return skip('no-extension', `${name} has no file extension, so its type is unknown; rename it with the right extension to upload it.`);
      if (!allowed.has(ext)) return skip('type-not-allowed', typeNotAllowed(ext, opts.types));
      if (stats.size === 0) return skip('empty', `${name} is empty (0 bytes); the copy from the card may have failed — copy it again.`);
      const absPath = path.join(root, entry.path);
      const problem = await readProblem(absPath);
      if (problem === 'ENOENT') return skip('vanished', `${name} disappeared while the folder was being scanned.`);
      if (problem) return skip('unreadable', `${name} cannot be read (${problem}); check its permissions.`);
      files.push({ absPath, relPath, name, ext, bytes: stats.size, mtimeMs: stats.mtimeMs });
    }),
  );
  files.sort(byRelPath);
  skipped.sort(byRelPath);
  return { root, files, skipped };
}

/**
 * The entries without OS litter, each file once: a file reached under several paths (a symlink to it, a
 * symlinked folder, a folder loop; same device and inode) keeps the path that has no symlink in it, else
 * the one with the fewest segments.
 */
async function uniqueFiles(root: string, entries: fg.Entry[]): Promise<fg.Entry[]> {
  const byInode = new Map<string, fg.Entry[]>();
  for (const entry of entries) {
    if (LITTER_FILES.has(entry.name.toLowerCase())) continue;
    const { dev, ino } = entry.stats as Stats;
    const key = ino === 0 ? `path:${entry.path}` : `${dev}:${ino}`;
    const group = byInode.get(key);
    if (group) group.push(entry);
    else byInode.set(key, [entry]);
  }
  return Promise.all(
    [...byInode.values()].map(async (group) => {
      if (group.length === 1) return group[0];
      group.sort((a, b) => depth(a.path) - depth(b.path) || compareText(a.path, b.path));
      for (const entry of group) {
        const abs = path.join(root, entry.path);
        if ((await fsp.realpath(abs).catch(() => '')) === abs) return entry;
      }
      return group[0];
    }),
  );
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
    await fsp.access(absPath, fsc.R_OK);
    return null;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code ?? 'unknown error';
  }
}

function typeNotAllowed(ext: string, types: readonly string[]): string {
  const list = types.length > 0 ? types.join(', ') : 'none';
  const isDefault = types.length === DEFAULT_TYPES.length && DEFAULT_TYPES.every((t) => types.includes(t));
  if (!(ext in MIME_BY_EXT)) return `${ext.toUpperCase()} files are not photos or videos piximmo can upload (allowed: ${list}).`;
  const add = isDefault ? `+${ext}` : [...types, ext].join(',');
  const raw = RAW_TYPES.includes(ext) && isDefault ? ' (or --types +raw for all RAW formats)' : '';
  return `${ext.toUpperCase()} is not in the allowed types (${list}); add it with --types ${add}${raw}.`;
}

/**
 * The allow-list from a `--types` value (SPEC "Types": default jpg, jpeg, png, heic, dng, mp4, mov;
 * "the common RAW formats … are one setting away").
 *
 * - undefined → the default list (`DEFAULT_TYPES`).
 * - "jpg,jpeg,png" → exactly those (case-insensitive, spaces and leading dots ignored: ".JPG, png").
 * - "+cr3,+raw" → the default list plus those (every entry must then start with "+").
 * - "raw" stands for every RAW format (`RAW_TYPES`); "jpg"/"jpeg" and "tif"/"tiff" each bring their twin.
 *
 * Returns lower-case extensions without dots, without duplicates, in the order given (defaults first).
 * @throws Error naming the entry for an unknown type (known: the keys of MIME_BY_EXT, and "raw"),
 *   for an empty list, or for a list mixing "+type" and plain entries.
 */
export function parseTypes(spec: string | undefined): string[] {
  if (spec === undefined) return [...DEFAULT_TYPES];
  const entries = spec.split(',').map((s) => s.trim()).filter((s) => s !== '');
  if (entries.length === 0) throw new Error(`--types is empty; give a comma list such as jpg,png or +cr3 (default: ${DEFAULT_TYPES.join(',')}).`);
  const additive = entries.filter((e) => e.startsWith('+')).length;
  if (additive > 0 && additive < entries.length) {
    throw new Error(`--types "${spec}" mixes "+type" and plain types; either list every type (jpg,cr3) or only additions (+cr3,+raw).`);
  }
  const out = new Set<string>(additive > 0 ? DEFAULT_TYPES : []);
  for (const entry of entries) {
    const t = entry.replace(/^\+/, '').replace(/^\.+/, '').toLowerCase();
    if (t === 'raw') RAW_TYPES.forEach((r) => out.add(r));
    else if (t in MIME_BY_EXT) (TWINS[t] ?? [t]).forEach((x) => out.add(x));
    else throw new Error(`Unknown file type "${entry}" in --types; known types: ${Object.keys(MIME_BY_EXT).join(', ')}, raw.`);
  }
  return [...out];
}

/** Two spellings of one format: asking for one allows both. */
const TWINS: Readonly<Record<string, readonly string[]>> = {
  jpg: ['jpg', 'jpeg'],
  jpeg: ['jpeg', 'jpg'],
  tif: ['tif', 'tiff'],
  tiff: ['tiff', 'tif'],
};

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
