/**
 * Test helper for UploadEngine and multipart unit tests: real temp files, a real ManifestStore in a temp
 * state dir, and a scriptable stub of the API (UploadApi) that logs every call.
 */
import { createHash } from 'node:crypto';
import { promises as fsp } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach } from 'vitest';
import { ApiError } from '../../src/api/errors.js';
import type { PutResult, PutSource } from '../../src/api/client.js';
import type {
  FinalizeRequest,
  FinalizeResponse,
  IntentRequest,
  IntentResponse,
  MultipartAbortRequest,
  MultipartCompleteRequest,
  MultipartPartsRequest,
  MultipartPartsResponse,
} from '../../src/contract/api.js';
import type { Clock } from '../../src/core/transfer/clock.js';
import type { UploadApi } from '../../src/core/transfer/engine.js';
import type { EngineEvent, PlannedFile, Shoot } from '../../src/core/transfer/events.js';
import { ManifestStore } from '../../src/core/transfer/manifest.js';
import { InstantClock } from './_fake-clock.js';

export const sha256 = (data: string | Buffer): string => createHash('sha256').update(data).digest('hex');

export function httpError(status: number, code: string, operation = 'test'): ApiError {
  return new ApiError({ kind: 'http', status, code, message: `${status} ${code}`, operation });
}

export type PutOpts = { signal?: AbortSignal; onBytes?: (n: number) => void };

/** Records calls; each method does its default unless a handler is set. */
export class StubApi implements UploadApi {
  readonly log: string[] = [];
  readonly intents: IntentRequest[] = [];
  readonly puts: { url: string; headers: Record<string, string>; src: PutSource }[] = [];
  readonly finalizes: FinalizeRequest[] = [];
  readonly partsRequests: MultipartPartsRequest[] = [];
  readonly completes: MultipartCompleteRequest[] = [];
  readonly aborts: MultipartAbortRequest[] = [];
  private n = 0;

  onIntent?: (body: IntentRequest, n: number) => Promise<IntentResponse | undefined> | IntentResponse | undefined;
  onPut?: (url: string, src: PutSource, opts: PutOpts, n: number) => Promise<PutResult | undefined> | PutResult | undefined;
  onFinalize?: (body: FinalizeRequest, n: number) => Promise<FinalizeResponse | undefined> | FinalizeResponse | undefined;
  onParts?: (body: MultipartPartsRequest, n: number) => Promise<MultipartPartsResponse | undefined> | MultipartPartsResponse | undefined;
  onComplete?: (body: MultipartCompleteRequest) => Promise<unknown> | unknown;
  /** Absent by default (single intents); set it to offer the batch route. */
  intentBatch?: UploadApi['intentBatch'];

  constructor(private readonly clock: Clock) {}

  /** A single-PUT intent as the server would answer it. */
  single(body: IntentRequest): IntentResponse {
    const n = ++this.n;
    return {
      signed_url: `https://store.test/${body.order_id}/${body.filename}?n=${n}`,
      object_key: `user/u1/orders/${body.order_id}/raw/${body.filename}-v${n}`,
      headers: { 'Content-Type': body.mime, 'x-amz-meta-n': String(n) },
      expires_at: new Date(this.clock.now() + 300_000).toISOString(),
    };
  }

  intent = async (body: IntentRequest, _signal?: AbortSignal): Promise<IntentResponse> => {
    this.intents.push(body);
    this.log.push(`intent ${body.filename}`);
    return (await this.onIntent?.(body, this.intents.length)) ?? this.single(body);
  };

  put = async (url: string, headers: Record<string, string>, src: PutSource, opts: PutOpts = {}): Promise<PutResult> => {
    const n = this.puts.push({ url, headers, src });
    this.log.push(`put ${url}`);
    const scripted = await this.onPut?.(url, src, opts, n);
    if (scripted) return scripted;
    opts.onBytes?.(src.length);
    return { etag: `"etag-${n}"` };
  };

  finalize = async (body: FinalizeRequest, _signal?: AbortSignal): Promise<FinalizeResponse> => {
    this.finalizes.push(body);
    this.log.push(`finalize ${body.object_key}`);
    return (await this.onFinalize?.(body, this.finalizes.length)) ?? { file_id: `file:${body.object_key}`, status: 'uploaded' };
  };

