import { describe, expect, it } from 'vitest';
import { PdfReader } from '../src/pdf/pdfReader.js';
import { checkByteRange, type ByteRangeCheck } from '../src/verification/byteRange.js';

// checkByteRange on small hand-made files, one defect each: the exact reasons are what an auditor
// reads, and the exact CMS bytes are what reaches the signature check.

const WIDTH = 10;
const pad = (n: number) => String(n).padStart(WIDTH, ' ');

type Gap = { b: number; c: number; length: number };

/**
 * A one-object PDF whose object 1 is the signature dictionary. `contents` null leaves /Contents out;
 * `byteRange` null leaves /ByteRange out, otherwise it writes the entry from where the hex string lies.
 */
function sigPdf(
  contents: string | null,
  byteRange: ((gap: Gap) => string) | null = ({ b, c, length }) => `[0 ${b} ${c} ${length - c}]`,
  header = '%PDF-1.7\n',
): Buffer {
  const objStart = header.length;
  const pre = `1 0 obj\n<< /Type /Sig ${contents === null ? '' : '/Contents '}`;
  const b = objStart + pre.length;
  const c = b + (contents ?? '').length;
  const placeholder = `[0 ${pad(0)} ${pad(0)} ${pad(0)}]`;
  const build = (br: string) => {
    const body = `${header}${pre}${contents ?? ''} ${byteRange ? `/ByteRange ${br}` : ''} >>\nendobj\n`;
    const xref = `xref\n0 2\n0000000000 65535 f \n${String(objStart).padStart(10, '0')} 00000 n \n`;
    return `${body}${xref}trailer\n<< /Size 2 >>\nstartxref\n${body.length}\n%%EOF\n`;
  };
  const length = build(placeholder).length;
  return Buffer.from(build(byteRange ? byteRange({ b, c, length }).padEnd(placeholder.length, ' ') : placeholder), 'latin1');
}

function check(pdf: Buffer, sigNum: number | null = 1): ByteRangeCheck {
  const r = new PdfReader(pdf);
  return checkByteRange(r, sigNum, r.resolveDict({ type: 'ref', num: 1, gen: 0 })!);
}

const reasonsOf = (r: ByteRangeCheck) => (r.ok ? [] : r.reasons);
const cmsOf = (r: ByteRangeCheck) => (r.ok ? r.region.cms.toString('hex') : `not ok: ${reasonsOf(r).join('; ')}`);

describe('checkByteRange: /Contents', () => {
  it('an exact placeholder: the CMS is the DER, the signed bytes are everything but the hex string', () => {
    const pdf = sigPdf('<3003020105>');
    const r = check(pdf);
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    const at = pdf.indexOf('<3003');
    expect(r.region.cms.toString('hex')).toBe('3003020105');
    expect(r.region.byteRange).toEqual([0, at, at + 12, pdf.length - at - 12]);
    expect(r.region.signedBytes).toEqual(Buffer.concat([pdf.subarray(0, at), pdf.subarray(at + 12)]));
    expect(r.region.trailingBytes).toBe(0);
  });

  it.each([
    ['missing', null, 'contents_missing: the signature dictionary has no /Contents'],
    ['a number', '5', 'contents_not_string: /Contents is not a string'],
    ['a literal string', '(0)', 'contents_not_hex: /Contents is a literal string, not a hex string'],
    ['hex with a non-hex digit', '<30zz>', 'contents_not_hex: /Contents holds characters that are not hex digits'],
  ])('/Contents %s: that one reason', (_name, contents, reason) => {
    expect(reasonsOf(check(sigPdf(contents)))).toEqual([reason]);
  });

  it('whitespace between the hex digits is not part of the signature', () => {
    expect(cmsOf(check(sigPdf('<30 03\n02\t01 05>')))).toBe('3003020105');
  });

  it('an odd number of hex digits fails even when the even prefix is valid DER', () => {
    expect(reasonsOf(check(sigPdf('<30030201050>')))).toEqual(['contents_not_hex: odd number of hex digits']);
  });

  it.each([
    ['empty', '<>'],
    ['all zeros', '<00000000>'],
  ])('/Contents %s: contents_empty', (_name, contents) => {
    expect(reasonsOf(check(sigPdf(contents)))).toEqual(['contents_empty: /Contents holds no signature']);
  });

  it('padding after the CMS is dropped; non-zero bytes there are counted, not signed', () => {
    const r = check(sigPdf('<30030201050000ff01>'));
    expect(r.ok && [r.region.cms.toString('hex'), r.region.trailingBytes]).toEqual(['3003020105', 2]);
  });
});

