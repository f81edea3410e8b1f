// PAdES B-LT and B-LTA (ETSI EN 319 142-1 §5.4–5.5). After the last signature, the data a verifier needs
// (certificates, OCSP responses, CRLs) goes into the Document Security Store, so the signatures can be
// validated without the service that issued them; then a document timestamp covers the whole file,
// DSS included, so the evidence outlives the signers' and the timestamp authority's certificates.
import { arr, dict, getName, name, num, ref, serialize, textString, type PdfDict, type PdfValue } from '../pdf/cos.js';
import { PdfReader } from '../pdf/pdfReader.js';
import { PdfFormatError } from '../pdf/errors.js';
import { SigningError } from './errors.js';
import { joinRevision, revisionBase, RevisionWriter } from './incremental.js';
import { cloneDict, writeSignatureRevision, type RevisionObject } from './signatureRevision.js';
import type { TimestampClient } from './types.js';

export interface ValidationData {
  certs: Buffer[];
  ocsps: Buffer[];
  crls: Buffer[];
}

/** A token is 3–5 KB with a two-certificate TSA chain; reserve generously. */
const DEFAULT_TOKEN_ESTIMATE = 8 * 1024;
const MAX_PAGE_TREE_DEPTH = 32;

function asBuffer(pdf: Uint8Array): Buffer {
  return Buffer.from(pdf.buffer, pdf.byteOffset, pdf.byteLength);
}

function open(pdf: Uint8Array): { input: Buffer; reader: PdfReader; catalogNum: number; catalog: PdfDict } {
  const input = asBuffer(pdf);
  try {
    const reader = new PdfReader(input);
    const root = reader.trailer.map.get('Root');
    const catalog = reader.resolveDict(root);
    if (root?.type !== 'ref' || !catalog) throw new SigningError('malformed_pdf', 'trailer has no catalog');
    return { input, reader, catalogNum: root.num, catalog };
  } catch (e) {
    if (e instanceof PdfFormatError) throw new SigningError('malformed_pdf', e.message, { cause: e });
    throw e;
  }
}

/** Adds the validation data to the DSS (keeping what an earlier DSS holds), as one incremental revision. */
export function appendDss(pdf: Uint8Array, data: ValidationData): Uint8Array {
  const { input, reader, catalogNum, catalog } = open(pdf);
  const earlier = reader.resolveDict(catalog.map.get('DSS'));
  const listed = (key: string): PdfValue[] => {
    const a = earlier && reader.resolve(earlier.map.get(key));
    return a?.type === 'array' ? a.items : [];
  };
  const base = revisionBase(input);
  const w = new RevisionWriter(base);
  let next = reader.size;
  const streams = (items: Buffer[]) =>
    [...new Map(items.map((b) => [b.toString('base64'), b])).values()].map((der) => {
      const n = next++;
      w.addObject(n, 0, serialize(dict([['Length', num(der.length)]])), der);
      return ref(n);
    });
  const dssNum = next++;
  // An earlier DSS keeps everything it had (its /VRI too); the new items are added to its arrays.
  const dss = earlier ? cloneDict(earlier) : dict([['Type', name('DSS')]]);
  dss.map.set('Certs', arr([...listed('Certs'), ...streams(data.certs)]));
  dss.map.set('OCSPs', arr([...listed('OCSPs'), ...streams(data.ocsps)]));
  dss.map.set('CRLs', arr([...listed('CRLs'), ...streams(data.crls)]));
  w.addObject(dssNum, 0, serialize(dss));
  const cat = cloneDict(catalog);
  cat.map.set('DSS', ref(dssNum));
  w.addObject(catalogNum, reader.getObject(catalogNum).gen, serialize(cat));
  const out = joinRevision(input, base, w.finish(reader, next));
  return new Uint8Array(out.buffer, out.byteOffset, out.length);
}

/** DocTimeStamp, or DocTimeStamp2, 3 … when a renewal adds another: field names must be unique. */
function unusedFieldName(reader: PdfReader, acroForm: PdfDict, base: string): string {
  const fields = reader.resolve(acroForm.map.get('Fields'));
  const taken = new Set<string>();
  for (const f of fields?.type === 'array' ? fields.items : []) {
    const t = reader.resolveDict(f)?.map.get('T');
    if (t?.type === 'str') taken.add(textString(t));
  }
  for (let n = 1; ; n++) {
    const candidate = n === 1 ? base : `${base}${n}`;
    if (!taken.has(candidate)) return candidate;
  }
}

