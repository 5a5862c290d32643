/**
 * Chooses the renderer: NDJSON with --json; bars on a live terminal (terminal.ts: a TTY whose TERM is not
 * "dumb"); plain lines otherwise or with --no-progress.
 */
import { JsonRenderer } from './json.js';
import { PlainRenderer } from './plain.js';
import type { RunRenderer } from './types.js';
import { terminalCaps } from './terminal.js';

export async function pickRenderer(opts: { json?: boolean; progress?: boolean }): Promise<RunRenderer> {
  if (opts.json) return new JsonRenderer();
  if (opts.progress !== false && terminalCaps().live) {
    // ora and cli-progress are loaded only when a terminal will show them (start-up time).
    const { TtyRenderer } = await import('./tty.js');
    return new TtyRenderer();
  }
  return new PlainRenderer();
}
