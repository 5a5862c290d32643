/**
 * A tiny S3-compatible object store for the S3-mode tests (`--storage s3`): node:http on 127.0.0.1, path-style
 * `/<bucket>/<key>`, objects in memory. Not a test file itself.
 *
 * It checks every request's SigV4 signature (query-signed URLs and `Authorization` headers) with its
 * own implementation (not aws4fetch's), refuses expired URLs and unsigned `x-amz-*` headers, so a signed
 * header the client does not send — or sends differently — fails with 403 SignatureDoesNotMatch, as on S3.
 * Operations: PutObject (`If-None-Match: *` → 412 when the key exists; `x-amz-checksum-sha256` → 400
 * BadDigest when the body differs), HeadObject (`x-amz-checksum-sha256` back when asked with
 * `x-amz-checksum-mode: ENABLED`), GetObject (with the `response-content-disposition` / `-type` overrides), DeleteObject, CreateMultipartUpload, UploadPart,
 * CompleteMultipartUpload (etags and the 5 MiB minimum checked), AbortMultipartUpload.
 * Options switch features off to behave like nginx WebDAV (no checksums, no conditionals, no multipart:
 * POST → 405). Every request is logged (`log`) for assertions.
 */
import { createHash, createHmac, randomBytes } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface S3StubOptions {
  bucket?: string;
  accessKeyId?: string;
  secretAccessKey?: string;
  /** Verify and keep x-amz-checksum-sha256; default true. */
  checksums?: boolean;
  /** Honour If-None-Match: * on PUT; default true. */
  conditional?: boolean;
  /** Multipart API; default true (false: POST answers 405 like nginx). */
  multipart?: boolean;
}

export interface StubObject {
  body: Buffer;
  contentType: string;
  /** Base64 SHA-256 the PUT carried and the stub verified, or null. */
  checksum: string | null;
  etag: string;
  /** The PUT's `x-amz-meta-*` headers (answered back on HEAD/GET), when any. */
  meta?: Record<string, string>;
}

export interface StubRequest {
  method: string;
  /** Decoded key (without bucket). */
  key: string;
  query: Record<string, string>;
  auth: 'query' | 'header' | 'none';
  /** Lower-case names of the signed headers. */
  signedHeaders: string[];
  status: number;
}

export interface S3Stub {
  /** Endpoint, e.g. "http://127.0.0.1:PORT" (no bucket). */
  url: string;
  bucket: string;
  accessKeyId: string;
  secretAccessKey: string;
  objects: Map<string, StubObject>;
  /** Open multipart uploads: upload id → parts. */
  uploads: Map<string, { key: string; contentType: string; parts: Map<number, { body: Buffer; etag: string }> }>;
  log: StubRequest[];
  close(): Promise<void>;
}

const MiB = 1024 * 1024;
const rfc3986 = (s: string): string => encodeURIComponent(s).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
const hmac = (key: Buffer | string, data: string): Buffer => createHmac('sha256', key).update(data).digest();
const md5Etag = (b: Buffer): string => `"${createHash('md5').update(b).digest('hex')}"`;

function xmlError(res: http.ServerResponse, status: number, code: string, message: string): number {
  res.writeHead(status, { 'Content-Type': 'application/xml' });
  res.end(`<?xml version="1.0" encoding="UTF-8"?><Error><Code>${code}</Code><Message>${message}</Message></Error>`);
  return status;
}

