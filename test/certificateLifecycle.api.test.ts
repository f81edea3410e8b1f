import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { JourneyError, runJourney } from '../bench/journey.js';
import { creditCodeCheckCharacter } from '../src/organisations/creditCode.js';
import { startTestService, TEST_KEYS, type TestService } from './support/harness.js';
import { timestampRequest } from './helpers/tsaRequest.js';

// Service certificates have a lifecycle: the CAs cannot be revoked through the API; a revoked TSA, OCSP
// responder or organisation certificate signs nothing more (on every instance) until it is rotated, and
// rotation changes keys without downtime while earlier signatures keep verifying.

const ORG = {
  id: 'second-utility',
  name: '三亚第二供水有限公司',
  creditCode: `91460200620000999${creditCodeCheckCharacter('91460200620000999')}`,
  address: '海南省三亚市海棠区 8 号',
  phone: '0898-88330000',
  contractNumberPrefix: 'SYDE',
};

/** A licensed CA of the organisation's choosing, which the verifier here is told to trust, and the organisation's certificate from it. */
const external = mkdtempSync(path.join(os.tmpdir(), 'esign-external-ca-'));
const openssl = (...args: string[]) => execFileSync('openssl', args, { cwd: external, stdio: 'pipe' });
function externalCa(): void {
  openssl('req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', 'ca.key', '-out', 'ca.pem', '-days', '30',
    '-subj', '/C=CN/O=Licensed CA/CN=Licensed Test CA', '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign');
  const leaf = (name: string, subject: string) => {
    openssl('req', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', `${name}.key`, '-out', `${name}.csr`, '-utf8', '-subj', subject);
    writeFileSync(path.join(external, 'ext.cnf'), 'basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature,nonRepudiation\n');
    openssl('x509', '-req', '-in', `${name}.csr`, '-CA', 'ca.pem', '-CAkey', 'ca.key', '-CAcreateserial', '-out', `${name}.pem`, '-days', '30', '-extfile', 'ext.cnf');
    openssl('pkcs12', '-export', '-inkey', `${name}.key`, '-in', `${name}.pem`, '-certfile', 'ca.pem', '-out', `${name}.p12`, '-passout', 'pass:p12-secret');
  };
  leaf('org', `/C=CN/O=${ORG.name}/serialNumber=${ORG.creditCode}/CN=${ORG.name}`);
  leaf('stranger', `/C=CN/O=另一家公司/serialNumber=${ORG.creditCode}/CN=另一家公司`);
}
const p12 = (name: string) => readFileSync(path.join(external, `${name}.p12`)).toString('base64');

let a: TestService;
let b: TestService;
let orgKeys: Record<'workflow' | 'utility' | 'auditor', string>;
let example: Record<string, unknown>;

// Another instance notices a rotation or revocation within PKI_RECHECK_MS (2 s by default).
const ENV = { PKI_RECHECK_MS: '100', NODE_ENV: 'development', RATE_LIMIT_API_KEY_PER_MINUTE: '0', RATE_LIMIT_PKI_IP_PER_MINUTE: '0', TRUST_ANCHORS: path.join(external, 'ca.pem') };
const serialOf = async (kind: string, organisationId?: string) =>
  (
    await a.database.db.query<{ serial: string }>(
      // The newest by when it was recorded: not_before is whole seconds (and backdated), the same for a rotation within the second.
      `SELECT serial FROM certificates WHERE kind = $1 AND ($2::text IS NULL OR organisation_id = $2) ORDER BY created_at DESC, not_before DESC LIMIT 1`,
      [kind, organisationId ?? null],
    )
  ).rows[0].serial;
const journey = (svc: TestService, workflowKey = TEST_KEYS.workflow, auditorKey = TEST_KEYS.auditor) =>
  runJourney({ urls: [svc.url], workflowKey, auditorKey, templateId: 'water-supply-contract', variables: example, skipVerify: true });
const readiness = async (svc: TestService) => (await (await fetch(`${svc.url}/readyz`)).json()) as { status: string; checks: { certificates: unknown } };

/** Another instance notices within seconds: ask it until it does, with a bound. */
async function eventually<T>(read: () => Promise<T>, done: (v: T) => boolean, timeoutMs = 10_000): Promise<T> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const v = await read();
    if (done(v) || Date.now() > until) return v;
    await new Promise((r) => setTimeout(r, 100));
  }
}

