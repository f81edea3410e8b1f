import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_SIGNING_POLICY } from '../src/ceremony/signingService.js';
import { startTestService, type TestService } from './support/harness.js';

// signWithCode on the real service (in-process, real PostgreSQL) under a policy unlike the default,
// so that the limits in the answers can only come from the policy: 3 failures, a 10-minute lock,
// codes valid for 2 minutes. Each test makes its own contract and sets the clock itself.
const MINUTE = 60_000;
const policy = { ...DEFAULT_SIGNING_POLICY, codeTtlMs: 2 * MINUTE, maxFailures: 3, lockMs: 10 * MINUTE };
let svc: TestService;
let now = new Date();

beforeAll(async () => {
  svc = await startTestService({ env: { NODE_ENV: 'development' }, overrides: { clock: () => now, signingPolicy: policy } });
});
afterAll(async () => {
  await svc?.stop();
});

const post = (token: string, action: string, body: unknown = {}) => svc.call(null, 'POST', `/api/v1/signing/${token}/${action}`, body);

/** The status and the error without its request id. */
async function answer(res: Response) {
  if (res.status < 400) return { status: res.status };
  const { requestId: _, ...error } = (await res.json()).error;
  return { status: res.status, error };
}

async function firstSigner(reference: string) {
  const example = (await (await svc.call('workflow', 'GET', '/api/v1/templates/water-supply-contract')).json()).example;
  const created = await svc.call('workflow', 'POST', '/api/v1/contracts', { templateId: 'water-supply-contract', reference, variables: example });
  expect(created.status).toBe(201);
  const contract = await created.json();
  return { contractId: contract.id as string, signerId: contract.signers[0].id as string, token: contract.signers[0].signingUrl.split('/').pop() as string };
}

async function sendCode(token: string): Promise<string> {
  const res = await post(token, 'otp');
  expect(res.status).toBe(202);
  return (await res.json()).developmentCode;
}

const sign = async (token: string, otp: string) => answer(await post(token, 'sign', { otp, consent: true }));
const otherThan = (...codes: string[]) => ['000000', '000001', '000002'].find((c) => !codes.includes(c))!;
const wrongCode = (left: number) => ({
  status: 422,
  error: { code: 'wrong_code', message: `The code is not correct; ${left} attempts left`, attemptsLeft: left },
});

async function eventCertificates(signerId: string) {
  const res = await svc.database.db.query<{ kind: string; status: string }>('SELECT kind, status FROM certificates WHERE signer_id = $1', [signerId]);
  return res.rows;
}

async function codeEvents(contractId: string) {
  const res = await svc.call('auditor', 'GET', `/api/v1/contracts/${contractId}/events`);
  const { events } = (await res.json()) as { events: Array<{ type: string; actor: { type: string; id: string }; data: Record<string, unknown> }> };
  return events.filter((e) => e.type.startsWith('signer.code') || e.type === 'signer.locked');
}

