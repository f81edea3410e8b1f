import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../src/logger.js';
import { startTestService, TEST_KEYS, type TestService } from './support/harness.js';

// A development instance without SMS gateway, logging at debug level into memory, on a movable clock.
let svc: TestService;
const logLines: string[] = [];
let offsetMs = 0;

beforeAll(async () => {
  const sink = new Writable({
    write(chunk, _enc, done) {
      logLines.push(chunk.toString());
      done();
    },
  });
  const log = createLogger('debug', sink);
  svc = await startTestService({
    env: { NODE_ENV: 'development', SIGNING_LINK_TTL_HOURS: '1' },
    log,
    overrides: { clock: () => new Date(Date.now() + offsetMs) },
  });
});
afterAll(async () => {
  await svc?.stop();
});

async function newContract() {
  const example = (await (await svc.call('workflow', 'GET', '/api/v1/templates/water-supply-contract')).json()).example;
  const res = await svc.call('workflow', 'POST', '/api/v1/contracts', { templateId: 'water-supply-contract', reference: 'SECRETS', variables: example });
  expect(res.status).toBe(201);
  return { contract: await res.json(), example };
}

const post = (token: string, action: string, body: unknown) => svc.call(null, 'POST', `/api/v1/signing/${token}/${action}`, body);

describe('secrets stay secret', () => {
  it('never logs or returns the code, the ID number, a private key, the signing token or an API key', async () => {
    const { contract, example } = await newContract();
    const token = contract.signers[0].signingUrl.split('/').pop();
    const sent = await (await post(token, 'otp', {})).json();
    // Development mode without SMS gateway: the code comes back in the response, and only there.
    expect(sent.developmentCode).toMatch(/^\d{6}$/);
    const signed = await post(token, 'sign', { otp: sent.developmentCode, consent: true });
    expect(signed.status).toBe(200);
    const body = await signed.text();
    expect(body).not.toMatch(/PRIVATE KEY|privateKey/);

    const logs = logLines.join('');
    expect(logs).toContain('SMS not sent: no SMS gateway configured');
    expect(logs).not.toContain(sent.developmentCode);
    expect(logs).not.toContain(example.applicant.idNumber);
    expect(logs).not.toContain(example.applicant.mobile);
    // Request lines are logged, with the token cut out of the URL.
    expect(logs).toContain('/api/v1/signing/[token]/sign');
    expect(logs).not.toContain(token);
    expect(logs).not.toMatch(/PRIVATE KEY/);
    for (const key of Object.values(TEST_KEYS)) expect(logs).not.toContain(key);
  });

  it('never logs a console set-up link or the identity provider\'s code', async () => {
    const created = await (await svc.call('admin', 'POST', '/api/v1/organisations/default/users', { username: 'log.check', displayName: '日志', roles: ['clerk'] })).json();
    const setupToken = created.setupUrl.split('/').pop();
    expect((await fetch(created.setupUrl)).status).toBe(200);
    await fetch(`${svc.url}/console/sso/callback?code=idp-code-abcdef&state=s`);
    const logs = logLines.join('');
    expect(logs).toContain('/console/setup/[token]');
    expect(logs).not.toContain(setupToken);
    expect(logs).not.toContain('idp-code-abcdef');
    expect(JSON.stringify(created)).not.toMatch(/scrypt|totp_secret/);
  });

  it('expires a code after five minutes and a link after its lifetime and the deadline', async () => {
    const { contract } = await newContract();
    const token = contract.signers[0].signingUrl.split('/').pop();
    const sent = await (await post(token, 'otp', {})).json();
    offsetMs = 5 * 60_000 + 1_000;
    try {
      const late = await post(token, 'sign', { otp: sent.developmentCode, consent: true });
      expect(late.status).toBe(422);
      expect((await late.json()).error.code).toBe('code_expired');
      // The link lives for SIGNING_LINK_TTL_HOURS, but never less than the contract's deadline.
      offsetMs = 30 * 86_400_000;
      const expired = await svc.call(null, 'GET', `/api/v1/signing/${token}`);
      expect(expired.status).toBe(410);
      expect((await expired.json()).error.code).toBe('signing_link_expired');
    } finally {
      offsetMs = 0;
    }
  });
});
