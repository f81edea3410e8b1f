// Forgeries built from a document timestamp: anyone can get one for any bytes, so a verifier that
// counts it as a signature can be fooled with files like these.
import { PDFDocument, PDFName } from 'pdf-lib';
import { arr, dict, name, num, ref, serialize } from '../../src/pdf/cos.js';
import { PdfReader } from '../../src/pdf/pdfReader.js';
import type { Pki } from '../../src/pki/index.js';
import { appendDocumentTimestamp, appendDss } from '../../src/signing/index.js';
import { locateSignatureField } from '../../src/signing/fields.js';
import { cloneDict, writeSignatureRevision, type RevisionObject } from '../../src/signing/signatureRevision.js';

const tsaOf = (pki: Pki) => ({ timestamp: (imprint: Buffer) => pki.timestamp(imprint) });

/** A made-up one-page PDF whose only "signature" is a document timestamp, the issuing CA in its DSS. */
export async function timestampOnlyPdf(pki: Pki, issuingCaDer: Buffer): Promise<Buffer> {
  const doc = await PDFDocument.create();
  doc.addPage([595, 842]).drawText('Payment received in full', { x: 50, y: 700 });
  doc.catalog.set(PDFName.of('AcroForm'), doc.context.obj({ Fields: [] }));
  const plain = await doc.save({ useObjectStreams: false });
  const stamped = await appendDocumentTimestamp(plain, tsaOf(pki));
  return Buffer.from(appendDss(stamped, { certs: [issuingCaDer], ocsps: [], crls: [] }));
}

/**
 * Fills an existing empty signature field (e.g. sig_utility) with a document timestamp, optionally
 * with a hand-drawn red "seal" as its appearance: what a forger shows on the page without the key.
 */
export async function timestampInExistingField(pki: Pki, pdf: Buffer, fieldName: string, withSeal: boolean): Promise<Buffer> {
  const reader = new PdfReader(pdf);
  const loc = locateSignatureField(reader, fieldName);
  const sigNum = reader.size;
  const apNum = sigNum + 1;
  const field = cloneDict(loc.field);
  field.map.set('V', ref(sigNum));
  if (withSeal) field.map.set('AP', dict([['N', ref(apNum)]]));
  const objects: RevisionObject[] = [{ num: loc.fieldNum, gen: reader.getObject(loc.fieldNum).gen, body: serialize(field) }];
  if (withSeal) {
    const seal = Buffer.from('q 1 0 0 RG 4 w 1 0 0 rg 20 20 100 100 re S BT /F1 12 Tf 30 60 Td (SEAL) Tj ET Q', 'latin1');
    const ap = dict([['Type', name('XObject')], ['Subtype', name('Form')], ['BBox', arr([num(0), num(0), num(140), num(140)])], ['Length', num(seal.length)]]);
    objects.push({ num: apNum, gen: 0, body: serialize(ap), data: seal });
  }
  return writeSignatureRevision(
    {
      input: pdf,
      reader,
      sigNum,
      head: [['Type', name('DocTimeStamp')], ['Filter', name('Adobe.PPKLite')], ['SubFilter', name('ETSI.RFC3161')]],
      tail: [],
      contentsSize: 8192,
      objects,
      size: withSeal ? apNum + 1 : sigNum + 1,
    },
    (digest) => pki.timestamp(digest),
  );
}

/** A document timestamp in a new field whose widget /Rect is written as given (e.g. with indirect numbers). */
export async function timestampInNewField(pki: Pki, pdf: Buffer, rect: string, extra: Array<[number, string]> = []): Promise<Buffer> {
  const reader = new PdfReader(pdf);
  const catalog = reader.resolveDict(reader.trailer.map.get('Root'))!;
  const afRef = catalog.map.get('AcroForm') as { type: 'ref'; num: number; gen: number };
  const af = cloneDict(reader.resolveDict(afRef)!);
  const sigNum = reader.size;
  const fieldNum = sigNum + 1;
  const fields = reader.resolve(af.map.get('Fields'));
  af.map.set('Fields', arr([...(fields?.type === 'array' ? fields.items : []), ref(fieldNum)]));
  const objects: RevisionObject[] = [
    { num: fieldNum, gen: 0, body: `<</Type /Annot /Subtype /Widget /FT /Sig /T (Stamp) /F 4 /Rect ${rect} /V ${sigNum} 0 R>>` },
    { num: afRef.num, gen: reader.getObject(afRef.num).gen, body: serialize(af) },
    ...extra.map(([num, body]) => ({ num, gen: 0, body })),
  ];
  return writeSignatureRevision(
    {
      input: pdf, reader, sigNum,
      head: [['Type', name('DocTimeStamp')], ['Filter', name('Adobe.PPKLite')], ['SubFilter', name('ETSI.RFC3161')]],
      tail: [], contentsSize: 8192, objects, size: Math.max(fieldNum, ...extra.map(([n]) => n)) + 1,
    },
    (digest) => pki.timestamp(digest),
  );
}
