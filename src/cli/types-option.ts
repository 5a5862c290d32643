/** The allowed extensions of a command: `--types` > PIXIMMO_TYPES > config > default (SPEC "Types"). */
import { parseTypes } from '../core/plan/scan.js';
import { t } from './i18n/index.js';
import { resolveTypes, UsageError } from './settings.js';

/** Lower-case extensions; throws UsageError (exit 2) naming the bad entry. */
export function allowedTypes(flag: string | undefined): string[] {
  try {
    return parseTypes(resolveTypes(flag));
  } catch (err) {
    throw new UsageError(t('usage.types', { detail: (err as Error).message }));
  }
}
