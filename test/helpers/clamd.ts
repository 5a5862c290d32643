/**
 * Test helper: a private clamd (src/server/local/clamd-process.ts) on a free 127.0.0.1 port with a temporary
 * DatabaseDirectory built by `sigtool` from the EICAR test string (no freshclam, no network), foreground
 * mode, in its own process group. `clamdSkipReason()` says why the clamd tests cannot run here (Debian:
 * clamav-daemon for clamd, clamav for sigtool — .ci/run installs both); tests pass it to `describe.skipIf`
 * and name it in the title (`clamdTitle`).
 *
 *   const clamd = await startTestClamd({ streamMaxLength: 1 << 20 });
 *   … clamd.url ("clamd://127.0.0.1:PORT"), clamd.stop(), clamd.start() (same port) …
 *   await clamd.dispose();   // kills the process group, removes the directory
 */
import { EICAR_SIGNATURE, type ClamdProcess, type ClamdProcessOptions, eicarTestString, findClamdTools, startClamd } from '../../src/server/local/clamd-process.js';

export { EICAR_SIGNATURE, eicarTestString };
export type { ClamdProcess };

/** null when clamd and sigtool are installed, else the message the skipped tests show. */
export function clamdSkipReason(): string | null {
  const t = findClamdTools();
  const missing = [t.clamd ? null : 'clamd (Debian package clamav-daemon)', t.sigtool ? null : 'sigtool (Debian package clamav)'].filter(Boolean);
  return missing.length ? `skipped: ${missing.join(' and ')} not installed — the malware-scan tests need a real clamd` : null;
}

/** The describe title: `title`, or `title — SKIPPED: …` where clamd/sigtool are missing (as the nginx test does). */
export function clamdTitle(title: string): string {
  const why = clamdSkipReason();
  return why ? `${title} — SKIPPED: ${why.replace(/^skipped: /, '')}` : title;
}

/** Starts a private clamd with the EICAR test signatures (sigtool-built). */
export function startTestClamd(opts: Omit<ClamdProcessOptions, 'tools'> = {}): Promise<ClamdProcess> {
  const tools = findClamdTools();
  if (!tools.clamd || !tools.sigtool) throw new Error(clamdSkipReason() ?? 'clamd missing');
  return startClamd({ ...opts, tools });
}

/** The EICAR test file's bytes (68). */
export function eicarBytes(): Uint8Array {
  return new Uint8Array(Buffer.from(eicarTestString(), 'latin1'));
}
