import { createHash } from 'node:crypto';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as asn1js from 'asn1js';
import * as pkijs from 'pkijs';
import { beforeAll, describe, expect, it } from 'vitest';
import { signPdfField, SigningError, type SignRequest, type SigningIdentity, type TimestampClient } from '../src/signing/index.js';
import { createTestPki, makeFixturePdf, type TestPki } from './helpers/testPki.js';
import { available, nssDbTrusting, skipUnless } from './support/checkers.js';
const run = (cmd: string, args: string[]) => {
  const r = spawnSync(cmd, args, { encoding: 'utf8' });
  return { code: r.status, out: `${r.stdout}${r.stderr}` };
};

const OIDS = {
  contentType: '1.2.840.113549.1.9.3',
  messageDigest: '1.2.840.113549.1.9.4',
  signingCertificateV2: '1.2.840.113549.1.9.16.2.47',
  signingTime: '1.2.840.113549.1.9.5',
  tsToken: '1.2.840.113549.1.9.16.2.14',
  ecdsaSha256: '1.2.840.10045.4.3.2',
};

interface ExtractedSig {
  byteRange: number[];
  cms: Buffer;
  signedBytes: Buffer;
}

/** Every signature in file order, with the bytes its ByteRange covers. */
function extractSignatures(pdf: Buffer): ExtractedSig[] {
  const out: ExtractedSig[] = [];
  const re = /\/ByteRange\s*\[\s*(\d+)\s+(\d+)\s+(\d+)\s+(\d+)\s*\]/g;
  const text = pdf.toString('latin1');
  for (let m = re.exec(text); m; m = re.exec(text)) {
    const [a, b, c, d] = m.slice(1).map(Number);
    const hex = text.slice(b + 1, c - 1);
    const der = Buffer.from(hex, 'hex');
    // Trim the zero padding using the outer DER length.
    const lenByte = der[1];
    const n = lenByte & 0x80 ? lenByte & 0x7f : 0;
    const len = n ? der.subarray(2, 2 + n).reduce((x, y) => x * 256 + y, 0) : lenByte;
    out.push({
      byteRange: [a, b, c, d],
      cms: der.subarray(0, 2 + n + len),
      signedBytes: Buffer.concat([pdf.subarray(a, a + b), pdf.subarray(c, c + d)]),
    });
  }
  return out;
}

/**
 * The colours pdftoppm paints inside a rectangle of page 1, given in PDF points as [x1, y1, x2, y2]: at 72 dpi
 * one pixel is one point, and the crop counts from the top while PDF counts from the bottom.
 */
function pixelsIn(file: string, [x1, y1, x2, y2]: number[], pageHeight = 841.89) {
  const crop = ['-x', x1, '-y', Math.round(pageHeight - y2), '-W', x2 - x1, '-H', y2 - y1].map(String);
  const r = spawnSync('pdftoppm', ['-r', '72', '-f', '1', '-l', '1', ...crop, file]);
  expect(r.status, r.stderr.toString()).toBe(0);
  // Binary PPM: "P6\n<w> <h>\n255\n" and then RGB triples.
  const header = /^P6\s+(\d+)\s+(\d+)\s+255\s/.exec(r.stdout.subarray(0, 32).toString('latin1'))!;
  const rgb = r.stdout.subarray(header[0].length);
  let red = 0;
  let ink = 0;
  for (let i = 0; i < rgb.length; i += 3) {
    const [R, G, B] = [rgb[i], rgb[i + 1], rgb[i + 2]];
    if (R > 170 && G < 70 && B < 70) red++;
    if (R < 70 && G < 70 && B < 100) ink++;
  }
  return { red, ink, total: rgb.length / 3 };
}

function parseCms(der: Buffer) {
  const ci = new pkijs.ContentInfo({ schema: asn1js.fromBER(new Uint8Array(der)).result });
  const sd = new pkijs.SignedData({ schema: ci.content });
  return { ci, sd, si: sd.signerInfos[0] };
}

