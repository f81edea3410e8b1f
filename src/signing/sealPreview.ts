import { PDFDocument, PDFName } from 'pdf-lib';
import { sealStream } from './appearance.js';

/** The seal as the signatures draw it (the same content stream), alone on a small page, for people to look at. */
export async function sealPreviewPdf(organisation: string, sealNumber: string): Promise<Buffer> {
  const size = 170;
  const doc = await PDFDocument.create();
  const page = doc.addPage([size, size]);
  page.node.set(PDFName.of('Contents'), doc.context.register(doc.context.flateStream(sealStream(size, size, organisation, sealNumber))));
  return Buffer.from(await doc.save({ useObjectStreams: false }));
}
