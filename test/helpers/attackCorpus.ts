// Builds the verifier's test corpus from genuinely signed contracts: the project's own renderer,
// PKI (event certificate, organisation certificate, built-in TSA) and signer make the genuine file,
// and every attack is derived from those bytes the way the published attacks do it.
import { randomBytes, X509Certificate } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { createDocumentRenderer, loadTemplates, type Template } from '../../src/documents/index.js';
import { getName, isDict, serialize, type PdfDict, type PdfValue } from '../../src/pdf/cos.js';
import { PdfReader } from '../../src/pdf/pdfReader.js';
import { loadOrCreatePki, type Pki, type SigningIdentity } from '../../src/pki/index.js';
import { signPdfField } from '../../src/signing/index.js';
import { freshDatabase } from '../support/databases.js';
import type { Database } from '../../src/storage/db/database.js';
import { migrate } from '../../src/storage/db/migrate.js';
import type { RevocationSource } from '../../src/verification/index.js';

export const UTILITY = { name: '三亚市示范供水有限公司', creditCode: '91460200MA5RC0XQ1H', address: '海南省三亚市吉阳区迎宾路 188 号', phone: '0898-88888888' };

export interface Genuine {
  pki: Pki;
  rootDer: Buffer;
  unsigned: Buffer;
  /** After the applicant's signature only. */
  oneSignature: Buffer;
  /** Applicant then utility: three revisions. */
  twoSignatures: Buffer;
  applicantSerial: string;
  signingTime: Date;
  /** Signs the unsigned contract's applicant field with any identity (for revoked / self-signed cases). */
  signApplicant(identity: SigningIdentity, pdf?: Buffer): Promise<Buffer>;
  issueEvent(): Promise<SigningIdentity & { serial: string }>;
  revocationSource(revokedAt?: Map<string, Date>): RevocationSource;
  close(): Promise<void>;
}

export async function makeGenuine(): Promise<Genuine> {
  const dataDir = await mkdtemp(path.join(os.tmpdir(), 'esign-verify-'));
  const database = await freshDatabase();
  await migrate(database.db);
  const pki = await corpusPki(dataDir, database.db);
  return assemble(pki, await signCorpus(pki), async () => {
    await database.drop();
    await rm(dataDir, { recursive: true, force: true });
  });
}

interface CorpusBytes {
  unsigned: Buffer;
  oneSignature: Buffer;
  twoSignatures: Buffer;
  applicantSerial: string;
  signingTime: Date;
}

const corpusPki = (dataDir: string, db: Database) =>
  loadOrCreatePki({ dataDir, masterKey: Buffer.alloc(32, 3), publicUrl: 'http://localhost:3000', utility: UTILITY, db });

const template = async () => (await loadTemplates(path.resolve('templates'))).get('water-supply-contract')!;
const applicantOf = (t: Template) => t.example.applicant as { name: string; idType: string; idNumber: string };
const timestampWith = (pki: Pki) => ({ timestamp: (imprint: Buffer) => pki.timestamp(imprint) });

function applicantSigner(pki: Pki, unsigned: Buffer, t: Template): Genuine['signApplicant'] {
  const applicant = applicantOf(t);
  return async (identity, pdf = unsigned) =>
    Buffer.from(
      await signPdfField({
        pdf, fieldName: 'sig_applicant', identity, timestamp: timestampWith(pki), signingTime: new Date(),
        appearance: { kind: 'person', name: applicant.name, caption: '电子签名', signedAt: new Date() },
      }),
    );
}

// One signer per event certificate, as in the service.
const eventIssuer = (pki: Pki, t: Template) => () =>
  pki.issueEventCertificate(applicantOf(t), { contractId: 'corpus', signerId: `s${randomBytes(6).toString('hex')}` });

async function signCorpus(pki: Pki): Promise<CorpusBytes> {
  const t = await template();
  const renderer = await createDocumentRenderer();
  const unsigned = Buffer.from(
    await renderer.render({ template: t, variables: t.example, contractNumber: 'SYGS-2026-000001', issuedAt: new Date(), utility: UTILITY, place: '海南省三亚市' }),
  );
  const signingTime = new Date();
  const event = await eventIssuer(pki, t)();
  const oneSignature = await applicantSigner(pki, unsigned, t)(event);
  const twoSignatures = Buffer.from(
    await signPdfField({
      pdf: oneSignature, fieldName: 'sig_utility', identity: pki.organisationIdentity(), timestamp: timestampWith(pki), signingTime: new Date(),
      appearance: { kind: 'seal', organisation: UTILITY.name, sealNumber: UTILITY.creditCode },
    }),
  );
  return { unsigned, oneSignature, twoSignatures, applicantSerial: event.serial, signingTime };
}

