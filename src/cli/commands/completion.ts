/**
 * `piximmo completion <shell>`: prints the completion script (src/cli/completion.ts) on stdout.
 * Exit 0; an unknown shell is a usage error (exit 2).
 */
import type { Command } from 'commander';
import { completionScript, isShell, SHELLS } from '../completion.js';
import { t } from '../i18n/index.js';
import { UsageError } from '../settings.js';

export async function completionCommand(shell: string, program: Command): Promise<number> {
  if (!isShell(shell)) throw new UsageError(t('usage.completionShell', { value: shell, shells: SHELLS.join(', ') }));
  process.stdout.write(completionScript(shell, program));
  return 0;
}
