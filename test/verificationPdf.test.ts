import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PDFDocument, StandardFonts } from 'pdf-lib';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { PdfReader } from '../src/pdf/pdfReader.js';
import { PdfInputError, verifyPdf, type VerificationReport } from '../src/verification/index.js';
import { appendRevision, buildAttacks, contentsOf, deepCatalogPdf, locateSignature, makeGenuine, manySignaturesPdf, signedBytesOf, UTILITY, withContents, type Genuine } from './helpers/attackCorpus.js';
import { makePki, methods, padesCms } from './helpers/cmsFixtures.js';
import { readTlv } from '../src/verification/cms/der.js';
import { deeplyNestedCatalog } from './helpers/hostileCorpus.js';
import { appendDocumentTimestamp, appendDss } from '../src/signing/index.js';
import { TimeStampAuthority } from '../src/pki/tsa.js';
import { loadOrCreatePki } from '../src/pki/index.js';
import { freshDatabase } from './support/databases.js';
import { migrate } from '../src/storage/db/migrate.js';
import { available } from './support/checkers.js';
import { memorySigner } from '../src/keys/index.js';

const toPem = (der: Buffer) => `-----BEGIN CERTIFICATE-----\n${der.toString('base64').replace(/(.{64})/g, '$1\n')}\n-----END CERTIFICATE-----\n`;
const CLI = join(process.cwd(), 'bin', 'esign-verify.mjs');
const cli = (args: string[], cwd = process.cwd()) => {
  const r = spawnSync('node', [CLI, ...args], { encoding: 'utf8', cwd, env: { ...process.env, DATA_DIR: '/nonexistent' } });
  return { code: r.status, out: r.stdout, err: r.stderr };
};

let g: Genuine;
let dir: string;
beforeAll(async () => {
  g = await makeGenuine();
  dir = mkdtempSync(join(tmpdir(), 'esign-verify-test-'));
}, 120_000);
afterAll(async () => {
  await g?.close();
});

const sig = (r: VerificationReport, field: string) => r.signatures.find((s) => s.fieldName === field)!;

