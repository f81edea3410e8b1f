// For files this service issued, the verifier knows who was meant to sign which field: a valid
// signature by the wrong certificate, or a document timestamp in a party's field, is a forgery.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signPdfField } from '../src/signing/index.js';
import { startTestService, TEST_KEYS, type TestService } from './support/harness.js';
import { timestampInExistingField } from './helpers/forgeries.js';

let svc: TestService;
let contract: any;
let partial: Buffer;

const verify = async (pdf: Buffer) => {
  const res = await fetch(`${svc.url}/api/v1/verify`, { method: 'POST', headers: { authorization: `Bearer ${TEST_KEYS.auditor}`, 'content-type': 'application/pdf' }, body: new Uint8Array(pdf) });
  expect(res.status).toBe(200);
  return res.json();
};
const download = async (contractId: string, version: number) =>
  Buffer.from(await (await svc.call('auditor', 'GET', `/api/v1/contracts/${contractId}/document?version=${version}`)).arrayBuffer());

/** A contract the applicant signed and the utility not yet, and that version's PDF. */
async function partiallySigned() {
  const example = (await (await svc.call('workflow', 'GET', '/api/v1/templates/water-supply-contract')).json()).example;
  const created = await (await svc.call('workflow', 'POST', '/api/v1/contracts', { templateId: 'water-supply-contract', reference: 'PARTIES', variables: example, autoSign: false })).json();
  const token = created.signers[0].signingUrl.split('/').pop();
  const sent = await (await svc.call(null, 'POST', `/api/v1/signing/${token}/otp`, {})).json();
  expect((await svc.call(null, 'POST', `/api/v1/signing/${token}/sign`, { otp: sent.developmentCode, consent: true })).status).toBe(200);
  return { contract: created, partial: await download(created.id, 2) };
}

beforeAll(async () => {
  svc = await startTestService({ env: { NODE_ENV: 'development' } });
  // Shared by the tests that only verify it; the one where the utility signs has its own.
  ({ contract, partial } = await partiallySigned());
});
afterAll(async () => {
  await svc?.stop();
});

describe('a contract issued here, verified while the utility has not signed yet', () => {
  it('is valid but says 1 / 2 parties signed and which party is missing', async () => {
    const r = await verify(partial);
    expect(r.verdict).toBe('valid');
    expect(r.signatures.map((s: any) => [s.fieldName, s.party])).toEqual([['sig_applicant', { role: 'applicant', label: '用水人', matches: true }]]);
    expect(r.contract).toMatchObject({
      contractId: contract.id, contractNumber: contract.contractNumber, status: 'partially_signed', matchedVersion: 2, latestVersion: 2,
      newerVersionExists: false, signedParties: 1, expectedParties: 2, allPartiesSigned: false,
    });
    expect(r.contract.parties.map((p: any) => [p.role, p.fieldName, p.signed])).toEqual([['applicant', 'sig_applicant', true], ['utility', 'sig_utility', false]]);
  });

  it('a document timestamp with a drawn seal in the utility field: invalid, and the utility is not counted as signed', async () => {
    const r = await verify(await timestampInExistingField(svc.service.pki, partial, 'sig_utility', true));
    expect(r.verdict).toBe('invalid');
    const u = r.signatures.find((s: any) => s.fieldName === 'sig_utility');
    expect(u.party).toMatchObject({ role: 'utility', matches: false });
    expect(u.verdict).toBe('invalid');
    expect(r.contract.signedParties).toBe(1);
  });

  it("a valid signature of this CA's, but by another contract's event certificate, in the utility field: party_mismatch", async () => {
    const stranger = await svc.service.pki.issueEventCertificate({ name: '王五', idType: 'resident_id', idNumber: '110101199003074258' }, { contractId: 'other', signerId: 'other' });
    const forged = Buffer.from(
      await signPdfField({
        pdf: partial, fieldName: 'sig_utility', identity: stranger, signingTime: new Date(),
        timestamp: { timestamp: (i: Buffer) => svc.service.pki.timestamp(i) },
        appearance: { kind: 'seal', organisation: '三亚市示范供水有限公司', sealNumber: '91460200MA5RC0XQ1H' },
      }),
    );
    const r = await verify(forged);
    const u = r.signatures.find((s: any) => s.fieldName === 'sig_utility');
    expect(u.integrity.status).toBe('ok');
    expect(u.chain.trusted).toBe(true);
    expect(u.verdict).toBe('invalid');
    expect(u.reasons.join(' ')).toMatch(/^party_mismatch: /);
    expect(r.verdict).toBe('invalid');
  });

  it('once the utility signs, the earlier version says a newer one exists', async () => {
    const { contract, partial } = await partiallySigned();
    expect((await svc.call('utility', 'POST', `/api/v1/contracts/${contract.id}/signers/${contract.signers[1].id}/sign`, {})).status).toBe(200);
    const old = await verify(partial);
    expect(old.contract).toMatchObject({ status: 'completed', matchedVersion: 2, newerVersionExists: true, allPartiesSigned: false });
    const latest = await (await svc.call('auditor', 'GET', `/api/v1/contracts/${contract.id}`)).json();
    const done = await verify(await download(contract.id, latest.document.version));
    expect(done.verdict).toBe('valid');
    expect(done.contract).toMatchObject({ signedParties: 2, expectedParties: 2, allPartiesSigned: true, newerVersionExists: false });
  });
});