describe('signing with the one-time code', () => {
  it('asks for a code when none was sent', async () => {
    now = new Date(Date.now() - 60 * MINUTE);
    const { token } = await firstSigner('CODE-NONE');
    expect(await sign(token, '123456')).toEqual({
      status: 400,
      error: { code: 'code_not_requested', message: 'Request a code first (POST …/otp)' },
    });
  });

  it('does not sign with a code sent for reading a signed contract again (purpose access)', async () => {
    now = new Date(Date.now() - 60 * MINUTE);
    const { token, signerId } = await firstSigner('CODE-ACCESS');
    const code = await sendCode(token);
    await svc.database.db.query(`UPDATE otp_challenges SET purpose = 'access' WHERE signer_id = $1`, [signerId]);
    expect(await sign(token, code)).toMatchObject({ status: 400, error: { code: 'code_not_requested' } });
    await svc.database.db.query(`UPDATE otp_challenges SET purpose = 'act' WHERE signer_id = $1`, [signerId]);
    expect(await sign(token, code)).toEqual({ status: 200 });
  });

  it('takes a wrong code up to the last millisecond of its lifetime, refuses the right one at its end, and counts only the wrong one', async () => {
    const t0 = Date.now() - 60 * MINUTE;
    now = new Date(t0);
    const { token } = await firstSigner('CODE-EXPIRY');
    const code = await sendCode(token);
    now = new Date(t0 + policy.codeTtlMs - 1);
    expect(await sign(token, otherThan(code))).toEqual(wrongCode(2));
    now = new Date(t0 + policy.codeTtlMs);
    expect(await sign(token, code)).toEqual({
      status: 422,
      error: { code: 'code_expired', message: 'The code has expired; request a new one' },
    });
    // The expired attempt was not compared, so it did not count: one failure so far.
    const next = await sendCode(token);
    expect(await sign(token, otherThan(code, next))).toEqual(wrongCode(1));
  });

  it('locks the signer on the policy\'s last failure for the policy\'s wait, records each failure, and burns the code', async () => {
    const t0 = Date.now() - 60 * MINUTE;
    now = new Date(t0);
    const { contractId, signerId, token } = await firstSigner('CODE-LOCK');
    const code = await sendCode(token);
    const wrong = otherThan(code);
    expect(await sign(token, wrong)).toEqual(wrongCode(2));
    expect(await sign(token, wrong)).toEqual(wrongCode(1));
    expect(await sign(token, wrong)).toEqual({
      status: 429,
      error: { code: 'signer_locked', message: 'Too many wrong codes; try again in 10 minutes', retryAfterSeconds: 600 },
    });
    // The lock runs from the failure that set it.
    now = new Date(t0 + MINUTE);
    expect(await sign(token, code)).toMatchObject({ status: 429, error: { code: 'signer_locked', retryAfterSeconds: 540 } });
    // After the wait the code is gone (burnt by the lock), not merely expired.
    now = new Date(t0 + policy.lockMs);
    expect(await sign(token, code)).toMatchObject({ status: 400, error: { code: 'code_not_requested' } });

    const events = await codeEvents(contractId);
    const challengeId = events[0].data.challengeId;
    expect(events.map((e) => [e.type, e.actor, e.data])).toEqual([
      ['signer.code_sent', { type: 'signer', id: signerId }, { signerId, challengeId, to: expect.any(String), purpose: 'act' }],
      ['signer.code_failed', { type: 'signer', id: signerId }, { signerId, challengeId, failures: 1 }],
      ['signer.code_failed', { type: 'signer', id: signerId }, { signerId, challengeId, failures: 2 }],
      ['signer.locked', { type: 'signer', id: signerId }, { signerId, challengeId, failures: 3 }],
    ]);
  });

  it('refuses a code a concurrent signature has just used, without counting a failure', async () => {
    const t0 = Date.now() - 60 * MINUTE;
    now = new Date(t0);
    const { signerId, token } = await firstSigner('CODE-USED');
    const code = await sendCode(token);
    // What a concurrent request that signed with this code leaves behind once this one holds the row lock.
    await svc.database.db.query('UPDATE otp_challenges SET used_at = $2 WHERE signer_id = $1', [signerId, new Date(t0 + 1000)]);
    now = new Date(t0 + 2000);
    expect(await sign(token, code)).toEqual({
      status: 409,
      error: { code: 'code_already_used', message: 'This code has already been used; request a new one' },
    });
    const failures = await svc.database.db.query<{ failed_attempts: number }>('SELECT failed_attempts FROM signers WHERE id = $1', [signerId]);
    expect(failures.rows).toEqual([{ failed_attempts: 0 }]);
    // Refused before any signing work: no certificate was issued in the signer's name.
    expect(await eventCertificates(signerId)).toEqual([]);
  });

  it('signs with the right code, which then cannot be used again', async () => {
    // The real time: the signature's certificates and timestamp see it.
    now = new Date();
    const { signerId, token } = await firstSigner('CODE-RIGHT');
    const code = await sendCode(token);
    expect(await sign(token, code)).toEqual({ status: 200 });
    expect(await sign(token, code)).toMatchObject({ status: 409, error: { code: 'already_signed' } });
    expect(await eventCertificates(signerId)).toEqual([{ kind: 'event', status: 'good' }]);
  });
});
