// Signing a real contract as the service does it — real dev PKI (event certificate, built-in TSA),
// real renderer output — beside @signpdf's stock pipeline (placeholder-pdf-lib + P12Signer) on the same PDF.
import { generateKeyPairSync } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import forge from 'node-forge';
import { PDFDocument } from 'pdf-lib';
import { SignPdf } from '@signpdf/signpdf';
import { P12Signer } from '@signpdf/signer-p12';
import { pdflibAddPlaceholder } from '@signpdf/placeholder-pdf-lib';
import { createDocumentRenderer, loadTemplates } from '../src/documents/index.js';
import { existsSync } from 'node:fs';
import { createPkcs11KeyStore } from '../src/keys/pkcs11KeyStore.js';
import { loadOrCreatePki, type Pki } from '../src/pki/index.js';
import { removeSoftHsmFiles, SOFTHSM_MODULE, softhsmToken } from '../test/support/softhsm.js';
import { appendDocumentTimestamp, appendDss, signPdfField, warmUpGlyphs } from '../src/signing/index.js';
import { createPgliteDatabase } from '../src/storage/db/pgliteDatabase.js';
import { migrate } from '../src/storage/db/migrate.js';
import { stats, timeEach } from './stats.js';

const UTILITY = { name: '三亚市示范供水有限公司', creditCode: '91460200MA5RC0XQ1H', address: '海南省三亚市吉阳区迎宾路 188 号', phone: '0898-88888888' };

function makeRsaP12(): Buffer {
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const key = forge.pki.privateKeyFromPem(privateKey.export({ type: 'pkcs1', format: 'pem' }) as string) as forge.pki.rsa.PrivateKey;
  const cert = forge.pki.createCertificate();
  cert.publicKey = forge.pki.setRsaPublicKey(key.n, key.e);
  cert.serialNumber = '01';
  cert.validity.notBefore = new Date(Date.now() - 86_400_000);
  cert.validity.notAfter = new Date(Date.now() + 365 * 86_400_000);
  cert.setSubject([{ name: 'commonName', value: 'Bench RSA Signer' }]);
  cert.setIssuer([{ name: 'commonName', value: 'Bench RSA Signer' }]);
  cert.sign(key, forge.md.sha256.create());
  return Buffer.from(forge.asn1.toDer(forge.pkcs12.toPkcs12Asn1(key, [cert], '', { algorithm: '3des' })).getBytes(), 'binary');
}

