// Who may use the PKI endpoints over HTTP, and that the service's own signing never depends on them.
import { X509Certificate } from 'node:crypto';
import * as pkijs from 'pkijs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ALL_ROLES, loadConfig } from '../src/config.js';
import { startTestService, TEST_KEYS, type TestService } from './support/harness.js';
import { startSmsReceiver, type SmsReceiver } from './support/smsReceiver.js';
import { timestampRequest, timestampStatus } from './helpers/tsaRequest.js';

const OCSP_BUDGET = 3;
let svc: TestService;
let sms: SmsReceiver;

beforeAll(async () => {
  sms = await startSmsReceiver();
  svc = await startTestService({ env: { SMS_WEBHOOK_URL: sms.url, RATE_LIMIT_PKI_IP_PER_MINUTE: String(OCSP_BUDGET) } });
});
afterAll(async () => {
  await svc?.stop();
  await sms?.stop();
});

const post = (base: string, route: string, type: string, body: Uint8Array<ArrayBuffer>, key?: string) =>
  fetch(`${base}${route}`, { method: 'POST', headers: { 'content-type': type, ...(key ? { authorization: `Bearer ${key}` } : {}) }, body });
const tsa = (base: string, key?: string) => post(base, '/pki/tsa', 'application/timestamp-query', timestampRequest('供水合同'), key);
const ocsp = (base = svc.url) => post(base, '/pki/ocsp', 'application/ocsp-request', Buffer.from('not an OCSP request'));
const caIssuers = (der: Buffer) => /CA Issuers - URI:(\S+)/.exec(new X509Certificate(der).infoAccess ?? '')?.[1];

describe('POST /pki/tsa', () => {
  it('needs an API key, of any role', async () => {
    const anonymous = await tsa(svc.url);
    expect(anonymous.status).toBe(401);
    expect((await anonymous.json()).error.code).toBe('missing_api_key');
    const wrong = await tsa(svc.url, 'not-a-key-of-this-service');
    expect(wrong.status).toBe(401);
    expect((await wrong.json()).error.code).toBe('invalid_api_key');
    for (const role of ALL_ROLES) {
      const res = await tsa(svc.url, TEST_KEYS[role]);
      expect(res.status, role).toBe(200);
      expect(res.headers.get('content-type')).toBe('application/timestamp-reply');
      expect(timestampStatus(Buffer.from(await res.arrayBuffer())).status).toBe(0);
    }
  });

  it('with TSA_PUBLIC=true answers without a key, within a budget per client address', async () => {
    const open = await startTestService({ env: { TSA_PUBLIC: 'true', RATE_LIMIT_PKI_IP_PER_MINUTE: '2' } });
    try {
      const statuses = [];
      for (let i = 0; i < 3; i++) statuses.push((await tsa(open.url)).status);
      expect(statuses).toEqual([200, 200, 429]);
      const limited = await tsa(open.url);
      expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0);
      expect((await limited.json()).error.code).toBe('rate_limited');
    } finally {
      await open.stop();
    }
  });

  it('TSA_PUBLIC is validated at start-up', () => {
    expect(() => loadConfig({ TSA_PUBLIC: 'maybe' })).toThrow(/TSA_PUBLIC: must be true or false/);
    expect(() => loadConfig({ RATE_LIMIT_PKI_IP_PER_MINUTE: '-1' })).toThrow(/RATE_LIMIT_PKI_IP_PER_MINUTE/);
  });
});

