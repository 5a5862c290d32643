/**
 * Issue 11, test 5: `watch --copy-to DIR` makes a second copy of every card file in
 * DIR/<order>/<card>/<relative path>, each with the card file's SHA-256, and the status line counts the
 * copies. A copy target that fills up is reported (once) and the upload goes on; the card is then not
 * called safe to remove, and the exit code is 1 (a file has no second copy).
 *
 * The full target is a real 1 MiB tmpfs where the test may mount one (root); elsewhere the CLI's test-only
 * switch PIXIMMO_TEST_COPY_ENOSPC_AFTER makes its writes fail with ENOSPC after 1 MiB.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CliEnv } from '../helpers/cli.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { cameraJpeg, count, listed, sha, sleep, waitForEvent } from './_watch.js';

/** Mounts a tmpfs of `size` at `dir`; false when this machine does not let us. */
function mountTmpfs(dir: string, size: string): boolean {
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${size}`, 'tmpfs', dir], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

function filesUnder(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => path.join(e.parentPath, e.name));
}

describe('watch --copy-to', () => {
  let server: TestServer;
  let base: string;

  beforeAll(async () => {
    server = await startTestServer({ intentRate: 0 });
    base = mkdtempSync(path.join(tmpdir(), 'piximmo-watch-copy-'));
  });
  afterAll(async () => {
    rmSync(base, { recursive: true, force: true });
    await server?.close();
  });

  function makeCard(label: string, n: number, seed: number, bytes: number): Map<string, Buffer> {
    const dcim = path.join(base, label, 'DCIM', '100CANON');
    mkdirSync(dcim, { recursive: true });
    const files = new Map<string, Buffer>();
    for (let i = 0; i < n; i++) {
      const b = cameraJpeg(seed + i, bytes, i * 4);
      files.set(`DCIM/100CANON/IMG_${seed + i}.JPG`, b);
      writeFileSync(path.join(dcim, `IMG_${seed + i}.JPG`), b);
    }
    return files;
  }

  it('every file of the copy has the card file’s SHA-256; the status line counts copies', async () => {
    const files = makeCard('EOS_DIGITAL', 5, 9900, 300_000);
    const target = path.join(base, 'backup');
    const cli = new CliEnv(server.url, 'tok-alice', { PIXIMMO_INTENT_RATE: '0' });
    const run = cli.spawn(['watch', path.join(base, 'EOS_DIGITAL'), '--order', 'ORD-1', '--copy-to', target, '--json']);
    try {
      expect(await waitForEvent(() => run.output().stdout, (e) => e.event === 'card' && e.state === 'done'), run.output().stderr).toBe(true);
    } finally {
      run.child.kill('SIGINT');
    }
    const r = await run.done;
    try {
      expect(r.code, r.stderr).toBe(0);
      const copyRoot = path.join(target, 'ORD-1', 'EOS_DIGITAL');
      const copied = filesUnder(copyRoot).map((f) => path.relative(copyRoot, f).split(path.sep).join('/'));
      expect(copied.sort()).toEqual([...files.keys()].sort());
      for (const [rel, b] of files) expect(sha(readFileSync(path.join(copyRoot, rel))), rel).toBe(sha(b));
      const copyEvents = r.events.filter((e) => e.event === 'copy');
      expect(copyEvents.map((e) => [e.path, e.checksum])).toEqual(expect.arrayContaining([...files].map(([rel, b]) => [rel, sha(b)])));
      expect(r.events.filter((e) => e.event === 'watch').at(-1)).toMatchObject({ total: 5, done: 5, copied: 5, copy_failed: 0 });
      expect(r.stderr).toContain('Card EOS_DIGITAL: 5 of 5 registered, 5 copied — safe to remove');
      expect(r.stderr).toContain('5 of 5 files copied to');
      expect((await listed(server.url, 'ORD-1')).filter((f) => f.filename.startsWith('IMG_99'))).toHaveLength(5);
    } finally {
      cli.cleanup();
    }
  }, 120_000);

  it('a copy target that fills up is reported once, and the upload goes on', async () => {
    const files = makeCard('FULL_CARD', 6, 9950, 300_000);
    const target = path.join(base, 'small');
    mkdirSync(target);
    const mounted = process.env.PIXIMMO_TEST_NO_TMPFS ? false : mountTmpfs(target, '1m');
    if (!mounted) console.warn('watch --copy-to: no tmpfs could be mounted here; ENOSPC is simulated by PIXIMMO_TEST_COPY_ENOSPC_AFTER');
    const cli = new CliEnv(server.url, 'tok-alice', { PIXIMMO_INTENT_RATE: '0', ...(mounted ? {} : { PIXIMMO_TEST_COPY_ENOSPC_AFTER: String(1024 * 1024) }) });
    const run = cli.spawn(['watch', path.join(base, 'FULL_CARD'), '--order', 'ORD-2', '--copy-to', target, '--json']);
    try {
      try {
        expect(await waitForEvent(() => run.output().stdout, (e) => e.event === 'card' && e.card === 'FULL_CARD'
          && (e.state === 'done' || e.state === 'done-without-copy')), run.output().stderr).toBe(true);
        await sleep(1000);
      } finally {
        run.child.kill('SIGINT');
      }
      const r = await run.done;
      expect(r.code, `a file without its copy: exit 1\n${r.stderr}`).toBe(1);
      // The upload went on: every file registered, none failed.
      const rows = await listed(server.url, 'ORD-2');
      expect(new Set(rows.map((f) => f.checksum))).toEqual(new Set([...files.values()].map(sha)));
      expect(r.events.filter((e) => e.event === 'file' && e.state === 'failed')).toEqual([]);
      expect(r.events.find((e) => e.event === 'summary')).toMatchObject({ registered: 6, failed: 0 });
      // Reported once; the card is not called safe.
      expect(count(r.stderr, 'The copy target is full')).toBe(1);
      expect(r.stderr).toMatch(/Card FULL_CARD: 6 of 6 registered, but only \d copied — keep the card/);
      expect(r.stderr).not.toContain('safe to remove');
      const failedCopies = r.events.filter((e) => e.event === 'copy' && e.state === 'failed');
      expect(failedCopies.length).toBeGreaterThan(0);
      expect(failedCopies.every((e) => (e.error as { code: string }).code === 'COPY_TARGET_FULL')).toBe(true);
      // What is in the target is whole: each copy has its card file's SHA-256, no temporary files left.
      const copyRoot = path.join(target, 'ORD-2', 'FULL_CARD');
      const inTarget = filesUnder(copyRoot);
      expect(inTarget.length).toBeLessThan(6);
      for (const f of inTarget) {
        const rel = path.relative(copyRoot, f).split(path.sep).join('/');
        expect(files.has(rel), `unexpected file ${rel}`).toBe(true);
        expect(sha(readFileSync(f))).toBe(sha(files.get(rel)!));
      }
      const w = r.events.filter((e) => e.event === 'watch').at(-1)!;
      expect(w.copied).toBe(inTarget.length);
      expect(w.copy_failed).toBe(6 - inTarget.length);
    } finally {
      if (mounted) execFileSync('umount', [target], { stdio: 'ignore' });
      cli.cleanup();
    }
  }, 120_000);
});
