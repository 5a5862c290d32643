/**
 * The scan settings of the Worker (wrangler.toml `[vars]`, the local server's `--scanner`), issue 16.
 *
 *   SCANNER             "clamd://host:port" (port default 3310): the Worker streams each object to that clamd
 *                       over a TCP socket (`cloudflare:sockets`, scan/socket.ts) with INSTREAM;
 *                       "none" (or unset): no scanner — files are not scanned (the local server without
 *                       clamd; never the production setting).
 *   SCANNER_STREAM_MAX  bytes per INSTREAM, at most clamd's StreamMaxLength; default 26214400 (25 MiB,
 *                       Debian's clamd.conf). Longer objects are scanned in overlapping windows (scan/windows.ts).
 *   SCANNER_TIMEOUT_MS  milliseconds one INSTREAM may take from connect to reply; default 120000.
 * Throws Error on an unusable value (a misconfigured deployment fails loudly, as env.ts does).
 */

export type ScannerSetting = { kind: 'none' } | { kind: 'clamd'; hostname: string; port: number };

export interface ScanConfig {
  scanner: ScannerSetting;
  /** Bytes per INSTREAM window. */
  streamMax: number;
  /** Milliseconds. */
  timeoutMs: number;
}

/** clamd's default TCP port. */
export const CLAMD_PORT = 3310;

/** Parses SCANNER; throws Error naming the accepted forms. */
export function parseScanner(raw: string | undefined): ScannerSetting {
  const v = (raw ?? '').trim();
  if (v === '' || v.toLowerCase() === 'none' || v.toLowerCase() === 'off') return { kind: 'none' };
  const m = /^clamd:\/\/(\[[0-9a-fA-F:]+\]|[A-Za-z0-9.-]+)(?::(\d{1,5}))?\/?$/.exec(v);
  if (!m) throw new Error(`SCANNER must be "none" or "clamd://host:port", got "${raw}"`);
  const port = m[2] === undefined ? CLAMD_PORT : Number(m[2]);
  if (port < 1 || port > 65535) throw new Error(`SCANNER port must be 1–65535, got "${raw}"`);
  return { kind: 'clamd', hostname: m[1].replace(/^\[|\]$/g, ''), port };
}

function num(raw: string | undefined, name: string, fallback: number, min: number): number {
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isFinite(n) || n < min) throw new Error(`${name} must be a number >= ${min}, got "${raw}"`);
  return Math.floor(n);
}

/** The scan settings of `env`. */
export function readScanConfig(env: { SCANNER?: string; SCANNER_STREAM_MAX?: string; SCANNER_TIMEOUT_MS?: string }): ScanConfig {
  return {
    scanner: parseScanner(env.SCANNER),
    streamMax: num(env.SCANNER_STREAM_MAX, 'SCANNER_STREAM_MAX', 25 * 1024 * 1024, 64 * 1024),
    timeoutMs: num(env.SCANNER_TIMEOUT_MS, 'SCANNER_TIMEOUT_MS', 120_000, 100),
  };
}
