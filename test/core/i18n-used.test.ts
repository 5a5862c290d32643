/**
 * Every message key of the CLI's catalogues (src/cli/i18n) is used somewhere in src (issue 9: no unused
 * i18n keys). A key counts as used when src (outside the catalogues) names it in quotes, or when it
 * belongs to a family whose key is built at run time from a code — each family names the place that builds it.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { en } from '../../src/cli/i18n/en.js';

/** Key families built from a value: prefix → where (for the reader; the test checks the prefix only). */
const BUILT: Record<string, string> = {
  'fail.': 'cli/messages.ts explain(): fail.<error code> and fail.<code>.hint',
  'skip.': 'cli/render/plain.ts: skip.<SkipReason>',
  'note.': 'cli/render/plain.ts: note.<file event note>',
  'source.': 'cli/commands/config.ts: source.<SettingSource>',
  'file.status.': 'cli/commands/files.ts: file.status.<FileStatus>',
  'state.': 'cli/messages.ts: state.<FileState>',
};

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const p = path.join(dir, name);
    if (statSync(p).isDirectory()) return p.endsWith(path.join('cli', 'i18n')) ? [] : sources(p);
    return /\.tsx?$/.test(name) ? [readFileSync(p, 'utf8')] : [];
  });
}

describe('message keys', () => {
  it('every key is used in src (by name, or in a family built from a code)', () => {
    const text = sources(path.resolve(__dirname, '../../src')).join('\n');
    const unused = Object.keys(en).filter((k) => !text.includes(`'${k}'`) && !Object.keys(BUILT).some((p) => k.startsWith(p)));
    expect(unused).toEqual([]);
  });
});
