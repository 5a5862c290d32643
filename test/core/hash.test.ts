import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { HASH_CHUNK_BYTES, sha256File } from '../../src/core/transfer/hash.js';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const samples = path.resolve(repoRoot, '../shared/samples');
const haveSamples = existsSync(path.join(samples, 'expected.json'));

describe.skipIf(!haveSamples)(`sha256File on the real camera samples (${samples})`, async () => {
  const expected: Record<string, { sha256: string; bytes: number }> = haveSamples
    ? JSON.parse(await readFile(path.join(samples, 'expected.json'), 'utf8'))
    : {};
  it.each(Object.keys(expected))('%s', async (rel) => {
    let seen = 0;
    const hex = await sha256File(path.join(samples, rel), { onBytes: (n) => (seen += n) });
    expect(hex).toBe(expected[rel].sha256);
    expect(seen).toBe(expected[rel].bytes);
  });
});
if (!haveSamples) it.skip(`samples folder ${samples} is absent: real-file hash tests skipped`, () => {});

describe('sha256File', () => {
  it('hashes an empty file and a multi-chunk file, reporting bytes per chunk', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'piximmo-hash-'));
    try {
      await writeFile(path.join(dir, 'empty'), '');
      expect(await sha256File(path.join(dir, 'empty'))).toBe('e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855');
      const big = Buffer.alloc(HASH_CHUNK_BYTES * 2 + 123, 0x61);
      await writeFile(path.join(dir, 'big'), big);
      const chunks: number[] = [];
      const hex = await sha256File(path.join(dir, 'big'), { onBytes: (n) => chunks.push(n) });
      const { createHash } = await import('node:crypto');
      expect(hex).toBe(createHash('sha256').update(big).digest('hex'));
      expect(chunks).toEqual([HASH_CHUNK_BYTES, HASH_CHUNK_BYTES, 123]);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('throws the fs error unchanged', async () => {
    await expect(sha256File('/nonexistent/piximmo/file.jpg')).rejects.toMatchObject({ code: 'ENOENT' });
    await expect(sha256File(os.tmpdir())).rejects.toMatchObject({ code: 'EISDIR' });
  });

  it('rejects with the abort reason when aborted before or during the read', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'piximmo-hash-'));
    try {
      const file = path.join(dir, 'f');
      await writeFile(file, Buffer.alloc(HASH_CHUNK_BYTES * 4));
      const early = new AbortController();
      early.abort(new Error('stop early'));
      await expect(sha256File(file, { signal: early.signal })).rejects.toThrow('stop early');
      const during = new AbortController();
      await expect(
        sha256File(file, { signal: during.signal, onBytes: () => during.abort(new Error('stop now')) }),
      ).rejects.toThrow('stop now');
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('gives every file its own checksum when many are hashed at once and read buffers are reused', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'piximmo-hash-'));
    try {
      const { createHash } = await import('node:crypto');
      const files = Array.from({ length: 12 }, (_, i) => {
        const body = Buffer.alloc(((i * 7919) % 3) * HASH_CHUNK_BYTES + i * 1001 + 1, i + 1);
        return { file: path.join(dir, `f${i}`), body, hex: createHash('sha256').update(body).digest('hex') };
      });
      await Promise.all(files.map((f) => writeFile(f.file, f.body)));
      // A failed and an aborted hash give their buffers back too; the next rounds must not see their bytes.
      await expect(sha256File(os.tmpdir())).rejects.toMatchObject({ code: 'EISDIR' });
      const stop = new AbortController();
      await expect(sha256File(files[11].file, { signal: stop.signal, onBytes: () => stop.abort(new Error('stop')) })).rejects.toThrow('stop');
      for (let round = 0; round < 2; round++) {
        expect(await Promise.all(files.map((f) => sha256File(f.file)))).toEqual(files.map((f) => f.hex));
      }
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
