/** Words that change with a number, in the current language (issue 10: "1 file", "1 Datei"). */
import { t } from '../i18n/index.js';

/** "file" / "files", "Datei" / "Dateien": the noun for `n` files. */
export function filesWord(n: number): string {
  return t(n === 1 ? 'word.file.one' : 'word.file.other');
}
