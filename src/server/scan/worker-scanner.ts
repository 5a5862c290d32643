/**
 * The Worker's scanner from its settings (scan/config.ts): a ClamdClient over `cloudflare:sockets`, or null
 * for SCANNER "none". Throws Error on a malformed SCANNER (misconfiguration fails loudly).
 */
import type { Env } from '../env.js';
import { ClamdClient } from './clamd.js';
import { readScanConfig } from './config.js';
import { workerConnect } from './socket.js';

export interface WorkerScanner {
  client: ClamdClient | null;
  /** Bytes per INSTREAM. */
  streamMax: number;
}

export function makeWorkerScanner(env: Env): WorkerScanner {
  const cfg = readScanConfig(env);
  if (cfg.scanner.kind === 'none') return { client: null, streamMax: cfg.streamMax };
  return {
    client: new ClamdClient({ hostname: cfg.scanner.hostname, port: cfg.scanner.port, connect: workerConnect, timeoutMs: cfg.timeoutMs }),
    streamMax: cfg.streamMax,
  };
}
