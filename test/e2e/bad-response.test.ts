/**
 * Issue 9 "An executable contract", client half, end to end: the real CLI binary against a stub server
 * (test/helpers/contract-stub.ts) whose 200 answers lack a required field. The CLI refuses the answer with
 * BAD_RESPONSE naming the operation and the field, in English and German, ends with exit 1 (SPEC "Exit codes":
 * some files failed / the command failed), does not ask again (the same server answers the same way), sends
 * no bytes and marks nothing registered in the manifest.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { makeJpeg } from '../../src/fixtures/jpeg.js';
import { CliEnv } from '../helpers/cli.js';
import { ContractStub, defaultRoutes } from '../helpers/contract-stub.js';

/** A single-PUT intent answer without its signed_url (everything else as the real server sends it). */
function intentLackingUrl(name: string): Record<string, unknown> {
  return {
    object_key: `ORD-1/unsorted/${name}`,
    headers: { 'content-type': 'image/jpeg' },
    expires_at: new Date(Date.now() + 300_000).toISOString(),
    stack_id: 's000',
  };
}

/** The text of every manifest the CLI wrote (whatever its on-disk layout), joined. */
function manifestText(cli: CliEnv): string {
  const dir = path.join(cli.env.PIXIMMO_STATE_DIR!, 'manifests');
  let names: string[] = [];
  try {
    names = readdirSync(dir);
  } catch {
    return '';
  }
  return names.map((n) => readFileSync(path.join(dir, n), 'utf8')).join('\n');
}

describe('the client refuses a 200 answer that breaks the contract (BAD_RESPONSE)', () => {
  let stub: ContractStub;
  let cli: CliEnv;
  let shoot: string;

  beforeAll(() => {
    shoot = mkdtempSync(path.join(tmpdir(), 'piximmo-badresp-'));
    writeFileSync(path.join(shoot, 'IMG_0001.JPG'), makeJpeg({ seed: 1 }));
    writeFileSync(path.join(shoot, 'IMG_0002.JPG'), makeJpeg({ seed: 2 }));
  });
  afterAll(() => rmSync(shoot, { recursive: true, force: true }));

  beforeEach(async () => {
    stub = await ContractStub.start();
    cli = new CliEnv(stub.url, 'tok-alice');
  });
  afterEach(async () => {
    cli.cleanup();
    await stub.close();
  });

  it('whoami: GET /api/me without user_id → exit 1, the field named in English and German, asked once', async () => {
    stub.routes['GET /api/me'] = () => ({ status: 200, body: { name: 'Alice', quota: { bytes_used: 0, bytes_limit: 1 } } });
    const en = await cli.run(['whoami']);
    expect(en.code, en.stderr).toBe(1);
    expect(en.stderr).toContain("The server's answer to GET /api/me lacks user_id");
    expect(en.stderr).toContain('trying again will not help');
    const de = await cli.run(['whoami', '--lang', 'de']);
    expect(de.code).toBe(1);
    expect(de.stderr).toContain('Der Antwort des Servers auf GET /api/me fehlt user_id');
    const json = await cli.run(['whoami', '--json']);
    expect(json.code).toBe(1);
    expect(json.events.find((e) => e.event === 'error')).toMatchObject({ code: 'BAD_RESPONSE' });
    expect(stub.seen('GET /api/me')).toHaveLength(3);
  });

  it('orders: a wrong-typed field (file_count as a string) is named too', async () => {
    stub.routes['GET /api/orders'] = () => ({ status: 200, body: { orders: [{ id: 'ORD-1', shootcode: 'SH123', file_count: '3' }] } });
    const en = await cli.run(['orders']);
    expect(en.code).toBe(1);
    expect(en.stderr).toContain("The server's answer to GET /api/orders has orders[0].file_count of the wrong type");
    const de = await cli.run(['orders', '--lang', 'de']);
    expect(de.stderr).toContain('Die Antwort des Servers auf GET /api/orders enthält orders[0].file_count mit falschem Typ');
  });

  it('upload: batch intents without signed_url → each file failed BAD_RESPONSE, no bytes sent, nothing registered', async () => {
    stub.routes['POST /api/uploads/intents'] = (body) => {
      const files = (body as { files: { filename: string }[] }).files;
      return { status: 200, body: { uploads: files.map((f) => intentLackingUrl(f.filename)) } };
    };
    const r = await cli.run(['upload', shoot, '--order', 'ORD-1', '--json']);
    expect(r.code, r.stderr).toBe(1);
    const failed = r.events.filter((e) => e.event === 'file' && e.state === 'failed');
    expect(failed.map((e) => e.path).sort()).toEqual(['IMG_0001.JPG', 'IMG_0002.JPG']);
    for (const e of failed) expect(e.error).toMatchObject({ code: 'BAD_RESPONSE', detail: expect.stringMatching(/lacks uploads\[\d\]\.signed_url/) });
    expect(r.events.some((e) => e.event === 'file' && e.state === 'registered')).toBe(false);
    // Not transient: each file's intent asked for once (in one batch or two), never again; no PUT, no finalize.
    const asked = stub.seen('POST /api/uploads/intents').flatMap((q) => (q.body as { files: { filename: string }[] }).files.map((f) => f.filename));
    expect(asked.sort()).toEqual(['IMG_0001.JPG', 'IMG_0002.JPG']);
    expect(stub.log.filter((q) => q.method === 'PUT' || q.path.includes('finalize'))).toEqual([]);
    const m = manifestText(cli);
    expect(m).toContain('IMG_0001.JPG');
    expect(m).not.toContain('registered');

    const en = await cli.run(['upload', shoot, '--order', 'ORD-1']);
    expect(en.code).toBe(1);
    expect(en.stderr).toMatch(/The server's answer to POST \/api\/uploads\/intents lacks uploads\[\d\]\.signed_url/);
    const de = await cli.run(['upload', shoot, '--order', 'ORD-1', '--lang', 'de']);
    expect(de.code).toBe(1);
    expect(de.stderr).toMatch(/Der Antwort des Servers auf POST \/api\/uploads\/intents fehlt uploads\[\d\]\.signed_url/);
    expect(manifestText(cli)).not.toContain('registered');
  });

  it('upload against a server without the batch route: the single intent without signed_url is refused the same way', async () => {
    stub.routes['POST /api/uploads/intent'] = (body) => ({ status: 200, body: intentLackingUrl((body as { filename: string }).filename) });
    const r = await cli.run(['upload', shoot, '--order', 'ORD-1']);
    expect(r.code, r.stderr).toBe(1);
    expect(r.stderr).toContain("The server's answer to POST /api/uploads/intent lacks signed_url");
    expect(stub.seen('POST /api/uploads/intent')).toHaveLength(2); // one per file, none repeated
    expect(stub.log.filter((q) => q.method === 'PUT' || q.path.includes('finalize'))).toEqual([]);
    expect(manifestText(cli)).not.toContain('registered');
  });

  it('the stub itself is a well-behaved server by default (the refusals above come from the broken field)', async () => {
    expect(Object.keys(defaultRoutes())).toContain('GET /api/me');
    const r = await cli.run(['whoami']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('alice');
  });
});
