/**
 * `piximmo verify <dir> --order ID [--types …] [--manifest FILE] [--json]`: compares the shoot folder with
 * what the order holds on the server (GET /api/orders/:id/files), by SHA-256.
 *
 * - missing:    a local file whose content (checksum) is in no file of the order.
 * - mismatched: a local file the manifest records as registered (file_id / object_key) whose server
 *               file has another checksum than the file has now (changed on disk since the upload).
 *               Takes precedence over missing; its server file is not reported as extra.
 * - extra:      a server file whose checksum matches no local file (uploaded from elsewhere, or the
 *               local copy was deleted). Reported, but not a failure.
 * - unreadable: a local file that could not be hashed (vanished, no permission).
 *
 * Checksums are streamed (sha256File, 1 MiB chunks); the manifest's checksum is reused when size and
 * mtime (ms) still match, as the upload engine does — except with `--rehash`, which recomputes every one (a
 * bit flipped on a failing disk keeps size and mtime). Files the scan found empty, unreadable or gone are
 * reported unreadable. The server list is fetched first, so that a
 * missing login (exit 3) or a foreign order (exit 4) fails before any hashing.
 * Exit codes: 0 nothing missing, mismatched or unreadable; 1 otherwise; 2 usage; 3/4 from the API.
 */
import pLimit from 'p-limit';
import path from 'node:path';
import type { FileRecord } from '../../contract/api.js';
import { sha256File } from '../../core/transfer/hash.js';
import { ManifestStore, manifestPathFor, type ManifestData } from '../../core/transfer/manifest.js';
import { scanShoot, type ScanResult } from '../../core/plan/scan.js';
import { allowedTypes } from '../types-option.js';
import { isApiError } from '../../api/errors.js';
import { authedApi, type GlobalOptions } from '../context.js';
import { CliExit, EXIT } from '../exit-codes.js';
import { formatBytes } from '../format.js';
import { t } from '../i18n/index.js';
import { explain } from '../messages.js';
import { writeJsonLine } from '../render/json.js';
import { UsageError } from '../settings.js';
import { visible } from '../render/visible.js';

export interface VerifyOptions extends GlobalOptions {
  order: string;
  types?: string;
  manifest?: string;
  /** Recompute every checksum instead of trusting the manifest's (issue 10: a same-size bit flip with the mtime restored). */
  rehash?: boolean;
}

/** A local file after hashing: `checksum` (hex) or `error` (errno code), never both. */
export interface LocalChecked {
  relPath: string;
  bytes: number;
  checksum?: string;
  error?: string;
}

export interface VerifyReport {
  missing: { path: string; bytes: number; checksum: string }[];
  mismatched: { path: string; local: string; server: string; file_id: string; object_key: string }[];
  extra: Pick<FileRecord, 'file_id' | 'object_key' | 'filename' | 'room_type' | 'stack_id' | 'bytes' | 'checksum'>[];
  unreadable: { path: string; cause: string }[];
}

/** Files hashed in parallel: hashing is bound by the disk, two streams keep it busy. */
const HASH_CONCURRENCY = 2;

/** The comparison itself (rules in the module comment). Pure; results sorted by path / object_key. */
export function compareWithServer(local: readonly LocalChecked[], server: readonly FileRecord[], manifest: ManifestData | null): VerifyReport {
  const byId = new Map(server.map((f) => [f.file_id, f]));
  const byKey = new Map(server.map((f) => [f.object_key, f]));
  const serverSums = new Set(server.map((f) => f.checksum).filter((c): c is string => Boolean(c)));
  const localSums = new Set<string>();
  const claimed = new Set<string>();
  const report: VerifyReport = { missing: [], mismatched: [], extra: [], unreadable: [] };
  for (const f of local) {
    if (!f.checksum) {
      report.unreadable.push({ path: f.relPath, cause: f.error ?? 'unknown' });
      continue;
    }
    localSums.add(f.checksum);
    const entry = manifest?.files[f.relPath];
    const sf = entry && entry.state === 'registered' ? ((entry.file_id && byId.get(entry.file_id)) || (entry.object_key && byKey.get(entry.object_key)) || undefined) : undefined;
    if (sf?.checksum && sf.checksum !== f.checksum) {
      report.mismatched.push({ path: f.relPath, local: f.checksum, server: sf.checksum, file_id: sf.file_id, object_key: sf.object_key });
      claimed.add(sf.file_id);
    } else if (!serverSums.has(f.checksum)) {
      report.missing.push({ path: f.relPath, bytes: f.bytes, checksum: f.checksum });
    }
  }
  for (const s of server) {
    if (claimed.has(s.file_id) || (s.checksum && localSums.has(s.checksum))) continue;
    const { file_id, object_key, filename, room_type, stack_id, bytes, checksum } = s;
    report.extra.push({ file_id, object_key, filename, room_type, stack_id, bytes, checksum });
  }
  report.extra.sort((a, b) => (a.object_key < b.object_key ? -1 : 1));
  return report;
}

/** Hashes the scanned files, reusing the manifest's checksum when bytes and mtime_ms match. */
export async function hashLocal(scan: ScanResult, manifest: ManifestData | null): Promise<{ files: LocalChecked[]; hashed: number; reused: number }> {
  const limit = pLimit(HASH_CONCURRENCY);
  let hashed = 0;
  let reused = 0;
  const files = await Promise.all(
    scan.files.map((f) =>
      limit(async (): Promise<LocalChecked> => {
        if (f.problem) return { relPath: f.relPath, bytes: f.bytes, error: f.problem };
        const m = manifest?.files[f.relPath];
        if (m?.checksum && m.bytes === f.bytes && m.mtime_ms === f.mtimeMs) {
          reused++;
          return { relPath: f.relPath, bytes: f.bytes, checksum: m.checksum };
        }
        try {
          const checksum = await sha256File(f.absPath);
          hashed++;
          return { relPath: f.relPath, bytes: f.bytes, checksum };
        } catch (err) {
          return { relPath: f.relPath, bytes: f.bytes, error: (err as NodeJS.ErrnoException).code ?? (err as Error).message };
        }
      }),
    ),
  );
  return { files, hashed, reused };
}