/** SigV4 check of one request; returns an error message or null when the signature is right. */
export function verifySigV4(req: http.IncomingMessage, creds: { accessKeyId: string; secretAccessKey: string }, now = Date.now()): string | null {
  const raw = req.url ?? '/';
  const q = raw.indexOf('?');
  const rawPath = q < 0 ? raw : raw.slice(0, q);
  const params = new URLSearchParams(q < 0 ? '' : raw.slice(q + 1));
  const auth = req.headers.authorization;
  let credential: string, signedHeaders: string, signature: string, amzDate: string, payloadHash: string;
  if (params.has('X-Amz-Signature')) {
    credential = params.get('X-Amz-Credential') ?? '';
    signedHeaders = params.get('X-Amz-SignedHeaders') ?? '';
    signature = params.get('X-Amz-Signature') ?? '';
    amzDate = params.get('X-Amz-Date') ?? '';
    payloadHash = 'UNSIGNED-PAYLOAD';
    const m = /^(\d{4})(\d\d)(\d\d)T(\d\d)(\d\d)(\d\d)Z$/.exec(amzDate);
    if (!m || params.get('X-Amz-Algorithm') !== 'AWS4-HMAC-SHA256') return 'malformed query signature';
    const t = Date.UTC(+m[1], +m[2] - 1, +m[3], +m[4], +m[5], +m[6]);
    if (now > t + Number(params.get('X-Amz-Expires')) * 1000) return 'Request has expired';
  } else if (auth?.startsWith('AWS4-HMAC-SHA256 ')) {
    const f = Object.fromEntries(auth.slice(17).split(/,\s*/).map((p) => p.split('=') as [string, string]));
    [credential, signedHeaders, signature] = [f.Credential ?? '', f.SignedHeaders ?? '', f.Signature ?? ''];
    amzDate = String(req.headers['x-amz-date'] ?? '');
    payloadHash = String(req.headers['x-amz-content-sha256'] ?? '');
    if (!payloadHash) return 'x-amz-content-sha256 missing';
  } else {
    return 'no signature';
  }
  const [akid, ...scopeParts] = credential.split('/');
  if (akid !== creds.accessKeyId) return `unknown access key ${akid}`;
  const signed = signedHeaders.split(';');
  for (const h of Object.keys(req.headers)) {
    if (h.startsWith('x-amz-') && !signed.includes(h)) return `header ${h} is not signed`;
  }
  for (const h of signed) if (req.headers[h] === undefined) return `signed header ${h} was not sent`;
  const canonicalUri = decodeURIComponent(rawPath).split('/').map(rfc3986).join('/');
  const canonicalQuery = [...params]
    .filter(([k]) => k !== 'X-Amz-Signature')
    .map(([k, v]) => [rfc3986(k), rfc3986(v)])
    .sort(([a, x], [b, y]) => (a < b ? -1 : a > b ? 1 : x < y ? -1 : x > y ? 1 : 0))
    .map(([k, v]) => `${k}=${v}`)
    .join('&');
  const headerValue = (h: string): string => {
    const v = req.headers[h];
    return (Array.isArray(v) ? v.join(',') : String(v)).trim().replace(/\s+/g, ' ');
  };
  const canonical = [req.method, canonicalUri, canonicalQuery, signed.map((h) => `${h}:${headerValue(h)}\n`).join(''), signedHeaders, payloadHash].join('\n');
  const scope = scopeParts.join('/');
  const toSign = ['AWS4-HMAC-SHA256', amzDate, scope, createHash('sha256').update(canonical).digest('hex')].join('\n');
  const [date, region, service] = scopeParts;
  const key = hmac(hmac(hmac(hmac(`AWS4${creds.secretAccessKey}`, date), region), service), 'aws4_request');
  return hmac(key, toSign).toString('hex') === signature ? null : 'SignatureDoesNotMatch';
}

async function readBody(req: http.IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}