describe('signPdfField (PAdES B-T, incremental)', () => {
  let pki: TestPki;
  let person: SigningIdentity & { certFile: string };
  let org: SigningIdentity & { certFile: string };
  let tsa: TimestampClient;
  let input: Uint8Array;
  let rev1: Buffer;
  let rev2: Buffer;
  let dir: string;
  let rev2File: string;
  let nss: string;
  const signingTime = new Date('2026-11-28T10:05:00Z'); // 18:05 in China
  const personAp = { kind: 'person', name: '张三', caption: '电子签名', signedAt: signingTime } as const;
  const sealAp = { kind: 'seal', organisation: '滨江市自来水有限公司', sealNumber: '3301080012345' } as const;

  const req = (over: Partial<SignRequest>): SignRequest => ({
    pdf: input,
    fieldName: 'sig_applicant',
    identity: person,
    timestamp: tsa,
    appearance: personAp,
    signingTime,
    reason: '同意本合同条款',
    location: '杭州市滨江区',
    ...over,
  });

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'signing-test-'));
    pki = createTestPki(dir);
    person = pki.issue('张三');
    org = pki.issue('Binjiang Water Utility', { organisation: 'Binjiang Water' });
    tsa = pki.tsaClient();
    input = await makeFixturePdf();
    rev1 = Buffer.from(await signPdfField(req({})));
    rev2 = Buffer.from(
      await signPdfField(req({ pdf: rev1, fieldName: 'sig_utility', identity: org, appearance: sealAp, reason: '供水合同盖章' })),
    );
    writeFileSync(join(dir, 'rev1.pdf'), rev1);
    rev2File = join(dir, 'rev2.pdf');
    writeFileSync(rev2File, rev2);
    if (available('certutil')) nss = nssDbTrusting(readFileSync(pki.rootPemFile, 'utf8'));
  });

  it('appends revisions without rewriting earlier bytes', () => {
    expect(rev1.subarray(0, input.length).equals(Buffer.from(input))).toBe(true);
    expect(rev2.subarray(0, rev1.length).equals(rev1)).toBe(true);
    const tail = rev2.subarray(rev1.length).toString('latin1');
    expect(tail).toMatch(/\nxref\n/);
    expect(tail).toMatch(/trailer\n<<\/Size \d+ \/Root 2 0 R \/Info 3 0 R \/Prev \d+ >>\nstartxref\n\d+\n%%EOF\n$/);
    expect(tail).toContain('/SubFilter /ETSI.CAdES.detached');
    expect(tail).toMatch(/\/M \(D:20261128180500\+08'00'\)/);
    // Page content is never touched: no new page or content stream objects in either revision.
    expect(rev2.subarray(input.length).toString('latin1')).not.toMatch(/\/Type \/Page\b/);
  });

  it.skipIf(!available('qpdf'))('passes qpdf --check', () => {
    for (const f of ['rev1.pdf', 'rev2.pdf']) {
      const r = run('qpdf', ['--check', join(dir, f)]);
      expect(r.out).toContain('No syntax or stream encoding errors found');
      expect(r.code).toBe(0);
    }
  });

  it.skipIf(!available('pdfsig', 'certutil'))('pdfsig: both signatures valid and trusted, last one covers the whole document', () => {
    const r = run('pdfsig', ['-nssdir', `sql:${nss}`, rev2File]); // exit code is 0 even for bad signatures: read the text
    const blocks = r.out.split(/^Signature #\d+:$/m).slice(1);
    expect(blocks).toHaveLength(2);
    const names = ['张三', 'Binjiang Water Utility'];
    blocks.forEach((b, i) => {
      expect(b).toContain(`Signer Certificate Common Name: ${names[i]}`);
      expect(b).toContain('Signature Validation: Signature is Valid.');
      expect(b).toContain('Certificate Validation: Certificate is Trusted.');
      expect(b).toContain('Signature Type: ETSI.CAdES.detached');
    });
    expect(blocks[0]).not.toContain('Total document signed');
    expect(blocks[1]).toContain('Total document signed');
  });

  it.skipIf(!available('mutool'))('mutool sign -v: both digests valid (mupdf has no trust store)', () => {
    const r = run('mutool', ['sign', '-v', rev2File]);
    const blocks = r.out.split(/^Verifying signature \d+:$/m).slice(1);
    expect(blocks).toHaveLength(2);
    for (const b of blocks) {
      expect(b).not.toMatch(/Digest error|not signed/i);
      // mupdf does not consult any trust anchors; it reports the chain ending in our root like this.
      expect(b).toContain('Certificate error: Self-signed certificate in chain.');
    }
    expect(blocks[0]).toContain('The signature is valid but there have been edits since signing.');
    expect(blocks[1]).toContain('The document is unchanged since signing.');
  });

  it('CMS: openssl verifies, attributes are exactly PAdES B-T, timestamp token verifies', (ctx) => {
    const sigs = extractSignatures(rev2);
    expect(sigs).toHaveLength(2);
    const certs = [person.certificate, org.certificate];
    sigs.forEach((s, i) => {
      const { sd, si } = parseCms(s.cms);
      expect(sd.encapContentInfo.eContentType).toBe('1.2.840.113549.1.7.1');
      expect(sd.encapContentInfo.eContent).toBeUndefined();
      expect(sd.certificates).toHaveLength(3);
      expect(si.sid).toBeInstanceOf(pkijs.IssuerAndSerialNumber);
      expect(si.signatureAlgorithm.algorithmId).toBe(OIDS.ecdsaSha256);
      const signed = si.signedAttrs!.attributes.map((a) => a.type);
      expect([...signed].sort()).toEqual([OIDS.contentType, OIDS.messageDigest, OIDS.signingCertificateV2].sort());
      expect(signed).not.toContain(OIDS.signingTime);
      const digest = si.signedAttrs!.attributes.find((a) => a.type === OIDS.messageDigest)!.values[0] as asn1js.OctetString;
      expect(Buffer.from(digest.getValue()).equals(createHash('sha256').update(s.signedBytes).digest())).toBe(true);
      // ESS certHash binds the signer certificate
      const ess = si.signedAttrs!.attributes.find((a) => a.type === OIDS.signingCertificateV2)!.values[0] as asn1js.Sequence;
      const certHash = ((ess.valueBlock.value[0] as asn1js.Sequence).valueBlock.value[0] as asn1js.Sequence).valueBlock.value[0] as asn1js.OctetString;
      expect(Buffer.from(certHash.getValue()).equals(createHash('sha256').update(certs[i]).digest())).toBe(true);

      const unsigned = si.unsignedAttrs!.attributes;
      expect(unsigned.map((a) => a.type)).toEqual([OIDS.tsToken]);
      const token = Buffer.from(unsigned[0].values[0].toBER());
      const sigValue = Buffer.from(si.signature.getValue());

      skipUnless(ctx, 'openssl');
      const cmsFile = join(dir, `cms${i}.der`);
      const dataFile = join(dir, `signed${i}.bin`);
      const tokFile = join(dir, `tst${i}.der`);
      writeFileSync(cmsFile, s.cms);
      writeFileSync(dataFile, s.signedBytes);
      writeFileSync(tokFile, token);
      const v = run('openssl', ['cms', '-verify', '-binary', '-inform', 'DER', '-in', cmsFile, '-content', dataFile,
        '-CAfile', pki.rootPemFile, '-purpose', 'any', '-out', '/dev/null']);
      expect(v.out).toContain('CMS Verification successful');
      const digestHex = createHash('sha256').update(sigValue).digest('hex');
      const t = run('openssl', ['ts', '-verify', '-token_in', '-in', tokFile, '-digest', digestHex,
        '-CAfile', pki.rootPemFile, '-untrusted', pki.caPemFile]);
      expect(t.out).toContain('Verification: OK');
      // and a different imprint must fail
      const bad = run('openssl', ['ts', '-verify', '-token_in', '-in', tokFile, '-digest', '00'.repeat(32),
        '-CAfile', pki.rootPemFile, '-untrusted', pki.caPemFile]);
      expect(bad.out).not.toContain('Verification: OK');
    });
  });

  it.skipIf(!available('pdftoppm'))('renders the red seal in the utility field and the inked signature in the applicant field (pdftoppm)', () => {
    // The widget rectangles of the fixture's two fields.
    const utilityField = [360, 80, 510, 230];
    const applicantField = [60, 120, 260, 190];
    const unsigned = join(dir, 'unsigned.pdf');
    writeFileSync(unsigned, input);
    expect([pixelsIn(unsigned, utilityField), pixelsIn(unsigned, applicantField)].map((p) => [p.red, p.ink])).toEqual([[0, 0], [0, 0]]);

    const seal = pixelsIn(rev2File, utilityField);
    const signature = pixelsIn(rev2File, applicantField);
    expect(seal.total).toBe(150 * 150);
    // A ring, the organisation's name and the seal number: a few per cent of the square, and nothing but red.
    expect(seal.red / seal.total).toBeGreaterThan(0.1);
    expect(seal.ink).toBe(0);
    expect(signature.ink / signature.total).toBeGreaterThan(0.03);
    expect(signature.red).toBe(0);
  });

  it('refuses to sign a field twice', async () => {
    await expect(signPdfField(req({ pdf: rev1 }))).rejects.toMatchObject({ code: 'field_already_signed' });
    await expect(signPdfField(req({ pdf: rev2, fieldName: 'sig_utility', identity: org }))).rejects.toBeInstanceOf(SigningError);
  });

  it('rejects unknown fields', async () => {
    await expect(signPdfField(req({ fieldName: 'sig_customer' }))).rejects.toMatchObject({ code: 'field_not_found' });
  });

  it('throws placeholder_too_small instead of writing a broken PDF', async () => {
    await expect(signPdfField(req({}), { contentsSize: 1500 })).rejects.toMatchObject({ code: 'placeholder_too_small' });
  });

  it('wraps TSA failures and rejects tokens for the wrong imprint', async () => {
    const failing: TimestampClient = { timestamp: async () => { throw new Error('connection refused'); } };
    await expect(signPdfField(req({ timestamp: failing }))).rejects.toMatchObject({ code: 'timestamp_failed' });
    const wrong: TimestampClient = { timestamp: (imprint) => tsa.timestamp(Buffer.alloc(imprint.length, 7)) };
    await expect(signPdfField(req({ timestamp: wrong }))).rejects.toMatchObject({ code: 'timestamp_failed' });
  });

  it('rejects a key that does not match the certificate', async () => {
    const mismatched = { ...person, signer: org.signer };
    await expect(signPdfField(req({ identity: mismatched }))).rejects.toMatchObject({ code: 'invalid_identity' });
  });

  it('signs PDFs with xref streams and object streams (writes an xref stream revision)', async (ctx) => {
    const os = await makeFixturePdf({ useObjectStreams: true });
    const a = Buffer.from(await signPdfField(req({ pdf: os })));
    const b = Buffer.from(await signPdfField(req({ pdf: a, fieldName: 'sig_utility', identity: org, appearance: sealAp })));
    expect(b.subarray(0, a.length).equals(a)).toBe(true);
    expect(b.subarray(a.length).toString('latin1')).toContain('/Type /XRef');
    const f = join(dir, 'objstm.pdf');
    writeFileSync(f, b);
    for (const s of extractSignatures(b)) {
      const { si } = parseCms(s.cms);
      const d = si.signedAttrs!.attributes.find((x) => x.type === OIDS.messageDigest)!.values[0] as asn1js.OctetString;
      expect(Buffer.from(d.getValue()).equals(createHash('sha256').update(s.signedBytes).digest())).toBe(true);
    }
    skipUnless(ctx, 'qpdf', 'pdfsig', 'certutil');
    expect(run('qpdf', ['--check', f]).out).toContain('No syntax or stream encoding errors found');
    const out = run('pdfsig', ['-nssdir', `sql:${nss}`, f]).out;
    expect(out.match(/Signature is Valid\./g)).toHaveLength(2);
  });

  it('supports a field with a separate widget kid (valid PDF; see report for viewer support)', async (ctx) => {
    const kids = await makeFixturePdf({ kidsLayout: true });
    const a = Buffer.from(await signPdfField(req({ pdf: kids })));
    const tail = a.subarray(kids.length).toString('latin1');
    expect(tail).toMatch(/\/Parent \d+ 0 R \/AP <<\/N \d+ 0 R >>/);
    expect(tail).toMatch(/\/FT \/Sig \/T \(sig_applicant\) \/Kids \[\d+ 0 R\] \/V \d+ 0 R/);
    await expect(signPdfField(req({ pdf: a }))).rejects.toMatchObject({ code: 'field_already_signed' });
    skipUnless(ctx, 'qpdf');
    const f = join(dir, 'kids.pdf');
    writeFileSync(f, a);
    expect(run('qpdf', ['--check', f]).out).toContain('No syntax or stream encoding errors found');
  });

  it('fails with a typed error on non-PDF and encrypted input', async () => {
    await expect(signPdfField(req({ pdf: Buffer.from('hello') }))).rejects.toMatchObject({ code: 'malformed_pdf' });
    const enc = Buffer.from(Buffer.from(input).toString('latin1').replace('trailer\n<<', 'trailer\n<<\n/Encrypt 1 0 R'), 'latin1');
    await expect(signPdfField(req({ pdf: enc }))).rejects.toMatchObject({ code: 'unsupported_pdf' });
  });
});
