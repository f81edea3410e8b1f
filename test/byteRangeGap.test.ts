import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { verifyPdf, type VerificationReport } from '../src/verification/index.js';
import { locateSignature, makeGenuine, signedBytesOf, withByteRange, withContents, type Genuine, type SigLocation } from './helpers/attackCorpus.js';
import { makePki, padesCms } from './helpers/cmsFixtures.js';

// Signature wrapping: the unsigned gap of a ByteRange must be exactly this signature's /Contents
// string, both where it starts and where it ends; anything else in the gap is bytes nobody signed.

let g: Genuine;
beforeAll(async () => {
  g = await makeGenuine();
}, 120_000);
afterAll(async () => {
  await g?.close();
});

const utilityOf = (r: VerificationReport) => r.signatures.find((s) => s.fieldName === 'sig_utility')!;
const gapMismatch = (b: number, end: number, c: number) =>
  `byterange_gap_mismatch: the unsigned gap [${b}, ${end}) is not exactly the /Contents string at [${b}, ${c})`;

describe('the ByteRange gap must end where /Contents ends', () => {
  it.each([
    ['two bytes past the closing >', 2],
    ['one byte short of the closing >', -1],
    ['inside the hex digits', -40],
  ])('gap start right, end %s: invalid, byterange_gap_mismatch', async (_name, shift) => {
    const pdf = g.twoSignatures;
    const loc = locateSignature(pdf, 'sig_utility');
    const [, b, c, d] = loc.byteRange;
    const r = await verifyPdf(withByteRange(pdf, loc, `0 ${b} ${c + shift} ${d - shift}`), { trustAnchors: [g.rootDer], revocation: g.revocationSource() });
    const s = utilityOf(r);
    expect([r.verdict, s.verdict]).toEqual(['invalid', 'invalid']);
    expect(s.reasons).toEqual([gapMismatch(b, c + shift, c)]);
  });

  it('a gap running on past /Contents, signed by a trusted key over exactly that ByteRange, is still invalid', async () => {
    // The strongest form of the attack: the CMS really covers the declared ranges, so integrity holds
    // and only the gap check stands between the unsigned bytes after /Contents and a valid verdict.
    const pki = makePki();
    const pdf = g.twoSignatures;
    const loc = locateSignature(pdf, 'sig_utility');
    const [, b, c] = loc.byteRange;
    // Up to ~16 KB of the revision after /Contents left unsigned, the hex run kept to an even length.
    let end = Math.min(c + 16_384, pdf.length - 64);
    if ((end - 1 - (b + 1)) % 2) end--;
    const wrapped = withByteRange(pdf, loc, `0 ${b} ${end} ${pdf.length - end}`);
    const declared: SigLocation = { ...loc, byteRange: [0, b, end, pdf.length - end] };
    const signed = withContents(wrapped, loc, padesCms(pki, signedBytesOf(wrapped, declared), { tsa: pki.tsa }));
    const r = await verifyPdf(signed, { trustAnchors: [g.rootDer, pki.root.der], revocationPolicy: 'best_effort' });
    const s = utilityOf(r);
    expect(end - c).toBeGreaterThan(1_000);
    expect([r.verdict, s.verdict]).toEqual(['invalid', 'invalid']);
    expect(s.coverage.byteRange).toEqual([0, b, end, pdf.length - end]);
    expect(s.reasons).toEqual([gapMismatch(b, end, c)]);
  });
});
