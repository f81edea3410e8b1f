// Red-team findings against the modification policy: each file below changes what a signer saw
// while wearing one of the allowances (LTA updates, metadata, bookkeeping) as a disguise.
import { X509Certificate } from 'node:crypto';
import { mkdtemp, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signPdfField, type SigningIdentity } from '../src/signing/index.js';
import { verifyPdf, type VerificationReport } from '../src/verification/index.js';
import { appendRevision, contentsOf, documentObjects, locateSignature, makeGenuine, UTILITY, withContents, withEntry, type Genuine } from './helpers/attackCorpus.js';
import { makePki, pem } from './helpers/cmsFixtures.js';
import { startTestService, TEST_KEYS, type TestService } from './support/harness.js';
import { memorySigner } from '../src/keys/index.js';

let g: Genuine;
beforeAll(async () => {
  g = await makeGenuine();
}, 120_000);
afterAll(async () => {
  await g?.close();
});

const verify = (pdf: Buffer) => verifyPdf(pdf, { trustAnchors: [g.rootDer], revocation: g.revocationSource() });
const sig = (r: VerificationReport, field: string) => r.signatures.find((s) => s.fieldName === field)!;
const stream = (dict: string, data: string) => `${dict.replace(/>>$/, ` /Length ${Buffer.byteLength(data, 'latin1')}>>`)}\nstream\n${data}\nendstream`;
const PAID = 'BT /F1 24 Tf 100 700 Td (PAID IN FULL) Tj ET';

/** The last trailer's /Info repointed (appendRevision keeps the old one). */
const withInfo = (pdf: Buffer, num: number) => {
  const t = pdf.toString('latin1');
  const at = t.lastIndexOf('/Info ');
  return Buffer.concat([pdf.subarray(0, at), Buffer.from(t.slice(at).replace(/\/Info \d+ \d+ R/, `/Info ${num} 0 R`), 'latin1')]);
};

describe('an allowance may not rewrite an object the signed revision uses for something else', () => {
  it('catalog /Metadata pointed at the page content stream, rewritten as "XMP"', async () => {
    const doc = documentObjects(g.twoSignatures);
    const pdf = appendRevision(g.twoSignatures, [
      [doc.contentsNum, stream('<</Type /Metadata /Subtype /XML>>', PAID)],
      [doc.catalogNum, withEntry(doc.catalog, 'Metadata', `${doc.contentsNum} 0 R`)],
    ]);
    const r = await verify(pdf);
    expect(r.verdict).toBe('invalid');
    expect(sig(r, 'sig_utility').modificationsAfter.disallowed.map((m) => [m.objectNumber, m.what])).toEqual([[doc.contentsNum, 'page_content']]);
  });

  it('catalog /DSS pointed at the page, which gets new content (claimed through /Extensions)', async () => {
    const doc = documentObjects(g.twoSignatures);
    const n = doc.reader.size;
    const cat = withEntry(documentObjects(Buffer.from(appendRevision(g.twoSignatures, [[doc.catalogNum, withEntry(doc.catalog, 'DSS', `${doc.pageNum} 0 R`)]]))).catalog, 'Extensions', `<</X ${n} 0 R>>`);
    const pdf = appendRevision(g.twoSignatures, [
      [n, stream('<<>>', PAID)],
      [doc.pageNum, withEntry(doc.page, 'Contents', `${n} 0 R`)],
      [doc.catalogNum, cat],
    ]);
    const r = await verify(pdf);
    expect(r.verdict).toBe('invalid');
    expect(sig(r, 'sig_utility').modificationsAfter.disallowed.map((m) => m.what)).toContain('page_content');
  });

  it('trailer /Info pointed at the page, which is blanked', async () => {
    const doc = documentObjects(g.twoSignatures);
    const pdf = withInfo(appendRevision(g.twoSignatures, [[doc.pageNum, '<</Type /Page /Producer (x)>>']]), doc.pageNum);
    const r = await verify(pdf);
    expect(r.verdict).toBe('invalid');
    expect(sig(r, 'sig_utility').modificationsAfter.disallowed.map((m) => [m.objectNumber, m.what])).toContainEqual([doc.pageNum, 'page_content']);
  });
});

/**
 * Appends a revision whose cross-reference data is an xref stream numbered `xrefNum` that lists
 * itself (as writers do), uncompressed.
 */