beforeAll(async () => {
  externalCa();
  a = await startTestService({ env: ENV });
  b = await startTestService({ env: ENV, shareWith: a });
  expect((await a.call('admin', 'POST', '/api/v1/organisations', ORG)).status).toBe(201);
  orgKeys = {} as typeof orgKeys;
  for (const role of ['workflow', 'utility', 'auditor'] as const) {
    orgKeys[role] = (await (await a.call('admin', 'POST', `/api/v1/organisations/${ORG.id}/api-keys`, { role })).json()).key;
  }
  example = (await (await a.call('workflow', 'GET', '/api/v1/templates/water-supply-contract')).json()).example;
}, 120_000);
afterAll(async () => {
  await b?.stop();
  await a?.stop();
  rmSync(external, { recursive: true, force: true });
});

describe('certificate lifecycle', () => {
  it('refuses to revoke the root or the issuing CA through the API', async () => {
    for (const kind of ['root', 'issuing']) {
      const res = await a.call('admin', 'POST', `/api/v1/certificates/${await serialOf(kind)}/revoke`, { reason: 'keyCompromise' });
      expect([kind, res.status, (await res.json()).error.code]).toEqual([kind, 409, 'certificate_not_revocable']);
    }
    expect((await readiness(a)).status).toBe('ready');
  });

  it('rotating the TSA changes its key without downtime: earlier contracts keep verifying, new ones use the new certificate', async () => {
    const before = await journey(a);
    expect(before.status).toBe('completed');
    const old = await serialOf('tsa');
    const rotated = await a.call('admin', 'POST', '/api/v1/certificates/tsa/rotate');
    expect(rotated.status).toBe(200);
    const fresh = await rotated.json();
    expect(fresh).toMatchObject({ status: 'good', subject: expect.any(String), notAfter: expect.any(String) });
    expect(fresh.serial).not.toBe(old);
    const after = await journey(b);
    expect(after.status).toBe('completed');
    for (const id of [before.contractId, after.contractId]) {
      const report = await (await a.call('auditor', 'GET', `/api/v1/contracts/${id}/verify`)).json();
      expect([id, report.verdict, report.contract.allPartiesSigned]).toEqual([id, 'valid', true]);
    }
    const stamps = await (await b.call('auditor', 'GET', `/api/v1/contracts/${after.contractId}/verify`)).json();
    expect(stamps.signatures.find((x: any) => x.type === 'document_timestamp').certificateSerial).toBe(fresh.serial);
  });

  it('a revoked TSA certificate stops signing on both instances until it is rotated', async () => {
    const old = await serialOf('tsa');
    expect((await a.call('admin', 'POST', `/api/v1/certificates/${old}/revoke`, { reason: 'keyCompromise' })).status).toBe(200);

    expect(await readiness(a)).toMatchObject({ status: 'degraded', checks: { certificates: { ok: false, unavailable: ['tsa'] } } });
    const seenByB = await eventually(() => readiness(b), (r) => r.status === 'degraded');
    expect(seenByB).toMatchObject({ status: 'degraded', checks: { certificates: { unavailable: ['tsa'] } } });
    for (const svc of [a, b]) {
      const err = await journey(svc).then(() => undefined, (e: unknown) => e);
      expect(err).toBeInstanceOf(JourneyError);
      expect([(err as JourneyError).call, (err as JourneyError).status, (err as JourneyError).message]).toEqual(['sign', 503, expect.stringContaining('certificate_unavailable')]);
      const tsa = await fetch(`${svc.url}/pki/tsa`, {
        method: 'POST',
        headers: { authorization: `Bearer ${TEST_KEYS.workflow}`, 'content-type': 'application/timestamp-query' },
        body: timestampRequest('after the revocation'),
      });
      expect([tsa.status, ((await tsa.json()) as { error: { code: string } }).error.code]).toEqual([503, 'certificate_unavailable']);
    }

    expect((await a.call('admin', 'POST', '/api/v1/certificates/tsa/rotate')).status).toBe(200);
    expect(await eventually(() => readiness(b), (r) => r.status === 'ready')).toMatchObject({ status: 'ready', checks: { certificates: { ok: true } } });
    expect((await journey(b)).status).toBe('completed');
  });

  it("a revoked OCSP responder answers tryLater, signs nothing, and is back once rotated", async () => {
    expect((await a.call('admin', 'POST', `/api/v1/certificates/${await serialOf('ocsp')}/revoke`, { reason: 'superseded' })).status).toBe(200);
    const res = await fetch(`${a.url}/pki/ocsp`, { method: 'POST', headers: { 'content-type': 'application/ocsp-request' }, body: Buffer.from([0x30, 0x00]) });
    expect(Buffer.from(await res.arrayBuffer()).toString('hex')).toBe('30030a0103');
    expect((await readiness(a)).checks.certificates).toEqual({ ok: false, unavailable: ['ocsp'] });
    expect((await a.call('admin', 'POST', '/api/v1/certificates/ocsp/rotate')).status).toBe(200);
    expect((await readiness(a)).checks.certificates).toEqual({ ok: true });
    expect((await journey(a)).status).toBe('completed');
  });

  it("a revoked organisation certificate stops only that organisation's seal; rotated, it seals again and verifies", async () => {
    const before = await journey(a, orgKeys.workflow, orgKeys.auditor);
    expect(before.status).toBe('completed');
    const shown = await (await a.call('admin', 'GET', `/api/v1/organisations/${ORG.id}/certificate`)).json();
    expect(shown).toMatchObject({ status: 'good', subject: expect.stringContaining(ORG.name) });
    expect((await a.call('admin', 'POST', `/api/v1/certificates/${shown.serial}/revoke`, { reason: 'keyCompromise' })).status).toBe(200);
    expect((await (await a.call('admin', 'GET', `/api/v1/organisations/${ORG.id}/certificate`)).json()).status).toBe('revoked');

    // The applicant signs; the seal that would follow is refused, and the contract waits for it.
    const waiting = await journey(a, orgKeys.workflow, orgKeys.auditor);
    expect(waiting.status).toBe('partially_signed');
    const view = await (await a.call(null, 'GET', `/api/v1/contracts/${waiting.contractId}`, undefined, { authorization: `Bearer ${orgKeys.utility}` })).json();
    const utility = view.signers.find((s: any) => s.role === 'utility');
    const seal = () => a.call(null, 'POST', `/api/v1/contracts/${waiting.contractId}/signers/${utility.id}/sign`, {}, { authorization: `Bearer ${orgKeys.utility}` });
    const refused = await seal();
    expect([refused.status, (await refused.json()).error.code]).toEqual([503, 'certificate_unavailable']);
    // The default organisation seals as before.
    expect((await journey(a)).status).toBe('completed');

    const rotated = await (await a.call('admin', 'POST', `/api/v1/organisations/${ORG.id}/certificate/rotate`)).json();
    expect(rotated).toMatchObject({ status: 'good', subject: expect.stringContaining(ORG.name) });
    expect(rotated.serial).not.toBe(shown.serial);
    const sealed = await eventually(() => seal().then(async (r) => ({ status: r.status, body: await r.json() })), (r) => r.status === 200);
    expect(sealed.body.status).toBe('completed');
    const report = await (await b.call(null, 'GET', `/api/v1/contracts/${waiting.contractId}/verify`, undefined, { authorization: `Bearer ${orgKeys.auditor}` })).json();
    expect(report.verdict).toBe('valid');
    expect(report.signatures.find((s: any) => s.party?.role === 'utility')).toMatchObject({ certificateSerial: rotated.serial, party: { matches: true } });
  });

  it("takes the organisation's own certificate from a CA the verifier trusts, and refuses one that names someone else", async () => {
    const stranger = await a.call('admin', 'POST', `/api/v1/organisations/${ORG.id}/certificate/import`, { pkcs12: p12('stranger'), password: 'p12-secret' });
    expect([stranger.status, (await stranger.json()).error.code]).toEqual([422, 'certificate_invalid']);
    const wrong = await a.call('admin', 'POST', `/api/v1/organisations/${ORG.id}/certificate/import`, { pkcs12: p12('org'), password: 'not-it' });
    expect([wrong.status, (await wrong.json()).error.code]).toEqual([422, 'certificate_invalid']);

    const imported = await a.call('admin', 'POST', `/api/v1/organisations/${ORG.id}/certificate/import`, { pkcs12: p12('org'), password: 'p12-secret' });
    expect(imported.status).toBe(200);
    const cert = await imported.json();
    expect(cert).toMatchObject({ status: 'good', subject: expect.stringContaining(ORG.name) });
    // The other instance takes it within seconds; then it seals with it too.
    const onB = await eventually(async () => (await b.call('admin', 'GET', `/api/v1/organisations/${ORG.id}/certificate`)).json(), (c) => c.serial === cert.serial);
    expect(onB.serial).toBe(cert.serial);
    const done = await journey(b, orgKeys.workflow, orgKeys.auditor);
    expect(done.status).toBe('completed');
    const report = await (await b.call(null, 'GET', `/api/v1/contracts/${done.contractId}/verify`, undefined, { authorization: `Bearer ${orgKeys.auditor}` })).json();
    expect(report.verdict).toBe('valid');
    const seal = report.signatures.find((s: any) => s.party?.role === 'utility');
    expect(seal).toMatchObject({ certificateSerial: cert.serial, party: { matches: true }, issuer: { dn: expect.stringContaining('Licensed Test CA') } });
    // Imported material is replaced by importing, not rotated by this CA.
    expect((await a.call('admin', 'POST', `/api/v1/organisations/${ORG.id}/certificate/rotate`)).status).toBe(409);
  });
});
