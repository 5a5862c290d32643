/**
 * nginx (Debian's nginx-light / nginx, with the WebDAV module) as an S3-style PUT/HEAD sink for the
 * S3-mode end-to-end test: `<root>/<bucket>/<key>` files, `dav_methods PUT DELETE`,
 * `create_full_put_path on`, the SigV4 query string ignored. Temporary prefix, ephemeral port; the
 * master process we started is stopped by its pid. Not a test file itself.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface NginxSink {
  /** e.g. "http://127.0.0.1:PORT". */
  url: string;
  /** Directory the bucket folders live in. */
  root: string;
  close(): Promise<void>;
}

/** Path of the nginx binary, or null when nginx is not installed. */
export function findNginx(): string | null {
  for (const p of ['/usr/sbin/nginx', '/usr/local/sbin/nginx', '/usr/bin/nginx']) if (existsSync(p)) return p;
  const r = spawnSync('sh', ['-c', 'command -v nginx'], { encoding: 'utf8' });
  return r.status === 0 && r.stdout.trim() ? r.stdout.trim() : null;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer().listen(0, '127.0.0.1', () => {
      const port = (srv.address() as net.AddressInfo).port;
      srv.close(() => resolve(port));
    });
    srv.on('error', reject);
  });
}

async function waitForPort(port: number, child: ChildProcess, ms: number): Promise<void> {
  const until = Date.now() + ms;
  while (Date.now() < until) {
    if (child.exitCode !== null) throw new Error(`nginx exited with ${child.exitCode}`);
    const ok = await new Promise<boolean>((r) => {
      const s = net.connect(port, '127.0.0.1', () => (s.destroy(), r(true)));
      s.on('error', () => r(false));
    });
    if (ok) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`nginx did not listen on ${port} within ${ms} ms`);
}

export async function startNginxSink(bin: string): Promise<NginxSink> {
  const prefix = mkdtempSync(join(tmpdir(), 'piximmo-nginx-'));
  const root = join(prefix, 'data');
  mkdirSync(root);
  mkdirSync(join(prefix, 'tmp'));
  chmodSync(prefix, 0o755);
  chmodSync(root, 0o777); // workers may run as another user than the master
  chmodSync(join(prefix, 'tmp'), 0o777);
  const port = await freePort();
  const asRoot = process.getuid?.() === 0;
  writeFileSync(
    join(prefix, 'nginx.conf'),
    `${asRoot ? 'user root;\n' : ''}daemon off;
worker_processes 1;
pid ${prefix}/nginx.pid;
error_log ${prefix}/error.log warn;
events { worker_connections 256; }
http {
  access_log off;
  client_body_temp_path ${prefix}/tmp;
  proxy_temp_path ${prefix}/tmp;
  fastcgi_temp_path ${prefix}/tmp;
  uwsgi_temp_path ${prefix}/tmp;
  scgi_temp_path ${prefix}/tmp;
  server {
    listen 127.0.0.1:${port};
    client_max_body_size 0;
    location / {
      root ${root};
      dav_methods PUT DELETE;
      create_full_put_path on;
      dav_access user:rw group:r all:r;
    }
  }
}
`,
  );
  const child = spawn(bin, ['-e', join(prefix, 'error.log'), '-p', prefix, '-c', join(prefix, 'nginx.conf')], { stdio: 'ignore' });
  try {
    await waitForPort(port, child, 5000);
  } catch (e) {
    child.kill('SIGKILL');
    rmSync(prefix, { recursive: true, force: true });
    throw e;
  }
  return {
    url: `http://127.0.0.1:${port}`,
    root,
    async close() {
      if (child.exitCode === null) {
        await new Promise<void>((r) => {
          child.once('exit', () => r());
          child.kill('SIGTERM'); // nginx: fast shutdown of the master we started (and its workers)
        });
      }
      rmSync(prefix, { recursive: true, force: true });
    },
  };
}
