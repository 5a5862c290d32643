/**
 * Walking a shoot folder without ever leaving it (SPEC v2 "CLI rules added in v2 → Symlinks and links": "A
 * symlink whose target lies outside the shoot folder is skipped (reason `symlink-outside`)").
 *
 * Symlinks are resolved (realpath), never walked blindly: a link whose target lies outside the root is
 * reported and neither read nor descended into (a link to /etc is not walked); a link to a file inside the
 * root is listed (the caller folds it with its target by device and inode); a link to a folder inside the root
 * is not descended (that folder is walked in its own place, so loops cannot happen); a dangling link is left
 * out. Hidden names, OS litter and anything deeper than `maxDepth` segments are never listed.
 */
import { promises as fsp, statSync, type Stats } from 'node:fs';
import path from 'node:path';
import { mapBounded } from './bounded.js';

/**
 * stat calls in flight (issue 15: 20,000 files stat'ed at once peaked at ~150 MB RSS before any EXIF was read;
 * the order of the listing does not matter, the scan sorts it).
 */
const STAT_WIDTH = 16;

export interface WalkedFile {
  /** Path below the root, posix separators, as the file system spells it (not normalised). */
  relPath: string;
  absPath: string;
  /** stat of the file (of the link's target for a symlink). */
  stats: Stats;
  /** Reached through a symlink (the path itself or one of its folders is a link). */
  viaSymlink: boolean;
}

export interface WalkResult {
  files: WalkedFile[];
  /** Symlinks (below the root, posix) whose targets lie outside the root. */
  outside: string[];
}

export interface WalkRules {
  /** Deepest path listed, in segments below the root. */
  maxDepth: number;
  /** A folder or file name never listed (hidden, OS litter). */
  ignoreName: (name: string, isDir: boolean) => boolean;
}

/** Walks `root` (a realpath) by the rules above. Unreadable folders are left out (like fast-glob's suppressErrors). */
export async function walkShoot(root: string, rules: WalkRules): Promise<WalkResult> {
  const out: WalkResult = { files: [], outside: [] };
  await walkDir(root, root, '', 1, rules, out);
  return out;
}

async function walkDir(root: string, absDir: string, relDir: string, depth: number, rules: WalkRules, out: WalkResult): Promise<void> {
  const dirents = await fsp.readdir(absDir, { withFileTypes: true }).catch(() => []);
  const subdirs: { abs: string; rel: string }[] = [];
  await mapBounded(dirents, STAT_WIDTH, async (d) => {
    const abs = path.join(absDir, d.name);
    const rel = relDir === '' ? d.name : `${relDir}/${d.name}`;
    if (d.isSymbolicLink()) {
      const target = await fsp.realpath(abs).catch(() => null);
      if (target === null) return; // dangling
      if (!isInside(root, target)) return void out.outside.push(rel);
      const stats = await fsp.stat(abs).catch(() => null);
      if (!stats?.isFile() || rules.ignoreName(d.name, false)) return;
      out.files.push({ relPath: rel, absPath: abs, stats, viaSymlink: true });
      return;
    }
    if (d.isDirectory()) {
      if (depth < rules.maxDepth && !rules.ignoreName(d.name, true)) subdirs.push({ abs, rel });
      return;
    }
    if (!d.isFile() || rules.ignoreName(d.name, false)) return;
    const stats = statOrNull(abs);
    // Gone between listing and stat: listed with size 0, so the upload reports it (FILE_VANISHED).
    out.files.push({ relPath: rel, absPath: abs, stats: stats ?? vanished(), viaSymlink: false });
  });
  // One folder at a time: the stats in flight stay at STAT_WIDTH however many folders the shoot has.
  for (const sub of subdirs) await walkDir(root, sub.abs, sub.rel, depth + 1, rules, out);
}

/** Whether `target` is `root` or below it (both real paths). */
export function isInside(root: string, target: string): boolean {
  return target === root || target.startsWith(root.endsWith(path.sep) ? root : root + path.sep);
}

/**
 * stat of a listed file, synchronous: a few µs against ~30 µs of CPU through libuv's thread pool (issue 15;
 * core/read-fully.ts has the figures); null when it is gone or cannot be stat'ed.
 */
function statOrNull(abs: string): Stats | null {
  try {
    return statSync(abs);
  } catch {
    return null;
  }
}

/** Stats of a file that disappeared during the walk: size 0, inode 0 (never folded with another). */
function vanished(): Stats {
  return { size: 0, mtimeMs: 0, dev: 0, ino: 0, isFile: () => true } as unknown as Stats;
}
