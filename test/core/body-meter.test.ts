/**
 * src/core/transfer/body-meter.ts — byte accounting in the body reads (issue 9, as s3transfer's ReadFileChunk):
 * a read reports what left, a restarted read reports its own bytes back, a file sent again takes back all it
 * reported; `bytesSentBy` (events.ts) is the one definition of bytes_sent.
 */
import { describe, expect, it } from 'vitest';
import { FileMeter } from '../../src/core/transfer/body-meter.js';
import { bytesSentBy, type EngineEvent, type PlannedFile } from '../../src/core/transfer/events.js';

const f = { relPath: 'a.jpg' } as PlannedFile;

function meter() {
  const events: EngineEvent[] = [];
  return { m: new FileMeter(f, (e) => events.push(e)), deltas: () => events.map((e) => (e.type === 'bytes' ? e.delta : 0)), events };
}

describe('FileMeter / BodyRead', () => {
  it('a restarted read reports exactly its own bytes back, once', () => {
    const { m, deltas } = meter();
    const a = m.read();
    const b = m.read();
    a.onBytes(4);
    b.onBytes(3);
    a.onBytes(2);
    a.restart();
    a.restart(); // nothing more to take back
    expect(deltas()).toEqual([4, 3, 2, -6]);
  });

  it('rewind takes back everything the file reported, resumed parts included; net progress is then 0', () => {
    const { m, deltas } = meter();
    m.resumed(10);
    m.read().onBytes(5);
    m.rewind();
    expect(deltas().reduce((s, d) => s + d, 0)).toBe(0);
    expect(deltas()).toEqual([10, 5, -15]);
  });

  it('bytes_sent counts what left for the network: retries yes, take-backs and resumed parts no', () => {
    const { m, events } = meter();
    m.resumed(10);
    const r = m.read();
    r.onBytes(5);
    r.restart();
    r.onBytes(5);
    expect(events.reduce((s, e) => s + bytesSentBy(e), 0)).toBe(10);
    expect(bytesSentBy({ type: 'retry', file: f, code: 'X', detail: '', wait_ms: 0, attempt: 1 })).toBe(0);
  });
});
