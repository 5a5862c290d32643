/** Issue 14: the --verbose / DEBUG=piximmo request log never shows a credential of a signed URL. */
import { afterEach, describe, expect, it } from 'vitest';
import { redactUrl, requestLogEnabled, setVerbose } from '../../src/api/request-log.js';

describe('request log', () => {
  afterEach(() => setVerbose(false));

  it('redacts the local upload token and the SigV4 secrets, keeps the rest', () => {
    expect(redactUrl('http://127.0.0.1:8787/upload/eyJhbGciOi.abc.def')).toBe('http://127.0.0.1:8787/upload/…');
    const s3 = redactUrl(
      'https://acct.r2.cloudflarestorage.com/piximmo-media/o/ORD-1/a.jpg?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKIA%2F20250101%2Fauto&X-Amz-Date=20250101T000000Z&X-Amz-Expires=300&X-Amz-Signature=deadbeef&partNumber=2',
    );
    expect(s3).toContain('/piximmo-media/o/ORD-1/a.jpg?');
    expect(s3).toContain('X-Amz-Signature=…');
    expect(s3).toContain('X-Amz-Credential=…');
    expect(s3).toContain('partNumber=2');
    expect(s3).not.toMatch(/deadbeef|AKIA/);
    expect(redactUrl('not a url')).toBe('(url)');
  });

  it('is on with --verbose or DEBUG naming piximmo', () => {
    expect(requestLogEnabled({})).toBe(false);
    expect(requestLogEnabled({ DEBUG: 'express' })).toBe(false);
    for (const d of ['piximmo', 'piximmo:*', '*', 'express,piximmo', 'a piximmo']) expect(requestLogEnabled({ DEBUG: d })).toBe(true);
    setVerbose(true);
    expect(requestLogEnabled({})).toBe(true);
  });
});
