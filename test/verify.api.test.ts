import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHash } from 'node:crypto';
import { chinaDay } from '../src/chinaTime.js';
import { deeplyNestedCatalog, dssBomb, plainDocument, xrefStreamReuse } from './helpers/hostileCorpus.js';
import { startTestService, TEST_KEYS, type TestService } from './support/harness.js';

let svc: TestService;
let contract: any;
let signedPdf: Buffer;

const post = (body: Uint8Array | string, contentType?: string) =>
  fetch(`${svc.url}/api/v1/verify`, {
    method: 'POST',
    headers: { authorization: `Bearer ${TEST_KEYS.auditor}`, ...(contentType ? { 'content-type': contentType } : {}) },
    body: typeof body === 'string' ? body : new Uint8Array(body),
  });

/** A contract both parties signed (the utility automatically), and its final PDF. */
async function completedContract() {
  const example = (await (await svc.call('workflow', 'GET', '/api/v1/templates/water-supply-contract')).json()).example;
  const created = await (await svc.call('workflow', 'POST', '/api/v1/contracts', { templateId: 'water-supply-contract', reference: 'VERIFY', variables: example })).json();
  const token = created.signers[0].signingUrl.split('/').pop();
  const sent = await (await svc.call(null, 'POST', `/api/v1/signing/${token}/otp`, {})).json();
  expect((await svc.call(null, 'POST', `/api/v1/signing/${token}/sign`, { otp: sent.developmentCode, consent: true })).status).toBe(200);
  const view = await (await svc.call('workflow', 'GET', `/api/v1/contracts/${created.id}`)).json();
  expect(view.status).toBe('completed');
  return { contract: view, pdf: Buffer.from(await (await svc.call('auditor', 'GET', view.document.url)).arrayBuffer()) };
}

beforeAll(async () => {
  // One worker and no queue: a second upload while one runs is refused, which a test relies on.
  svc = await startTestService({ env: { NODE_ENV: 'development', VERIFY_MAX_MB: '1', VERIFY_WORKERS: '1', VERIFY_QUEUE: '0' } });
  // Shared by the tests that only read it; the revocation test revokes a certificate of its own contract.
  ({ contract, pdf: signedPdf } = await completedContract());
});
afterAll(async () => {
  await svc?.stop();
});

