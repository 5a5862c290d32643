import { startNginx } from './scripts/bench/nginx.mjs';
import { startServer } from './scripts/bench/server.mjs';
const base = '/work/scratch/h';
const ng = await startNginx({ prefix: `${base}/ngx`, root: `${base}/sink`, bucket: 'piximmo' });
const srv = await startServer({ root: '/work/main', stateDir: `${base}/srv`, seed: `${base}/seed.json`, intentRate: 0, logFile: `${base}/srv.log`,
  extra: ['--storage', 's3', '--s3-endpoint', ng.endpoint, '--s3-bucket', 'piximmo', '--s3-region', 'us-east-1', '--s3-access-key-id', 'x', '--s3-secret-access-key', 'y', '--s3-multipart', 'off'] });
console.log(srv.url);
setInterval(() => {}, 1 << 30);