async function assemble(pki: Pki, bytes: CorpusBytes, close: () => Promise<void>): Promise<Genuine> {
  const t = await template();
  return {
    pki, rootDer: pki.rootDer(), ...bytes,
    signApplicant: applicantSigner(pki, bytes.unsigned, t),
    issueEvent: eventIssuer(pki, t),
    revocationSource: (revokedAt = new Map()) => ({
      async status(cert) {
        const serial = new X509Certificate(cert).serialNumber.toLowerCase().replace(/^0+/, '');
        const s = await pki.certificateStatus(serial);
        if (s === 'unknown') return undefined;
        const at = revokedAt.get(serial);
        return { status: s, source: 'local', ...(s === 'revoked' && at ? { revokedAt: at.toISOString() } : {}), checkedAt: new Date().toISOString() };
      },
    }),
    close,
  };
}

export function patch(pdf: Buffer, at: number, text: string): Buffer {
  const out = Buffer.from(pdf);
  out.write(text, at, 'latin1');
  return out;
}

export interface SigLocation {
  /** Offset of "N 0 obj" of the signature dictionary. */
  objOffset: number;
  byteRangeAt: number;
  byteRangeText: string;
  byteRange: number[];
  contentsAt: number;
}

/** Locates a signature dictionary through the xref (as the verifier does), for the attacks to edit. */
export function locateSignature(pdf: Buffer, fieldName: string): SigLocation {
  const r = new PdfReader(pdf);
  const cat = r.resolveDict(r.trailer.map.get('Root'))!;
  const af = r.resolveDict(cat.map.get('AcroForm'))!;
  const fields = r.resolve(af.map.get('Fields'));
  for (const f of fields?.type === 'array' ? fields.items : []) {
    const d = r.resolveDict(f)!;
    const t = d.map.get('T');
    if (t?.type !== 'str' || !t.raw.includes(fieldName)) continue;
    const v = d.map.get('V');
    if (v?.type !== 'ref') continue;
    const obj = r.getObject(v.num);
    const text = pdf.toString('latin1', obj.offset, obj.offset + 100_000);
    const m = /\/ByteRange\s*(\[[^\]]*\])/.exec(text)!;
    const byteRangeAt = obj.offset + m.index + m[0].indexOf('[');
    const byteRange = m[1].slice(1, -1).trim().split(/\s+/).map(Number);
    return { objOffset: obj.offset, byteRangeAt, byteRangeText: m[1], byteRange, contentsAt: byteRange[1] };
  }
  throw new Error(`no signed field ${fieldName}`);
}

/** Rewrites /ByteRange in place, padded to the same width (the signed bytes change, as in USF). */
export function withByteRange(pdf: Buffer, loc: SigLocation, items: string): Buffer {
  const text = `[${items}]`;
  if (text.length > loc.byteRangeText.length) throw new Error('byte range text too long');
  return patch(pdf, loc.byteRangeAt, text.padEnd(loc.byteRangeText.length, ' '));
}

/** Writes `bytes` as hex at the start of the /Contents placeholder, the rest left as it was (same length, offsets unchanged). */
export function withContents(pdf: Buffer, loc: SigLocation, bytes: Buffer): Buffer {
  const [, b, c] = loc.byteRange;
  if (2 * bytes.length > c - b - 2) throw new Error('does not fit the /Contents placeholder');
  return patch(pdf, b + 1, bytes.toString('hex'));
}

/** The bytes the /Contents hex string holds, padding included. */
export function contentsOf(pdf: Buffer, loc: SigLocation): Buffer {
  const [, b, c] = loc.byteRange;
  return Buffer.from(pdf.toString('latin1', b + 1, c - 1), 'hex');
}

/** The bytes a signature's ByteRange covers. */
export function signedBytesOf(pdf: Buffer, loc: SigLocation): Buffer {
  const [a, b, c, d] = loc.byteRange;
  return Buffer.concat([pdf.subarray(a, a + b), pdf.subarray(c, c + d)]);
}