describe('genuine two-signature contract', () => {
  it('is valid: both signatures B-T, entire_revision then entire_file, only allowed changes after the first', async () => {
    const r = await verifyPdf(g.twoSignatures, { trustAnchors: [g.rootDer], revocation: g.revocationSource() });
    expect(r.verdict).toBe('valid');
    expect(r.revisions).toBe(3);
    const [a, u] = [sig(r, 'sig_applicant'), sig(r, 'sig_utility')];
    expect(a.verdict).toBe('valid');
    expect(u.verdict).toBe('valid');
    expect(a.coverage).toMatchObject({ kind: 'entire_revision', signedRevision: 1 });
    expect(a.coverage.bytesAfter).toBeGreaterThan(0);
    expect(u.coverage).toMatchObject({ kind: 'entire_file', signedRevision: 2, bytesAfter: 0 });
    expect(a.padesLevel).toBe('B-T');
    expect(u.padesLevel).toBe('B-T');
    expect(a.modificationsAfter.disallowed).toEqual([]);
    expect(a.modificationsAfter.allowed.map((m) => m.what)).toEqual(expect.arrayContaining(['signature_field_filled', 'signature_dictionary', 'signature_appearance']));
    expect(a.signer?.commonName).toBe('陈冬梅');
    expect(u.signer?.organisation).toBe(UTILITY.name);
    expect(a.digestAlgorithm).toBe('SHA-256');
    expect(a.signingTime.source).toBe('timestamp');
    expect(r.sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(JSON.parse(JSON.stringify(r))).toEqual(r);
  });

  it('reports registered versions from the registry', async () => {
    const { createHash } = await import('node:crypto');
    const v2 = createHash('sha256').update(g.oneSignature).digest('hex');
    const registry = { lookup: async (h: string[]) => (h.includes(v2) ? [{ sha256: v2, contractId: 'c-1', version: 2 }] : []) };
    const r = await verifyPdf(g.twoSignatures, { trustAnchors: [g.rootDer], revocation: g.revocationSource(), registry });
    expect(sig(r, 'sig_applicant').registered).toMatchObject({ matched: true, scope: 'signed_revision', contractId: 'c-1', version: 2 });
    expect(r.registered.matched).toBe(false);
  });

  it('without a trust anchor: indeterminate and untrusted, never invalid', async () => {
    const r = await verifyPdf(g.twoSignatures, { trustAnchors: [] });
    expect(r.verdict).toBe('indeterminate');
    for (const s of r.signatures) {
      expect(s.verdict).toBe('indeterminate');
      expect(s.chain.trusted).toBe(false);
      expect(s.reasons.join()).toMatch(/untrusted/);
    }
  });

  it('revocation: unknown is indeterminate by default, a stated weakness under best_effort', async () => {
    const strict = await verifyPdf(g.twoSignatures, { trustAnchors: [g.rootDer] });
    expect(strict.verdict).toBe('indeterminate');
    expect(strict.signatures[0].reasons.join()).toMatch(/revocation_unknown/);
    const lenient = await verifyPdf(g.twoSignatures, { trustAnchors: [g.rootDer], revocationPolicy: 'best_effort' });
    expect(lenient.verdict).toBe('valid');
    expect(lenient.signatures[0].weaknesses.join()).toMatch(/revocation/);
  });
});

describe('attacks on the genuine contract', () => {
  it('catches every attack with the right reason, never valid', async () => {
    const attacks = buildAttacks(g);
    expect(attacks.length).toBeGreaterThanOrEqual(17);
    for (const a of attacks) {
      const r = await verifyPdf(a.pdf, { trustAnchors: [g.rootDer], revocation: g.revocationSource() });
      const s = sig(r, a.expect.signature ?? 'sig_utility');
      expect(r.verdict, a.name).toBe(a.expect.verdict);
      expect(s?.verdict, a.name).toBe(a.expect.verdict);
      expect(s.reasons.join(' | '), a.name).toMatch(a.expect.reason);
    }
  });

  it('second signature broken, first fine: the report says which', async () => {
    const a = buildAttacks(g).find((x) => x.name === 'second signature digest wrong')!;
    const r = await verifyPdf(a.pdf, { trustAnchors: [g.rootDer], revocation: g.revocationSource() });
    expect(r.verdict).toBe('invalid');
    expect(sig(r, 'sig_applicant').verdict).toBe('valid');
    expect(sig(r, 'sig_utility').verdict).toBe('invalid');
    expect(sig(r, 'sig_utility').integrity.status).toBe('failed');
  });

  it('names the objects a disallowed revision touched (page content, shadow repoint)', async () => {
    const attacks = buildAttacks(g);
    const ia = attacks.find((x) => x.name === 'page content redefined in a new revision')!;
    const r = await verifyPdf(ia.pdf, { trustAnchors: [g.rootDer], revocation: g.revocationSource() });
    for (const s of r.signatures) {
      expect(s.coverage.kind).toBe('entire_revision');
      expect(s.modificationsAfter.disallowed.some((m) => m.what === 'page_content' && typeof m.objectNumber === 'number')).toBe(true);
    }
    const shadow = attacks.find((x) => x.name.startsWith('shadow'))!;
    const rs = await verifyPdf(shadow.pdf, { trustAnchors: [g.rootDer], revocation: g.revocationSource() });
    expect(sig(rs, 'sig_utility').modificationsAfter.disallowed).toEqual([expect.objectContaining({ what: 'xref_repoint', rule: 'not_allowed' })]);
  });

  it('an allowed later revision: a DSS added to the catalog keeps both signatures valid', async () => {
    const reader = new PdfReader(g.twoSignatures);
    const root = reader.trailer.map.get('Root') as { type: 'ref'; num: number; gen: number };
    const catalog = reader.resolveDict(root)!;
    const { serialize } = await import('../src/pdf/cos.js');
    const dssNum = reader.size;
    const certNum = dssNum + 1;
    const cat = { type: 'dict' as const, map: new Map(catalog.map) };
    cat.map.set('DSS', { type: 'ref', num: dssNum, gen: 0 });
    const der = g.rootDer.toString('latin1');
    const pdf = appendRevision(g.twoSignatures, [
      [certNum, `<</Length ${g.rootDer.length}>>\nstream\n${der}\nendstream`],
      [dssNum, `<</Certs [${certNum} 0 R]>>`],
      [root.num, serialize(cat)],
    ]);
    const r = await verifyPdf(pdf, { trustAnchors: [g.rootDer], revocation: g.revocationSource() });
    expect(r.verdict).toBe('valid');
    expect(sig(r, 'sig_utility').modificationsAfter.allowed.map((m) => m.what)).toEqual(expect.arrayContaining(['catalog_entries', 'dss', 'dss_data']));
  });
});

describe('the CMS inside /Contents, as other tools write it', () => {
  it('non-zero bytes after the CMS are a weakness, not a failure, and cannot change what is verified', async () => {
    const pdf = g.twoSignatures;
    const loc = locateSignature(pdf, 'sig_utility');
    const cmsOf = (field: string) => {
      const contents = contentsOf(pdf, locateSignature(pdf, field));
      return contents.subarray(0, readTlv(contents, 0).end);
    };
    const cms = cmsOf('sig_utility');
    const cmsLength = cms.length;
    // What follows the CMS is a complete other CMS (the applicant's) and stray bytes: none of it may be read.
    const applicantCms = cmsOf('sig_applicant');
    const junk = Buffer.concat([applicantCms, Buffer.from('00deadbeef', 'hex')]);
    const patched = withContents(pdf, loc, Buffer.concat([cms, junk]));
    const nonZero = junk.filter((x) => x !== 0).length;
    const before = sig(await verifyPdf(pdf, { trustAnchors: [g.rootDer], revocation: g.revocationSource() }), 'sig_utility');
    const r = await verifyPdf(patched, { trustAnchors: [g.rootDer], revocation: g.revocationSource() });
    const s = sig(r, 'sig_utility');
    expect(r.verdict).toBe('valid');
    expect(s.verdict).toBe('valid');
    expect(s.integrity).toEqual({ status: 'ok', messageDigestMatches: true, signatureValid: true });
    expect(s.signer).toEqual(before.signer);
    expect(s.certificateSerial).toBe(before.certificateSerial);
    expect(s.weaknesses).toEqual([
      ...before.weaknesses,
      `contents_trailing_data: /Contents carries ${nonZero} non-zero bytes after the ${cmsLength}-byte CMS; they are not part of the signature and were ignored`,
    ]);
  });

  it('Ed25519 and plain-ECDSA CMS in a PDF: valid; an algorithm node:crypto cannot check: indeterminate, named', async () => {
    const pdf = g.twoSignatures;
    const loc = locateSignature(pdf, 'sig_utility');
    const signed = signedBytesOf(pdf, loc);
    const opts = (root: Buffer) => ({ trustAnchors: [root], revocationPolicy: 'best_effort' as const });
    const ed = makePki({ signerKeyType: 'ed25519' });
    const edReport = sig(await verifyPdf(withContents(pdf, loc, padesCms(ed, signed, { digest: 'sha512', tsa: ed.tsa })), opts(ed.root.der)), 'sig_utility');
    expect([edReport.verdict, edReport.signatureAlgorithm, edReport.digestAlgorithm]).toEqual(['valid', 'Ed25519', 'SHA-512']);
    const ec = makePki();
    const plain = sig(await verifyPdf(withContents(pdf, loc, padesCms(ec, signed, { method: methods.plainEcdsa(ec.signer.key, 'sha256'), tsa: ec.tsa })), opts(ec.root.der)), 'sig_utility');
    expect([plain.verdict, plain.signatureAlgorithm]).toEqual(['valid', 'ECDSA-plain-SHA256']);
    const sm2 = sig(await verifyPdf(withContents(pdf, loc, padesCms(ec, signed, { method: methods.opaque('1.2.156.10197.1.501'), tsa: ec.tsa })), opts(ec.root.der)), 'sig_utility');
    expect(sm2.verdict).toBe('indeterminate');
    expect(sm2.reasons).toEqual(['integrity not established: unsupported signature algorithm SM2-with-SM3 (1.2.156.10197.1.501)']);
  });
});

describe('certificates', () => {
  it('revoked event certificate: revoked after signing → indeterminate; revoked before signing → invalid', async () => {
    const ev = await g.issueEvent();
    const signed = await g.signApplicant(ev);
    const { revokedAt } = await g.pki.revoke(ev.serial, 'keyCompromise');
    const at = new Map([[ev.serial.toLowerCase().replace(/^0+/, ''), revokedAt]]);
    const after = await verifyPdf(signed, { trustAnchors: [g.rootDer], revocation: g.revocationSource(at) });
    expect(after.verdict).toBe('indeterminate');
    expect(after.signatures[0].reasons.join()).toMatch(/revoked_after_signing/);

    const before = new Map([[ev.serial.toLowerCase().replace(/^0+/, ''), new Date(Date.now() - 3_600_000)]]);
    const r = await verifyPdf(signed, { trustAnchors: [g.rootDer], revocation: g.revocationSource(before) });
    expect(r.verdict).toBe('invalid');
    expect(r.signatures[0].reasons.join()).toMatch(/certificate_revoked/);
  });

  it('a self-signed certificate carrying the applicant\'s name is not trusted', async () => {
    const d = mkdtempSync(join(tmpdir(), 'selfsigned-'));
    execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', join(d, 'k.pem'), '-out', join(d, 'c.pem'), '-days', '2', '-subj', '/CN=陈冬梅/serialNumber=460200198803152423/C=CN', '-utf8'], { stdio: 'ignore' });
    const { createPrivateKey } = await import('node:crypto');
    const { readFileSync } = await import('node:fs');
    const certPem = readFileSync(join(d, 'c.pem'), 'utf8');
    const certificate = Buffer.from(certPem.replace(/-----[^-]+-----/g, '').replace(/\s+/g, ''), 'base64');
    const signed = await g.signApplicant({ signer: memorySigner(createPrivateKey(readFileSync(join(d, 'k.pem')))), certificate, chain: [] });
    const r = await verifyPdf(signed, { trustAnchors: [g.rootDer], revocation: g.revocationSource() });
    expect(r.verdict).toBe('indeterminate');
    expect(r.signatures[0].chain.trusted).toBe(false);
  });
});

describe('unusable input', () => {
  const cases: Array<[string, () => Buffer, string]> = [
    ['empty', () => Buffer.alloc(0), 'empty_file'],
    ['garbage', () => Buffer.from('this is not a pdf at all'), 'not_a_pdf'],
    ['PNG named .pdf', () => Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), Buffer.alloc(100)]), 'not_a_pdf'],
    ['truncated', () => g.twoSignatures.subarray(0, Math.floor(g.twoSignatures.length / 2)), 'truncated_pdf'],
    ['encrypted', () => Buffer.from(g.unsigned.toString('latin1').replace('trailer\n<<', 'trailer\n<<\n/Encrypt 1 0 R'), 'latin1'), 'encrypted_pdf'],
    ['broken xref', () => Buffer.from(g.unsigned.toString('latin1').replace(/startxref\s+\d+/, 'startxref\n17'), 'latin1'), 'malformed_pdf'],
    ['catalog nested deeper than 64, read after opening', () => deepCatalogPdf(65), 'pdf_too_complex'],
    ['deeply nested', () => deeplyNestedCatalog(), 'pdf_too_complex'],
  ];
  for (const [name, make, code] of cases) {
    it(`${name} → PdfInputError ${code}`, async () => {
      const err = await verifyPdf(make(), { trustAnchors: [] }).catch((e) => e);
      expect(err).toBeInstanceOf(PdfInputError);
      expect(err.code).toMatch(new RegExp(`^(${code})$`));
    });
  }

  it('an unsigned PDF has no signatures', async () => {
    const r = await verifyPdf(g.unsigned, { trustAnchors: [g.rootDer] });
    expect(r.verdict).toBe('no_signatures');
    expect(r.signatures).toEqual([]);
  });
});

