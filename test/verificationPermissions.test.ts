// What later revisions may do (ISO 32000 DocMDP / FieldMDP, PAdES LTA updates), as other signing tools
// write them: allowed changes stay valid and are named by level; what a certification or a field
// lock forbids, and what no rule explains, is invalid.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { appendDocumentTimestamp, appendDss, signPdfField, type SigningIdentity } from '../src/signing/index.js';
import { verifyPdf, type VerificationReport } from '../src/verification/index.js';
import { annotsOf, appendRevision, documentObjects, makeGenuine, UTILITY, withEntry, type Genuine } from './helpers/attackCorpus.js';
import { signInNewVisibleField, signWithTransform } from './helpers/certification.js';

let g: Genuine;
let applicant: SigningIdentity;
const tsa = { timestamp: (imprint: Buffer) => g.pki.timestamp(imprint) };
beforeAll(async () => {
  g = await makeGenuine();
  applicant = await g.issueEvent();
}, 120_000);
afterAll(async () => {
  await g?.close();
});

const verify = (pdf: Buffer) => verifyPdf(pdf, { trustAnchors: [g.rootDer], revocation: g.revocationSource() });
const sig = (r: VerificationReport, field: string) => r.signatures.find((s) => s.fieldName === field)!;
const utilitySigns = async (pdf: Buffer) =>
  Buffer.from(
    await signPdfField({
      pdf, fieldName: 'sig_utility', identity: g.pki.organisationIdentity(), timestamp: tsa, signingTime: new Date(),
      appearance: { kind: 'seal', organisation: UTILITY.name, sealNumber: UTILITY.creditCode },
    }),
  );

function addFreeText(pdf: Buffer): Buffer {
  const doc = documentObjects(pdf);
  const n = doc.reader.size;
  return appendRevision(pdf, [
    [n, '<</Type /Annot /Subtype /FreeText /Rect [100 100 400 200] /Contents (reviewed) /DA (/Helv 12 Tf 0 g)>>'],
    [doc.pageNum, withEntry(doc.page, 'Annots', `[${annotsOf(doc)} ${n} 0 R]`)],
  ]);
}

