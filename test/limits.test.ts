import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { gzipSync } from 'node:zlib';
import { startTestService, TEST_KEYS, type TestService } from './support/harness.js';
import { createRateLimiter } from '../src/http/rateLimit.js';
import { deepCatalogPdf } from './helpers/attackCorpus.js';
import { ASSET_VERSION } from '../src/web/assets.js';

describe('token buckets', () => {
  it('allows a burst of perMinute, then refills at perMinute/60 per second, and stays bounded in keys', () => {
    let t = 0;
    const limiter = createRateLimiter(30, { now: () => t, maxKeys: 100 });
    for (let i = 0; i < 30; i++) expect(limiter.take('k')).toBe(0);
    expect(limiter.take('k')).toBe(2);
    t += 2_000;
    expect(limiter.take('k')).toBe(0);
    expect(limiter.take('k')).toBe(2);
    for (let i = 0; i < 1_000; i++) limiter.take(`flood-${i}`);
    expect(limiter.size).toBeLessThanOrEqual(100);
  });
});

describe('rate limits and shutdown over HTTP', () => {
  let svc: TestService;
  beforeAll(async () => {
    svc = await startTestService({
      env: { RATE_LIMIT_API_KEY_PER_MINUTE: '8', RATE_LIMIT_SIGNING_TOKEN_PER_MINUTE: '3', RATE_LIMIT_SIGNING_IP_PER_MINUTE: '1000' },
    });
  });
  afterAll(async () => {
    await svc?.stop();
  });

  it('answers 429 rate_limited with Retry-After per signing link, without touching other links', async () => {
    const token = 'x'.repeat(43);
    const statuses = [];
    for (let i = 0; i < 4; i++) statuses.push((await svc.call(null, 'POST', `/api/v1/signing/${token}/otp`, {})).status);
    expect(statuses).toEqual([404, 404, 404, 429]);
    const limited = await svc.call(null, 'POST', `/api/v1/signing/${token}/sign`, { otp: '123456', consent: true });
    expect(limited.status).toBe(429);
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0);
    expect((await limited.json()).error.code).toBe('rate_limited');
    // Reading a link has its own, larger budget; another link is unaffected.
    expect((await svc.call(null, 'GET', `/api/v1/signing/${token}`)).status).toBe(404);
    expect((await svc.call(null, 'POST', `/api/v1/signing/${'y'.repeat(43)}/otp`, {})).status).toBe(404);
  });

  it('answers 429 rate_limited per API key; other keys keep their budget', async () => {
    const statuses = [];
    for (let i = 0; i < 9; i++) statuses.push((await svc.call('auditor', 'GET', '/api/v1/templates')).status);
    expect(statuses).toEqual([...Array(8).fill(200), 429]);
    expect((await svc.call('workflow', 'GET', '/api/v1/templates')).status).toBe(200);
  });

  it('refuses new requests with 503 shutting_down and reports not ready once draining', async () => {
    // An instance of its own: draining never ends, and the other tests need theirs answering.
    const draining = await startTestService();
    try {
      draining.service.drain.begin();
      const res = await draining.call('workflow', 'GET', '/api/v1/templates');
      expect(res.status).toBe(503);
      expect(res.headers.get('connection')).toBe('close');
      expect((await res.json()).error.code).toBe('shutting_down');
      expect((await draining.call(null, 'GET', '/readyz')).status).toBe(503);
      expect((await draining.call(null, 'GET', '/healthz')).status).toBe(200);
    } finally {
      await draining.stop();
    }
  });
});

describe('public pages and the public verify endpoint', () => {
  let svc: TestService;
  beforeAll(async () => {
    svc = await startTestService({ env: { RATE_LIMIT_SIGNING_IP_PER_MINUTE: '4' } });
  });
  afterAll(async () => {
    await svc?.stop();
  });

  it('budgets requests per client address, with no key or token to count by', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 6; i++) {
      const res = await fetch(`${svc.url}/verify/report`, { method: 'POST', headers: { 'content-type': 'application/pdf' }, body: 'not a pdf' });
      statuses.push(res.status);
      if (res.status === 429) {
        expect(res.headers.get('retry-after')).toMatch(/^\d+$/);
        expect((await res.json()).error.code).toBe('rate_limited');
      }
    }
    expect(statuses.slice(0, 4).every((s) => s !== 429)).toBe(true);
    expect(statuses.slice(4)).toEqual([429, 429]);
  });
});

