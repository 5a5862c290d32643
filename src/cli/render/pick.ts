/** Chooses the renderer: NDJSON with --json; bars on a TTY; plain lines otherwise or with --no-progress. */
import { JsonRenderer } from './json.js';
import { PlainRenderer } from './plain.js';
import type { RunRenderer } from './types.js';

export async function pickRenderer(opts: { json?: boolean; progress?: boolean }): Promise<RunRenderer> {
  if (opts.json) return new JsonRenderer();
  if (opts.progress !== false && process.stdout.isTTY && process.stderr.isTTY) {
    // ora and cli-progress are loaded only when a terminal will show them (start-up time).
    const { TtyRenderer } = await import('./tty.js');
    return new TtyRenderer();
  }
  return new PlainRenderer();
}
