/** The allowed extensions of a command: `--types` > PIXIMMO_TYPES > config > default (SPEC "Types"). */
import { parseTypes } from '../core/plan/allow-list.js';
import { resolveSetting } from './resolve-settings.js';

/** Lower-case extensions; throws UsageError (exit 2) naming the bad entry (setting-table.ts `types`). */
export function allowedTypes(flag: string | undefined): string[] {
  return parseTypes(resolveSetting('types', { types: flag }).value);
}