function appendXrefStreamRevision(pdf: Buffer, objects: Array<[number, string]>, xrefNum: number): Buffer {
  const { reader } = documentObjects(pdf);
  const chunks: Buffer[] = [];
  let pos = pdf.length;
  const entries = new Map<number, number>();
  for (const [num, body] of objects) {
    entries.set(num, pos);
    const b = Buffer.from(`${num} 0 obj\n${body}\nendobj\n`, 'latin1');
    chunks.push(b);
    pos += b.length;
  }
  entries.set(xrefNum, pos);
  const nums = [...entries.keys()].sort((a, b) => a - b);
  const rows = Buffer.concat(nums.map((n) => Buffer.from([1, ...[24, 16, 8, 0].map((s) => (entries.get(n)! >>> s) & 0xff), 0, 0])));
  const size = Math.max(reader.size, ...nums.map((n) => n + 1));
  const keep = ['Root', 'Info'].filter((k) => reader.trailer.map.has(k)).map((k) => `/${k} ${(reader.trailer.map.get(k) as { num: number }).num} 0 R`).join(' ');
  const dict = `<</Type /XRef /Size ${size} ${keep} /Prev ${reader.startxref} /W [1 4 2] /Index [${nums.map((n) => `${n} 1`).join(' ')}] /Length ${rows.length}>>`;
  chunks.push(Buffer.from(`${xrefNum} 0 obj\n${dict}\nstream\n`, 'latin1'), rows, Buffer.from(`\nendstream\nendobj\nstartxref\n${pos}\n%%EOF\n`, 'latin1'));
  return Buffer.concat([pdf, ...chunks]);
}

describe('cross-reference bookkeeping', () => {
  it('an xref stream may not take the number of an object the signed revision uses', async () => {
    const doc = documentObjects(g.twoSignatures);
    const r = await verify(appendXrefStreamRevision(g.twoSignatures, [], doc.contentsNum));
    expect(r.verdict).toBe('invalid');
    expect(sig(r, 'sig_utility').modificationsAfter.disallowed.map((m) => [m.objectNumber, m.what])).toEqual([[doc.contentsNum, 'page_content']]);
  });

  it('an xref stream with a fresh number is bookkeeping', async () => {
    const doc = documentObjects(g.twoSignatures);
    const r = await verify(appendXrefStreamRevision(g.twoSignatures, [], doc.reader.size));
    expect(r.verdict).toBe('valid');
    expect(sig(r, 'sig_utility').modificationLevel).toBe('none');
  });
});

describe('a reference the signed revision already made', () => {
  it('to an object that did not exist may not be given content later', async () => {
    // The author's file: the page's content array names object `ghost`, which does not exist (null, shows nothing).
    const doc = documentObjects(g.unsigned);
    const ghost = doc.reader.size + 50;
    const prepared = appendRevision(g.unsigned, [[doc.pageNum, withEntry(doc.page, 'Contents', `[${doc.contentsNum} 0 R ${ghost} 0 R]`)]]);
    const signed = await g.signApplicant(await g.issueEvent(), prepared);
    expect((await verify(signed)).verdict).toBe('valid');
    // Later, "only a DSS" is added, whose certificate array holds the ghost, now a content stream.
    const after = documentObjects(signed);
    const r = await verify(appendRevision(signed, [[ghost, stream('<<>>', PAID)], [after.catalogNum, withEntry(after.catalog, 'DSS', `<</Certs [${ghost} 0 R]>>`)]]));
    expect(r.verdict).toBe('invalid');
    expect(sig(r, 'sig_applicant').modificationsAfter.disallowed.map((m) => [m.objectNumber, m.what])).toEqual([[ghost, 'signed_reference_filled']]);
  });
});

