// Writes one incremental revision holding a signature dictionary whose /Contents is filled after the
// fact: placeholder, /ByteRange over everything but the placeholder, digest, then the signature bytes.
// Shared by signatures (CMS) and document timestamps (an RFC 3161 token).
import { createHash } from 'node:crypto';
import { serialize, type PdfDict, type PdfValue } from '../pdf/cos.js';
import type { PdfReader } from '../pdf/pdfReader.js';
import { SigningError } from './errors.js';
import { joinRevision, revisionBase, RevisionWriter } from './incremental.js';

const BYTE_RANGE_WIDTH = 48;

export interface RevisionObject {
  num: number;
  gen: number;
  body: string;
  data?: Buffer;
}

export interface SignatureRevision {
  input: Buffer;
  reader: PdfReader;
  /** Object number of the signature dictionary. */
  sigNum: number;
  /** Entries written before /ByteRange and /Contents, and after them. */
  head: Array<[string, PdfValue]>;
  tail: Array<[string, PdfValue]>;
  /** Bytes reserved for /Contents (hex doubles it in the file). */
  contentsSize: number;
  /** The revision's other new or updated objects. */
  objects: RevisionObject[];
  /** The trailer's /Size: one more than the highest object number in use. */
  size: number;
}

export function cloneDict(d: PdfDict): PdfDict {
  return { type: 'dict', map: new Map(d.map) };
}

function serializeEntries(entries: Array<[string, PdfValue]>): string {
  // Reuse the dictionary serialiser and strip its brackets so the caller can splice placeholders in.
  return serialize({ type: 'dict', map: new Map(entries) }).slice(2, -2);
}

/** The PDF with the revision appended; `contents` receives the SHA-256 of the ByteRange and returns the DER to embed. */
export async function writeSignatureRevision(r: SignatureRevision, contents: (digest: Buffer) => Promise<Buffer>): Promise<Buffer> {
  const { input, contentsSize } = r;
  let sigHead = '<<' + serializeEntries(r.head);
  const byteRangeRel = sigHead.length + '/ByteRange '.length;
  sigHead += `/ByteRange [${' '.repeat(BYTE_RANGE_WIDTH)}] /Contents `;
  const contentsRel = sigHead.length;
  const sigBody = `${sigHead}<${'0'.repeat(contentsSize * 2)}> ${serializeEntries(r.tail)}>>`;

  const base = revisionBase(input);
  const w = new RevisionWriter(base);
  const sigAt = w.addObject(r.sigNum, 0, sigBody);
  for (const o of [...r.objects].sort((a, b) => a.num - b.num)) w.addObject(o.num, o.gen, o.body, o.data);
  const out = joinRevision(input, base, w.finish(r.reader, r.size));

  const contentsStart = base + sigAt + contentsRel;
  const contentsEnd = contentsStart + contentsSize * 2 + 2;
  const byteRange = `[0 ${contentsStart} ${contentsEnd} ${out.length - contentsEnd}`;
  if (byteRange.length > BYTE_RANGE_WIDTH + 1) throw new SigningError('unsupported_pdf', 'document too large for the ByteRange field');
  out.write(byteRange.padEnd(BYTE_RANGE_WIDTH + 1, ' '), base + sigAt + byteRangeRel, 'latin1');

  const digest = createHash('sha256').update(out.subarray(0, contentsStart)).update(out.subarray(contentsEnd)).digest();
  const der = await contents(digest);
  if (der.length > contentsSize) {
    throw new SigningError('placeholder_too_small', `the signature is ${der.length} bytes but only ${contentsSize} were reserved`);
  }
  out.write(der.toString('hex'), contentsStart + 1, 'latin1');
  return out;
}
