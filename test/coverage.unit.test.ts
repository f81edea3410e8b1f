// coverageOf on small hand-made files: which revision a /ByteRange reaches, and whether an
// unsigned end-of-line after %%EOF or bytes after it make the signature cover less than the file.
import { describe, expect, it } from 'vitest';
import { PdfReader } from '../src/pdf/pdfReader.js';
import { coverageOf } from '../src/verification/coverage.js';
import { appendRevision, pdfOfObjects } from './helpers/attackCorpus.js';

const base = (eol = '\n') => {
  const pdf = pdfOfObjects(['<</Type /Catalog /Pages 2 0 R>>', '<</Type /Pages /Kids [] /Count 0>>']);
  return eol === '\n' ? pdf : Buffer.concat([pdf.subarray(0, pdf.length - 1), Buffer.from(eol, 'latin1')]);
};
const update = (pdf: Buffer) => appendRevision(pdf, [[3, '<</Producer (later tool)>>']]);
/** A /ByteRange whose signed bytes end at `end` (the gap is irrelevant to coverage). */
const to = (end: number) => [0, 10, 20, end - 20];

describe('coverageOf', () => {
  it('no /ByteRange: partial, and everything is after it', () => {
    const pdf = base();
    expect(coverageOf(new PdfReader(pdf), null)).toEqual({ kind: 'partial', byteRange: null, signedRevision: null, bytesAfter: pdf.length });
  });

  it('signed bytes up to the end of a one-revision file: entire file, revision 0', () => {
    const pdf = base();
    expect(coverageOf(new PdfReader(pdf), to(pdf.length))).toEqual({ kind: 'entire_file', byteRange: to(pdf.length), signedRevision: 0, bytesAfter: 0 });
  });

  it('signed bytes up to the end of revision 0 of two: entire revision 0, the update after it', () => {
    const first = base();
    const pdf = update(first);
    const r = new PdfReader(pdf);
    expect(r.revisions.map((x) => x.end)).toEqual([first.length, pdf.length]);
    expect(coverageOf(r, to(first.length))).toEqual({ kind: 'entire_revision', byteRange: to(first.length), signedRevision: 0, bytesAfter: pdf.length - first.length });
    expect(coverageOf(r, to(pdf.length))).toEqual({ kind: 'entire_file', byteRange: to(pdf.length), signedRevision: 1, bytesAfter: 0 });
  });

  it('the EOL after an earlier revision left unsigned still covers that revision', () => {
    for (const eol of ['\n', '\r\n']) {
      const first = base(eol);
      const pdf = update(first);
      const r = new PdfReader(pdf);
      const end = first.length - eol.length;
      expect(coverageOf(r, to(end))).toEqual({ kind: 'entire_revision', byteRange: to(end), signedRevision: 0, bytesAfter: pdf.length - end });
    }
  });

  it('the EOL after the last %%EOF left unsigned is still the entire file', () => {
    const pdf = base('\r\n');
    for (const unsigned of [1, 2]) {
      const end = pdf.length - unsigned;
      expect(coverageOf(new PdfReader(pdf), to(end))).toEqual({ kind: 'entire_file', byteRange: to(end), signedRevision: 0, bytesAfter: unsigned });
    }
  });

  it('three unsigned EOL bytes, or an unsigned byte that is not an EOL: partial', () => {
    const crlf = update(base('\r\n\n'));
    const r = new PdfReader(crlf);
    const end3 = r.revisions[0].end - 3;
    expect(coverageOf(r, to(end3))).toEqual({ kind: 'partial', byteRange: to(end3), signedRevision: null, bytesAfter: crlf.length - end3 });
    // "%%EOF\n" with the F and the \n unsigned
    const first = base();
    const pdf = update(first);
    const end = first.length - 2;
    expect(coverageOf(new PdfReader(pdf), to(end))).toEqual({ kind: 'partial', byteRange: to(end), signedRevision: null, bytesAfter: pdf.length - end });
  });

  it('a revision without %%EOF ends at its xref: at most two unsigned EOL bytes before it', () => {
    let text = '%PDF-1.7\n1 0 obj\n<</Type /Catalog>>\nendobj\n\n\n\n';
    const xrefAt = text.length;
    text += `xref\n0 2\n0000000000 65535 f\r\n0000000009 00000 n\r\ntrailer\n<</Size 2 /Root 1 0 R>>\nstartxref\n${xrefAt}\n`;
    const pdf = Buffer.from(text, 'latin1');
    const r = new PdfReader(pdf);
    expect(r.revisions.map((x) => x.end)).toEqual([xrefAt]);
    expect(coverageOf(r, to(xrefAt - 2))).toEqual({ kind: 'entire_revision', byteRange: to(xrefAt - 2), signedRevision: 0, bytesAfter: pdf.length - xrefAt + 2 });
    expect(coverageOf(r, to(xrefAt - 3))).toEqual({ kind: 'partial', byteRange: to(xrefAt - 3), signedRevision: null, bytesAfter: pdf.length - xrefAt + 3 });
  });

  it('bytes after the last %%EOF: the signed last revision is not the entire file', () => {
    const signed = base();
    const pdf = Buffer.concat([signed, Buffer.from('appended garbage', 'latin1')]);
    const r = new PdfReader(pdf);
    expect(r.trailingBytes).toBe(16);
    expect(coverageOf(r, to(signed.length))).toEqual({ kind: 'entire_revision', byteRange: to(signed.length), signedRevision: 0, bytesAfter: 16 });
    // Signed through the garbage: the whole file, counted as the last revision.
    expect(coverageOf(r, to(pdf.length))).toEqual({ kind: 'entire_file', byteRange: to(pdf.length), signedRevision: 0, bytesAfter: 0 });
  });

  it('signed bytes in the middle of a revision, or past the end of the file: partial, never negative bytes after', () => {
    const first = base();
    const pdf = update(first);
    const r = new PdfReader(pdf);
    expect(coverageOf(r, to(first.length + 5))).toEqual({ kind: 'partial', byteRange: to(first.length + 5), signedRevision: null, bytesAfter: pdf.length - first.length - 5 });
    expect(coverageOf(r, to(pdf.length + 7))).toEqual({ kind: 'partial', byteRange: to(pdf.length + 7), signedRevision: null, bytesAfter: 0 });
  });
});
