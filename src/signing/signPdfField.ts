// Fills one empty signature field with a PAdES B-T signature, as one incremental revision.
import { deflateSync } from 'node:zlib';
import { appearanceStream, DISPLAY_UTC_OFFSET_MINUTES } from './appearance.js';
import { buildPadesCms, prepareIdentity, type CmsTimings } from './cms.js';
import { dict, encodeTextString, name, num, ref, serialize, type PdfDict, type PdfValue } from '../pdf/cos.js';
import { PdfFormatError } from '../pdf/errors.js';
import { SigningError } from './errors.js';
import { locateSignatureField, sigFlags, widgetSize } from './fields.js';
import { cloneDict, writeSignatureRevision, type RevisionObject } from './signatureRevision.js';
import { PdfReader } from '../pdf/pdfReader.js';
import type { SignRequest, SigningTuning } from './types.js';

/** Typical RFC 3161 token with a two-certificate TSA chain is 3–5 KB; reserve generously. */
const DEFAULT_TOKEN_ESTIMATE = 8 * 1024;
/** SignedData framing, signed attributes (with issuer name), signature value. */
const CMS_OVERHEAD = 2 * 1024;

export interface SignResultDetail {
  pdf: Uint8Array;
  timestampMs: number;
  contentsSize: number;
  cmsSize: number;
}

export async function signPdfField(req: SignRequest, tuning: SigningTuning = {}): Promise<Uint8Array> {
  return (await signPdfFieldDetailed(req, tuning)).pdf;
}

export async function signPdfFieldDetailed(req: SignRequest, tuning: SigningTuning = {}): Promise<SignResultDetail> {
  try {
    return await signInner(req, tuning);
  } catch (e) {
    throw e instanceof PdfFormatError ? toSigningError(e) : e;
  }
}

/** Callers of the signing API rely on SigningError codes; the PDF layer has its own. */
function toSigningError(e: PdfFormatError): SigningError {
  const code = e.code === 'malformed_pdf' ? 'malformed_pdf' : 'unsupported_pdf';
  const message = e.code === 'encrypted_pdf' ? 'encrypted PDFs cannot be signed incrementally by this service' : e.message;
  return new SigningError(code, message, { cause: e });
}