describe('cross-reference quirks of other writers', () => {
  const withText = (pdf: Buffer, from: RegExp | string, to: string) => Buffer.from(pdf.toString('latin1').replace(from, to), 'latin1');
  const verify = (pdf: Buffer) => verifyPdf(pdf, { trustAnchors: [g.rootDer], revocation: g.revocationSource() });

  it('a comment between trailer and startxref (%iText-5.5.0) still ends its revision', async () => {
    const commented = withText(appendRevision(g.oneSignature, []), /\nstartxref\n(\d+)\n%%EOF\n$/, '\n%iText-5.5.0\nstartxref\n$1\n%%EOF\n');
    const later = appendRevision(commented, []);
    const reader = new PdfReader(later);
    expect(reader.revisions.map((r) => r.end)).toEqual([reader.revisions[0].end, g.oneSignature.length, commented.length, later.length]);
    expect(reader.structureWarnings).toEqual([]);
    const r = await verify(commented);
    expect(sig(r, 'sig_applicant').coverage).toMatchObject({ kind: 'entire_revision', signedRevision: 1 });
    expect(r.verdict).toBe('valid');
  });

  it('/Prev 0 in the oldest trailer ends the chain with a warning instead of failing at the header', async () => {
    const signed = await g.signApplicant(await g.issueEvent(), withText(g.unsigned, 'trailer\n<<', 'trailer\n<<\n/Prev 0'));
    const r = await verify(signed);
    expect(r.verdict).toBe('valid');
    expect(r.revisions).toBe(2);
    expect(r.warnings).toContainEqual(expect.stringMatching(/has \/Prev 0, where there is no xref section/));
  });

  const tableOf = (pdf: Buffer) => /xref\n0 \d+\n[\s\S]*?(?=trailer)/.exec(pdf.toString('latin1'))![0];
  const repairs: Array<[string, () => Buffer]> = [
    ['xref offsets 3 bytes beside their objects', () => withText(g.unsigned, tableOf(g.unsigned), tableOf(g.unsigned).replace(/(\d{10}) (\d{5}) n/g, (_, o: string, gen: string) => `${String(Number(o) + 3).padStart(10, '0')} ${gen} n`))],
    ['an empty xref table', () => withText(g.unsigned, tableOf(g.unsigned), 'xref\n0 1\n0000000000 65535 f\r\n')],
  ];
  for (const [name, make] of repairs) {
    it(`${name}: repaired by scanning for objects, then at best indeterminate (structure_repaired)`, async () => {
      const broken = make();
      expect(new PdfReader(broken).repaired).toBe(true);
      const r = await verify(await g.signApplicant(await g.issueEvent(), broken));
      const s = sig(r, 'sig_applicant');
      expect(s.integrity.status).toBe('ok');
      expect(s.verdict).toBe('indeterminate');
      expect(s.reasons).toContainEqual(expect.stringMatching(/^structure_repaired: /));
      expect(r.verdict).toBe('indeterminate');
      expect(r.warnings).toContainEqual(expect.stringMatching(/^structure_repaired: /));
    });
  }
  it('an intact file is not repaired', () => {
    expect(new PdfReader(g.twoSignatures).repaired).toBe(false);
  });
});

