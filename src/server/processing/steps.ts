/**
 * The processing steps, in order (SPEC v2 "File lifecycle": malware scan, then previews). The `scan` slot
 * is the ClamAV step of issue 16 (SCANNER "none": it hands on with NOT_SCANNED); `noScanStep` is the bare
 * no-op for deployments or tests that leave scanning out. A step that stops the file (infected) prevents
 * the previews.
 */
import type { Env } from '../env.js';
import { scanStep } from '../scan/processing-step.js';
import { previewsStep } from './previews-step.js';
import type { ProcessingStep } from './step.js';

/** No scanner configured: nothing to check, hand on. */
export const noScanStep: ProcessingStep = {
  name: 'scan',
  async run() {
    return undefined;
  },
};

/** The steps for this deployment (env decides which scanner, once there is one). */
export function processingSteps(_env: Env): ProcessingStep[] {
  // issue 16: the ClamAV step (SCANNER "none" makes it hand on unscanned)
  return [scanStep, previewsStep];
}
