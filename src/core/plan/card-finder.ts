/**
 * Finds camera cards (issue 11 "Card detection"): removable volumes with a `DCIM` folder, where the OS
 * mounts them — Linux `/media/$USER/*`, `/run/media/$USER/*`, `/media/*`; macOS `/Volumes/*`; Windows the
 * drive letters — or under `--cards-root DIR` (its subfolders are the volumes). A card's label is its
 * folder name (the volume label, e.g. EOS_DIGITAL). Polls; tells each card path once, when it first
 * appears (a card pulled and re-inserted at the same path is the CardWatcher's business).
 */
import { EventEmitter } from 'node:events';
import { promises as fs } from 'node:fs';
import path from 'node:path';

/** Where volumes appear: `parent` = its subfolders are volumes; `volume` = it is one (a drive letter). */
export interface CardPlace {
  dir: string;
  kind: 'parent' | 'volume';
}

export interface FoundCard {
  /** The volume's folder (mount point), absolute. */
  root: string;
  /** The volume label: the folder's name ("EOS_DIGITAL"), or the drive letter ("E:"). */
  label: string;
}

/** The OS's mount places (see the file comment); `cardsRoot` replaces them. */
export function cardPlaces(cardsRoot: string | undefined, platform: NodeJS.Platform = process.platform, env: NodeJS.ProcessEnv = process.env): CardPlace[] {
  if (cardsRoot) return [{ dir: path.resolve(cardsRoot), kind: 'parent' }];
  if (platform === 'darwin') return [{ dir: '/Volumes', kind: 'parent' }];
  if (platform === 'win32') {
    // C: is the system disk, A:/B: floppies: cards are D: … Z:.
    return [...'DEFGHIJKLMNOPQRSTUVWXYZ'].map((l) => ({ dir: `${l}:\\`, kind: 'volume' as const }));
  }
  const user = env.USER || env.LOGNAME || '';
  return [
    ...(user ? [{ dir: `/media/${user}`, kind: 'parent' as const }, { dir: `/run/media/${user}`, kind: 'parent' as const }] : []),
    { dir: '/media', kind: 'parent' },
  ];
}

/** Whether `dir` holds a DCIM folder (any case: FAT volumes are case-insensitive, their listings are not). */
export async function hasDcim(dir: string): Promise<boolean> {
  const names = await fs.readdir(dir).catch(() => [] as string[]);
  for (const n of names) {
    if (n.toUpperCase() !== 'DCIM') continue;
    if (await fs.stat(path.join(dir, n)).then((s) => s.isDirectory(), () => false)) return true;
  }
  return false;
}

/** The cards present now under `places`, by root path. */
export async function listCards(places: readonly CardPlace[]): Promise<FoundCard[]> {
  const out = new Map<string, FoundCard>();
  for (const p of places) {
    if (p.kind === 'volume') {
      if (await hasDcim(p.dir)) out.set(p.dir, { root: p.dir, label: p.dir.replace(/\\$/, '') });
      continue;
    }
    const entries = await fs.readdir(p.dir, { withFileTypes: true }).catch(() => []);
    for (const e of entries) {
      if (e.name.startsWith('.')) continue;
      const root = path.join(p.dir, e.name);
      if (out.has(root) || !(e.isDirectory() || e.isSymbolicLink())) continue;
      if (await hasDcim(root)) out.set(root, { root, label: e.name });
    }
  }
  return [...out.values()];
}

export interface CardFinderEvents {
  card: [FoundCard];
  error: [Error];
}

export class CardFinder extends EventEmitter<CardFinderEvents> {
  private readonly known = new Set<string>();
  private timer?: NodeJS.Timeout;
  private busy = false;

  constructor(
    readonly places: readonly CardPlace[],
    private readonly pollMs = 1000,
  ) {
    super();
  }

  async start(): Promise<void> {
    await this.scan();
    this.timer = setInterval(() => void this.scan(), this.pollMs);
  }

  close(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }

  private async scan(): Promise<void> {
    if (this.busy) return;
    this.busy = true;
    try {
      for (const c of await listCards(this.places)) {
        if (this.known.has(c.root)) continue;
        this.known.add(c.root);
        this.emit('card', c);
      }
    } catch (e) {
      this.emit('error', e instanceof Error ? e : new Error(String(e)));
    } finally {
      this.busy = false;
    }
  }
}