describe('approval signatures without a certification', () => {
  it('an annotation added afterwards is allowed and reported at level annotations', async () => {
    const r = await verify(addFreeText(g.twoSignatures));
    expect(r.verdict).toBe('valid');
    const u = sig(r, 'sig_utility');
    expect(u.modificationLevel).toBe('annotations');
    expect(u.modificationsAfter.allowed.map((m) => m.what)).toEqual(expect.arrayContaining(['annotation', 'page_annotations_appended']));
    expect(u.permissions).toEqual({ docMdp: null, certification: false, fieldLock: null });
  });

  it('nothing after the last signature is level none; the earlier one saw form filling', async () => {
    const r = await verify(g.twoSignatures);
    expect(sig(r, 'sig_utility').modificationLevel).toBe('none');
    expect(sig(r, 'sig_applicant').modificationLevel).toBe('form_filling');
  });

  it('a second approval signature in a new visible signature field keeps the first valid', async () => {
    const r = await verify(await signInNewVisibleField(g.twoSignatures, 'witness', applicant, tsa));
    expect(r.signatures.map((s) => [s.fieldName, s.verdict])).toEqual([['sig_applicant', 'valid'], ['sig_utility', 'valid'], ['witness', 'valid']]);
    expect(sig(r, 'sig_utility').modificationLevel).toBe('form_filling');
    expect(sig(r, 'sig_utility').modificationsAfter.allowed.map((m) => m.what)).toContain('new_signature_field');
  });

  it('/Info rewritten and the XMP metadata stream replaced are LTA-level updates', async () => {
    const doc = documentObjects(g.twoSignatures);
    const info = (doc.reader.trailer.map.get('Info') as { num: number }).num;
    const xmp = doc.reader.size;
    const xml = '<?xpacket begin="" id="W5M0MpCehiHzreSzNTczkc9d"?><x:xmpmeta xmlns:x="adobe:ns:meta/"/><?xpacket end="w"?>';
    const cat = withEntry(doc.catalog, 'Metadata', `${xmp} 0 R`);
    const pdf = appendRevision(g.twoSignatures, [
      [info, '<</Producer (another tool) /ModDate (D:20261201120000Z)>>'],
      [xmp, `<</Type /Metadata /Subtype /XML /Length ${xml.length}>>\nstream\n${xml}\nendstream`],
      [doc.catalogNum, cat],
    ]);
    const r = await verify(pdf);
    expect(r.verdict).toBe('valid');
    expect(sig(r, 'sig_utility').modificationLevel).toBe('lta_updates');
    expect(sig(r, 'sig_utility').modificationsAfter.allowed.map((m) => m.rule)).toEqual(expect.arrayContaining(['document_info', 'xmp_metadata', 'catalog_entries']));
  });

  it('a DSS whose arrays are indirect objects, grown in place with a /VRI, and a catalog /Extensions update', async () => {
    const doc = documentObjects(g.twoSignatures);
    const [dss, certs, cert, vri] = [doc.reader.size, doc.reader.size + 1, doc.reader.size + 2, doc.reader.size + 3];
    const der = g.rootDer.toString('latin1');
    const first = appendRevision(g.twoSignatures, [
      [dss, `<</Type /DSS /Certs ${certs} 0 R>>`],
      [certs, `[${cert} 0 R]`],
      [cert, `<</Length ${g.rootDer.length}>>\nstream\n${der}\nendstream`],
      [doc.catalogNum, withEntry(doc.catalog, 'DSS', `${dss} 0 R`)],
    ]);
    const d2 = documentObjects(first);
    const cert2 = d2.reader.size;
    const second = appendRevision(first, [
      [cert2, `<</Length ${g.rootDer.length}>>\nstream\n${der}\nendstream`],
      [certs, `[${cert} 0 R ${cert2} 0 R]`],
      [vri, `<</ABCDEF0123 <</Cert [${cert2} 0 R]>>>>`],
      [dss, `<</Type /DSS /Certs ${certs} 0 R /VRI ${vri} 0 R>>`],
      [d2.catalogNum, withEntry(d2.catalog, 'Extensions', '<</ESIC <</BaseVersion /1.7 /ExtensionLevel 5>>>>')],
    ]);
    const r = await verify(second);
    expect(r.verdict).toBe('valid');
    expect(sig(r, 'sig_utility').modificationLevel).toBe('lta_updates');
  });

  it('a rewritten DSS array may not pick up an object of the signed revision', async () => {
    const doc = documentObjects(g.twoSignatures);
    const [dss, certs] = [doc.reader.size, doc.reader.size + 1];
    const first = appendRevision(g.twoSignatures, [
      [dss, `<</Type /DSS /Certs ${certs} 0 R>>`],
      [certs, '[]'],
      [doc.catalogNum, withEntry(doc.catalog, 'DSS', `${dss} 0 R`)],
    ]);
    const r = await verify(appendRevision(first, [[certs, `[${doc.contentsNum} 0 R]`]]));
    expect(sig(r, 'sig_utility').verdict).toBe('invalid');
    expect(sig(r, 'sig_utility').modificationsAfter.disallowed.map((m) => m.what)).toEqual(['reference_to_signed_object']);
  });

  it('an orphaned object number may be reused for new content; a used one may not', async () => {
    const doc = documentObjects(g.twoSignatures);
    const orphan = doc.reader.size;
    const withOrphan = appendRevision(g.twoSignatures, [[orphan, '<</Unused true>>']]);
    // The orphan itself is a new object no rule explains: only the reuse below is the point.
    const base = documentObjects(withOrphan);
    const n = base.reader.size;
    const reuse = (num: number) =>
      appendRevision(withOrphan, [
        [n, `<</Type /Annot /Subtype /Square /Rect [10 10 50 50] /AP <</N ${num} 0 R>>>>`],
        [num, '<</Type /XObject /Subtype /Form /BBox [0 0 40 40] /Length 0>>\nstream\n\nendstream'],
        [base.pageNum, withEntry(base.page, 'Annots', `[${annotsOf(base)} ${n} 0 R]`)],
      ]);
    const ok = sig(await verify(reuse(orphan)), 'sig_utility');
    expect(ok.modificationsAfter.disallowed.filter((m) => m.revision === 4)).toEqual([]);
    const bad = sig(await verify(reuse(doc.fontNum!)), 'sig_utility');
    expect(bad.modificationsAfter.disallowed.filter((m) => m.revision === 4).map((m) => [m.objectNumber, m.what])).toEqual([[doc.fontNum, 'font']]);
  });
});

