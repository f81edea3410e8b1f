// PAdES B-LT as a validator with only the file and the root sees it (ETSI EN 319 102-1): the DSS must
// hold revocation data for every certificate short of the root, of the signer's path and of the
// signature timestamp's TSA path. Files are the project's own contract with DSS variants cut from the
// PKI's real validation data.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { appendDocumentTimestamp, appendDss, type ValidationData } from '../src/signing/index.js';
import { verifyPdf } from '../src/verification/index.js';
import { makeGenuine, type Genuine } from './helpers/attackCorpus.js';

let g: Genuine;
let full: ValidationData;
beforeAll(async () => {
  g = await makeGenuine();
  // Validation data as the service collects it when the utility completes the contract: OCSP answers for
  // the organisation certificate and the TSA; the issuing CA's CRL (covers the applicant's event
  // certificate) and the root's (covers the issuing CA).
  full = await g.pki.validationData([g.pki.organisationIdentity().certificate]);
}, 120_000);
afterAll(async () => {
  await g?.close();
});

async function levels(data: ValidationData): Promise<Record<string, string | null>> {
  const file = Buffer.from(await appendDocumentTimestamp(appendDss(g.twoSignatures, data), { timestamp: (i) => g.pki.timestamp(i) }));
  // Only the root; no revocation source: what the file carries is all there is (best effort, so a
  // signature whose own certificate lacks data is still judged, and its level is what is looked at).
  const r = await verifyPdf(file, { trustAnchors: [g.rootDer], revocationPolicy: 'best_effort' });
  expect(r.verdict).toBe('valid');
  return Object.fromEntries(r.signatures.map((s) => [s.fieldName, s.padesLevel]));
}

describe('B-LT needs revocation data for the whole signer and TSA paths', () => {
  it('what the service embeds: both signatures B-LTA', async () => {
    expect(full.crls).toHaveLength(2);
    expect(full.ocsps).toHaveLength(2);
    expect(await levels(full)).toEqual({ sig_applicant: 'B-LTA', sig_utility: 'B-LTA', DocTimeStamp: null });
  });

  it('without the root CRL nothing covers the issuing CA: both B-T', async () => {
    const [issuingCrl] = full.crls;
    expect(await levels({ ...full, crls: [issuingCrl] })).toEqual({ sig_applicant: 'B-T', sig_utility: 'B-T', DocTimeStamp: null });
  });

  it('without the issuing CA\'s CRL the applicant\'s event certificate has none: only the utility (own OCSP answer) stays B-LTA', async () => {
    const [, rootCrl] = full.crls;
    expect(await levels({ ...full, crls: [rootCrl] })).toEqual({ sig_applicant: 'B-T', sig_utility: 'B-LTA', DocTimeStamp: null });
  });

  it('without anything about the TSA certificate the signature timestamp\'s path is open: B-T', async () => {
    const [, rootCrl] = full.crls;
    const [orgOcsp] = full.ocsps;
    expect(await levels({ ...full, crls: [rootCrl], ocsps: [orgOcsp] })).toEqual({ sig_applicant: 'B-T', sig_utility: 'B-T', DocTimeStamp: null });
  });
});