/** Runs `verify`; returns the exit code. */
export async function verifyCommand(dir: string, opts: VerifyOptions): Promise<number> {
  const types = allowedTypes(opts.types);
  const api = authedApi(opts);
  try {
    const server = await api.listFiles(opts.order).catch((err: unknown) => {
      if (isApiError(err) && err.code === 'ORDER_FORBIDDEN') {
        const ex = explain({ code: 'ORDER_FORBIDDEN', detail: err.message, params: { order: opts.order } });
        throw new CliExit(EXIT.ORDER_FORBIDDEN, `${ex.text} ${ex.hint}`, 'ORDER_FORBIDDEN');
      }
      throw err;
    });
    const scan = await scanShoot(dir, { types }).catch((err: NodeJS.ErrnoException) => {
      if (err.code === 'ENOENT') throw new UsageError(t('usage.noFolder', { dir }));
      if (err.code === 'ENOTDIR') throw new UsageError(t('usage.notFolder', { dir }));
      throw err;
    });
    const manifest = await readManifestQuietly(opts.manifest ? path.resolve(opts.manifest) : manifestPathFor(scan.root, opts.order));
    if (!opts.json) {
      const size = formatBytes(scan.files.reduce((s, f) => s + f.bytes, 0));
      process.stderr.write(`${t('verify.checking', { files: scan.files.length, size, order: opts.order })}\n`);
    }
    const local = await hashLocal(scan, opts.rehash ? null : manifest);
    const report = compareWithServer(local.files, server.files, manifest);
    const failed = report.missing.length + report.mismatched.length + report.unreadable.length > 0;
    if (opts.json) writeJson(report, { root: scan.root, order: opts.order, local: local.files.length, server: server.files.length, hashed: local.hashed, reused: local.reused, ok: !failed, rehash: Boolean(opts.rehash) });
    else process.stdout.write(renderText(report, { dir, order: opts.order, local: local.files.length, server: server.files.length, hashed: local.hashed, reused: local.reused, ok: !failed, rehash: Boolean(opts.rehash) }));
    return failed ? EXIT.FAILED : EXIT.OK;
  } finally {
    await api.close().catch(() => undefined);
  }
}

/** The manifest, or null when there is none or it cannot be read (verify then hashes everything). */
async function readManifestQuietly(file: string): Promise<ManifestData | null> {
  try {
    return await ManifestStore.read(file);
  } catch {
    return null;
  }
}

interface Counts {
  order: string;
  local: number;
  server: number;
  hashed: number;
  reused: number;
  ok: boolean;
  rehash: boolean;
}

/** NDJSON: one `verify_file` line per finding (kind: missing | mismatched | extra | unreadable), then `verify`. */
function writeJson(r: VerifyReport, c: Counts & { root: string }): void {
  for (const m of r.missing) writeJsonLine({ event: 'verify_file', kind: 'missing', order_id: c.order, ...m });
  for (const m of r.mismatched) writeJsonLine({ event: 'verify_file', kind: 'mismatched', order_id: c.order, ...m });
  for (const u of r.unreadable) writeJsonLine({ event: 'verify_file', kind: 'unreadable', order_id: c.order, ...u });
  for (const e of r.extra) writeJsonLine({ event: 'verify_file', kind: 'extra', order_id: c.order, ...e });
  writeJsonLine({
    event: 'verify',
    root: c.root,
    order_id: c.order,
    local_files: c.local,
    server_files: c.server,
    missing: r.missing.length,
    mismatched: r.mismatched.length,
    extra: r.extra.length,
    unreadable: r.unreadable.length,
    hashed: c.hashed,
    reused: c.reused,
    rehash: c.rehash,
    ok: c.ok,
  });
}

function renderText(r: VerifyReport, c: Counts & { dir: string }): string {
  const lines: string[] = [];
  for (const m of r.missing) lines.push(t('verify.missing', { path: visible(m.path) }));
  for (const m of r.mismatched) lines.push(t('verify.mismatched', { path: visible(m.path), local: m.local.slice(0, 12), server: m.server.slice(0, 12) }));
  for (const u of r.unreadable) lines.push(t('verify.unreadable', { path: visible(u.path), cause: visible(u.cause) }));
  for (const e of r.extra) lines.push(t('verify.extra', { name: visible(e.filename), room: e.room_type, stack: e.stack_id, key: e.object_key }));
  if (lines.length > 0) lines.push('');
  const totals = { files: c.local, server: c.server, missing: r.missing.length, mismatched: r.mismatched.length, extra: r.extra.length };
  lines.push(c.ok && r.extra.length === 0 ? t('verify.ok', { files: c.local, order: c.order }) : t('verify.total', totals));
  lines.push(c.rehash ? t('verify.rehashed', { hashed: c.hashed }) : t('verify.hashed', { hashed: c.hashed, reused: c.reused }));
  if (!c.ok) lines.push(t('verify.hint', { dir: shellQuote(c.dir), order: shellQuote(c.order) }));
  return `${lines.join('\n')}\n`;
}

/** `dir` as one shell word (POSIX single quotes) when it holds anything but plain path characters. */
function shellQuote(s: string): string {
  return /^[\w@%+=:,./-]+$/.test(s) ? s : `'${s.replace(/'/g, "'\\''")}'`;
}
