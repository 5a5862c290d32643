/**
 * The manifest on disk as a snapshot plus an append-only journal (issue 15: "the manifest's cost per update
 * independent of the shoot's size"), so that one file's update writes one line, not the whole shoot.
 *
 * Files, for a manifest `<file>`:
 * - `<file>`: the snapshot, JSON `ManifestData` plus `"journal": G` (its generation), replaced atomically
 *   (temp file + fsync + rename) — readable by older piximmo versions as a whole manifest;
 * - `<file>.journal`: NDJSON; first line `{"journal": G}`, then one line `{"k": relPath, "e": entry}` per
 *   coalesced update (the entry whole, so a line is idempotent), each batch appended with one write + fsync.
 *
 * Loading folds the journal's lines into the snapshot when both have the same generation; a journal of an
 * older generation is already in the snapshot (a compaction stopped between its two steps); an unterminated
 * last line is a torn append (kill -9, full disk) and is ignored. Any other unreadable line, or a snapshot of
 * the wrong shape, makes the manifest corrupt ({@link ManifestCorruptError}).
 *
 * Compaction (the journal is larger than the snapshot, or on close) writes snapshot G+1 atomically, then
 * replaces the journal with the header of G+1 atomically: a crash between the two leaves snapshot G+1 and
 * journal G, which loading ignores. The snapshot is streamed in chunks, never held as one string.
 */
import { promises as fs } from 'node:fs';
import { isManifestEntry, validateManifest, type ManifestData, type ManifestEntry } from './manifest-shape.js';

/** The journal beside the snapshot `file`. */
export function journalPath(file: string): string {
  return `${file}.journal`;
}

/** The journal is compacted once it is larger than this (bytes) and than the snapshot. */
export const MIN_COMPACT_BYTES = 256 * 1024;
/** Entries serialised per write while a snapshot is streamed out. */
const CHUNK_ENTRIES = 500;
/** Reads retried when a reader raced a compaction (the journal was newer than the snapshot it read). */
const READ_ATTEMPTS = 5;

/** The manifest on disk cannot be read as one: the reason is in the message. */
export class ManifestCorruptError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ManifestCorruptError';
  }
}

export interface LoadedManifest {
  data: ManifestData;
  /** The snapshot's generation; 0 for a snapshot written before the journal existed. */
  gen: number;
  snapshotBytes: number;
  journalBytes: number;
  /** The journal is exactly the header of `gen`: nothing to fold in, no torn line, appends may go on. */
  tidy: boolean;
}

/**
 * Reads snapshot + journal of the manifest `file` (lock-free: a reader that raced a compaction reads again).
 * @returns null when the snapshot does not exist
 * @throws ManifestCorruptError (bad JSON, wrong shape, a bad journal line before the last); the fs error
 *   (EACCES, EISDIR, …) unchanged
 */
export async function loadManifest(file: string): Promise<LoadedManifest | null> {
  for (let attempt = 1; ; attempt++) {
    const text = await readOrNull(file);
    if (text === null) return null;
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch (err) {
      throw new ManifestCorruptError((err as Error).message);
    }
    const data = validateManifest(parsed);
    if (!data) throw new ManifestCorruptError('not a piximmo manifest (unexpected shape)');
    const rawGen = (data as { journal?: unknown }).journal;
    delete (data as { journal?: unknown }).journal;
    const gen = typeof rawGen === 'number' && Number.isInteger(rawGen) && rawGen > 0 ? rawGen : 0;
    const loaded: LoadedManifest = { data, gen, snapshotBytes: Buffer.byteLength(text), journalBytes: 0, tidy: false };
    if (gen === 0) return loaded; // a snapshot from before the journal: any journal beside it is not its own
    const journal = await readOrNull(journalPath(file));
    if (journal === null) return loaded;
    const jgen = journalGeneration(journal);
    if (jgen > gen) {
      if (attempt < READ_ATTEMPTS) continue; // a compaction went on meanwhile: its snapshot is newer now
      throw new ManifestCorruptError(`the journal (generation ${jgen}) is newer than its snapshot (${gen})`);
    }
    if (jgen < gen) return loaded;
    const applied = foldJournal(journal, data.files);
    return { ...loaded, journalBytes: Buffer.byteLength(journal), tidy: applied.lines === 0 && !applied.torn };
  }
}

/**
 * Appends to and compacts the journal of the manifest `file` (the caller holds its lock and never runs two
 * operations at once).
 */
export class JournalWriter {
  /** The journal, open for appends between compactions. */
  private handle: fs.FileHandle | undefined;

  constructor(
    readonly file: string,
    private gen: number,
    private snapshotBytes: number,
    private journalBytes: number,
    private tidy: boolean,
  ) {}

  /** The next write must be a compaction: the journal is not this snapshot's clean one, or it grew too big. */
  get wantsCompaction(): boolean {
    return !this.tidy || this.journalBytes > Math.max(this.snapshotBytes, MIN_COMPACT_BYTES);
  }

  /** The journal of this snapshot holds lines (or a torn tail) that are not yet in the snapshot. */
  get hasLines(): boolean {
    return this.journalBytes > headerLine(this.gen).length;
  }