describe('checkByteRange: the DER walk finds exactly the first SEQUENCE', () => {
  const notDer = ['contents_not_der: /Contents does not start with a complete DER structure'];
  it.each([
    ['one byte', '30'],
    ['not a SEQUENCE', '0403010203'],
    ['definite length past the end', '30050201'],
    ['long-form length with more than 4 length bytes', '3085000000000302010500'],
    ['long-form length bytes cut off', '3082'],
    ['long-form length bytes cut off after one', '308200'],
    ['indefinite length without end-of-contents', '3080020105'],
    ['indefinite length on a primitive inside', '30800480010000000000'],
    ['an element cut off after its tag', '30801f'],
    ['a high tag number running off the end', '30801f8181'],
    ['an inner element one byte short', '3080020205'],
  ])('%s: contents_not_der', (_name, hex) => {
    expect(reasonsOf(check(sigPdf(`<${hex}>`)))).toEqual(notDer);
  });

  it.each([
    ['an empty SEQUENCE', '3000', '3000'],
    ['a definite length ending at the last byte', '3003020105', '3003020105'],
    ['a one-byte long-form length', '308103020105ff', '308103020105'],
    ['a four-byte long-form length', '30840000000302010500', '308400000003020105'],
    ['indefinite length (as NSS writes it)', '30800201050000ffff', '30800201050000'],
    ['indefinite length holding an element with tag 0', '308000010a00000000', '308000010a0000'],
    ['indefinite nested in indefinite', '3080308002010500000000ff', '3080308002010500000000'],
    ['a high tag number inside, its tag bytes not read as a length', '30801f810102aabb00000000', '30801f810102aabb0000'],
    ['a NULL inside: a zero second byte is no end-of-contents', '30800500000000', '308005000000'],
    ['a long-form length of zero ending at the last byte', '308100', '308100'],
    ['a long-form length inside', '30800281010500000000', '3080028101050000'],
  ])('%s', (_name, hex, cms) => {
    expect(cmsOf(check(sigPdf(`<${hex}>`)))).toBe(cms);
  });

  it('nesting is followed to 64 levels and refused beyond', () => {
    const nested = (levels: number) => '3080'.repeat(levels + 1) + '0000'.repeat(levels + 1);
    expect(cmsOf(check(sigPdf(`<${nested(64)}>`)))).toBe(nested(64));
    expect(reasonsOf(check(sigPdf(`<${nested(65)}>`)))).toEqual(notDer);
  });
});

