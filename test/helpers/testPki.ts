// Throwaway PKI for signing tests and benchmarks: ECDSA P-256 root → issuing CA → end-entity
// certificates (signers and a TSA with critical EKU timeStamping), made with the openssl CLI, plus
// a minimal in-process RFC 3161 TSA built with pkijs. The real PKI/TSA lives in src/pki.
import { createHash, createPrivateKey, randomBytes, sign as cryptoSign, type KeyObject } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as asn1js from 'asn1js';
import * as pkijs from 'pkijs';
import { derSortedAttributes, OID, signingCertificateV2Attribute } from '../../src/signing/index.js';
import type { SigningIdentity, TimestampClient } from '../../src/signing/index.js';
import { memorySigner } from '../../src/keys/index.js';

export interface IssuedCert {
  keyFile: string;
  certFile: string;
  key: KeyObject;
  certDer: Buffer;
}

export interface TestPki {
  dir: string;
  rootPemFile: string;
  caPemFile: string;
  /** root + issuing CA, PEM, for openssl -CAfile / -untrusted */
  chainPemFile: string;
  rootDer: Buffer;
  caDer: Buffer;
  tsa: IssuedCert;
  issue(commonName: string, opts?: { organisation?: string; keyType?: 'ec' | 'rsa' }): SigningIdentity & IssuedCert;
  tsaClient(opts?: { delayMs?: number }): TimestampClient;
}

const EXT = `
[ca]
basicConstraints = critical, CA:TRUE, pathlen:0
keyUsage = critical, keyCertSign, cRLSign
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid:always
[signer]
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature, nonRepudiation
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid:always
[tsa]
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature, nonRepudiation
extendedKeyUsage = critical, timeStamping
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid:always
`;