/**
 * Appends one incremental revision with a classic xref table. `objects` are new or redefined
 * objects; `repoint` writes xref entries only, pointing at existing offsets (shadow attacks).
 */
export function appendRevision(pdf: Buffer, objects: Array<[number, string]>, repoint: Array<[number, number]> = [], extraSize = 0): Buffer {
  const r = new PdfReader(pdf);
  const chunks: string[] = [];
  let pos = pdf.length;
  const entries = new Map<number, number>();
  for (const [num, body] of objects) {
    entries.set(num, pos);
    const s = `${num} 0 obj\n${body}\nendobj\n`;
    chunks.push(s);
    pos += Buffer.byteLength(s, 'latin1');
  }
  for (const [num, off] of repoint) entries.set(num, off);
  const xrefAt = pos;
  let x = 'xref\n';
  for (const n of [...entries.keys()].sort((a, b) => a - b)) x += `${n} 1\n${String(entries.get(n)).padStart(10, '0')} 00000 n\r\n`;
  const size = Math.max(r.size, ...[...entries.keys()].map((n) => n + 1)) + extraSize;
  const keep = ['Root', 'Info', 'ID'].filter((k) => r.trailer.map.has(k)).map((k) => `/${k} ${serialize(r.trailer.map.get(k)!)}`).join(' ');
  const trailer = `<</Size ${size} ${keep} /Prev ${r.startxref}>>`;
  x += `trailer\n${trailer}\nstartxref\n${xrefAt}\n%%EOF\n`;
  chunks.push(x);
  return Buffer.concat([pdf, Buffer.from(chunks.join(''), 'latin1')]);
}

// ---------------------------------------------------------------- files made from scratch

/** A one-revision PDF of the given object bodies, numbered from 1; object 1 is the catalog. */
export function pdfOfObjects(objects: string[]): Buffer {
  let text = '%PDF-1.7\n';
  const offsets: number[] = [];
  objects.forEach((body, i) => {
    offsets.push(Buffer.byteLength(text, 'latin1'));
    text += `${i + 1} 0 obj\n${body}\nendobj\n`;
  });
  const xrefAt = Buffer.byteLength(text, 'latin1');
  text += `xref\n0 ${objects.length + 1}\n0000000000 65535 f\r\n${offsets.map((o) => `${String(o).padStart(10, '0')} 00000 n\r\n`).join('')}`;
  text += `trailer\n<</Size ${objects.length + 1} /Root 1 0 R>>\nstartxref\n${xrefAt}\n%%EOF\n`;
  return Buffer.from(text, 'latin1');
}

/**
 * `n` signature fields whose signatures are a bogus zero CMS: one (invalid) report each. Field names
 * `nameBytes` long make the report as long as needed.
 */
export function manySignaturesPdf(n: number, nameBytes = 0): Buffer {
  const field = (i: number) => 3 + 2 * i;
  const objects = [`<</Type /Catalog /Pages 2 0 R /AcroForm <</Fields [${Array.from({ length: n }, (_, i) => `${field(i)} 0 R`).join(' ')}]>>>>`, '<</Type /Pages /Kids [] /Count 0>>'];
  for (let i = 0; i < n; i++) {
    objects.push(`<</FT /Sig /T (sig${i}${'x'.repeat(nameBytes)}) /V ${field(i) + 1} 0 R>>`);
    objects.push(`<</Type /Sig /Filter /Adobe.PPKLite /SubFilter /ETSI.CAdES.detached /ByteRange [0 10 20 10] /Contents <${'00'.repeat(16)}>>>`);
  }
  return pdfOfObjects(objects);
}

/** A catalog with an entry of arrays nested `depth` deep, read only once the verifier opens the catalog. */
export function deepCatalogPdf(depth: number): Buffer {
  return pdfOfObjects([`<</Type /Catalog /Pages 2 0 R /Nested ${'['.repeat(depth)}${']'.repeat(depth)}>>`, '<</Type /Pages /Kids [] /Count 0>>']);
}

export interface DocObjects {
  reader: PdfReader;
  catalogNum: number;
  catalog: PdfDict;
  acroFormNum: number | null;
  pageNum: number;
  page: PdfDict;
  contentsNum: number;
  fontNum: number | null;
}