  /**
   * Appends one line per entry (one write, then fsync). The journal stays open between appends (issue 15:
   * an open and a close per update were a third of the journal's file operations); a failed append closes
   * it, so the next one starts from a fresh handle.
   */
  async append(entries: Iterable<[string, ManifestEntry]>): Promise<void> {
    let text = '';
    for (const [k, e] of entries) text += `${JSON.stringify({ k, e })}\n`;
    if (!text) return;
    this.handle ??= await fs.open(journalPath(this.file), 'a', 0o600);
    try {
      await this.handle.write(text);
      await this.handle.datasync();
    } catch (err) {
      await this.close();
      throw err;
    }
    this.journalBytes += Buffer.byteLength(text);
  }

  /** Closes the journal kept open by {@link append} (compaction replaces the file; the manifest's close). */
  async close(): Promise<void> {
    const fh = this.handle;
    this.handle = undefined;
    await fh?.close().catch(() => undefined);
  }

  /** Writes `data` as snapshot G+1, then an empty journal of G+1 (each atomically). */
  async compact(data: ManifestData): Promise<void> {
    await this.close(); // the journal file is replaced: appends go to the new one
    const gen = this.gen + 1;
    this.snapshotBytes = await writeSnapshot(this.file, data, gen);
    const header = headerLine(gen);
    await writeAtomic(journalPath(this.file), async (fh) => {
      await fh.write(header);
    });
    this.gen = gen;
    this.journalBytes = header.length;
    this.tidy = true;
  }
}

function headerLine(gen: number): string {
  return `${JSON.stringify({ journal: gen })}\n`;
}

/** The generation named by the journal's first line; a journal without a whole header is corrupt. */
function journalGeneration(text: string): number {
  const nl = text.indexOf('\n');
  if (nl < 0) throw new ManifestCorruptError('the manifest journal has no header');
  let v: unknown;
  try {
    v = JSON.parse(text.slice(0, nl));
  } catch {
    throw new ManifestCorruptError('the manifest journal has no header');
  }
  const gen = (v as { journal?: unknown } | null)?.journal;
  if (typeof gen !== 'number' || !Number.isInteger(gen)) throw new ManifestCorruptError('the manifest journal has no header');
  return gen;
}

/** Applies the journal's whole lines to `files`; the unterminated last line (a torn append) is skipped. */
function foldJournal(text: string, files: Record<string, ManifestEntry>): { lines: number; torn: boolean } {
  let lines = 0;
  let at = text.indexOf('\n') + 1;
  let lineNo = 1;
  while (at < text.length) {
    const nl = text.indexOf('\n', at);
    if (nl < 0) return { lines, torn: true };
    lineNo++;
    const v = parseLine(text.slice(at, nl));
    if (!v) throw new ManifestCorruptError(`line ${lineNo} of the manifest journal is not a manifest entry`);
    files[v.k] = v.e;
    lines++;
    at = nl + 1;
  }
  return { lines, torn: false };
}

function parseLine(line: string): { k: string; e: ManifestEntry } | null {
  try {
    const v = JSON.parse(line) as { k?: unknown; e?: unknown } | null;
    return v && typeof v.k === 'string' && isManifestEntry(v.e) ? { k: v.k, e: v.e } : null;
  } catch {
    return null;
  }
}

/** The snapshot streamed out in chunks of entries (valid JSON, equal to JSON.stringify); returns its bytes. */
async function writeSnapshot(file: string, data: ManifestData, gen: number): Promise<number> {
  const { files, ...meta } = data;
  let bytes = 0;
  await writeAtomic(file, async (fh) => {
    let chunk = `${JSON.stringify({ ...meta, journal: gen }).slice(0, -1)},"files":{`;
    let n = 0;
    let first = true;
    for (const k in files) {
      chunk += `${first ? '' : ','}${JSON.stringify(k)}:${JSON.stringify(files[k])}`;
      first = false;
      if (++n % CHUNK_ENTRIES === 0) {
        bytes += Buffer.byteLength(chunk);
        await fh.write(chunk);
        chunk = '';
      }
    }
    chunk += '}}';
    bytes += Buffer.byteLength(chunk);
    await fh.write(chunk);
  });
  return bytes;
}

/** temp file + fsync + rename: a reader sees the old or the new file, never a torn one. */
async function writeAtomic(file: string, fill: (fh: fs.FileHandle) => Promise<void>): Promise<void> {
  const tmp = `${file}.${process.pid}.tmp`;
  try {
    const fh = await fs.open(tmp, 'w', 0o600);
    try {
      await fill(fh);
      await fh.sync();
    } finally {
      await fh.close();
    }
    await fs.rename(tmp, file);
  } catch (err) {
    // A full disk leaves a partial temp file: remove it, the last good file stays in place.
    await fs.rm(tmp, { force: true }).catch(() => undefined);
    throw err;
  }
}

async function readOrNull(file: string): Promise<string | null> {
  try {
    return await fs.readFile(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw err;
  }
}