export async function startS3Stub(o: S3StubOptions = {}): Promise<S3Stub> {
  const stub = {
    bucket: o.bucket ?? 'media',
    accessKeyId: o.accessKeyId ?? 'AKIDSTUB',
    secretAccessKey: o.secretAccessKey ?? 'stub/secret+key',
    objects: new Map<string, StubObject>(),
    uploads: new Map() as S3Stub['uploads'],
    log: [] as StubRequest[],
  };
  const checksums = o.checksums ?? true;
  const conditional = o.conditional ?? true;
  const multipart = o.multipart ?? true;

  async function handle(req: http.IncomingMessage, res: http.ServerResponse, entry: StubRequest): Promise<number> {
    const raw = req.url ?? '/';
    const path = decodeURIComponent(raw.split('?')[0]);
    const [, bucket, ...rest] = path.split('/');
    const key = rest.join('/');
    entry.key = key;
    const sigErr = verifySigV4(req, stub);
    if (sigErr) {
      await readBody(req);
      return xmlError(res, 403, sigErr === 'Request has expired' ? 'AccessDenied' : 'SignatureDoesNotMatch', sigErr);
    }
    if (bucket !== stub.bucket) return xmlError(res, 404, 'NoSuchBucket', bucket);
    const q = entry.query;
    const m = req.method;
    if (m === 'PUT' && q.partNumber && q.uploadId) {
      const up = stub.uploads.get(q.uploadId);
      const body = await readBody(req);
      if (!up || up.key !== key) return xmlError(res, 404, 'NoSuchUpload', q.uploadId);
      const etag = md5Etag(body);
      up.parts.set(Number(q.partNumber), { body, etag });
      res.writeHead(200, { ETag: etag }).end();
      return 200;
    }
    if (m === 'PUT') {
      const body = await readBody(req);
      if (conditional && req.headers['if-none-match'] === '*' && stub.objects.has(key)) return xmlError(res, 412, 'PreconditionFailed', key);
      const declared = checksums ? (req.headers['x-amz-checksum-sha256'] as string | undefined) ?? null : null;
      if (declared && createHash('sha256').update(body).digest('base64') !== declared) return xmlError(res, 400, 'BadDigest', 'sha256 mismatch');
      const meta = Object.fromEntries(Object.entries(req.headers).filter(([k]) => k.startsWith('x-amz-meta-'))) as Record<string, string>;
      const obj = { body, contentType: String(req.headers['content-type'] ?? 'binary/octet-stream'), checksum: declared, etag: md5Etag(body), meta };
      stub.objects.set(key, obj);
      res.writeHead(200, { ETag: obj.etag }).end();
      return 200;
    }
    if (m === 'HEAD' || m === 'GET') {
      const obj = stub.objects.get(key);
      if (!obj) return m === 'HEAD' ? (res.writeHead(404).end(), 404) : xmlError(res, 404, 'NoSuchKey', key);
      const h: Record<string, string | number> = { 'Content-Length': obj.body.length, ETag: obj.etag, 'Content-Type': obj.contentType, ...obj.meta };
      // GetObject's response-* overrides (signed into presigned download URLs), as S3 answers them
      if (q['response-content-disposition']) h['Content-Disposition'] = q['response-content-disposition'];
      if (q['response-content-type']) h['Content-Type'] = q['response-content-type'];
      if (obj.checksum && req.headers['x-amz-checksum-mode'] === 'ENABLED') h['x-amz-checksum-sha256'] = obj.checksum;
      res.writeHead(200, h);
      res.end(m === 'GET' ? obj.body : undefined);
      return 200;
    }
    if (m === 'DELETE') {
      if (q.uploadId !== undefined) {
        if (!stub.uploads.delete(q.uploadId)) return xmlError(res, 404, 'NoSuchUpload', q.uploadId);
      } else stub.objects.delete(key);
      res.writeHead(204).end();
      return 204;
    }
    if (m === 'POST' && !multipart) {
      await readBody(req);
      res.writeHead(405, { 'Content-Type': 'text/html' }).end('<html>405 Not Allowed</html>');
      return 405;
    }
    if (m === 'POST' && q.uploads !== undefined) {
      const id = `${randomBytes(12).toString('base64')}+/=`; // S3 upload ids need URL encoding
      stub.uploads.set(id, { key, contentType: String(req.headers['content-type'] ?? ''), parts: new Map() });
      res.writeHead(200, { 'Content-Type': 'application/xml' });
      res.end(`<InitiateMultipartUploadResult><Bucket>${bucket}</Bucket><Key>${key}</Key><UploadId>${id}</UploadId></InitiateMultipartUploadResult>`);
      return 200;
    }
    if (m === 'POST' && q.uploadId !== undefined) {
      const xml = (await readBody(req)).toString('utf8');
      const up = stub.uploads.get(q.uploadId);
      if (!up || up.key !== key) return xmlError(res, 404, 'NoSuchUpload', q.uploadId);
      const listed = [...xml.matchAll(/<Part><PartNumber>(\d+)<\/PartNumber><ETag>([^<]*)<\/ETag><\/Part>/g)].map((x) => ({ n: Number(x[1]), etag: x[2].replace(/&quot;/g, '"') }));
      const bodies: Buffer[] = [];
      for (const [i, p] of listed.entries()) {
        const part = up.parts.get(p.n);
        if (!part || part.etag !== p.etag) return xmlError(res, 400, 'InvalidPart', `part ${p.n}`);
        if (i > 0 && p.n <= listed[i - 1].n) return xmlError(res, 400, 'InvalidPartOrder', `part ${p.n}`);
        if (i < listed.length - 1 && part.body.length < 5 * MiB) return xmlError(res, 400, 'EntityTooSmall', `part ${p.n}`);
        bodies.push(part.body);
      }
      const body = Buffer.concat(bodies);
      const etag = `"${createHash('md5').update(body).digest('hex')}-${listed.length}"`;
      stub.objects.set(key, { body, contentType: up.contentType, checksum: null, etag });
      stub.uploads.delete(q.uploadId);
      res.writeHead(200, { 'Content-Type': 'application/xml' });
      res.end(`<CompleteMultipartUploadResult><Key>${key}</Key><ETag>${etag}</ETag></CompleteMultipartUploadResult>`);
      return 200;
    }
    await readBody(req);
    return xmlError(res, 405, 'MethodNotAllowed', String(m));
  }

  const server = http.createServer((req, res) => {
    const raw = req.url ?? '/';
    const params = new URLSearchParams(raw.includes('?') ? raw.slice(raw.indexOf('?') + 1) : '');
    const entry: StubRequest = {
      method: req.method ?? '',
      key: '',
      query: Object.fromEntries([...params].filter(([k]) => !k.startsWith('X-Amz-'))),
      auth: params.has('X-Amz-Signature') ? 'query' : req.headers.authorization ? 'header' : 'none',
      signedHeaders: (params.get('X-Amz-SignedHeaders') ?? /SignedHeaders=([^,]*)/.exec(req.headers.authorization ?? '')?.[1] ?? '').split(';').filter(Boolean),
      status: 0,
    };
    stub.log.push(entry);
    handle(req, res, entry).then(
      (status) => (entry.status = status),
      (e: unknown) => {
        entry.status = 500;
        if (!res.headersSent) res.writeHead(500).end(String(e));
      },
    );
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as AddressInfo).port;
  return {
    ...stub,
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}
