/**
 * The part of the API client an upload uses (a stub stands in for it in unit tests): intents, PUTs to signed
 * URLs, finalize, the multipart calls, and — on servers that have them — the batch routes.
 */
import type { PiximmoApi } from '../../api/client.js';

export type UploadApi = Pick<PiximmoApi, 'intent' | 'put' | 'finalize' | 'multipartParts' | 'multipartComplete' | 'multipartAbort'> &
  Partial<Pick<PiximmoApi, 'intentBatch' | 'finalizeBatch'>>;
