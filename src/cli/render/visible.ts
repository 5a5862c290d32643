/**
 * Text from outside (file names, server messages) made safe for a terminal: the one helper every renderer
 * uses before printing such text (issue 10: "the CLI never prints a raw control/escape sequence to the
 * terminal"; SPEC v2 "Hardening" names the characters: C0, DEL, C1, bidirectional controls U+202A–202E and
 * U+2066–2069, U+2028/2029, U+FEFF).
 *
 * Each such character is shown as a visible escape — `\x1B`, `\x7F`, `\x9B`, `\u202E`, `\uFEFF` — so a name
 * with ESC cannot move the cursor or recolour the terminal, a right-to-left override cannot reverse what
 * follows (`photo\u202Egpj.exe`), and a newline cannot forge a line. A backslash itself stays as it is.
 */

import { UNPRINTABLE } from '../../contract/limits.js';

/** Characters shown escaped; the same set the server refuses in names (src/contract/limits.ts). */
export const UNSAFE_CHARS = new RegExp(UNPRINTABLE.source, 'g');

/** `s` with every unsafe character replaced by its visible escape. */
export function visible(s: string): string {
  return s.replace(UNSAFE_CHARS, (ch) => {
    const code = ch.charCodeAt(0);
    return code < 0x100 ? `\\x${code.toString(16).toUpperCase().padStart(2, '0')}` : `\\u${code.toString(16).toUpperCase().padStart(4, '0')}`;
  });
}

/** Whether `s` holds a character {@link visible} would escape. */
export function hasUnsafeChars(s: string): boolean {
  return new RegExp(UNSAFE_CHARS.source).test(s);
}