export function documentObjects(pdf: Buffer): DocObjects {
  const reader = new PdfReader(pdf);
  const root = reader.trailer.map.get('Root') as { type: 'ref'; num: number; gen: number };
  const catalog = reader.resolveDict(root)!;
  const af = catalog.map.get('AcroForm');
  let node: PdfValue | undefined = catalog.map.get('Pages');
  while (node) {
    const d = reader.resolveDict(node)!;
    if (getName(d, 'Type') === 'Page') break;
    const kids = reader.resolve(d.map.get('Kids'));
    node = kids?.type === 'array' ? kids.items[0] : undefined;
  }
  const pageRef = node as { type: 'ref'; num: number; gen: number };
  const page = reader.resolveDict(pageRef)!;
  const contents = page.map.get('Contents')!;
  const contentsNum = contents.type === 'ref' ? (isDict(reader.resolve(contents)) ? contents.num : ((reader.resolve(contents) as { items: Array<{ num: number }> }).items[0].num)) : (contents as { items: Array<{ num: number }> }).items[0].num;
  const res = reader.resolveDict(page.map.get('Resources'));
  const fonts = reader.resolveDict(res?.map.get('Font'));
  const firstFont = fonts ? [...fonts.map.values()][0] : undefined;
  return {
    reader, catalogNum: root.num, catalog, acroFormNum: af?.type === 'ref' ? af.num : null,
    pageNum: pageRef.num, page, contentsNum, fontNum: firstFont?.type === 'ref' ? firstFont.num : null,
  };
}

export function withEntry(d: PdfDict, key: string, raw: string): string {
  const copy: PdfDict = { type: 'dict', map: new Map(d.map) };
  copy.map.set(key, { type: 'str', raw });
  // serialize() writes str values verbatim, which lets us splice arbitrary PDF syntax in.
  return serialize(copy);
}

function applicantAppearance(doc: DocObjects): number {
  const af = doc.reader.resolveDict(doc.catalog.map.get('AcroForm'))!;
  const fields = doc.reader.resolve(af.map.get('Fields'));
  for (const f of fields?.type === 'array' ? fields.items : []) {
    const d = doc.reader.resolveDict(f)!;
    if (d.map.get('T')?.type === 'str' && (d.map.get('T') as { raw: string }).raw.includes('sig_applicant')) {
      const n = doc.reader.resolveDict(d.map.get('AP'))!.map.get('N');
      if (n?.type === 'ref') return n.num;
    }
  }
  throw new Error('no applicant appearance');
}

export function annotsOf(doc: DocObjects): string {
  const a = doc.reader.resolve(doc.page.map.get('Annots'));
  return a?.type === 'array' ? a.items.map((x) => serialize(x)).join(' ') : '';
}

const stream = (dict: string, data: string) => `${dict.replace(/>>$/, ` /Length ${Buffer.byteLength(data, 'latin1')}>>`)}\nstream\n${data}\nendstream`;