async function signInner(req: SignRequest, tuning: SigningTuning): Promise<SignResultDetail> {
  const input = Buffer.from(req.pdf.buffer, req.pdf.byteOffset, req.pdf.byteLength);
  if (input.toString('latin1', 0, 5) !== '%PDF-') throw new SigningError('malformed_pdf', 'not a PDF (no %PDF- header)');
  if (!(req.signingTime instanceof Date) || Number.isNaN(req.signingTime.getTime())) {
    throw new SigningError('malformed_pdf', 'signingTime must be a valid Date');
  }
  const prepared = prepareIdentity(req.identity);
  const reader = new PdfReader(input);
  const loc = locateSignatureField(reader, req.fieldName);

  const sigNum = reader.size;
  const apNum = reader.size + 1;
  const gen = (n: number) => reader.getObject(n).gen;

  // --- appearance XObject
  const { width, height } = widgetSize(loc.widget, reader);
  let apStream: { dict: string; data: Buffer } | undefined;
  if (width > 0 && height > 0) {
    const compress = tuning.compressAppearance ?? true;
    const data = appearanceData(req, width, height, compress);
    const d = dict([
      ['Type', name('XObject')],
      ['Subtype', name('Form')],
      ['BBox', { type: 'array', items: [num(0), num(0), num(width), num(height)] }],
      ['Resources', dict()],
      ['Length', num(data.length)],
    ]);
    if (compress) d.map.set('Filter', name('FlateDecode'));
    apStream = { dict: serialize(d), data };
  }

  // --- updated field / widget / AcroForm
  const updates = new Map<number, PdfDict>();
  const field = cloneDict(loc.field);
  field.map.set('V', ref(sigNum));
  updates.set(loc.fieldNum, field);
  const widget = loc.widgetNum === loc.fieldNum ? field : cloneDict(loc.widget);
  if (apStream) widget.map.set('AP', dict([['N', ref(apNum)]]));
  // Hidden/NoView widgets or widgets without Print would make the visible signature vanish on paper.
  const flags = widget.map.get('F');
  const f = flags?.type === 'num' ? flags.value : 0;
  widget.map.set('F', num((f | 4) & ~(1 | 2 | 32)));
  updates.set(loc.widgetNum, widget);
  // SignaturesExist | AppendOnly: tells editors to save incrementally from now on.
  if ((sigFlags(loc.acroForm) & 3) !== 3) {
    const af = cloneDict(loc.acroForm);
    af.map.set('SigFlags', num(sigFlags(loc.acroForm) | 3));
    if (loc.acroFormNum !== undefined) {
      updates.set(loc.acroFormNum, af);
    } else {
      const cat = cloneDict(loc.catalog);
      cat.map.set('AcroForm', af);
      updates.set(loc.catalogNum, cat);
    }
  }

  // --- signature dictionary with placeholders, and the revision
  const contentsSize =
    tuning.contentsSize ?? prepared.certBytes + (req.timestamp.maxTokenSize ?? DEFAULT_TOKEN_ESTIMATE) + CMS_OVERHEAD;
  const tail: Array<[string, PdfValue]> = [['M', { type: 'str', raw: `(${pdfDate(req.signingTime)})` }]];
  if (req.reason) tail.push(['Reason', encodeTextString(req.reason)]);
  if (req.location) tail.push(['Location', encodeTextString(req.location)]);
  if (req.contactInfo) tail.push(['ContactInfo', encodeTextString(req.contactInfo)]);
  const objects: RevisionObject[] = [...updates].map(([n, d]) => ({ num: n, gen: gen(n), body: serialize(d) }));
  if (apStream) objects.push({ num: apNum, gen: 0, body: apStream.dict, data: apStream.data });

  const timings: CmsTimings = { timestampMs: 0 };
  let cmsSize = 0;
  const out = await writeSignatureRevision(
    {
      input,
      reader,
      sigNum,
      head: [['Type', name('Sig')], ['Filter', name('Adobe.PPKLite')], ['SubFilter', name('ETSI.CAdES.detached')]],
      tail,
      contentsSize,
      objects,
      size: apStream ? apNum + 1 : sigNum + 1,
    },
    async (digest) => {
      const cms = await buildPadesCms(prepared, digest, req.timestamp, timings);
      cmsSize = cms.length;
      return cms;
    },
  );
  return { pdf: new Uint8Array(out.buffer, out.byteOffset, out.length), timestampMs: timings.timestampMs, contentsSize, cmsSize };
}

// An organisation's seal looks the same on every contract, so its compressed stream is reused.
const apCache = new Map<string, Buffer>();
function appearanceData(req: SignRequest, width: number, height: number, compress: boolean): Buffer {
  const key = JSON.stringify([req.appearance, width, height, compress]);
  let data = apCache.get(key);
  if (!data) {
    const content = Buffer.from(appearanceStream(req.appearance, width, height), 'latin1');
    // Level 1: a third of level 6's time for ~10 % more bytes on glyph outlines.
    data = compress ? deflateSync(content, { level: 1 }) : content;
    if (apCache.size >= 32) apCache.delete(apCache.keys().next().value!);
    apCache.set(key, data);
  }
  return data;
}

/** PDF date (§7.9.4) in China Standard Time, matching the time shown in the appearance. */
export function pdfDate(d: Date, offsetMinutes = DISPLAY_UTC_OFFSET_MINUTES): string {
  const t = new Date(d.getTime() + offsetMinutes * 60_000);
  const p = (n: number, w = 2) => String(n).padStart(w, '0');
  const sign = offsetMinutes >= 0 ? '+' : '-';
  const off = Math.abs(offsetMinutes);
  return (
    `D:${p(t.getUTCFullYear(), 4)}${p(t.getUTCMonth() + 1)}${p(t.getUTCDate())}` +
    `${p(t.getUTCHours())}${p(t.getUTCMinutes())}${p(t.getUTCSeconds())}${sign}${p(Math.floor(off / 60))}'${p(off % 60)}'`
  );
}
