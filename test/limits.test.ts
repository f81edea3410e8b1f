import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestService, type TestService } from './support/harness.js';
import { createRateLimiter } from '../src/http/rateLimit.js';

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
    expect(statuses.slice(0, 8).every((s) => s === 200)).toBe(true);
    expect(statuses[8]).toBe(429);
    expect((await svc.call('workflow', 'GET', '/api/v1/templates')).status).toBe(200);
  });

  it('refuses new requests with 503 shutting_down and reports not ready once draining', async () => {
    svc.service.drain.begin();
    const res = await svc.call('workflow', 'GET', '/api/v1/templates');
    expect(res.status).toBe(503);
    expect(res.headers.get('connection')).toBe('close');
    expect((await res.json()).error.code).toBe('shutting_down');
    expect((await svc.call(null, 'GET', '/readyz')).status).toBe(503);
    expect((await svc.call(null, 'GET', '/healthz')).status).toBe(200);
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
