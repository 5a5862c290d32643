/**
 * The `scan` step of the processing pipeline (processing/step.ts interface; issue 16), run before previews:
 *   clean        → hand on to previews; a windowed scan leaves `SCANNED_IN_WINDOWS n×W` as the ready file's
 *                  status_reason (scan/windows.ts: never skipped silently);
 *   SCANNER none → hand on (no scanner: the deployment's choice, not noted on each file);
 *   infected     → stop: the file becomes `infected` with clamd's signature as status_reason; the object
 *                  is already in `quarantine/<object_key>`; previews never run;
 *   unavailable  → TransientProcessingError SCAN_UNAVAILABLE: the file stays `processing`, the consumer
 *                  retries with backoff and after its retry budget marks it `failed` with
 *                  "SCAN_UNAVAILABLE: gave up after N attempts: …" — never `ready` unscanned;
 *   missing      → an earlier attempt quarantined the object but failed before recording it: the
 *                  quarantined copy is scanned again for its signature; otherwise OBJECT_MISSING (failed).
 */
import { readConfig } from '../env.js';
import { PermanentProcessingError, TransientProcessingError } from '../processing/errors.js';
import type { ProcessingContext, ProcessingStep, StepOutcome } from '../processing/step.js';
import { ScannerError, ScannerUnavailableError, ScanSizeLimitError } from './clamd.js';
import { makeScanObjects } from './objects.js';
import { SCAN_UNAVAILABLE, scanStoredObject } from './step.js';
import { scanInWindows } from './windows.js';
import { makeWorkerScanner } from './worker-scanner.js';

export const scanStep: ProcessingStep = {
  name: 'scan',
  async run(ctx: ProcessingContext): Promise<StepOutcome | undefined> {
    const { client, streamMax } = makeWorkerScanner(ctx.env);
    const objects = makeScanObjects(ctx.env, readConfig(ctx.env));
    const out = await scanStoredObject({ objectKey: ctx.file.object_key, client, objects, streamMax, meta: { file_id: ctx.file.id } });
    switch (out.kind) {
      case 'clean':
        ctx.readyReason = out.reason;
        console.log(`piximmo scan ${ctx.file.id}: clean in ${out.ms} ms (${out.windows} window${out.windows === 1 ? '' : 's'})`);
        return { kind: 'continue' };
      case 'not-scanned':
        // SCANNER none is the deployment's setting for every file (README), not a note on each one
        return { kind: 'continue' };
      case 'infected':
        console.warn(`piximmo scan ${ctx.file.id}: ${out.signature} FOUND, moved to ${out.quarantineKey}`);
        return { kind: 'stop', status: 'infected', reason: out.signature };
      case 'unavailable':
        throw new TransientProcessingError(SCAN_UNAVAILABLE, out.detail);
      case 'missing': {
        if (!out.quarantined || !client) throw new PermanentProcessingError('OBJECT_MISSING', `the original ${ctx.file.object_key} is not in storage`);
        const q = out.quarantined;
        const size = (await objects.size(q)) ?? 0;
        try {
          const r = await scanInWindows(client, { size, open: (o, l) => objects.open(q, o, l) }, streamMax);
          return { kind: 'stop', status: 'infected', reason: r.verdict === 'infected' ? r.signature : `QUARANTINED (${q})` };
        } catch (e) {
          if (e instanceof ScannerUnavailableError || e instanceof ScannerError || e instanceof ScanSizeLimitError) {
            throw new TransientProcessingError(SCAN_UNAVAILABLE, e.message);
          }
          throw e;
        }
      }
    }
  },
};