function firstPage(reader: PdfReader, catalog: PdfDict): { num: number; page: PdfDict } {
  let node = catalog.map.get('Pages');
  for (let depth = 0; depth < MAX_PAGE_TREE_DEPTH; depth++) {
    const d = reader.resolveDict(node);
    if (node?.type !== 'ref' || !d) break;
    if (getName(d, 'Type') === 'Page') return { num: node.num, page: d };
    const kids = reader.resolve(d.map.get('Kids'));
    if (kids?.type !== 'array' || kids.items.length === 0) break;
    node = kids.items[0];
  }
  throw new SigningError('malformed_pdf', 'the page tree has no first page');
}

/**
 * Adds a document timestamp (/DocTimeStamp, ETSI.RFC3161) in a new invisible signature field on the
 * first page, as one incremental revision: the token's imprint is the SHA-256 of the ByteRange.
 */
export async function appendDocumentTimestamp(pdf: Uint8Array, tsa: TimestampClient): Promise<Uint8Array> {
  const { input, reader, catalogNum, catalog } = open(pdf);
  const afValue = catalog.map.get('AcroForm');
  const acroForm = reader.resolveDict(afValue);
  if (!acroForm) throw new SigningError('field_not_found', 'the document has no AcroForm to add a timestamp field to');
  const fieldName = unusedFieldName(reader, acroForm, 'DocTimeStamp');
  const page = firstPage(reader, catalog);
  const gen = (n: number) => reader.getObject(n).gen;

  const sigNum = reader.size;
  const fieldNum = sigNum + 1;
  const objects: RevisionObject[] = [
    {
      num: fieldNum,
      gen: 0,
      // Field and widget in one dictionary; zero-size, printed-flag only, locked: it shows nothing.
      body: serialize(
        dict([
          ['Type', name('Annot')],
          ['Subtype', name('Widget')],
          ['FT', name('Sig')],
          ['T', { type: 'str', raw: `(${fieldName})` }],
          ['F', num(4 | 128)],
          ['Rect', arr([num(0), num(0), num(0), num(0)])],
          ['P', ref(page.num, gen(page.num))],
          ['V', ref(sigNum)],
        ]),
      ),
    },
  ];

  // /Fields and /Annots may be inline arrays or arrays of their own: update whichever holds them.
  const append = (owner: { num: number; dict: PdfDict }, key: string, item: PdfValue): void => {
    const v = owner.dict.map.get(key);
    const list = reader.resolve(v);
    const items = list?.type === 'array' ? [...list.items, item] : [item];
    if (v?.type === 'ref' && list?.type === 'array') {
      objects.push({ num: v.num, gen: gen(v.num), body: serialize(arr(items)) });
      return;
    }
    const d = cloneDict(owner.dict);
    d.map.set(key, arr(items));
    objects.push({ num: owner.num, gen: gen(owner.num), body: serialize(d) });
  };
  if (afValue?.type === 'ref') {
    append({ num: afValue.num, dict: acroForm }, 'Fields', ref(fieldNum));
  } else {
    const af = cloneDict(acroForm);
    const fields = reader.resolve(af.map.get('Fields'));
    af.map.set('Fields', arr([...(fields?.type === 'array' ? fields.items : []), ref(fieldNum)]));
    const cat = cloneDict(catalog);
    cat.map.set('AcroForm', af);
    objects.push({ num: catalogNum, gen: gen(catalogNum), body: serialize(cat) });
  }
  append({ num: page.num, dict: page.page }, 'Annots', ref(fieldNum));
  if (new Set(objects.map((o) => o.num)).size !== objects.length) {
    throw new SigningError('unsupported_pdf', 'the page and the AcroForm share an object; cannot add a timestamp field');
  }

  const out = await writeSignatureRevision(
    {
      input,
      reader,
      sigNum,
      head: [['Type', name('DocTimeStamp')], ['Filter', name('Adobe.PPKLite')], ['SubFilter', name('ETSI.RFC3161')]],
      tail: [],
      contentsSize: tsa.maxTokenSize ?? DEFAULT_TOKEN_ESTIMATE,
      objects,
      size: fieldNum + 1,
    },
    async (digest) => {
      try {
        return await tsa.timestamp(digest);
      } catch (err) {
        throw new SigningError('timestamp_failed', `the timestamp authority did not answer: ${(err as Error).message}`, { cause: err });
      }
    },
  );
  return new Uint8Array(out.buffer, out.byteOffset, out.length);
}
