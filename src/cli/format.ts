/** Human formatting of sizes, rates and durations (decimal comma in German). */
import { getLang } from './i18n/index.js';

function num(v: number, digits: number): string {
  const s = v.toFixed(digits);
  return getLang() === 'de' ? s.replace('.', ',') : s;
}

/** 1,234,567 → "1.2 MB" (decimal units, as photographers' tools and OSes show file sizes). */
export function formatBytes(n: number): string {
  if (!Number.isFinite(n)) return '?';
  const units = ['B', 'KB', 'MB', 'GB', 'TB'];
  let v = n;
  let i = 0;
  while (Math.abs(v) >= 1000 && i < units.length - 1) {
    v /= 1000;
    i++;
  }
  return i === 0 ? `${v} B` : `${num(v, v < 10 ? 1 : 0)} ${units[i]}`;
}

/**
 * A size in the unit a limit is written in (issue 10: "the limit is 250 MiB", not "262 MB"): a limit that is a
 * whole number of GiB, MiB or KiB is shown in that binary unit, `n` in the same one; any other limit in
 * decimal units (formatBytes). Returns both texts.
 */
export function formatAgainstLimit(n: number, limit: number): { size: string; limit: string } {
  for (const [unit, f] of [['GiB', 1024 ** 3], ['MiB', 1024 ** 2], ['KiB', 1024]] as const) {
    if (limit >= f && limit % f === 0) {
      const v = n / f;
      return { size: `${num(v, Number.isInteger(v) ? 0 : 1)} ${unit}`, limit: `${num(limit / f, 0)} ${unit}` };
    }
  }
  return { size: formatBytes(n), limit: formatBytes(limit) };
}

/** bytes per second → "12.3 MB/s". */
export function formatRate(bps: number): string {
  return `${formatBytes(Math.max(0, bps))}/s`;
}

/** ms → "1m 05s" / "4.2s". */
export function formatDuration(ms: number): string {
  if (!Number.isFinite(ms) || ms < 0) return '?';
  if (ms < 60_000) return `${num(ms / 1000, 1)}s`;
  const s = Math.round(ms / 1000);
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const sec = String(s % 60).padStart(2, '0');
  return h > 0 ? `${h}h ${String(m).padStart(2, '0')}m` : `${m}m ${sec}s`;
}

/** Pads/truncates a cell for plain tables. */
export function cell(s: string, width: number, align: 'left' | 'right' = 'left'): string {
  const t = s.length > width ? `${s.slice(0, width - 1)}…` : s;
  return align === 'left' ? t.padEnd(width) : t.padStart(width);
}