function ossl(args: string[], cwd: string): void {
  execFileSync('openssl', args, { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
}

function pemToDer(pem: string): Buffer {
  return Buffer.from(pem.replace(/-----[^-]+-----/g, '').replace(/\s+/g, ''), 'base64');
}

export function createTestPki(dir = mkdtempSync(join(tmpdir(), 'signing-pki-'))): TestPki {
  writeFileSync(join(dir, 'ext.cnf'), EXT);
  ossl(['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', 'root.key', '-out', 'root.pem',
    '-days', '3650', '-subj', '/C=CN/O=Test Water PKI/CN=Test Water Root CA',
    '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign'], dir);

  let serial = 0x1000;
  const issueRaw = (base: string, subj: string, section: string, signWith: string, keyType: 'ec' | 'rsa' = 'ec'): IssuedCert => {
    const keyArgs = keyType === 'ec' ? ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256'] : ['-newkey', 'rsa:2048'];
    ossl(['req', '-new', ...keyArgs, '-nodes', '-utf8', '-keyout', `${base}.key`, '-out', `${base}.csr`, '-subj', subj], dir);
    ossl(['x509', '-req', '-in', `${base}.csr`, '-CA', `${signWith}.pem`, '-CAkey', `${signWith}.key`, '-set_serial', String(++serial),
      '-days', '1825', '-sha256', '-extfile', 'ext.cnf', '-extensions', section, '-out', `${base}.pem`], dir);
    return {
      keyFile: join(dir, `${base}.key`),
      certFile: join(dir, `${base}.pem`),
      key: createPrivateKey(readFileSync(join(dir, `${base}.key`))),
      certDer: pemToDer(readFileSync(join(dir, `${base}.pem`), 'latin1')),
    };
  };

  const ca = issueRaw('ca', '/C=CN/O=Test Water PKI/CN=Test Water Issuing CA', 'ca', 'root');
  const tsa = issueRaw('tsa', '/C=CN/O=Test Water PKI/CN=Test Water TSA', 'tsa', 'ca');
  const rootPem = readFileSync(join(dir, 'root.pem'), 'latin1');
  const caPem = readFileSync(join(dir, 'ca.pem'), 'latin1');
  writeFileSync(join(dir, 'chain.pem'), caPem + rootPem);
  const rootDer = pemToDer(rootPem);
  const caDer = ca.certDer;

  let n = 0;
  return {
    dir,
    rootPemFile: join(dir, 'root.pem'),
    caPemFile: join(dir, 'ca.pem'),
    chainPemFile: join(dir, 'chain.pem'),
    rootDer,
    caDer,
    tsa,
    issue(commonName, opts = {}) {
      const subj = `/C=CN${opts.organisation ? `/O=${opts.organisation}` : ''}/CN=${commonName}`;
      const c = issueRaw(`signer${++n}`, subj, 'signer', 'ca', opts.keyType);
      return { ...c, signer: memorySigner(c.key), certificate: c.certDer, chain: [caDer, rootDer] };
    },
    tsaClient(opts = {}) {
      return createTestTsa(tsa.key, tsa.certDer, [caDer], opts.delayMs);
    },
  };
}

const toAB = (b: Uint8Array) => b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength) as ArrayBuffer;

/** Minimal RFC 3161 TSA: TSTInfo signed into a TimeStampToken with ESS signing-certificate-v2. */
export function createTestTsa(key: KeyObject, certDer: Buffer, chain: Buffer[], delayMs = 0): TimestampClient {
  const cert = new pkijs.Certificate({ schema: asn1js.fromBER(toAB(certDer)).result });
  const chainCerts = chain.map((c) => new pkijs.Certificate({ schema: asn1js.fromBER(toAB(c)).result }));
  const essAttr = signingCertificateV2Attribute(certDer, cert);
  return {
    async timestamp(imprint: Buffer): Promise<Buffer> {
      if (delayMs) await new Promise((r) => setTimeout(r, delayMs));
      const tst = new pkijs.TSTInfo({
        version: 1,
        policy: '1.3.6.1.4.1.55555.1.1',
        messageImprint: new pkijs.MessageImprint({
          hashAlgorithm: new pkijs.AlgorithmIdentifier({ algorithmId: OID.sha256 }),
          hashedMessage: new asn1js.OctetString({ valueHex: toAB(imprint) }),
        }),
        serialNumber: new asn1js.Integer({ valueHex: toAB(Buffer.concat([Buffer.from([0x01]), randomBytes(8)])) }),
        // Whole seconds: fractional GeneralizedTime must not carry trailing zeros in DER.
        genTime: new Date(Math.floor(Date.now() / 1000) * 1000),
        ordering: false,
      });
      const tstDer = Buffer.from(tst.toSchema().toBER());
      const { sorted, setDer } = derSortedAttributes([
        new pkijs.Attribute({ type: OID.contentType, values: [new asn1js.ObjectIdentifier({ value: OID.tstInfo })] }),
        new pkijs.Attribute({
          type: OID.messageDigest,
          values: [new asn1js.OctetString({ valueHex: toAB(createHash('sha256').update(tstDer).digest()) })],
        }),
        essAttr,
      ]);
      const sig = cryptoSign('sha256', setDer, key);
      const sd = new pkijs.SignedData({
        version: 3,
        digestAlgorithms: [new pkijs.AlgorithmIdentifier({ algorithmId: OID.sha256 })],
        encapContentInfo: new pkijs.EncapsulatedContentInfo({
          eContentType: OID.tstInfo,
          eContent: new asn1js.OctetString({ valueHex: toAB(tstDer) }),
        }),
        certificates: [cert, ...chainCerts],
        signerInfos: [
          new pkijs.SignerInfo({
            version: 1,
            sid: new pkijs.IssuerAndSerialNumber({ issuer: cert.issuer, serialNumber: cert.serialNumber }),
            digestAlgorithm: new pkijs.AlgorithmIdentifier({ algorithmId: OID.sha256 }),
            signedAttrs: new pkijs.SignedAndUnsignedAttributes({ type: 0, attributes: sorted }),
            signatureAlgorithm: new pkijs.AlgorithmIdentifier({ algorithmId: OID.ecdsaWithSha256 }),
            signature: new asn1js.OctetString({ valueHex: toAB(sig) }),
          }),
        ],
      });
      const ci = new pkijs.ContentInfo({ contentType: OID.signedData, content: sd.toSchema(true) });
      return Buffer.from(ci.toSchema().toBER());
    },
  };
}

// --- fixture PDFs (stand-ins until the document generator lands) --------------------------------

export interface FixtureOptions {
  /** Extra text pages, to reach a realistic contract size for benchmarks. */
  extraPages?: number;
  /** Embed a ~116 KB PNG (a "logo") so the file is the size of a real contract. */
  withImage?: boolean;
  useObjectStreams?: boolean;
  kidsLayout?: boolean;
}

/**
 * A4 contract with two empty signature fields as merged field/widget dictionaries (what iText,
 * Adobe and pdf-lib-based placeholders write). `kidsLayout` instead makes sig_applicant a field
 * with a separate widget kid: valid PDF, but poppler 22.12 and mupdf look for /V on the widget.
 */
export async function makeFixturePdf(opts: FixtureOptions = {}): Promise<Uint8Array> {
  const { PDFDocument, PDFName, PDFString, PDFHexString, StandardFonts, rgb } = await import('pdf-lib');
  const doc = await PDFDocument.create();
  const font = await doc.embedFont(StandardFonts.Helvetica);
  const page = doc.addPage([595.28, 841.89]);
  page.drawText('Water Supply Contract No. WS-2026-000123', { x: 60, y: 780, size: 16, font });
  const lines = [
    'Applicant: Zhang San, 12 Riverside Road, Binjiang District.',
    'The utility supplies potable water to the premises described in Annex 1.',
    'Tariff: residential tier 1; meter DN20 installed at the property boundary.',
    'Both parties sign electronically; signatures are PAdES B-T with trusted timestamps.',
  ];
  lines.forEach((l, i) => page.drawText(l, { x: 60, y: 740 - i * 18, size: 11, font }));
  page.drawText('Applicant signature', { x: 60, y: 200, size: 10, font, color: rgb(0.3, 0.3, 0.3) });
  page.drawText('Utility seal', { x: 360, y: 240, size: 10, font, color: rgb(0.3, 0.3, 0.3) });
  page.drawRectangle({ x: 60, y: 120, width: 200, height: 70, borderColor: rgb(0.7, 0.7, 0.7), borderWidth: 0.5 });

  if (opts.withImage) {
    const { createRequire } = await import('node:module');
    const req = createRequire(import.meta.url);
    const png = readFileSync(req.resolve('@expo-google-fonts/noto-serif-sc/400Regular/NotoSerifSC_400Regular.ttf.png'));
    const img = await doc.embedPng(png);
    page.drawImage(img, { x: 420, y: 700, width: 100, height: 100 * (img.height / img.width) });
  }
  for (let p = 0; p < (opts.extraPages ?? 0); p++) {
    const pg = doc.addPage([595.28, 841.89]);
    for (let i = 0; i < 45; i++) {
      pg.drawText(`Clause ${p + 2}.${i + 1}: the customer shall pay the water charges within 15 days; ref ${p * 100 + i}`, {
        x: 50, y: 800 - i * 17, size: 9, font,
      });
    }
  }

  const ctx = doc.context;
  let widget1Ref;
  let field1Ref;
  if (opts.kidsLayout) {
    const widget1 = ctx.obj({ Type: 'Annot', Subtype: 'Widget', Rect: [60, 120, 260, 190], P: page.ref, F: 4 });
    widget1Ref = ctx.register(widget1);
    field1Ref = ctx.register(ctx.obj({ FT: 'Sig', T: PDFString.of('sig_applicant'), Kids: [widget1Ref] }));
    widget1.set(PDFName.of('Parent'), field1Ref);
  } else {
    field1Ref = widget1Ref = ctx.register(
      ctx.obj({ FT: 'Sig', T: PDFString.of('sig_applicant'), Type: 'Annot', Subtype: 'Widget', Rect: [60, 120, 260, 190], P: page.ref, F: 4 }),
    );
  }
  const field2Ref = ctx.register(
    ctx.obj({ FT: 'Sig', T: PDFHexString.fromText('sig_utility'), Type: 'Annot', Subtype: 'Widget', Rect: [360, 80, 510, 230], P: page.ref, F: 4 }),
  );
  page.node.addAnnot(widget1Ref);
  page.node.addAnnot(field2Ref);
  doc.catalog.set(PDFName.of('AcroForm'), ctx.register(ctx.obj({ Fields: [field1Ref, field2Ref] })));
  return doc.save({ useObjectStreams: opts.useObjectStreams ?? false });
}