  multipartParts = async (body: MultipartPartsRequest, _signal?: AbortSignal): Promise<MultipartPartsResponse> => {
    this.partsRequests.push(body);
    this.log.push(`parts ${body.part_numbers.join(',')}`);
    const scripted = await this.onParts?.(body, this.partsRequests.length);
    if (scripted) return scripted;
    const round = this.partsRequests.length;
    return {
      parts: body.part_numbers.map((p) => ({ part_number: p, url: `https://store.test/${body.upload_id}/part${p}?r=${round}` })),
      expires_at: new Date(this.clock.now() + 300_000).toISOString(),
    };
  };

  multipartComplete = async (body: MultipartCompleteRequest, _signal?: AbortSignal): Promise<unknown> => {
    this.completes.push(body);
    this.log.push('complete');
    return (await this.onComplete?.(body)) ?? {};
  };

  multipartAbort = async (body: MultipartAbortRequest, _signal?: AbortSignal): Promise<unknown> => {
    this.aborts.push(body);
    this.log.push('abort');
    return undefined;
  };
}

/** A temp dir holding shoot folders and a state dir; `cleanup()` removes it and closes manifests. */
export class Sandbox {
  readonly stores: ManifestStore[] = [];
  private constructor(readonly dir: string) {}

  static async create(): Promise<Sandbox> {
    return new Sandbox(await fsp.mkdtemp(path.join(tmpdir(), 'piximmo-engine-')));
  }

  /** Writes `files` (relPath → content) into a shoot folder and plans them for `orderId`. */
  async shoot(orderId: string, files: Record<string, string | Buffer>, opts: { mime?: string } = {}): Promise<{ shoot: Shoot; files: PlannedFile[] }> {
    const root = path.join(this.dir, `shoot-${orderId}-${this.stores.length}`);
    const manifestFile = path.join(this.dir, 'state', `${path.basename(root)}.json`);
    const { store } = await ManifestStore.open(manifestFile, { root, orderId, apiUrl: 'http://api.test' });
    this.stores.push(store);
    const shoot: Shoot = { root, orderId, manifest: store };
    const planned: PlannedFile[] = [];
    for (const [rel, content] of Object.entries(files)) {
      const abs = path.join(root, rel);
      await fsp.mkdir(path.dirname(abs), { recursive: true });
      await fsp.writeFile(abs, content);
      planned.push(await plan(shoot, rel, opts.mime));
    }
    return { shoot, files: planned };
  }

  async cleanup(): Promise<void> {
    for (const s of this.stores) await s.close().catch(() => undefined);
    await fsp.rm(this.dir, { recursive: true, force: true });
  }
}

/** What the scan would have planned for a file of `shoot`. */
export async function plan(shoot: Shoot, rel: string, mime = 'image/jpeg'): Promise<PlannedFile> {
  const abs = path.join(shoot.root, rel);
  const st = await fsp.stat(abs);
  const parts = rel.split('/');
  return {
    absPath: abs,
    relPath: rel,
    name: parts[parts.length - 1],
    mime,
    bytes: st.size,
    mtimeMs: st.mtimeMs,
    room_type: parts.length > 1 ? parts[0] : 'unsorted',
    stack_id: 'g001',
    meta: { make: 'Canon', iso: 100 },
    shoot,
  };
}

/** The states a file went through, with notes (`registered:duplicate`). */
export function statesOf(events: EngineEvent[], f: PlannedFile | string): string[] {
  const rel = typeof f === 'string' ? f : f.relPath;
  return events
    .filter((e): e is Extract<EngineEvent, { type: 'file' }> => e.type === 'file' && e.file.relPath === rel)
    .map((e) => (e.note ? `${e.state}:${e.note}` : e.state));
}

/** Net bytes reported for a file (positive and negative deltas). */
export function bytesOf(events: EngineEvent[], f: PlannedFile): number {
  return events.filter((e) => e.type === 'bytes' && e.file === f).reduce((s, e) => s + (e as { delta: number }).delta, 0);
}

/** A fresh sandbox, fake clock and stub API for every test of the calling file (its beforeEach/afterEach). */
export function useSandbox(): { readonly sandbox: Sandbox; readonly clock: InstantClock; readonly api: StubApi } {
  const t = {} as { sandbox: Sandbox; clock: InstantClock; api: StubApi };
  beforeEach(async () => {
    t.sandbox = await Sandbox.create();
    t.clock = new InstantClock();
    t.api = new StubApi(t.clock);
  });
  afterEach(async () => {
    await t.sandbox.cleanup();
  });
  return t;
}
