/** SPEC "Housekeeping": intents not finalized within 24 h expire (ms). Shared by housekeeping and quotas. */
export const INTENT_MAX_AGE_MS = 24 * 60 * 60 * 1000;