describe("rewriting the field's own empty appearance in place", () => {
  // The utility's empty field gets an empty appearance of its own before anyone signs; the utility's
  // signature then rewrites that stream object instead of adding a new one.
  async function prepared(sharedWithPage: boolean) {
    const doc = documentObjects(g.unsigned);
    const field = utilityField(doc);
    const ap = doc.reader.size;
    const objects: Array<[number, string]> = [
      [ap, '<</Type /XObject /Subtype /Form /BBox [0 0 100 50] /Length 0>>\nstream\n\nendstream'],
      [field.num, withEntry(field.dict, 'AP', `<</N ${ap} 0 R>>`)],
    ];
    if (sharedWithPage) objects.push([doc.pageNum, withEntry(doc.page, 'Shared', `${ap} 0 R`)]);
    const signed = await g.signApplicant(applicant, appendRevision(g.unsigned, objects));
    const after = documentObjects(signed);
    const sigNum = after.reader.size;
    const filled = utilityField(after);
    const fake = appendRevision(signed, [
      [sigNum, '<</Type /Sig /Filter /Adobe.PPKLite /SubFilter /ETSI.CAdES.detached /ByteRange [0 10 20 30] /Contents <00>>>'],
      [ap, '<</Type /XObject /Subtype /Form /BBox [0 0 100 50] /Length 20>>\nstream\n1 0 0 rg 0 0 50 50 re f\nendstream'],
      [filled.num, withEntry(filled.dict, 'V', `${sigNum} 0 R`)],
    ]);
    return sig(await verify(fake), 'sig_applicant');
  }
  const utilityField = (doc: ReturnType<typeof documentObjects>) => {
    const af = doc.reader.resolveDict(doc.catalog.map.get('AcroForm'))!;
    for (const f of (doc.reader.resolve(af.map.get('Fields')) as { items: Array<{ type: 'ref'; num: number; gen: number }> }).items) {
      const d = doc.reader.resolveDict(f)!;
      if ((d.map.get('T') as { raw: string }).raw.includes('sig_utility')) return { num: f.num, dict: d };
    }
    throw new Error('no sig_utility');
  };

  it('is part of filling the field when nothing else uses that appearance', async () => {
    const a = await prepared(false);
    expect(a.modificationsAfter.disallowed).toEqual([]);
    expect(a.modificationsAfter.allowed.map((m) => m.what)).toEqual(expect.arrayContaining(['signature_field_filled', 'signature_appearance']));
  });

  it('is a disallowed change when the page uses the same object', async () => {
    const a = await prepared(true);
    expect(a.verdict).toBe('invalid');
    expect(a.modificationsAfter.disallowed.map((m) => m.what)).toEqual(['object_changed']);
  });
});

describe('certification signatures (DocMDP)', () => {
  const certified = (p: 1 | 2 | 3) => signWithTransform(g.unsigned, 'sig_applicant', applicant, tsa, { docMdp: p });

  it('P=2: the utility may still sign; an annotation afterwards breaks the certification', async () => {
    const both = await utilitySigns(await certified(2));
    const r = await verify(both);
    expect(r.verdict).toBe('valid');
    expect(sig(r, 'sig_applicant').permissions).toEqual({ docMdp: 2, certification: true, fieldLock: null });
    expect(sig(r, 'sig_applicant').modificationLevel).toBe('form_filling');
    expect(sig(r, 'sig_utility').permissions.docMdp).toBe(2);

    const annotated = await verify(addFreeText(both));
    const a = sig(annotated, 'sig_applicant');
    expect(a.verdict).toBe('invalid');
    expect(a.modificationLevel).toBe('other');
    expect(a.modificationsAfter.disallowed.map((m) => m.rule)).toContain('docmdp_p2');
  });

  it('P=3 permits annotations', async () => {
    const r = await verify(addFreeText(await utilitySigns(await certified(3))));
    expect(r.verdict).toBe('valid');
    expect(sig(r, 'sig_applicant').modificationLevel).toBe('annotations');
  });

  it('P=1: a DSS and a document timestamp are fine, a further signature is not', async () => {
    const cert = await certified(1);
    const lta = Buffer.from(await appendDocumentTimestamp(appendDss(cert, { certs: [g.rootDer], ocsps: [], crls: [] }), tsa));
    const r = await verify(lta);
    expect(sig(r, 'sig_applicant').verdict).toBe('valid');
    expect(sig(r, 'sig_applicant').modificationLevel).toBe('lta_updates');

    const signed = await verify(await utilitySigns(cert));
    expect(sig(signed, 'sig_applicant').verdict).toBe('invalid');
    expect(sig(signed, 'sig_applicant').modificationsAfter.disallowed.map((m) => m.rule)).toEqual(expect.arrayContaining(['docmdp_p1']));
  });
});

describe('field locks (FieldMDP)', () => {
  it('a signature that locks sig_utility is broken when sig_utility is signed later', async () => {
    const locked = await signWithTransform(g.unsigned, 'sig_applicant', applicant, tsa, { fieldMdp: { action: 'Include', fields: ['sig_utility'] } });
    const r = await verify(await utilitySigns(locked));
    const a = sig(r, 'sig_applicant');
    expect(a.permissions.fieldLock).toEqual({ action: 'Include', fields: ['sig_utility'] });
    expect(a.verdict).toBe('invalid');
    expect(a.modificationsAfter.disallowed.map((m) => [m.rule, m.field])).toContainEqual(['field_locked', 'sig_utility']);
  });

  it('a lock on other fields leaves the utility free to sign', async () => {
    const locked = await signWithTransform(g.unsigned, 'sig_applicant', applicant, tsa, { fieldMdp: { action: 'Exclude', fields: ['sig_utility'] } });
    const r = await verify(await utilitySigns(locked));
    expect(r.verdict).toBe('valid');
  });
});
