/**
 * The local server's scanner (issue 16; `--scanner`, env PIXIMMO_SCANNER) → the Worker's SCANNER vars:
 *   "none"               no scanning (SCANNER "none");
 *   "clamd://host:port"  the Worker streams every upload to that clamd over a TCP socket;
 *   "auto"               a private clamd (local/clamd-process.ts: free port, EICAR test signatures only —
 *                        there is no freshclam database here) when clamd is installed, else "none" with a note.
 * `streamMax` (bytes, `--scan-stream-max`) sets SCANNER_STREAM_MAX and, for "auto", clamd's StreamMaxLength.
 * Throws Error on a malformed setting or when the private clamd does not start.
 */
import { parseScanner } from '../scan/config.js';
import { type ClamdProcess, findClamdTools, startClamd } from './clamd-process.js';

export interface LocalScanner {
  /** Worker vars: SCANNER (+ SCANNER_STREAM_MAX). */
  vars: Record<string, string>;
  /** "none" or the clamd URL in use. */
  url: string;
  /** The private clamd of "auto", stopped by `close()`. */
  clamd: ClamdProcess | null;
  /** One line for the operator, e.g. "scanner: clamd://127.0.0.1:40123 (private clamd, test signatures)". */
  note: string;
  close(): Promise<void>;
}

export async function setUpScanner(setting: string | undefined, streamMax?: number): Promise<LocalScanner> {
  const raw = (setting ?? 'none').trim();
  const extra: Record<string, string> = streamMax !== undefined ? { SCANNER_STREAM_MAX: String(streamMax) } : {};
  const plain = (url: string, note: string): LocalScanner => ({
    vars: { SCANNER: url, ...extra },
    url,
    clamd: null,
    note,
    close: async () => undefined,
  });
  if (raw.toLowerCase() === 'auto') {
    if (!findClamdTools().clamd) return plain('none', 'scanner: none — clamd is not installed (apt-get install clamav-daemon); uploads are not scanned');
    const clamd = await startClamd({ streamMaxLength: streamMax });
    return {
      vars: { SCANNER: clamd.url, ...extra },
      url: clamd.url,
      clamd,
      note: `scanner: ${clamd.url} (private clamd, EICAR test signatures only, StreamMaxLength ${clamd.streamMaxLength})`,
      close: () => clamd.dispose(),
    };
  }
  const s = parseScanner(raw);
  if (s.kind === 'none') return plain('none', 'scanner: none — uploads are not scanned');
  const url = `clamd://${s.hostname.includes(':') ? `[${s.hostname}]` : s.hostname}:${s.port}`;
  return plain(url, `scanner: ${url}`);
}
