// Certification (DocMDP) and field-locking (FieldMDP) signatures as other signing tools write them:
// the signature dictionary carries a /Reference with the transform, and for DocMDP the catalog's
// /Perms names the signature, all in the signature's own revision.
import { arr, dict, name, num, ref, serialize, type PdfValue } from '../../src/pdf/cos.js';
import { PdfReader } from '../../src/pdf/pdfReader.js';
import { buildPadesCms, prepareIdentity } from '../../src/signing/cms.js';
import { locateSignatureField } from '../../src/signing/fields.js';
import { cloneDict, writeSignatureRevision, type RevisionObject } from '../../src/signing/signatureRevision.js';
import type { SigningIdentity, TimestampClient } from '../../src/signing/types.js';

export type Transform = { docMdp: 1 | 2 | 3 } | { fieldMdp: { action: 'All' | 'Include' | 'Exclude'; fields: string[] } };

const str = (s: string): PdfValue => ({ type: 'str', raw: `(${s})` });

/** Signs `fieldName` (invisible: no appearance is added) with a /Reference transform. */
export async function signWithTransform(pdf: Buffer, fieldName: string, identity: SigningIdentity, tsa: TimestampClient, t: Transform): Promise<Buffer> {
  const reader = new PdfReader(pdf);
  const loc = locateSignatureField(reader, fieldName);
  const sigNum = reader.size;
  const gen = (n: number) => reader.getObject(n).gen;
  const field = cloneDict(loc.field);
  field.map.set('V', ref(sigNum));
  const objects: RevisionObject[] = [{ num: loc.fieldNum, gen: gen(loc.fieldNum), body: serialize(field) }];
  const params =
    'docMdp' in t
      ? dict([['Type', name('TransformParams')], ['P', num(t.docMdp)], ['V', name('1.2')]])
      : dict([['Type', name('TransformParams')], ['Action', name(t.fieldMdp.action)], ['Fields', arr(t.fieldMdp.fields.map(str))], ['V', name('1.2')]]);
  const sigRef = dict([['Type', name('SigRef')], ['TransformMethod', name('docMdp' in t ? 'DocMDP' : 'FieldMDP')], ['TransformParams', params]]);
  if ('docMdp' in t) {
    const cat = cloneDict(loc.catalog);
    cat.map.set('Perms', dict([['DocMDP', ref(sigNum)]]));
    objects.push({ num: loc.catalogNum, gen: gen(loc.catalogNum), body: serialize(cat) });
  }
  const prepared = prepareIdentity(identity);
  return writeSignatureRevision(
    {
      input: pdf,
      reader,
      sigNum,
      head: [['Type', name('Sig')], ['Filter', name('Adobe.PPKLite')], ['SubFilter', name('ETSI.CAdES.detached')], ['Reference', arr([sigRef])]],
      tail: [],
      contentsSize: 16 * 1024,
      objects,
      size: sigNum + 1,
    },
    (digest) => buildPadesCms(prepared, digest, tsa, { timestampMs: 0 }),
  );
}

/** An approval signature in a new, visible signature field on the first page (as Acrobat adds one). */
export async function signInNewVisibleField(pdf: Buffer, fieldName: string, identity: SigningIdentity, tsa: TimestampClient): Promise<Buffer> {
  const reader = new PdfReader(pdf);
  const catalog = reader.resolveDict(reader.trailer.map.get('Root'))!;
  const afRef = catalog.map.get('AcroForm') as { type: 'ref'; num: number; gen: number };
  const af = reader.resolveDict(afRef)!;
  const pages = reader.resolveDict(catalog.map.get('Pages'))!;
  const pageRef = (reader.resolve(pages.map.get('Kids')) as { items: PdfValue[] }).items[0] as { type: 'ref'; num: number; gen: number };
  const page = reader.resolveDict(pageRef)!;
  const sigNum = reader.size;
  const fieldNum = sigNum + 1;
  const apNum = sigNum + 2;
  const look = Buffer.from('q 0 0 1 RG 2 w 5 5 190 60 re S Q', 'latin1');
  const withItem = (v: PdfValue | undefined, item: PdfValue) => arr([...((reader.resolve(v) as { items?: PdfValue[] } | undefined)?.items ?? []), item]);
  const newAf = cloneDict(af);
  newAf.map.set('Fields', withItem(af.map.get('Fields'), ref(fieldNum)));
  const newPage = cloneDict(page);
  newPage.map.set('Annots', withItem(page.map.get('Annots'), ref(fieldNum)));
  const objects: RevisionObject[] = [
    {
      num: fieldNum,
      gen: 0,
      body: serialize(dict([['Type', name('Annot')], ['Subtype', name('Widget')], ['FT', name('Sig')], ['T', str(fieldName)], ['F', num(4)], ['Rect', arr([num(300), num(60), num(500), num(130)])], ['P', ref(pageRef.num)], ['V', ref(sigNum)], ['AP', dict([['N', ref(apNum)]])]])),
    },
    { num: apNum, gen: 0, body: serialize(dict([['Type', name('XObject')], ['Subtype', name('Form')], ['BBox', arr([num(0), num(0), num(200), num(70)])], ['Length', num(look.length)]])), data: look },
    { num: afRef.num, gen: reader.getObject(afRef.num).gen, body: serialize(newAf) },
    { num: pageRef.num, gen: reader.getObject(pageRef.num).gen, body: serialize(newPage) },
  ];
  const prepared = prepareIdentity(identity);
  return writeSignatureRevision(
    { input: pdf, reader, sigNum, head: [['Type', name('Sig')], ['Filter', name('Adobe.PPKLite')], ['SubFilter', name('ETSI.CAdES.detached')]], tail: [], contentsSize: 16 * 1024, objects, size: apNum + 1 },
    (digest) => buildPadesCms(prepared, digest, tsa, { timestampMs: 0 }),
  );
}
