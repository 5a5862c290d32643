/**
 * S3 signer (src/server/signers/s3.ts): the SigV4 query-signing core against AWS's published
 * presigned-URL example, and the shape of the URLs the signer hands out. Pure: no server.
 */
import { describe, expect, it } from 'vitest';
import { presignS3, S3Signer } from '../../src/server/signers/s3.js';

const AWS_EXAMPLE = {
  accessKeyId: 'AKIAIOSFODNN7EXAMPLE',
  secretAccessKey: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY',
  region: 'us-east-1',
};

describe('SigV4 query signing', () => {
  it("reproduces AWS's presigned-URL example (GET examplebucket/test.txt, 2013-05-24, 86400 s)", async () => {
    const url = new URL(
      await presignS3(AWS_EXAMPLE, {
        method: 'GET',
        url: 'https://examplebucket.s3.amazonaws.com/test.txt',
        expiresSeconds: 86400,
        now: new Date('2013-05-24T00:00:00Z'),
      }),
    );
    expect(url.searchParams.get('X-Amz-Signature')).toBe('aeeed9bbccd4d02ee5c0109b86d86835f995330da4c265957d157751f604d404');
    expect(url.searchParams.get('X-Amz-Credential')).toBe('AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request');
    expect(url.searchParams.get('X-Amz-SignedHeaders')).toBe('host');
    expect(url.searchParams.get('X-Amz-Expires')).toBe('86400');
  });
});

describe('S3Signer', () => {
  const signer = new S3Signer({
    endpoint: 'https://acc.r2.cloudflarestorage.com',
    bucket: 'piximmo-media',
    region: 'auto',
    accessKeyId: 'AKID',
    secretAccessKey: 'SECRET',
  });
  const base = {
    intentId: 'in_1',
    objectKey: 'user/alice/orders/ORD-1/raw/2025-11-10_SH123_livingroom_g003_v1.heic',
    bytes: 10,
    mime: 'image/heic',
    origin: 'http://ignored',
  };

  it('signs a single PUT with Content-Type, If-None-Match: * and the checksum header', async () => {
    const checksum = 'b94d27b9934d3e08a52e52d7da7dabfac484efe37a5380ee9088f7ace2efcde9'; // sha256("hello world")
    const expiresAt = new Date(Date.now() + 300_000);
    const s = await signer.signPut({ ...base, checksum, expiresAt });
    const u = new URL(s.url);
    expect(u.origin + u.pathname).toBe(`https://acc.r2.cloudflarestorage.com/piximmo-media/${base.objectKey}`);
    expect(s.headers).toEqual({
      'Content-Type': 'image/heic',
      'If-None-Match': '*',
      'x-amz-checksum-sha256': 'uU0nuZNNPgilLlLX2n2r+sSE7+N6U4DukIj3rOLvzek=',
    });
    expect(u.searchParams.get('X-Amz-SignedHeaders')).toBe('content-type;host;if-none-match;x-amz-checksum-sha256');
    expect(Number(u.searchParams.get('X-Amz-Expires'))).toBeGreaterThanOrEqual(299);
    expect(Number(u.searchParams.get('X-Amz-Expires'))).toBeLessThanOrEqual(300);
    expect(u.searchParams.get('X-Amz-Signature')).toMatch(/^[0-9a-f]{64}$/);
  });

  it('signs UploadPart URLs with partNumber and uploadId', async () => {
    const url = new URL(
      await signer.signPart({ ...base, uploadId: 'up+/=1', partNumber: 3, bytes: 5, expiresAt: new Date(Date.now() + 300_000) }),
    );
    expect(url.searchParams.get('partNumber')).toBe('3');
    expect(url.searchParams.get('uploadId')).toBe('up+/=1');
    expect(url.searchParams.get('X-Amz-SignedHeaders')).toBe('host');
  });

  it('ifNoneMatch: false leaves If-None-Match out of headers and signature (sinks that reject the conditional)', async () => {
    const plain = new S3Signer({ endpoint: 'http://127.0.0.1:9000/', bucket: 'b', region: 'auto', accessKeyId: 'AKID', secretAccessKey: 'S', ifNoneMatch: false });
    const s = await plain.signPut({ ...base, checksum: null, expiresAt: new Date(Date.now() + 300_000) });
    expect(s.headers).toEqual({ 'Content-Type': 'image/heic' });
    const u = new URL(s.url);
    expect(u.origin + u.pathname).toBe(`http://127.0.0.1:9000/b/${base.objectKey}`);
    expect(u.searchParams.get('X-Amz-SignedHeaders')).toBe('content-type;host');
  });
});