describe('POST /api/v1/verify', () => {
  it('reports a completed contract as valid, signature by signature, and registered here', async () => {
    const res = await post(signedPdf, 'application/pdf');
    expect(res.status).toBe(200);
    const report = await res.json();
    expect(report.verdict).toBe('valid');
    expect(report.registered).toMatchObject({ matched: true, contractId: contract.id, version: 3 });
    // The completing signature is followed by a DSS and a document timestamp: both signatures are B-LTA.
    expect(report.signatures.map((s: any) => [s.fieldName, s.type, s.verdict, s.padesLevel])).toEqual([
      ['sig_applicant', 'signature', 'valid', 'B-LTA'],
      ['sig_utility', 'signature', 'valid', 'B-LTA'],
      ['DocTimeStamp', 'document_timestamp', 'valid', null],
    ]);
    expect(report.signatures[0].signer.commonName).toBe('陈冬梅');
    expect(report.signatures[0].coverage.kind).toBe('entire_revision');
    expect(report.signatures[1].coverage.kind).toBe('entire_revision');
    expect(report.signatures[2].coverage.kind).toBe('entire_file');
    // Revocation is answered from the document itself, not from this service's database.
    for (const s of report.signatures) expect(s.revocation).toMatchObject({ status: 'good', source: expect.stringMatching(/^embedded_(ocsp|crl)$/) });
    expect(report.signatures[0].registered).toMatchObject({ matched: true, version: 2 });
  });

  it('accepts a multipart upload and verifies the stored version by id', async () => {
    const form = new FormData();
    form.append('file', new Blob([new Uint8Array(signedPdf)], { type: 'application/pdf' }), 'contract.pdf');
    const multipart = await fetch(`${svc.url}/api/v1/verify`, { method: 'POST', headers: { authorization: `Bearer ${TEST_KEYS.workflow}` }, body: form });
    expect(multipart.status).toBe(200);
    expect((await multipart.json()).verdict).toBe('valid');
    const stored = await svc.call('auditor', 'GET', `/api/v1/contracts/${contract.id}/verify`);
    expect((await stored.json()).verdict).toBe('valid');
    const { events } = await (await svc.call('auditor', 'GET', `/api/v1/contracts/${contract.id}/events`)).json();
    expect(events.filter((e: any) => e.type === 'document.verified').length).toBeGreaterThanOrEqual(2);
  });

  it('says invalid when the signed content was altered', async () => {
    const tampered = Buffer.from(signedPdf);
    // Change one byte inside the first revision's signed range (in the page content of the original).
    tampered[2000] ^= 0x01;
    const report = await (await post(tampered, 'application/pdf')).json();
    expect(report.verdict).toBe('invalid');
    expect(report.signatures.every((s: any) => s.verdict === 'invalid')).toBe(true);
    expect(report.registered.matched).toBe(false);
  });

  it('refuses unusable input with a clear 4xx', async () => {
    const png = Buffer.from('89504e470d0a1a0a0000000d49484452', 'hex');
    const notPdf = await post(png, 'application/pdf');
    expect(notPdf.status).toBe(422);
    expect((await notPdf.json()).error.code).toBe('not_a_pdf');
    const empty = await post(Buffer.alloc(0), 'application/pdf');
    expect([415, 422]).toContain(empty.status);
    const truncated = await post(signedPdf.subarray(0, 5000), 'application/pdf');
    expect(truncated.status).toBe(422);
    const big = await post(Buffer.concat([signedPdf, Buffer.alloc(1_200_000)]), 'application/pdf');
    expect(big.status).toBe(413);
    const json = await post(JSON.stringify({ pdf: 'x' }), 'application/json');
    expect(json.status).toBe(415);
    expect((await fetch(`${svc.url}/api/v1/verify`, { method: 'POST', body: new Uint8Array(signedPdf) })).status).toBe(401);
  });

  it('files an API check in the contract\'s audit trail with the caller; public checks are only counted, per file and day', async () => {
    const verifiedEvents = async () => {
      const { events } = await (await svc.call('auditor', 'GET', `/api/v1/contracts/${contract.id}/events`)).json();
      return events.filter((e: any) => e.type === 'document.verified');
    };
    const before = (await verifiedEvents()).length;
    const publicCheck = () => fetch(`${svc.url}/verify/report`, { method: 'POST', headers: { 'content-type': 'application/pdf' }, body: new Uint8Array(signedPdf) });
    for (let i = 0; i < 3; i++) {
      const res = await publicCheck();
      expect(res.status).toBe(200);
      expect((await res.json()).verdict).toBe('valid');
    }
    expect((await verifiedEvents()).length).toBe(before);
    const sha256 = createHash('sha256').update(signedPdf).digest('hex');
    const counted = await svc.database.db.query('SELECT day::text AS day, verdict, contract_id, version, count FROM public_verifications WHERE sha256 = $1', [sha256]);
    expect(counted.rows).toEqual([{ day: chinaDay(new Date()), verdict: 'valid', contract_id: contract.id, version: 3, count: 3 }]);

    expect((await post(signedPdf, 'application/pdf')).status).toBe(200);
    const events = await verifiedEvents();
    expect(events.length).toBe(before + 1);
    expect(events.at(-1)).toMatchObject({ actor: { type: 'api_key' }, document: { version: 3, sha256 }, data: { sha256, verdict: 'valid' } });
  });

  it('answers 422 pdf_too_complex for files over a decoding limit, also when hit after the file was opened', async () => {
    for (const pdf of [dssBomb(10, 2), deeplyNestedCatalog()]) {
      const res = await post(pdf, 'application/pdf');
      expect(res.status).toBe(422);
      expect((await res.json()).error.code).toBe('pdf_too_complex');
    }
  });

  it('verifies a hostile upload off the event loop: /healthz answers and a second upload gets 503 while it runs', async () => {
    const started = new Promise((resolve) => svc.service.verifier.events.once('start', resolve));
    const hostile = post(xrefStreamReuse(300, { predictor: true }), 'application/pdf');
    await started;
    const health = fetch(`${svc.url}/healthz`);
    expect(await Promise.race([health.then(() => 'healthz'), hostile.then(() => 'upload')])).toBe('healthz');
    expect((await health).status).toBe(200);
    const busy = await post(plainDocument(), 'application/pdf');
    expect(busy.status).toBe(503);
    expect(busy.headers.get('retry-after')).toBe('5');
    expect((await busy.json()).error.code).toBe('verifier_busy');
    const done = await hostile;
    expect(done.status).toBe(200);
    expect((await done.json()).verdict).toBe('no_signatures');
  });

  it('stops calling an event signature valid once its certificate is revoked', async () => {
    const { contract, pdf: signedPdf } = await completedContract();
    const serial = contract.signers[0].certificateSerial;
    expect((await svc.call('admin', 'POST', `/api/v1/certificates/${serial}/revoke`, { reason: 'keyCompromise' })).status).toBe(200);
    const report = await (await post(signedPdf, 'application/pdf')).json();
    expect(report.signatures[0].revocation.status).toBe('revoked');
    // The service's own revocation source names no revocation time here, so nothing proves the signature came first.
    expect(report.signatures.map((s: any) => [s.fieldName, s.verdict])).toEqual([['sig_applicant', 'invalid'], ['sig_utility', 'valid'], ['DocTimeStamp', 'valid']]);
    expect(report.signatures[0].reasons[0]).toMatch(/^certificate_revoked: revoked at an unknown time/);
    expect(report.verdict).toBe('invalid');
  });
});
