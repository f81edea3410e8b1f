// Turns bytes into a PdfReader or a PdfInputError whose code tells the caller (API, CLI) what kind
// of unusable input it got: that code is what the user sees, so the sniffing comes first.
import { PdfFormatError, type PdfLimits } from '../pdf/errors.js';
import { PdfReader } from '../pdf/pdfReader.js';
import { PdfInputError } from './errors.js';

const PNG = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
/** ISO 32000 lets the header float a little; readers accept up to 1 KB of junk before it. */
const HEADER_WINDOW = 1024;

export function openPdf(buf: Buffer, limits?: Partial<PdfLimits>): PdfReader {
  if (buf.length === 0) throw new PdfInputError('empty_file', 'the file is empty');
  if (buf.subarray(0, 8).equals(PNG)) throw new PdfInputError('not_a_pdf', 'the file is a PNG image, not a PDF');
  const header = buf.indexOf('%PDF-');
  if (header < 0 || header > HEADER_WINDOW) throw new PdfInputError('not_a_pdf', 'no %PDF- header: not a PDF');
  if (header > 0) throw new PdfInputError('malformed_pdf', `%PDF- header at byte ${header}: offsets would be ambiguous`);
  const tail = buf.subarray(Math.max(0, buf.length - 2048));
  if (tail.indexOf('%%EOF') < 0 || tail.indexOf('startxref') < 0) {
    throw new PdfInputError('truncated_pdf', 'no startxref/%%EOF at the end of the file: truncated or not finished');
  }
  try {
    return new PdfReader(buf, { limits });
  } catch (e) {
    throw e instanceof PdfFormatError ? inputErrorOf(e) : e;
  }
}

/** Objects are parsed lazily, so a format error or a limit can surface long after openPdf: same code then. */
export function inputErrorOf(e: PdfFormatError): PdfInputError {
  if (e.code === 'encrypted_pdf') return new PdfInputError('encrypted_pdf', 'the PDF is encrypted; signatures in encrypted PDFs are not verified', { cause: e });
  if (e.code === 'too_complex') return new PdfInputError('pdf_too_complex', e.message, { cause: e });
  if (/past the end of the file/.test(e.message)) return new PdfInputError('truncated_pdf', e.message, { cause: e });
  return new PdfInputError('malformed_pdf', e.message, { cause: e });
}