describe('checkByteRange: /ByteRange', () => {
  it.each([
    ['missing', null, 'byterange_missing: the signature dictionary has no /ByteRange'],
    ['a number', () => '7', 'byterange_malformed: /ByteRange is not an array'],
    ['three entries', ({ b, c }: Gap) => `[0 ${b} ${c}]`, 'byterange_malformed: /ByteRange has 3 entries, not 4'],
    ['a name inside', ({ b, c }: Gap) => `[0 ${b} ${c} /D]`, 'byterange_malformed: /ByteRange entries must be non-negative integers'],
    ['a fraction inside', ({ b, c }: Gap) => `[0 ${b}.5 ${c} 9]`, 'byterange_malformed: /ByteRange entries must be non-negative integers'],
    ['a negative entry', ({ b, c }: Gap) => `[0 ${b} ${c} -9]`, 'byterange_malformed: /ByteRange entries must be non-negative integers'],
    ['an unsafe integer', ({ b, c }: Gap) => `[0 ${b} ${c} 9007199254740993]`, 'byterange_malformed: /ByteRange entries must be non-negative integers'],
  ])('%s: that one reason', (_name, br, reason) => {
    expect(reasonsOf(check(sigPdf('<3003020105>', br)))).toEqual([reason]);
  });

  it('a bad /Contents and a bad /ByteRange: both reasons, nothing more', () => {
    expect(reasonsOf(check(sigPdf('(x)', () => '7')))).toEqual([
      'contents_not_hex: /Contents is a literal string, not a hex string',
      'byterange_malformed: /ByteRange is not an array',
    ]);
  });

  it('a bad /Contents with a well-formed /ByteRange stops before the ranges are read', () => {
    const r = check(sigPdf('<30zz>', ({ b, c, length }) => `[5 ${b} ${c} ${length - c + 99}]`));
    expect(r).toEqual({ ok: false, byteRange: [5, expect.any(Number), expect.any(Number), expect.any(Number)], reasons: ['contents_not_hex: /Contents holds characters that are not hex digits'] });
  });

  it('not starting at 0: only that reason, and the range is reported', () => {
    const r = check(sigPdf('<3003020105>', ({ b, c, length }) => `[1 ${b - 1} ${c} ${length - c}]`));
    expect(reasonsOf(r)).toEqual([`byterange_not_from_start: the signed bytes start at 1, not 0`]);
    expect(r.ok ? null : r.byteRange?.[0]).toBe(1);
  });

  it('an empty first range is an overlap', () => {
    expect(reasonsOf(check(sigPdf('<3003020105>', ({ c, length }) => `[0 0 ${c} ${length - c}]`)))).toEqual([
      'byterange_overlap: the two ranges overlap or are out of order',
    ]);
  });

  it('a second range starting inside the first is an overlap', () => {
    expect(reasonsOf(check(sigPdf('<3003020105>', ({ b, length }) => `[0 ${b} ${b - 1} ${length - b + 1}]`)))).toEqual([
      'byterange_overlap: the two ranges overlap or are out of order',
    ]);
  });

  it('a zero-length gap is no overlap, but it is not the /Contents string either', () => {
    const pdf = sigPdf('<3003020105>', ({ b, length }) => `[0 ${b} ${b} ${length - b}]`);
    const b = pdf.indexOf('<3003');
    expect(reasonsOf(check(pdf))).toEqual([`byterange_gap_mismatch: the unsigned gap [${b}, ${b}) is not exactly the /Contents string at [${b}, ${b + 12})`]);
  });

  it.each([
    ['starts one byte inside the string', 1, 0],
    ['ends one byte short of it', 0, -1],
  ])('a gap that %s is not the /Contents string, whichever of its ends is off', (_what, startShift, endShift) => {
    const pdf = sigPdf('<3003020105>', ({ b, c, length }) => `[0 ${b + startShift} ${c + endShift} ${length - c - endShift}]`);
    const b = pdf.indexOf('<3003');
    expect(reasonsOf(check(pdf))).toEqual([
      `byterange_gap_mismatch: the unsigned gap [${b + startShift}, ${b + 12 + endShift}) is not exactly the /Contents string at [${b}, ${b + 12})`,
    ]);
  });

  it('ranges past the end of the file: the reason gives both lengths', () => {
    const pdf = sigPdf('<3003020105>', ({ b, c, length }) => `[0 ${b} ${c} ${length - c + 1}]`);
    expect(reasonsOf(check(pdf))).toEqual([`byterange_past_eof: the ranges end at ${pdf.length + 1}, the file has ${pdf.length} bytes`]);
  });

  it('ranges ending exactly at the end of the file are fine', () => {
    const pdf = sigPdf('<3003020105>');
    const r = check(pdf);
    expect(r.ok && r.region.byteRange[2] + r.region.byteRange[3]).toBe(pdf.length);
  });
});

describe('checkByteRange: where the signature dictionary lives', () => {
  it('a direct dictionary cannot have its /Contents located', () => {
    expect(reasonsOf(check(sigPdf('<3003020105>'), null))).toEqual([
      'signature_not_indirect: the signature dictionary is not an indirect object, so its /Contents cannot be located',
    ]);
  });

  it('a signature dictionary at the very first byte of the file is located like any other', () => {
    const r = check(sigPdf('<3003020105>', undefined, ''));
    expect(r.ok && [r.region.byteRange[1], r.region.cms.toString('hex')]).toEqual([`1 0 obj\n<< /Type /Sig /Contents `.length, '3003020105']);
  });

  it('a signature dictionary inside an object stream cannot be excluded by a byte range', async () => {
    // Imported here: Stryker runs this file once per mutant, mostly without this test.
    const { PDFDocument, PDFHexString, PDFName, PDFNumber } = await import('pdf-lib');
    const doc = await PDFDocument.create();
    doc.addPage();
    const sig = doc.context.obj({ Type: PDFName.of('Sig'), Contents: PDFHexString.of('3003020105'), ByteRange: doc.context.obj([0, 10, 20, 30].map((n) => PDFNumber.of(n))) });
    const ref = doc.context.register(sig);
    doc.catalog.set(PDFName.of('TestSig'), ref);
    const pdf = Buffer.from(await doc.save({ useObjectStreams: true }));
    const r = new PdfReader(pdf);
    expect(r.getObject(ref.objectNumber).offset).toBe(-1);
    // The declared range is well formed and inside the file; only the dictionary's place is wrong.
    const dict = r.resolveDict({ type: 'ref', num: ref.objectNumber, gen: 0 })!;
    expect(reasonsOf(checkByteRange(r, ref.objectNumber, dict))).toEqual([
      'signature_in_object_stream: the signature dictionary is compressed inside an object stream, so its /Contents cannot be excluded by a byte range',
    ]);
  });
});
