// rclone into the nginx sink: an S3 remote (provider Other, path style, dummy keys) configured through
// RCLONE_CONFIG_<NAME>_* variables and an empty config file, so nothing of the user's rclone setup is read.
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { which } from './sys.mjs';

export const REMOTE = 'BENCHSINK';

export function rcloneBinary() {
  return which('rclone');
}

/**
 * Command, arguments and environment of `rclone copy <dir> BENCHSINK:<bucket>/<prefix>`; `singlePut`
 * raises the multipart cutoff above the biggest bench file.
 * Debian's rclone refuses to start while AWS_CA_BUNDLE is set, so every AWS_* and RCLONE_* variable of
 * ours is left out of its environment.
 */
export function rcloneCommand({ dir, endpoint, bucket, prefix, transfers, tmp, singlePut = false }) {
  const conf = path.join(tmp, 'rclone.conf');
  writeFileSync(conf, '');
  const env = {};
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith('AWS_') && !k.startsWith('RCLONE_') && !k.startsWith('PIXIMMO_')) env[k] = v;
  const r = `RCLONE_CONFIG_${REMOTE}_`;
  Object.assign(env, {
    [`${r}TYPE`]: 's3',
    [`${r}PROVIDER`]: 'Other',
    [`${r}ENDPOINT`]: endpoint,
    [`${r}FORCE_PATH_STYLE`]: 'true',
    [`${r}REGION`]: 'us-east-1',
    [`${r}ACCESS_KEY_ID`]: 'x',
    [`${r}SECRET_ACCESS_KEY`]: 'y',
    [`${r}ENV_AUTH`]: 'false',
  });
  const args = [
    'copy', dir, `${REMOTE}:${bucket}/${prefix}`,
    '--config', conf,
    '--transfers', String(transfers),
    '--no-traverse', '--no-check-dest', '--s3-no-check-bucket', '--s3-no-head',
    // The nginx sink has no S3 multipart; rclone's default cutoff is 200 MiB.
    ...(singlePut ? ['--s3-upload-cutoff', '300M'] : []),
  ];
  return { cmd: rcloneBinary(), args, env };
}
