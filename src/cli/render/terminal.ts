/**
 * What the terminal allows (issue 14, "habits users expect"):
 * - `live`: redrawn views (spinners, bars; cursor movement) — only when stderr and stdout are terminals
 *   and `TERM` is not `dumb` (a dumb terminal understands no escape code at all: plain lines then), and
 *   the terminal reports a width (a pty of 0 columns, e.g. under `script` without a size, sent
 *   cli-progress into an endless redraw);
 * - `color`: colour codes — only on a live terminal without `NO_COLOR` (https://no-color.org: set and
 *   not empty) and without `FORCE_COLOR=0`.
 * Every renderer asks here; none writes escape codes otherwise.
 */
export interface TerminalCaps {
  live: boolean;
  color: boolean;
}

export function terminalCaps(
  env: NodeJS.ProcessEnv = process.env,
  tty: { stdout: boolean; stderr: boolean; columns?: number } = {
    stdout: Boolean(process.stdout.isTTY),
    stderr: Boolean(process.stderr.isTTY),
    columns: process.stderr.columns,
  },
): TerminalCaps {
  const live = tty.stdout && tty.stderr && (tty.columns === undefined || tty.columns > 0) && (env.TERM ?? '').toLowerCase() !== 'dumb';
  const color = live && !env.NO_COLOR && env.FORCE_COLOR !== '0';
  return { live, color };
}
