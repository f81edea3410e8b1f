import { describe, expect, it } from 'vitest';
import { backoffSeconds, RETRY_SCHEDULE_SECONDS, signatureHeader } from '../src/webhooks/webhookDelivery.js';

describe('retry backoff', () => {
  it('waits the scheduled delay after the n-th failed attempt when the jitter is centred', () => {
    const delays = RETRY_SCHEDULE_SECONDS.map((_, i) => backoffSeconds(i + 1, () => 0.5));
    expect(delays).toEqual([10, 30, 120, 600, 1800, 3600, 7200, 14_400, 21_600, 28_800]);
  });

  it('repeats the last delay after the schedule runs out', () => {
    expect(backoffSeconds(11, () => 0.5)).toBe(28_800);
    expect(backoffSeconds(40, () => 0.5)).toBe(28_800);
  });

  it('treats zero or a negative count as the first failure', () => {
    expect(backoffSeconds(0, () => 0.5)).toBe(10);
    expect(backoffSeconds(-2, () => 0.5)).toBe(10);
  });

  it('spreads the delay by ±10 % and keeps milliseconds', () => {
    expect(backoffSeconds(3, () => 0)).toBe(108);
    expect(backoffSeconds(3, () => 1)).toBe(132);
    expect(backoffSeconds(3, () => 0.25)).toBe(114);
    // 10 s × (0.9 + 0.2 × 0.123456) = 9.2469120 s, rounded to the millisecond.
    expect(backoffSeconds(1, () => 0.123456)).toBe(9.247);
    expect(backoffSeconds(1, () => 0.1232)).toBe(9.246);
  });
});

describe('webhook signature header', () => {
  // printf '%s' '<t>.{"id":"evt_1","type":"contract.created"}' | openssl dgst -sha256 -hmac whsec_0123456789abcdef
  const body = '{"id":"evt_1","type":"contract.created"}';

  it('is "t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<raw body>">"', () => {
    expect(signatureHeader('whsec_0123456789abcdef', 1767225600, body)).toBe(
      't=1767225600,v1=ebee2784ade54a4355e309acb60141bdaae02582b4e454cd5574818018c71980',
    );
  });

  it('signs the timestamp, so a request replayed with another one no longer verifies', () => {
    expect(signatureHeader('whsec_0123456789abcdef', 1767225601, body)).toBe(
      't=1767225601,v1=79b2f5ef47cd669d326548dacaa326049ed7a568c6e4bd2a6bd139bf232efab5',
    );
  });
});