describe('input nobody should send: a 4xx with a code, never a 500', () => {
  let svc: TestService;
  beforeAll(async () => {
    svc = await startTestService();
  });
  afterAll(async () => {
    await svc?.stop();
  });
  const errorOf = async (res: Response) => [res.status, (await res.json()).error.code];

  it('a PDF whose catalog is nested deeper than 64 levels: 422 too_complex, on the API and the public page', async () => {
    const pdf = new Uint8Array(deepCatalogPdf(65));
    const headers = { 'content-type': 'application/pdf' };
    expect(await errorOf(await fetch(`${svc.url}/api/v1/verify`, { method: 'POST', headers: { ...headers, authorization: `Bearer ${TEST_KEYS.auditor}` }, body: pdf }))).toEqual([422, 'pdf_too_complex']);
    expect(await errorOf(await fetch(`${svc.url}/verify/report`, { method: 'POST', headers, body: pdf }))).toEqual([422, 'pdf_too_complex']);
  });

  it('JSON nested deeper than 64 levels, with or without an Idempotency-Key: 400 json_too_deep', async () => {
    // A contract action hashes the body for its Idempotency-Key before anything else reads it.
    const nested = (levels: number) => `{"reason":"x","more":${'{"a":'.repeat(levels - 1)}1${'}'.repeat(levels - 1)}}`;
    const deep = nested(100_000);
    const voidCall = (body: string, key?: string) =>
      svc.call('workflow', 'POST', '/api/v1/contracts/no-such-contract/void', body, key ? { 'idempotency-key': key } : {});
    expect(await errorOf(await voidCall(deep, 'deep-1'))).toEqual([400, 'json_too_deep']);
    expect(await errorOf(await voidCall(deep))).toEqual([400, 'json_too_deep']);
    expect(await errorOf(await svc.call(null, 'POST', `/api/v1/signing/${'x'.repeat(43)}/otp`, nested(1_000)))).toEqual([400, 'json_too_deep']);
    // 64 levels is within the limit (the call itself answers), 65 is not.
    expect(await errorOf(await voidCall(nested(64), 'deep-2'))).toEqual([404, 'contract_not_found']);
    expect(await errorOf(await voidCall(nested(65), 'deep-3'))).toEqual([400, 'json_too_deep']);
  });

  it('a body that is not what its Content-Encoding says: 400 invalid_content_encoding; an unknown encoding or charset: 415', async () => {
    const gzip = { 'content-encoding': 'gzip' };
    expect(await errorOf(await svc.call('workflow', 'POST', '/api/v1/contracts', { templateId: 'x' }, gzip))).toEqual([400, 'invalid_content_encoding']);
    const pdf = await fetch(`${svc.url}/verify/report`, { method: 'POST', headers: { 'content-type': 'application/pdf', ...gzip }, body: '%PDF-1.7 not gzip' });
    expect(await errorOf(pdf)).toEqual([400, 'invalid_content_encoding']);
    // Half a gzip stream is as broken as none.
    const half = new Uint8Array(gzipSync(JSON.stringify({ templateId: 'x' })).subarray(0, 12));
    const truncated = await fetch(`${svc.url}/api/v1/contracts`, { method: 'POST', headers: { authorization: `Bearer ${TEST_KEYS.workflow}`, 'content-type': 'application/json', ...gzip }, body: half });
    expect(await errorOf(truncated)).toEqual([400, 'invalid_content_encoding']);
    expect(await errorOf(await svc.call('workflow', 'POST', '/api/v1/contracts', { templateId: 'x' }, { 'content-encoding': 'compress' }))).toEqual([415, 'unsupported_encoding']);
    expect(await errorOf(await svc.call('workflow', 'POST', '/api/v1/contracts', { templateId: 'x' }, { 'content-type': 'application/json; charset=iso-8859-1' }))).toEqual([415, 'unsupported_charset']);
  });

  it('a missing asset: 404 asset_not_found', async () => {
    const missing = await fetch(`${svc.url}/assets/missing.js?v=${ASSET_VERSION}`);
    expect(missing.headers.get('cache-control')).toBeNull();
    expect(await errorOf(missing)).toEqual([404, 'asset_not_found']);
    expect(await errorOf(await fetch(`${svc.url}/assets/pdfjs/missing.mjs`))).toEqual([404, 'asset_not_found']);
    expect(await errorOf(await fetch(`${svc.url}/assets/v/${ASSET_VERSION}/../../package.json`))).toEqual([404, 'asset_not_found']);
    expect((await fetch(`${svc.url}/assets/app.css`)).status).toBe(200);
  });

  it('a URL parameter whose percent-encoding does not decode: 400 invalid_url_encoding', async () => {
    expect(await errorOf(await svc.call('auditor', 'GET', '/api/v1/contracts/%E0%A4%A'))).toEqual([400, 'invalid_url_encoding']);
  });

  it('a Range on an asset: the whole file (assets are small and sent compressed, ranges would not help)', async () => {
    const res = await fetch(`${svc.url}/assets/app.css`, { headers: { range: 'bytes=99999999-' } });
    expect(res.status).toBe(200);
    expect(res.headers.get('accept-ranges')).toBe('none');
  });
});
