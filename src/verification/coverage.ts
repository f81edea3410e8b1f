// What part of the file a signature vouches for: the whole file, a whole earlier revision (later
// incremental updates then need the modification policy), or something else (never acceptable).
import type { PdfReader } from '../pdf/pdfReader.js';
import type { Coverage } from './types.js';

export function coverageOf(reader: PdfReader, byteRange: number[] | null): Coverage {
  if (!byteRange) return { kind: 'partial', byteRange: null, signedRevision: null, bytesAfter: reader.buf.length };
  const end = byteRange[2] + byteRange[3];
  const size = reader.buf.length;
  const rev = reader.revisions.find((r) => r.end === end || (end < r.end && end >= r.end - 2 && onlyEol(reader.buf, end, r.end)));
  const bytesAfter = Math.max(0, size - end);
  if (end === size) return { kind: 'entire_file', byteRange, signedRevision: rev?.index ?? reader.revisions.length - 1, bytesAfter: 0 };
  if (rev) {
    // Writers differ on whether the EOL after %%EOF is signed; unsigned EOL bytes only are not "after".
    const kind = rev.index === reader.revisions.length - 1 && reader.trailingBytes === 0 ? 'entire_file' : 'entire_revision';
    return { kind, byteRange, signedRevision: rev.index, bytesAfter };
  }
  return { kind: 'partial', byteRange, signedRevision: null, bytesAfter };
}

function onlyEol(buf: Buffer, from: number, to: number): boolean {
  for (let i = from; i < to; i++) if (buf[i] !== 0x0a && buf[i] !== 0x0d) return false;
  return true;
}
