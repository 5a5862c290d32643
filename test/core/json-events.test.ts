/**
 * The NDJSON lines (src/cli/render/json-events.ts, issue 9 "a JsonEvent union typing every NDJSON line —
 * the wire format of schema v1 does not change"): every line kind is documented in README's table, and
 * writeJsonLine writes `{"v":1,"event":…, …}` as before. (Which fields each command writes is asserted by
 * the e2e tests of the commands.)
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { JSON_EVENT_NAMES } from '../../src/cli/render/json-events.js';
import { JSON_SCHEMA_VERSION, writeJsonLine } from '../../src/cli/render/json.js';

describe('JsonEvent', () => {
  it("every line kind is in README's JSON events table", () => {
    const readme = readFileSync(path.resolve(__dirname, '../../README.md'), 'utf8');
    const table = readme.slice(readme.indexOf('### JSON events'), readme.indexOf('## The local server'));
    const documented = new Set([...table.matchAll(/^\| ([^|]+) \|/gm)].flatMap((m) => [...m[1].matchAll(/`([a-z_]+)`/g)].map((x) => x[1])));
    expect(JSON_EVENT_NAMES.filter((n) => !documented.has(n))).toEqual([]);
  });

  it('writeJsonLine: one line, "v" first, the fields as given (schema v1)', () => {
    const out = new PassThrough();
    let text = '';
    out.on('data', (c: Buffer) => (text += c.toString('utf8')));
    writeJsonLine({ event: 'logout', revoked: true }, out);
    writeJsonLine({ event: 'rm', file_id: 'f_1', state: 'failed', error: { code: 'FILE_NOT_FOUND', detail: 'gone' } }, out);
    expect(JSON_SCHEMA_VERSION).toBe(1);
    expect(text).toBe('{"v":1,"event":"logout","revoked":true}\n{"v":1,"event":"rm","file_id":"f_1","state":"failed","error":{"code":"FILE_NOT_FOUND","detail":"gone"}}\n');
  });
});