describe('interoperability with other signers', () => {
  let caPem: string;
  let p12: string;
  let nss: string;
  beforeAll(() => {
    const d = mkdtempSync(join(tmpdir(), 'interop-'));
    const cnf = join(d, 'req.cnf');
    writeFileSync(cnf, '[req]\ndistinguished_name=dn\n[dn]\n[x_root]\nbasicConstraints=critical,CA:TRUE\nkeyUsage=critical,keyCertSign,cRLSign\nsubjectKeyIdentifier=hash\n[x_leaf]\nbasicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature,nonRepudiation\nsubjectKeyIdentifier=hash\nauthorityKeyIdentifier=keyid\n');
    const o = (args: string[]) => execFileSync('openssl', args, { cwd: d, stdio: 'ignore' });
    o(['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'ca.key', '-out', 'ca.pem', '-days', '30', '-subj', '/CN=Interop Root', '-extensions', 'x_root', '-config', cnf]);
    o(['req', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'leaf.key', '-out', 'leaf.csr', '-subj', '/CN=Interop Signer/O=Other Tool', '-config', cnf]);
    o(['x509', '-req', '-in', 'leaf.csr', '-CA', 'ca.pem', '-CAkey', 'ca.key', '-CAcreateserial', '-out', 'leaf.pem', '-days', '30', '-extfile', cnf, '-extensions', 'x_leaf']);
    o(['pkcs12', '-export', '-inkey', 'leaf.key', '-in', 'leaf.pem', '-certfile', 'ca.pem', '-name', 'signer', '-out', 'leaf.p12', '-passout', 'pass:pw']);
    caPem = join(d, 'ca.pem');
    p12 = join(d, 'leaf.p12');
    nss = join(d, 'nss');
    if (available('certutil', 'pk12util')) {
      execFileSync('mkdir', [nss]);
      execFileSync('certutil', ['-N', '-d', `sql:${nss}`, '--empty-password']);
      execFileSync('pk12util', ['-i', p12, '-d', `sql:${nss}`, '-W', 'pw'], { stdio: 'ignore' });
    }
  });
  const anchor = () => {
    const { readFileSync } = require('node:fs') as typeof import('node:fs');
    const pem = readFileSync(caPem, 'utf8');
    return Buffer.from(pem.replace(/-----[^-]+-----/g, '').replace(/\s+/g, ''), 'base64');
  };

  it.skipIf(!available('pdfsig', 'certutil', 'pk12util'))('pdfsig -add-signature: valid with its root, indeterminate without', async () => {
    const doc = await PDFDocument.create();
    const page = doc.addPage();
    page.drawText('plain', { x: 50, y: 700, font: await doc.embedFont(StandardFonts.Helvetica) });
    const plain = join(dir, 'plain.pdf');
    writeFileSync(plain, await doc.save({ useObjectStreams: false }));
    const out = join(dir, 'pdfsig.pdf');
    execFileSync('pdfsig', ['-add-signature', '-nssdir', `sql:${nss}`, '-nick', 'signer', plain, out], { stdio: 'ignore' });
    const pdf = (await import('node:fs')).readFileSync(out);
    const ok = await verifyPdf(pdf, { trustAnchors: [anchor()], revocationPolicy: 'best_effort' });
    expect(ok.verdict).toBe('valid');
    expect(ok.signatures[0].subFilter).toBe('adbe.pkcs7.detached');
    const no = await verifyPdf(pdf, { trustAnchors: [] });
    expect(no.verdict).toBe('indeterminate');
  });

  // mutool (1.21 on Debian) digests with SHA-1: integrity and chain check out, but the policy will not
  // call a SHA-1 signature valid, so it is indeterminate with the weakness named.
  it.skipIf(!available('mutool'))('mutool sign: integrity ok and trusted with its root (SHA-1 → indeterminate), untrusted without', async () => {
    const reader = new PdfReader(g.unsigned);
    const cat = reader.resolveDict(reader.trailer.map.get('Root'))!;
    const af = reader.resolveDict(cat.map.get('AcroForm'))!;
    const fields = reader.resolve(af.map.get('Fields'));
    const first = fields?.type === 'array' ? fields.items[0] : undefined;
    const inFile = join(dir, 'contract.pdf');
    writeFileSync(inFile, g.unsigned);
    const out = join(dir, 'mutool.pdf');
    execFileSync('mutool', ['sign', '-s', p12, '-P', 'pw', '-o', out, inFile, String((first as { num: number }).num)], { stdio: 'ignore' });
    const pdf = (await import('node:fs')).readFileSync(out);
    const ok = await verifyPdf(pdf, { trustAnchors: [anchor()], revocationPolicy: 'best_effort' });
    expect(ok.signatures.length).toBe(1);
    const s = ok.signatures[0];
    expect(s.integrity.status).toBe('ok');
    expect(s.chain).toMatchObject({ status: 'ok', trusted: true });
    if (s.digestAlgorithm === 'SHA-1') {
      expect(ok.verdict).toBe('indeterminate');
      expect(s.reasons).toEqual([expect.stringMatching(/weak_digest/)]);
      expect(s.weaknesses.join()).toMatch(/SHA-1/);
    } else {
      expect(ok.verdict, JSON.stringify(s.reasons)).toBe('valid');
    }
    const no = await verifyPdf(pdf, { trustAnchors: [] });
    expect(no.verdict).toBe('indeterminate');
    expect(no.signatures[0].chain.trusted).toBe(false);
  });
});

describe('long-term validation: DSS and document timestamp after the last signature (B-LTA)', () => {
  // The utility's certificate gets its own OCSP answer; the applicant's status comes from the CA's CRL, also in the DSS.
  const ltv = async (pdf: Buffer) => {
    const data = await g.pki.validationData([g.pki.organisationIdentity().certificate]);
    return Buffer.from(await appendDocumentTimestamp(appendDss(pdf, data), { timestamp: (i) => g.pki.timestamp(i) }));
  };

  it('raises both signatures to B-LTA and answers revocation from the document alone', async () => {
    const file = await ltv(g.twoSignatures);
    expect(file.subarray(0, g.twoSignatures.length).equals(g.twoSignatures)).toBe(true);
    // No revocation source: what the document carries must be enough.
    const r = await verifyPdf(file, { trustAnchors: [g.rootDer] });
    expect(r.verdict).toBe('valid');
    expect(r.revisions).toBe(5);
    expect(r.signatures.map((s) => [s.fieldName, s.type, s.verdict, s.padesLevel])).toEqual([
      ['sig_applicant', 'signature', 'valid', 'B-LTA'],
      ['sig_utility', 'signature', 'valid', 'B-LTA'],
      ['DocTimeStamp', 'document_timestamp', 'valid', null],
    ]);
    expect(sig(r, 'sig_utility').revocation.source).toMatch(/^embedded_/);
    expect(sig(r, 'sig_utility').modificationsAfter.allowed.map((m) => m.rule)).toEqual(expect.arrayContaining(['dss', 'document_timestamp_field']));
    expect(sig(r, 'DocTimeStamp').signingTime.source).toBe('timestamp');
  });

  it('catches a changed byte after the signatures (in the DSS) through the document timestamp', async () => {
    const file = await ltv(g.twoSignatures);
    // A byte inside the first certificate stream of the DSS revision, which only the timestamp covers.
    const at = file.indexOf('stream\n', g.twoSignatures.length) + 'stream\n'.length + 20;
    const tampered = Buffer.from(file);
    tampered[at] ^= 0x01;
    const r = await verifyPdf(tampered, { trustAnchors: [g.rootDer] });
    expect(r.verdict).toBe('invalid');
    expect(sig(r, 'DocTimeStamp').verdict).toBe('invalid');
    expect(sig(r, 'DocTimeStamp').integrity).toMatchObject({ status: 'failed', reason: expect.stringMatching(/imprint/) });
  });

  it('can be renewed: a second DSS and DocTimeStamp2 after the first, everything still valid', async () => {
    const once = await ltv(g.twoSignatures);
    const twice = await ltv(once);
    const r = await verifyPdf(twice, { trustAnchors: [g.rootDer] });
    expect(r.verdict).toBe('valid');
    expect(r.signatures.map((s) => [s.fieldName, s.verdict])).toEqual([
      ['sig_applicant', 'valid'], ['sig_utility', 'valid'], ['DocTimeStamp', 'valid'], ['DocTimeStamp2', 'valid'],
    ]);
    expect(sig(r, 'sig_applicant').padesLevel).toBe('B-LTA');
  });

  it('after the TSA certificate expires without a renewal: indeterminate, never invalid; the signatures stay valid', async () => {
    const file = await ltv(g.twoSignatures);
    const later = new Date(Date.now() + 6 * 365.25 * 86_400_000);
    const r = await verifyPdf(file, { trustAnchors: [g.rootDer], validationTime: later });
    expect(r.verdict).toBe('indeterminate');
    expect(sig(r, 'DocTimeStamp').verdict).toBe('indeterminate');
    expect(sig(r, 'DocTimeStamp').reasons.join()).toMatch(/chain_expired: .*has expired at the validation time.*renewal/);
    for (const f of ['sig_applicant', 'sig_utility']) {
      expect(sig(r, f).verdict).toBe('valid');
      expect(sig(r, f).padesLevel).toBe('B-LT');
    }
  });

  it('a renewal keeps the file valid after the first TSA certificate has expired', async () => {
    const once = await ltv(g.twoSignatures);
    const firstTsaEnds = g.pki.timestampCertificateNotAfter();
    const database = await freshDatabase();
    const db = database.db;
    await migrate(db);
    try {
      // A second PKI issued a minute later (its clock moved, not the test's): its TSA certificate reaches a minute further than the first.
      vi.useFakeTimers({ toFake: ['Date'] });
      vi.setSystemTime(Date.now() + 60_000);
      const later = await loadOrCreatePki({ dataDir: mkdtempSync(join(tmpdir(), 'esign-pki-b-')), masterKey: Buffer.alloc(32, 4), publicUrl: 'http://localhost:3000', utility: { name: '三亚市供水有限公司', creditCode: '91460200MA5T000001' }, db }).finally(() => vi.useRealTimers());
      expect(later.timestampCertificateNotAfter().getTime() - firstTsaEnds.getTime()).toBeGreaterThanOrEqual(59_000);
      const twice = Buffer.from(await appendDocumentTimestamp(appendDss(once, await later.validationData([])), { timestamp: (i) => later.timestamp(i) }));
      const between = new Date(firstTsaEnds.getTime() + 1000);
      const r = await verifyPdf(twice, { trustAnchors: [g.rootDer, later.rootDer()], validationTime: between });
      expect(r.signatures.map((x) => [x.fieldName, x.verdict])).toEqual([
        ['sig_applicant', 'valid'], ['sig_utility', 'valid'], ['DocTimeStamp', 'valid'], ['DocTimeStamp2', 'valid'],
      ]);
      expect(r.verdict).toBe('valid');
      expect(sig(r, 'sig_applicant').padesLevel).toBe('B-LTA');
      // Without the renewal the same moment is past the first TSA certificate: indeterminate.
      expect((await verifyPdf(once, { trustAnchors: [g.rootDer], validationTime: between })).verdict).toBe('indeterminate');
    } finally {
      await database.drop();
    }
  }, 30_000);

  it('refuses a document timestamp from a certificate that is not a TSA, even under the trusted root', async () => {
    // The organisation's seal key posing as a timestamp authority: same root, no timeStamping purpose.
    const org = g.pki.organisationIdentity();
    const fake = new TimeStampAuthority({ der: org.certificate, key: org.signer }, '1.2.3.4');
    const data = await g.pki.validationData([org.certificate]);
    const file = Buffer.from(await appendDocumentTimestamp(appendDss(g.twoSignatures, data), { timestamp: async (i) => fake.token(i) }));
    const r = await verifyPdf(file, { trustAnchors: [g.rootDer] });
    const dts = sig(r, 'DocTimeStamp');
    expect(dts.integrity.status).toBe('ok');
    expect(dts.verdict).toBe('invalid');
    expect(dts.chain).toMatchObject({ status: 'failed', reason: expect.stringMatching(/not signed by a TSA certificate/) });
    expect(dts.signingTime.source).toBe('none');
    expect(r.verdict).toBe('invalid');
    // It does not raise the signatures to B-LTA either.
    expect(sig(r, 'sig_utility').padesLevel).toBe('B-LT');
  });

  it('refuses a document timestamp whose token covers other bytes', async () => {
    const other = await appendDocumentTimestamp(g.oneSignature, { timestamp: (i) => g.pki.timestamp(i) });
    const token = /\/Type \/DocTimeStamp.*?\/Contents <([0-9a-f]+)>/s.exec(Buffer.from(other).toString('latin1'))![1];
    const file = await ltv(g.twoSignatures);
    const text = file.toString('latin1');
    const m = /\/Type \/DocTimeStamp.*?\/Contents <([0-9a-f]+)>/s.exec(text)!;
    const swapped = Buffer.from(text.slice(0, m.index) + m[0].replace(m[1], token.padEnd(m[1].length, '0').slice(0, m[1].length)) + text.slice(m.index + m[0].length), 'latin1');
    const r = await verifyPdf(swapped, { trustAnchors: [g.rootDer] });
    expect(sig(r, 'DocTimeStamp').verdict).toBe('invalid');
    expect(sig(r, 'DocTimeStamp').integrity).toMatchObject({ status: 'failed', reason: expect.stringMatching(/imprint is not the hash of the signed bytes/) });
    expect(sig(r, 'sig_applicant').padesLevel).toBe('B-LT');
  });
});

describe('esign-verify CLI', () => {
  let root: string;
  let genuine: string;
  beforeAll(() => {
    root = join(dir, 'root.pem');
    writeFileSync(root, toPem(g.rootDer));
    genuine = join(dir, 'genuine.pdf');
    writeFileSync(genuine, g.twoSignatures);
  });

  it('exit codes: 0 genuine with --trust, 1 tampered, 2 PNG, 3 unsigned; --json equals verifyPdf', async () => {
    const tampered = join(dir, 'tampered.pdf');
    writeFileSync(tampered, buildAttacks(g).find((a) => a.name.startsWith('page content'))!.pdf);
    const png = join(dir, 'image.pdf');
    writeFileSync(png, Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), Buffer.alloc(64)]));
    const unsigned = join(dir, 'unsigned.pdf');
    writeFileSync(unsigned, g.unsigned);

    const ok = cli([genuine, '--trust', root]);
    expect(ok.code, ok.err).toBe(0);
    expect(ok.out).toMatch(/VALID/);
    expect(cli([tampered, '--trust', root]).code).toBe(1);
    expect(cli([png]).code).toBe(2);
    expect(cli([unsigned, '--trust', root]).code).toBe(3);
    expect(cli([]).code).toBe(2);

    const at = new Date().toISOString();
    const j = cli([genuine, '--trust', root, '--json', '--at', at], tmpdir());
    expect(j.code).toBe(0);
    const parsed = JSON.parse(j.out);
    const lib = await verifyPdf(g.twoSignatures, { trustAnchors: [g.rootDer], validationTime: new Date(at), revocationPolicy: 'best_effort' });
    expect(parsed).toEqual(JSON.parse(JSON.stringify(lib)));
  });

  it('--json into a pipe writes the whole report, not only the pipe buffer\'s first 64 KiB', () => {
    const file = join(dir, 'many-signatures.pdf');
    // About 2 MB of report: far more than a reader on the other end can take while one write() runs.
    writeFileSync(file, manySignaturesPdf(64, 30_000));
    // A shell pipeline: the report goes into a kernel pipe (64 KiB buffer), as with `| jq` or `| head`.
    const r = spawnSync('bash', ['-o', 'pipefail', '-c', 'node "$0" "$1" --json | cat', CLI, file], {
      encoding: 'utf8', env: { ...process.env, DATA_DIR: '/nonexistent' }, maxBuffer: 64 * 1024 * 1024,
    });
    expect(r.status, r.stderr).toBe(1);
    const report = JSON.parse(r.stdout);
    expect(report.verdict).toBe('invalid');
    expect(report.signatures).toHaveLength(64);
    expect(report.signatures[63].fieldName).toBe(`sig63${'x'.repeat(30_000)}`);
  });

  it('runs as npx esign-verify', () => {
    const r = spawnSync('npx', ['esign-verify', genuine, '--trust', root], { encoding: 'utf8' });
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/VALID/);
  });
});