describe('certificates and CRLs where the certificates say', () => {
  it('caIssuers URLs serve the issuer as DER, application/pkix-cert (RFC 5280 §4.2.2.1)', async () => {
    const org = svc.service.pki.organisationIdentity().certificate;
    const issuingUrl = caIssuers(org);
    expect(issuingUrl).toBe(`${svc.url}/pki/issuing.cer`);
    const issuing = await fetch(issuingUrl!);
    expect(issuing.headers.get('content-type')).toBe('application/pkix-cert');
    const issuingDer = Buffer.from(await issuing.arrayBuffer());
    expect(new X509Certificate(org).verify(new X509Certificate(issuingDer).publicKey)).toBe(true);

    const rootUrl = caIssuers(issuingDer);
    expect(rootUrl).toBe(`${svc.url}/pki/root.cer`);
    const root = await fetch(rootUrl!);
    expect(root.headers.get('content-type')).toBe('application/pkix-cert');
    expect(Buffer.from(await root.arrayBuffer()).equals(svc.service.pki.rootDer())).toBe(true);
  });

  it('the root CRL named in the issuing CA certificate is served', async () => {
    const ext = pkijs.Certificate.fromBER(new Uint8Array(svc.service.pki.issuingDer())).extensions?.find((e) => e.extnID === '2.5.29.31');
    const cdp = ((ext?.parsedValue as pkijs.CRLDistributionPoints).distributionPoints[0].distributionPoint as pkijs.GeneralName[])[0].value as string;
    expect(cdp).toBe(`${svc.url}/pki/crl/root.crl`);
    const res = await fetch(cdp);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/pkix-crl');
    expect(Buffer.from(await res.arrayBuffer()).equals((await svc.service.pki.rootCrlDer())!)).toBe(true);
  });
});

describe('POST /pki/ocsp and the service\'s own use of its TSA and OCSP', () => {
  it(`answers ${OCSP_BUDGET} requests from one address, then 429 with Retry-After`, async () => {
    // An instance of its own, with its whole budget: the other test here spends the shared one.
    const fresh = await startTestService({ env: { RATE_LIMIT_PKI_IP_PER_MINUTE: String(OCSP_BUDGET) } });
    try {
      const statuses = [];
      for (let i = 0; i < OCSP_BUDGET; i++) statuses.push((await ocsp(fresh.url)).status);
      expect(statuses).toEqual(Array(OCSP_BUDGET).fill(200));
      const limited = await ocsp(fresh.url);
      expect(limited.status).toBe(429);
      expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0);
      expect((await limited.json()).error).toMatchObject({ code: 'rate_limited', message: expect.stringContaining('client address') });
    } finally {
      await fresh.stop();
    }
  });

  it('signing, B-LTA and renewal go in-process: unaffected by the spent OCSP budget and the closed TSA', async () => {
    for (let i = 0; i < OCSP_BUDGET; i++) await ocsp();
    expect((await ocsp()).status).toBe(429);
    expect((await tsa(svc.url)).status).toBe(401);
    const template = await (await svc.call('workflow', 'GET', '/api/v1/templates/water-supply-contract')).json();
    const created = await svc.call('workflow', 'POST', '/api/v1/contracts', { templateId: template.id, reference: 'PKI-API-1', variables: template.example });
    expect(created.status).toBe(201);
    const contract = await created.json();
    const applicant = contract.signers[0];
    const token = applicant.signingUrl.split('/').pop();
    expect((await svc.call(null, 'POST', `/api/v1/signing/${token}/otp`, {})).status).toBe(202);
    const signed = await svc.call(null, 'POST', `/api/v1/signing/${token}/sign`, { otp: sms.codeFor(applicant.id), consent: true });
    expect(signed.status).toBe(200);
    const report = async () => (await svc.call('auditor', 'GET', `/api/v1/contracts/${contract.id}/verify`)).json();
    const first = await report();
    expect(first.verdict).toBe('valid');
    expect(first.signatures.map((s: any) => [s.fieldName, s.padesLevel])).toEqual([['sig_applicant', 'B-LTA'], ['sig_utility', 'B-LTA'], ['DocTimeStamp', null]]);

    await svc.database.db.query(`UPDATE document_versions SET archive_until = now() + interval '1 day' WHERE contract_id = $1 AND archive_until IS NOT NULL`, [contract.id]);
    expect(await svc.service.renewArchives()).toBe(1);
    const renewed = await report();
    expect(renewed.verdict).toBe('valid');
    expect(renewed.signatures.map((s: any) => s.fieldName)).toEqual(['sig_applicant', 'sig_utility', 'DocTimeStamp', 'DocTimeStamp2']);
  });
});
