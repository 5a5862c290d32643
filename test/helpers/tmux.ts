/**
 * Test helper: a private tmux server for terminal tests (a real pty; `send-keys` to type, `capture-pane` to
 * read the screen). Each test file gets its own socket (`-L`) and no user config (`-f /dev/null`), so tests
 * never see or touch a user's tmux. Tests skip with a message where tmux is missing (.ci/run installs it).
 */
import { execFileSync } from 'node:child_process';

/** Whether `tmux` runs here. */
export function hasTmux(): boolean {
  try {
    execFileSync('tmux', ['-V'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/** `hasTmux()`, warning once with `what` when it is missing. */
export function tmuxOrSkip(what: string): boolean {
  const ok = hasTmux();
  if (!ok) console.warn(`SKIP ${what}: tmux is not installed (apt-get install tmux; .ci/run does this)`);
  return ok;
}

/** A shell word in single quotes. */
export const shellQuote = (s: string): string => `'${s.replace(/'/g, "'\\''")}'`;

/** One private tmux server, named `piximmo-<name>-<pid>`. */
export class TmuxServer {
  readonly socket: string;
  constructor(name: string) {
    this.socket = `piximmo-${name}-${process.pid}`;
  }
  /** Runs a tmux command on this server; returns its stdout. Throws when tmux fails. */
  run(...args: string[]): string {
    return execFileSync('tmux', ['-L', this.socket, '-f', '/dev/null', ...args], { encoding: 'utf8' });
  }
  /** Ends the server and every pane (nothing left: fine). */
  kill(): void {
    try {
      execFileSync('tmux', ['-L', this.socket, 'kill-server'], { stdio: 'ignore' });
    } catch {
      // no server left
    }
  }
}