describe('a hostile CMS', () => {
  it('whose signer certificate carries a key node:crypto cannot read is judged, not a crash', async () => {
    const loc = locateSignature(g.twoSignatures, 'sig_utility');
    const cms = contentsOf(g.twoSignatures, loc);
    const spki = new X509Certificate(g.pki.organisationIdentity().certificate).publicKey.export({ type: 'spki', format: 'der' });
    const at = cms.indexOf(spki);
    expect(at).toBeGreaterThan(0);
    // The EC point's leading 0x04 (uncompressed) becomes 0x05, which no point encoding uses (0x06/0x07 are hybrid).
    cms[at + spki.length - 65] = 0x05;
    const r = await verify(withContents(g.twoSignatures, loc, cms));
    const u = sig(r, 'sig_utility');
    expect(u.integrity).toMatchObject({ status: 'unknown', reason: "the signer certificate's public key cannot be read" });
    // The certificate is no longer the one the signed attributes name.
    expect(u.verdict).toBe('invalid');
    expect(u.reasons[0]).toMatch(/^signing_certificate_mismatch/);
    expect(sig(r, 'sig_applicant').verdict).toBe('valid');
  });
});

describe('a contract issued here, signed on top of its unsigned version', () => {
  // An auditor's deployment that also trusts another CA (TRUST_ANCHORS), whose subscriber signs the
  // utility's field of a contract's first, unsigned version (the prefix of every later version).
  const foreign = makePki();
  let svc: TestService;
  beforeAll(async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'redteam-anchor-'));
    await writeFile(path.join(dir, 'foreign.pem'), pem(foreign.root.der));
    svc = await startTestService({ env: { TRUST_ANCHORS: path.join(dir, 'foreign.pem') } });
  }, 120_000);
  afterAll(async () => {
    await svc?.stop();
  });
  /** A contract nobody has signed yet, and its first stored version. */
  const newContract = async (reference: string) => {
    const example = (await (await svc.call('workflow', 'GET', '/api/v1/templates/water-supply-contract')).json()).example;
    const contract = await (await svc.call('workflow', 'POST', '/api/v1/contracts', { templateId: 'water-supply-contract', reference, variables: example, autoSign: false })).json();
    return { contract, unsigned: Buffer.from(await (await svc.call('auditor', 'GET', `/api/v1/contracts/${contract.id}/document?version=1`)).arrayBuffer()) };
  };
  const verifyApi = async (pdf: Buffer) => {
    const res = await fetch(`${svc.url}/api/v1/verify`, { method: 'POST', headers: { authorization: `Bearer ${TEST_KEYS.auditor}`, 'content-type': 'application/pdf' }, body: new Uint8Array(pdf) });
    expect(res.status).toBe(200);
    return res.json();
  };
  const signUtilityField = async (pdf: Buffer, identity: SigningIdentity) =>
    Buffer.from(
      await signPdfField({
        pdf, fieldName: 'sig_utility', signingTime: new Date(), identity,
        timestamp: { timestamp: (i: Buffer) => svc.service.pki.timestamp(i) },
        appearance: { kind: 'seal', organisation: UTILITY.name, sealNumber: UTILITY.creditCode },
      }),
    );

  it("names the contract's parties, so a stranger in the utility's field is party_mismatch", async () => {
    const { contract, unsigned } = await newContract('REDTEAM');
    const forged = await signUtilityField(unsigned, { signer: memorySigner(foreign.signer.key), certificate: foreign.signer.der, chain: [foreign.ca.der, foreign.root.der] });
    const r = await verifyApi(forged);
    const u = r.signatures.find((s: { fieldName: string }) => s.fieldName === 'sig_utility');
    expect(u.chain.trusted).toBe(true);
    expect(r.contract).toMatchObject({ contractId: contract.id, matchedVersion: 1, signedParties: 0, expectedParties: 2 });
    expect(u.party).toMatchObject({ role: 'utility', matches: false });
    expect(u.reasons[0]).toMatch(/^party_mismatch: /);
    expect(r.verdict).toBe('invalid');
  });

  it("does not count a party as signed when its certificate's signature does not verify", async () => {
    const { contract, unsigned } = await newContract('REDTEAM-2');
    const signed = await signUtilityField(unsigned, svc.service.pki.organisationIdentity());
    // One digit of the signature's /M inside the signed bytes: the utility's certificate, but not its signature over these bytes.
    const m = signed.lastIndexOf('/M (D:') + 6;
    signed[m] = signed[m] === 0x32 ? 0x31 : 0x32;
    const r = await verifyApi(signed);
    expect(r.signatures[0].integrity.status).toBe('failed');
    expect(r.contract).toMatchObject({ contractId: contract.id, signedParties: 0, allPartiesSigned: false });
    expect(r.verdict).toBe('invalid');
  });
});