export async function benchSigning(opts: { iterations?: number; baselineIterations?: number } = {}): Promise<Record<string, unknown>> {
  const iterations = opts.iterations ?? 200;
  const baselineIterations = opts.baselineIterations ?? 30;
  const dataDir = await mkdtemp(path.join(os.tmpdir(), 'esign-bench-'));
  const db = await createPgliteDatabase();
  try {
    await migrate(db);
    const pki = await loadOrCreatePki({ dataDir, masterKey: Buffer.alloc(32, 7), publicUrl: 'http://localhost:3000', utility: UTILITY, db });
    const registry = await loadTemplates(path.resolve('templates'));
    const renderer = await createDocumentRenderer();
    const template = registry.get('water-supply-contract')!;
    const pdf = await renderer.render({
      template, variables: template.example, contractNumber: 'SYGS-2026-000001', issuedAt: new Date(), utility: UTILITY, place: '海南省三亚市',
    });
    warmUpGlyphs();
    const timestamp = { timestamp: (imprint: Buffer) => pki.timestamp(imprint) };
    const applicant = template.example.applicant as { name: string; idType: string; idNumber: string };

    // Applicant: a fresh one-time certificate per signature, then the signature with its timestamp.
    const signApplicant = async (i: number) => {
      const identity = await pki.issueEventCertificate(applicant, { contractId: 'bench', signerId: `s${i}` });
      return signPdfField({
        pdf, fieldName: 'sig_applicant', identity, timestamp, signingTime: new Date(),
        appearance: { kind: 'person', name: applicant.name, caption: '电子签名', signedAt: new Date() },
      });
    };
    const afterApplicant = await signApplicant(-1);
    const utilitySigner = (p: Pki) => () =>
      signPdfField({
        pdf: afterApplicant, fieldName: 'sig_utility', identity: p.organisationIdentity(), timestamp: { timestamp: (imprint: Buffer) => p.timestamp(imprint) }, signingTime: new Date(),
        appearance: { kind: 'seal', organisation: UTILITY.name, sealNumber: UTILITY.creditCode },
      });
    const signUtility = utilitySigner(pki);
    await timeEach(20, signApplicant);
    await timeEach(20, signUtility);
    const applicantMs = await timeEach(iterations, signApplicant);
    const utilityMs = await timeEach(iterations, signUtility);
    // What completing a contract adds after the last signature: validation data, DSS, document timestamp.
    const afterUtility = await signUtility();
    const ltv = async () =>
      appendDocumentTimestamp(appendDss(afterUtility, await pki.validationData([pki.organisationIdentity().certificate])), timestamp);
    await timeEach(20, ltv);
    const ltvMs = await timeEach(iterations, ltv);
    const timestampMs = await timeEach(iterations, () => pki.timestamp(Buffer.alloc(32, 1)));
    const eventCertMs = await timeEach(iterations, (i) => pki.issueEventCertificate(applicant, { contractId: 'bench', signerId: `e${i}` }));

    // The same utility signature with the organisation key in a PKCS#11 token (SoftHSM2), beside the database key store.
    const digest = Buffer.alloc(32, 9);
    const keyOnly = (p: Pki) => timeEach(iterations * 5, async () => p.organisationIdentity().signer.sign(digest));
    const databaseKeyMs = await keyOnly(pki);
    let pkcs11: Record<string, unknown> = { note: 'skipped: SoftHSM2 (softhsm2-util, /usr/lib/softhsm/libsofthsm2.so) not installed' };
    if (existsSync(SOFTHSM_MODULE)) {
      const token = softhsmToken();
      const keyStore = await createPkcs11KeyStore({ module: token.module, tokenLabel: token.label, pin: token.pin });
      const tokenDb = await createPgliteDatabase();
      try {
        await migrate(tokenDb);
        const inToken = await loadOrCreatePki({ dataDir, masterKey: Buffer.alloc(32, 7), publicUrl: 'http://localhost:3000', utility: UTILITY, db: tokenDb, keyStore });
        await timeEach(20, utilitySigner(inToken));
        pkcs11 = {
          note: 'KEY_STORE=pkcs11 on SoftHSM2: the organisation and TSA keys sign with C_Sign in the token',
          utilitySignatureMs: stats(await timeEach(iterations, utilitySigner(inToken))),
          keySignMs: stats(await keyOnly(inToken)),
        };
      } finally {
        await keyStore.close();
        await tokenDb.close();
        removeSoftHsmFiles();
      }
    }

    // Stock: the placeholder added with pdf-lib (full load and save), then P12Signer (node-forge, RSA in JavaScript).
    const p12 = makeRsaP12();
    const signpdf = new SignPdf();
    const stock = async () => {
      const doc = await PDFDocument.load(pdf);
      pdflibAddPlaceholder({ pdfDoc: doc, reason: 'bench', contactInfo: '', name: 'bench', location: 'Sanya', signatureLength: 8192 });
      const withPlaceholder = Buffer.from(await doc.save({ useObjectStreams: false }));
      // P12Signer consumes its PKCS#12 buffer: a second sign() on one instance fails, so one per signature.
      return signpdf.sign(withPlaceholder, new P12Signer(Buffer.from(p12)));
    };
    await timeEach(3, stock);
    const stockMs = await timeEach(baselineIterations, stock);

    return {
      contractPdfBytes: pdf.length,
      applicantSignature: { note: 'event certificate issuance + PAdES B-T signature incl. built-in TSA', ms: stats(applicantMs) },
      utilitySignature: { note: 'organisation certificate + seal appearance, second revision, incl. TSA', ms: stats(utilityMs) },
      keyStores: {
        database: { note: 'KEY_STORE=database: key opened from its sealed row once, then ECDSA P-256 in memory', keySignMs: stats(databaseKeyMs), utilitySignatureMs: stats(utilityMs) },
        pkcs11,
      },
      longTermValidation: { note: 'B-LTA after the last signature: OCSP responses + CRL, DSS revision, document timestamp revision', ms: stats(ltvMs) },
      parts: { eventCertificateMs: stats(eventCertMs), timestampMs: stats(timestampMs) },
      stockSignpdfP12Signer: { note: '@signpdf/placeholder-pdf-lib + @signpdf/signer-p12 (RSA-2048, no timestamp)', ms: stats(stockMs) },
    };
  } finally {
    await db.close();
    await rm(dataDir, { recursive: true, force: true });
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  console.log(JSON.stringify(await benchSigning(), null, 2));
}
