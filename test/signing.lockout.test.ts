import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_SIGNING_POLICY } from '../src/ceremony/signingService.js';
import { startTestService, type TestService } from './support/harness.js';

// A development instance (the code comes back in the response) on a clock the test sets. The code
// lives longer than the lock-out here, so only the lock-out itself can have made it unusable.
const policy = { ...DEFAULT_SIGNING_POLICY, codeTtlMs: 60 * 60_000 };
const MINUTE = 60_000;
let svc: TestService;
let now = new Date();

beforeAll(async () => {
  svc = await startTestService({ env: { NODE_ENV: 'development' }, overrides: { clock: () => now, signingPolicy: policy } });
});
afterAll(async () => {
  await svc?.stop();
});

const post = (token: string, action: string, body: unknown = {}) => svc.call(null, 'POST', `/api/v1/signing/${token}/${action}`, body);
const answer = async (res: Response) => ({ status: res.status, ...(res.status >= 400 ? { error: (await res.json()).error } : {}) });

describe('five wrong codes lock the signer and burn the code', () => {
  it('refuses the code that was valid before the lock-out, also after the lock has run out; a new code then signs', async () => {
    // Twenty minutes ago, so that the final signature happens at the real time the certificates see.
    const t0 = Date.now() - 20 * MINUTE;
    now = new Date(t0);
    const example = (await (await svc.call('workflow', 'GET', '/api/v1/templates/water-supply-contract')).json()).example;
    const created = await svc.call('workflow', 'POST', '/api/v1/contracts', { templateId: 'water-supply-contract', reference: 'LOCKOUT', variables: example });
    expect(created.status).toBe(201);
    const contract = await created.json();
    const token = contract.signers[0].signingUrl.split('/').pop();
    const { developmentCode: code } = await (await post(token, 'otp')).json();
    const wrong = code === '000000' ? '000001' : '000000';

    const guesses: Array<{ status: number; error?: { code: string; attemptsLeft?: number; retryAfterSeconds?: number } }> = [];
    for (let i = 0; i < 5; i++) guesses.push(await answer(await post(token, 'sign', { otp: wrong, consent: true })));
    expect(guesses.map((g) => [g.status, g.error?.code, g.error?.attemptsLeft ?? g.error?.retryAfterSeconds])).toEqual([
      [422, 'wrong_code', 4], [422, 'wrong_code', 3], [422, 'wrong_code', 2], [422, 'wrong_code', 1],
      [429, 'signer_locked', 900],
    ]);

    // During the lock neither the right code nor a new one is accepted, and the wait counts down.
    now = new Date(t0 + MINUTE);
    expect(await answer(await post(token, 'sign', { otp: code, consent: true }))).toMatchObject({ status: 429, error: { code: 'signer_locked', retryAfterSeconds: 840 } });
    expect(await answer(await post(token, 'otp'))).toMatchObject({ status: 429, error: { code: 'signer_locked', retryAfterSeconds: 840 } });
    now = new Date(t0 + 15 * MINUTE - 1_000);
    expect(await answer(await post(token, 'sign', { otp: code, consent: true }))).toMatchObject({ status: 429, error: { code: 'signer_locked', retryAfterSeconds: 1 } });

    // The lock has run out; the code would still be within its lifetime, but the lock-out burnt it.
    now = new Date(t0 + 15 * MINUTE);
    expect(await answer(await post(token, 'sign', { otp: code, consent: true }))).toMatchObject({ status: 400, error: { code: 'code_not_requested' } });
    const fresh = await post(token, 'otp');
    expect(fresh.status).toBe(202);
    const { developmentCode: next } = await fresh.json();
    // The count started again with the lock: one wrong guess leaves four.
    const again = await post(token, 'sign', { otp: next === wrong ? code : wrong, consent: true });
    expect(await answer(again)).toMatchObject({ status: 422, error: { code: 'wrong_code', attemptsLeft: 4 } });

    now = new Date(t0 + 20 * MINUTE);
    const signed = await post(token, 'sign', { otp: next, consent: true });
    expect(signed.status).toBe(200);
    const trail = (await (await svc.call('auditor', 'GET', `/api/v1/contracts/${contract.id}/events`)).json()) as { events: Array<{ type: string; data: Record<string, unknown> }> };
    const codeEvents = trail.events.filter((e) => e.type.startsWith('signer.code') || e.type === 'signer.locked');
    expect(codeEvents.map((e) => [e.type, e.data.failures ?? null])).toEqual([
      ['signer.code_sent', null],
      ['signer.code_failed', 1], ['signer.code_failed', 2], ['signer.code_failed', 3], ['signer.code_failed', 4],
      ['signer.locked', 5],
      ['signer.code_sent', null],
      ['signer.code_failed', 1],
    ]);
    expect(trail.events.filter((e) => e.type === 'signer.signed').map((e) => e.data.role)).toEqual(['applicant', 'utility']);
  });

  it('burns an earlier code as well, which would otherwise become the latest again after the lock', async () => {
    const t0 = Date.now() - 20 * MINUTE;
    now = new Date(t0);
    const example = (await (await svc.call('workflow', 'GET', '/api/v1/templates/water-supply-contract')).json()).example;
    const contract = await (await svc.call('workflow', 'POST', '/api/v1/contracts', { templateId: 'water-supply-contract', reference: 'LOCKOUT-2', variables: example })).json();
    const token = contract.signers[0].signingUrl.split('/').pop();
    const { developmentCode: first } = await (await post(token, 'otp')).json();
    now = new Date(t0 + MINUTE);
    const { developmentCode: second } = await (await post(token, 'otp')).json();
    const wrong = ['000000', '000001', '000002'].find((c) => c !== first && c !== second)!;
    for (let i = 0; i < 5; i++) await post(token, 'sign', { otp: wrong, consent: true });
    now = new Date(t0 + 16 * MINUTE);
    expect(await answer(await post(token, 'sign', { otp: first, consent: true }))).toMatchObject({ status: 400, error: { code: 'code_not_requested' } });
    expect(await answer(await post(token, 'sign', { otp: second, consent: true }))).toMatchObject({ status: 400, error: { code: 'code_not_requested' } });
  });
});
