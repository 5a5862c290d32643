/**
 * core/read-fully.ts: readFileAt reads on after short reads, stops where the file ends, rejects with the fs
 * error — and its synchronous open never blocks: a FIFO in a file's place (after the scan) rejects at once
 * instead of holding the event loop, and with it Ctrl-C, until a writer comes.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { readFileAt } from '../../src/core/read-fully.js';

const dir = mkdtempSync(path.join(tmpdir(), 'piximmo-rf-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function haveMkfifo(): boolean {
  try {
    execFileSync('mkfifo', [path.join(dir, 'probe')]);
    return true;
  } catch {
    return false;
  }
}

describe('readFileAt', () => {
  it('reads the bytes from a position, and fewer where the file ends', async () => {
    const file = path.join(dir, 'a.bin');
    writeFileSync(file, Buffer.from('0123456789'));
    const buf = Buffer.alloc(4);
    expect(await readFileAt(file, buf, 3)).toBe(4);
    expect(buf.toString()).toBe('3456');
    expect(await readFileAt(file, Buffer.alloc(8), 6)).toBe(4);
  });

  it('rejects with the fs error of a missing file (ENOENT)', async () => {
    await expect(readFileAt(path.join(dir, 'gone.jpg'), Buffer.alloc(4), 0)).rejects.toMatchObject({ code: 'ENOENT' });
  });

  it.skipIf(process.platform === 'win32' || !haveMkfifo())('a FIFO in the file\'s place rejects at once (ESPIPE), never blocks the event loop', async () => {
    const fifo = path.join(dir, 'IMG_0001.JPG');
    execFileSync('mkfifo', [fifo]);
    // A blocking open would never return here: no writer ever opens the FIFO (vitest's timeout would end it).
    // Linux refuses the positioned read on a pipe (ESPIPE); a plain read would say EAGAIN. Either way: at once.
    const err = (await readFileAt(fifo, Buffer.alloc(4), 0).then(() => null, (e: NodeJS.ErrnoException) => e)) as NodeJS.ErrnoException | null;
    expect(['ESPIPE', 'EAGAIN']).toContain(err?.code);
  });
});