/** Every attack, from the genuine two-signature contract. Each names what the report must say. */
export function buildAttacks(g: Genuine): Array<{ name: string; pdf: Buffer; expect: { verdict: 'invalid' | 'indeterminate'; reason: RegExp; signature?: string } }> {
  const pdf = g.twoSignatures;
  const loc = locateSignature(pdf, 'sig_utility');
  const [, b, c, d] = loc.byteRange;
  const doc = documentObjects(pdf);
  const out: ReturnType<typeof buildAttacks> = [];
  const add = (name: string, file: Buffer, reason: RegExp, verdict: 'invalid' | 'indeterminate' = 'invalid', signature = 'sig_utility') =>
    out.push({ name, pdf: file, expect: { verdict, reason, signature } });

  const text = pdf.toString('latin1');
  const contentsKey = text.lastIndexOf('/Contents <', loc.contentsAt);
  add('contents missing', patch(pdf, contentsKey, '/Contentx'), /contents_missing/);
  add('contents empty', patch(pdf, b + 1, '0'.repeat(c - b - 2)), /contents_empty/);
  add('contents not hex', patch(pdf, b + 1, 'zz'), /contents_not_hex/);
  add('byterange missing', patch(pdf, loc.byteRangeAt - '/ByteRange '.length, '/ByteRangx'), /byterange_missing/);
  add('byterange three integers', withByteRange(pdf, loc, `0 ${b} ${c}`), /byterange_malformed/);
  add('byterange negative', withByteRange(pdf, loc, `0 ${b} ${c} -${d}`), /byterange_malformed/);
  add('byterange not a number', withByteRange(pdf, loc, `0 ${b} ${c} x`), /signature_unreadable/);
  add('byterange not from 0', withByteRange(pdf, loc, `10 ${b - 10} ${c} ${d}`), /byterange_not_from_start/);
  add('byterange gap larger than contents (wrapping)', withByteRange(pdf, loc, `0 ${b - 40} ${c} ${d}`), /byterange_gap_mismatch/);
  add('byterange overlapping', withByteRange(pdf, loc, `0 ${c + 10} ${c} ${d}`), /byterange_overlap/);
  add('byterange past end of file', withByteRange(pdf, loc, `0 ${b} ${c} ${d + 500}`), /byterange_past_eof/);
  add('data appended after the signed range', Buffer.concat([pdf, Buffer.from('% appended by someone\n1 0 obj\n(x)\nendobj\n', 'latin1')]), /trailing_data|modified_after_signing/);

  // Second signature broken, first untouched: a digit of /M inside the second revision.
  const m = text.lastIndexOf('/M (D:');
  add('second signature digest wrong', patch(pdf, m + 6, text[m + 6] === '2' ? '1' : '2'), /integrity/);

  // Incremental Saving Attack: the page content redefined after both signatures.
  add(
    'page content redefined in a new revision',
    appendRevision(pdf, [[doc.contentsNum, stream('<<>>', 'BT /F1 24 Tf 100 700 Td (PAID IN FULL) Tj ET')]]),
    /page_content/,
  );
  if (doc.fontNum !== null) {
    const font = doc.reader.resolveDict({ type: 'ref', num: doc.fontNum, gen: 0 })!;
    add('font redefined in a new revision', appendRevision(pdf, [[doc.fontNum, withEntry(font, 'BaseFont', '/Helvetica')]]), /font/);
  }
  const newAnnot = doc.reader.size;
  if (doc.acroFormNum !== null) {
    // /DR is an entry the AcroForm may gain, but not one pointing at the applicant's signed appearance.
    const af = doc.reader.resolveDict({ type: 'ref', num: doc.acroFormNum, gen: 0 })!;
    const ap = applicantAppearance(doc);
    add('acroform /DR borrows the signed applicant appearance', appendRevision(pdf, [[doc.acroFormNum, withEntry(af, 'DR', `<</XObject <</Seal ${ap} 0 R>>>>`)]]), /reference_to_signed_object/);
  }
  if (doc.acroFormNum !== null) {
    const af = doc.reader.resolveDict({ type: 'ref', num: doc.acroFormNum, gen: 0 })!;
    const fields = doc.reader.resolve(af.map.get('Fields'));
    const list = fields?.type === 'array' ? fields.items.map((x) => serialize(x)).join(' ') : '';
    add(
      'new visible signature field',
      appendRevision(pdf, [
        [newAnnot, `<</FT /Sig /Type /Annot /Subtype /Widget /T (sig_extra) /Rect [50 50 250 120] /F 4 /P ${doc.pageNum} 0 R>>`],
        [doc.acroFormNum, withEntry(af, 'Fields', `[${list} ${newAnnot} 0 R]`)],
      ]),
      /new_visible_field/,
    );
  }
  add('catalog entry changed', appendRevision(pdf, [[doc.catalogNum, withEntry(doc.catalog, 'OpenAction', '<</S /JavaScript /JS (app.alert\\(1\\))>>')]]), /catalog_changed/);

  // Shadow attack: only an xref entry, pointing at the empty applicant field as it was before signing.
  const r0 = doc.reader.atRevision(0);
  const r2 = doc.reader;
  const shadowCandidates = r2.objectNumbers().filter((num) => {
    const e0 = r0.entry(num);
    const e2 = r2.entry(num);
    return e0?.kind === 'offset' && e2?.kind === 'offset' && e0.offset !== e2.offset;
  });
  // The AcroForm as it was before /SigFlags: both signatures stay visible, the xref lies about it.
  const target = doc.acroFormNum !== null && shadowCandidates.includes(doc.acroFormNum) ? doc.acroFormNum : shadowCandidates[0];
  const oldOffset = (r0.entry(target) as { offset: number }).offset;
  add('shadow: xref entry repointed into signed bytes', appendRevision(pdf, [], [[target, oldOffset]]), /xref_repoint/);
  return out;
}
