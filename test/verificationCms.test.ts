import { spawnSync } from 'node:child_process';
import { constants, sign as cryptoSign, type KeyObject } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it, beforeAll } from 'vitest';
import { verifyCms, CmsFormatError, type CmsVerifyOptions, type RevocationAnswer } from '../src/verification/cms/index.js';
import {
  attr, essV1, essV2, extension, makeCert, makeCrl, makeOcsp, makePki, makeSigner, methods, newKey, octets, oid, opensslCms, padesCms, pem, seq, sha,
  signedDataContentInfo, tlv, EKU_OCSP_SIGNING, OIDS,
  type Digest, type KeyType, type Party, type Pki, type SignatureMethod,
} from './helpers/cmsFixtures.js';

const DATA = Buffer.from('%PDF-1.7 ... the ByteRange bytes of a water supply contract ...'.repeat(50));

let pki: Pki;
let good: Buffer;
let opts: CmsVerifyOptions;

beforeAll(() => {
  pki = makePki();
  good = padesCms(pki, DATA, { tsa: pki.tsa });
  opts = { trustAnchors: [pki.root.der] };
});

describe('verifyCms: genuine signatures', () => {
  it('accepts a CMS made like ours (ECDSA P-256, ESS v2, RFC 3161 token)', async () => {
    const r = await verifyCms(good, DATA, opts);
    expect(r.integrity).toEqual({ status: 'ok', messageDigestMatches: true, signatureValid: true });
    expect(r.chain.status).toBe('ok');
    expect(r.chain.trusted).toBe(true);
    expect(r.chain.path.map((c) => c.subject.commonName)).toEqual(['张三', 'Test Water Issuing CA', 'Test Water Root CA']);
    expect(r.timestamp).toMatchObject({ present: true, valid: true, chainTrusted: true, tsa: { commonName: 'Test Water TSA' } });
    expect(r.signingTime.source).toBe('timestamp');
    expect(r.signingCertificateAttribute).toBe('v2');
    expect(r.digestAlgorithm).toBe('SHA-256');
    expect(r.signatureAlgorithm).toBe('ECDSA-SHA256');
    expect(r.signer).toMatchObject({ subject: { commonName: '张三', organisation: '滨江水务有限公司', serialNumber: '91330100MA2B3C4D5E', country: 'CN' }, selfSigned: false });
    expect(r.signer!.serial).toMatch(/^[1-9a-f][0-9a-f]*$/);
    expect(r.signer!.subject.dn).toBe('CN=张三,serialNumber=91330100MA2B3C4D5E,O=滨江水务有限公司,C=CN');
    expect(r.weaknesses).toEqual([]);
    // Nothing embedded: every certificate short of the root lacks revocation data, the TSA's path included.
    expect(r.levelHints).toEqual({
      hasSignatureTimestamp: true,
      hasEmbeddedRevocation: false,
      withoutRevocationData: ['CN=张三,serialNumber=91330100MA2B3C4D5E,O=滨江水务有限公司,C=CN', 'CN=Test Water Issuing CA,O=Test Water PKI,C=CN', 'CN=Test Water TSA,O=Test Water PKI,C=CN'],
    });
    expect(r.revocation).toMatchObject({ status: 'unknown', source: 'none' });
  });

  it('ignores the zero padding of a PDF /Contents placeholder', async () => {
    const padded = Buffer.concat([good, Buffer.alloc(4096)]);
    expect((await verifyCms(padded, DATA, opts)).integrity.status).toBe('ok');
  });

  it('without the root as anchor: untrusted (unknown), never failed', async () => {
    const r = await verifyCms(good, DATA, { trustAnchors: [] });
    expect(r.integrity.status).toBe('ok');
    expect(r.chain).toMatchObject({ status: 'unknown', trusted: false });
    expect(r.timestamp).toMatchObject({ present: true, valid: true, chainTrusted: false });
  });

  it('accepts P-384 / SHA-384 and RSA signers', async () => {
    for (const keyType of ['ec384', 'rsa'] as const) {
      const p = makePki({ signerKeyType: keyType });
      const cms = padesCms(p, DATA, { digest: keyType === 'ec384' ? 'sha384' : 'sha256', tsa: p.tsa });
      const r = await verifyCms(cms, DATA, { trustAnchors: [p.root.der] });
      expect(r.integrity.status, keyType).toBe('ok');
      expect(r.chain.status, keyType).toBe('ok');
      expect(r.signatureAlgorithm).toBe(keyType === 'rsa' ? 'RSA-SHA256' : 'ECDSA-SHA384');
    }
  });

  it.each(['ec', 'rsa'] as const)('verifies `openssl cms -sign` output (%s)', async (keyType) => {
    const p = makePki({ signerKeyType: keyType });
    const cms = opensslCms(p.signer, [p.ca.der], DATA);
    const r = await verifyCms(cms, DATA, { trustAnchors: [p.root.der] });
    expect(r.integrity.status).toBe('ok');
    expect(r.chain.status).toBe('ok');
    expect(r.timestamp).toEqual({ present: false });
    expect(r.signingTime.source).toBe('none');
    // Plain `openssl cms -sign` adds no ESS attribute (only with -cades): reported, not fatal.
    expect(r.signingCertificateAttribute).toBe('missing');
    expect(r.weaknesses).toContain('no signing-certificate attribute');
    expect(r.signatureAlgorithm).toMatch(keyType === 'rsa' ? /^RSA-SHA256$/ : /^ECDSA-SHA256$/);
    const cades = await verifyCms(opensslCms(p.signer, [p.ca.der], DATA, ['-cades']), DATA, { trustAnchors: [p.root.der] });
    expect(cades.signingCertificateAttribute).toBe('v2');
    expect(cades.integrity.status).toBe('ok');
  });

  it('verifies the CMS our signing module produces (src/signing/cms.ts with the test PKI and TSA)', async () => {
    const { createTestPki } = await import('./helpers/testPki.js');
    const { prepareIdentity, buildPadesCms } = await import('../src/signing/cms.js');
    const tp = createTestPki();
    const identity = tp.issue('李四', { organisation: '滨江水务有限公司' });
    const cms = await buildPadesCms(prepareIdentity(identity), sha('sha256', DATA), tp.tsaClient());
    const r = await verifyCms(cms, DATA, { trustAnchors: [tp.rootDer] });
    expect(r.integrity.status).toBe('ok');
    expect(r.chain.status).toBe('ok');
    expect(r.timestamp).toMatchObject({ present: true, valid: true, chainTrusted: true });
    expect(r.signingCertificateAttribute).toBe('v2');
    expect(r.signer?.subject.commonName).toBe('李四');
  });

  it('verifies an RSASSA-PSS signature made by openssl', async () => {
    const p = makePki({ signerKeyType: 'rsa' });
    const cms = opensslCms(p.signer, [p.ca.der], DATA, ['-keyopt', 'rsa_padding_mode:pss']);
    const r = await verifyCms(cms, DATA, { trustAnchors: [p.root.der] });
    expect(r.signatureAlgorithm).toBe('RSASSA-PSS');
    expect(r.integrity.status).toBe('ok');
  });
});

describe('verifyCms: forgeries and defects', () => {
  it('one changed byte in the signed bytes → messageDigest mismatch', async () => {
    const altered = Buffer.from(DATA);
    altered[100] ^= 0x20;
    const r = await verifyCms(good, altered, opts);
    expect(r.integrity).toMatchObject({ status: 'failed', messageDigestMatches: false });
  });

  it('flipped signature value → signature invalid', async () => {
    const r = await verifyCms(padesCms(pki, DATA, { tamperSignature: true }), DATA, opts);
    expect(r.integrity).toMatchObject({ status: 'failed', messageDigestMatches: true, signatureValid: false });
  });

  it('certificate swapped for one with the same subject and issuer/serial but another key', async () => {
    const lookalike = makeSigner(pki.ca, { serial: pki.signer.serial });
    const cms = padesCms(pki, DATA, { certs: [lookalike.der, pki.ca.der], ess: 'none' });
    const r = await verifyCms(cms, DATA, opts);
    expect(r.integrity).toMatchObject({ status: 'failed', signatureValid: false });
  });

  it('signature by another key than the certificate named, ESS pointing at the real one', async () => {
    const other = makeSigner(pki.ca);
    const cms = padesCms(pki, DATA, { signer: { ...pki.signer, key: other.key } });
    const r = await verifyCms(cms, DATA, opts);
    expect(r.integrity.status).toBe('failed');
  });

  it('self-signed certificate with the real signer name: never trusted', async () => {
    const fake = makeCert({ subject: [['C', 'CN'], ['O', '滨江水务有限公司'], ['CN', '张三']], ca: false, keyUsage: ['digitalSignature'] });
    const cms = padesCms(pki, DATA, { signer: fake, certs: [fake.der, pki.ca.der, pki.root.der], tsa: pki.tsa });
    const r = await verifyCms(cms, DATA, opts);
    expect(r.integrity.status).toBe('ok');
    expect(r.signer!.selfSigned).toBe(true);
    expect(r.chain.trusted).toBe(false);
    expect(r.chain.status).not.toBe('ok');
  });

  it('fake CA carrying the real root name (and key id) does not chain', async () => {
    const fakeRoot = makeCert({ subject: [['C', 'CN'], ['O', 'Test Water PKI'], ['CN', 'Test Water Root CA']], ca: true, keyUsage: ['keyCertSign', 'cRLSign'] });
    const fakeCa = makeCert({ subject: [['C', 'CN'], ['O', 'Test Water PKI'], ['CN', 'Test Water Issuing CA']], issuer: fakeRoot, ca: true, keyUsage: ['keyCertSign'] });
    const signer = makeSigner(fakeCa);
    for (const certs of [[signer.der, fakeCa.der, fakeRoot.der], [signer.der, fakeCa.der]]) {
      const r = await verifyCms(padesCms(pki, DATA, { signer, certs }), DATA, opts);
      expect(r.integrity.status).toBe('ok');
      expect(r.chain.trusted).toBe(false);
      expect(r.chain.status).not.toBe('ok');
    }
    // Same key identifier as the real root, so only the signature check can tell them apart.
    const lyingCa = makeCert({ subject: [['C', 'CN'], ['O', 'Test Water PKI'], ['CN', 'Test Water Issuing CA']], issuer: { ...fakeRoot, ski: pki.root.ski }, ca: true, keyUsage: ['keyCertSign'] });
    const s2 = makeSigner(lyingCa);
    const r2 = await verifyCms(padesCms(pki, DATA, { signer: s2, certs: [s2.der, lyingCa.der] }), DATA, opts);
    expect(r2.chain).toMatchObject({ status: 'failed', trusted: false });
  });

  it('expired and not-yet-valid signer certificates fail the chain', async () => {
    const day = 86400_000;
    const expired = makeSigner(pki.ca, { notBefore: new Date(Date.now() - 30 * day), notAfter: new Date(Date.now() - day) });
    const future = makeSigner(pki.ca, { notBefore: new Date(Date.now() + day), notAfter: new Date(Date.now() + 30 * day) });
    for (const [signer, word] of [[expired, 'expired'], [future, 'not yet valid']] as const) {
      const r = await verifyCms(padesCms(pki, DATA, { signer, tsa: pki.tsa }), DATA, opts);
      expect(r.integrity.status).toBe('ok');
      expect(r.chain.status).toBe('failed');
      expect((r.chain as { reason: string }).reason).toContain(word);
    }
    // Valid at the claimed time, but without a timestamp it must also be valid now.
    const r = await verifyCms(padesCms(pki, DATA, { signer: expired }), DATA, { ...opts, claimedSigningTime: new Date(Date.now() - 10 * day) });
    expect(r.signingTime.source).toBe('claimed');
    expect(r.chain.status).toBe('failed');
  });

  it('revoked via an embedded CRL signed by the issuing CA', async () => {
    const crl = makeCrl(pki.ca, [{ serial: pki.signer.serial, at: new Date(Date.now() - 3600_000), reason: 1 }]);
    const r = await verifyCms(good, DATA, { ...opts, embeddedCrls: [crl] });
    expect(r.revocation).toMatchObject({ status: 'revoked', source: 'embedded_crl', reason: 'keyCompromise' });
    expect(r.chain.status).toBe('failed');
    expect(r.levelHints.hasEmbeddedRevocation).toBe(true);
    // the same CRL inside the CMS revocationInfoChoices
    const inCms = padesCms(pki, DATA, { tsa: pki.tsa, crls: [crl] });
    expect((await verifyCms(inCms, DATA, opts)).revocation.status).toBe('revoked');
  });

  it('a CRL that does not list the signer → good; a CRL signed by the wrong key is not believed', async () => {
    const clean = makeCrl(pki.ca, []);
    expect((await verifyCms(good, DATA, { ...opts, embeddedCrls: [clean] })).revocation).toMatchObject({ status: 'good', source: 'embedded_crl' });
    const forged = makeCrl(pki.ca, [{ serial: pki.signer.serial, at: new Date(Date.now() - 3600_000) }], { signKey: newKey().privateKey });
    const r = await verifyCms(good, DATA, { ...opts, embeddedCrls: [forged] });
    expect(r.revocation.status).toBe('unknown');
    expect(r.chain.status).toBe('ok');
  });

  it('revoked after a trusted timestamp → still good at signing, revokedAt reported', async () => {
    // Whole seconds: a CRL's revocationDate has no fraction.
    const at = new Date(Math.floor(Date.now() / 1000) * 1000 + 60_000);
    const crl = makeCrl(pki.ca, [{ serial: pki.signer.serial, at }], { thisUpdate: new Date(Date.now() + 61_000) });
    const r = await verifyCms(good, DATA, { ...opts, embeddedCrls: [crl] });
    expect(r.revocation.status).toBe('good');
    expect(r.revocation.revokedAt).toBe(at.toISOString());
    expect(r.revocation.reason).toContain('after the trusted signing time');
    expect(r.chain.status).toBe('ok');
  });

  it('an issuing CA the root revoked before the signature takes the signature with it; revoked later, a stated weakness', async () => {
    const before = makeCrl(pki.root, [{ serial: pki.ca.serial, at: new Date(Date.now() - 3600_000), reason: 2 }]);
    const r = await verifyCms(good, DATA, { ...opts, embeddedCrls: [before, makeCrl(pki.ca, [])] });
    expect(r.revocation.status).toBe('good');
    expect(r.chain).toMatchObject({ status: 'failed', trusted: true });
    expect((r.chain as { reason: string }).reason).toMatch(/^CA certificate CN=Test Water Issuing CA,O=Test Water PKI,C=CN revoked at \S+ \(cACompromise\)$/);

    const later = makeCrl(pki.root, [{ serial: pki.ca.serial, at: new Date(Date.now() + 60_000) }], { thisUpdate: new Date(Date.now() + 61_000) });
    const r2 = await verifyCms(good, DATA, { ...opts, embeddedCrls: [later] });
    expect(r2.chain.status).toBe('ok');
    expect(r2.weaknesses.join(' ')).toMatch(/CA certificate CN=Test Water Issuing CA,O=Test Water PKI,C=CN revoked at \S+, after the trusted signing time/);
  });

  it('revocation through OCSP (CA-signed and delegated responder; a rogue responder is ignored)', async () => {
    const direct = makeOcsp(pki.ca, pki.signer, 'revoked', { revokedAt: new Date(Date.now() - 3600_000) });
    expect((await verifyCms(good, DATA, { ...opts, embeddedOcsps: [direct] })).revocation).toMatchObject({ status: 'revoked', source: 'embedded_ocsp' });
    const responder = makeCert({ subject: [['CN', 'Test Water OCSP']], issuer: pki.ca, ca: false, keyUsage: ['digitalSignature'], eku: { purposes: [EKU_OCSP_SIGNING], critical: false } });
    const delegated = makeOcsp(pki.ca, pki.signer, 'good', { responder });
    expect((await verifyCms(good, DATA, { ...opts, embeddedOcsps: [delegated] })).revocation).toMatchObject({ status: 'good', source: 'embedded_ocsp' });
    const rogue = makeCert({ subject: [['CN', 'Rogue OCSP']], issuer: pki.ca, ca: false, keyUsage: ['digitalSignature'] }); // no OCSPSigning EKU
    const bad = makeOcsp(pki.ca, pki.signer, 'good', { responder: rogue });
    expect((await verifyCms(good, DATA, { ...opts, embeddedOcsps: [bad] })).revocation.status).toBe('unknown');
  });

  it('revoked via the RevocationSource (the service PKI database)', async () => {
    const calls: Buffer[] = [];
    const source = {
      async status(cert: Buffer, issuer: Buffer): Promise<RevocationAnswer> {
        calls.push(cert);
        expect(issuer.equals(pki.ca.der)).toBe(true);
        return { status: 'revoked', source: 'local', revokedAt: new Date(Date.now() - 86400_000).toISOString(), reason: 'keyCompromise' };
      },
    };
    const r = await verifyCms(good, DATA, { ...opts, revocation: source });
    expect(calls[0].equals(pki.signer.der)).toBe(true);
    expect(r.revocation).toMatchObject({ status: 'revoked', source: 'local' });
    expect(r.chain.status).toBe('failed');
  });

  it('timestamp token over a different imprint is invalid; signing time falls back to the claimed one', async () => {
    const cms = padesCms(pki, DATA, { tsa: pki.tsa, tsaImprint: sha('sha256', Buffer.from('something else')) });
    const claimed = new Date(Date.now() - 60_000);
    const r = await verifyCms(cms, DATA, { ...opts, claimedSigningTime: claimed });
    expect(r.timestamp).toMatchObject({ present: true, valid: false });
    expect(r.signingTime).toEqual({ value: claimed.toISOString(), source: 'claimed' });
    expect(r.levelHints.hasSignatureTimestamp).toBe(false);
    expect(r.integrity.status).toBe('ok');
  });

  it('a TSA certificate without EKU timeStamping makes the token invalid', async () => {
    const plain = makeCert({ subject: [['CN', 'Not a TSA']], issuer: pki.ca, ca: false, keyUsage: ['digitalSignature'] });
    const r = await verifyCms(padesCms(pki, DATA, { tsa: plain }), DATA, opts);
    expect(r.timestamp).toMatchObject({ present: true, valid: false });
  });

  it('SHA-1 digest, ESS v1 / missing, short RSA keys are weaknesses', async () => {
    const r = await verifyCms(padesCms(pki, DATA, { digest: 'sha1', ess: 'v1' }), DATA, opts);
    expect(r.integrity.status).toBe('ok');
    expect(r.digestAlgorithm).toBe('SHA-1');
    expect(r.signingCertificateAttribute).toBe('v1');
    expect(r.weaknesses).toContain('digest SHA-1 is not acceptable');
    const none = await verifyCms(padesCms(pki, DATA, { ess: 'none' }), DATA, opts);
    expect(none.signingCertificateAttribute).toBe('missing');
    expect(none.weaknesses).toContain('no signing-certificate attribute');
    const weak = makeSigner(pki.ca, { keyType: 'rsa1024' });
    const w = await verifyCms(padesCms(pki, DATA, { signer: weak }), DATA, opts);
    expect(w.weaknesses.some((x) => x.startsWith('RSA key under 2048 bits'))).toBe(true);
  });

  it('ESS attribute naming another certificate → mismatch', async () => {
    const other = makeSigner(pki.ca);
    const cms = padesCms(pki, DATA, { ess: 'none', extraSignedAttrs: [attr('1.2.840.113549.1.9.16.2.47', seq(seq(seq(tlv(0x04, sha('sha256', other.der))))))] });
    expect((await verifyCms(cms, DATA, opts)).signingCertificateAttribute).toBe('mismatch');
  });

  it('garbage, truncated, empty and trailing-garbage bytes → CmsFormatError cms_malformed', async () => {
    const inputs = [Buffer.alloc(0), Buffer.from('not a cms at all'), good.subarray(0, good.length >> 1), Buffer.from([0x30, 0x80]), Buffer.concat([good, Buffer.from([1, 2, 3])]), Buffer.alloc(64)];
    for (const input of inputs) {
      const err = await verifyCms(input, DATA, opts).then(() => undefined, (e: unknown) => e);
      expect(err).toBeInstanceOf(CmsFormatError);
      expect((err as CmsFormatError).code).toBe('cms_malformed');
    }
    const notSigned = Buffer.from('300d06092a864886f70d010701a000', 'hex');
    await expect(verifyCms(notSigned, DATA, opts)).rejects.toMatchObject({ code: 'cms_unsupported' });
  });
});

describe('verifyCms: signature algorithms of other tools', () => {
  const altered = () => {
    const b = Buffer.from(DATA);
    b[7] ^= 0x01;
    return b;
  };
  const cases: { name: string; keyType: KeyType; digest: Digest; method: (key: KeyObject) => SignatureMethod; algorithm: string; digestName: string }[] = [
    { name: 'RSASSA-PSS SHA-256, salt 32 (RSA key)', keyType: 'rsa', digest: 'sha256', method: (k) => methods.pss(k, { hash: 'sha256', saltLength: 32 }), algorithm: 'RSASSA-PSS', digestName: 'SHA-256' },
    { name: 'RSASSA-PSS SHA-384, salt 0 (RSA key)', keyType: 'rsa', digest: 'sha384', method: (k) => methods.pss(k, { hash: 'sha384', saltLength: 0 }), algorithm: 'RSASSA-PSS', digestName: 'SHA-384' },
    { name: 'RSASSA-PSS SHA-256 with an id-RSASSA-PSS key', keyType: 'rsa-pss', digest: 'sha256', method: (k) => methods.pss(k, { hash: 'sha256', saltLength: 32 }), algorithm: 'RSASSA-PSS', digestName: 'SHA-256' },
    { name: 'ecdsa-plain-SHA256 (P-256)', keyType: 'ec', digest: 'sha256', method: (k) => methods.plainEcdsa(k, 'sha256'), algorithm: 'ECDSA-plain-SHA256', digestName: 'SHA-256' },
    { name: 'ecdsa-plain-SHA384 (P-384)', keyType: 'ec384', digest: 'sha384', method: (k) => methods.plainEcdsa(k, 'sha384'), algorithm: 'ECDSA-plain-SHA384', digestName: 'SHA-384' },
    { name: 'ecdsa-plain-SHA512 (P-256)', keyType: 'ec', digest: 'sha512', method: (k) => methods.plainEcdsa(k, 'sha512'), algorithm: 'ECDSA-plain-SHA512', digestName: 'SHA-512' },
    { name: 'ecdsa-plain-SHA3-256', keyType: 'ec', digest: 'sha3-256', method: (k) => methods.plainEcdsa(k, 'sha3-256'), algorithm: 'ECDSA-plain-SHA3-256', digestName: 'SHA3-256' },
    { name: 'ecdsa-plain-SHA3-384', keyType: 'ec384', digest: 'sha3-384', method: (k) => methods.plainEcdsa(k, 'sha3-384'), algorithm: 'ECDSA-plain-SHA3-384', digestName: 'SHA3-384' },
    { name: 'ecdsa-plain-SHA3-512', keyType: 'ec', digest: 'sha3-512', method: (k) => methods.plainEcdsa(k, 'sha3-512'), algorithm: 'ECDSA-plain-SHA3-512', digestName: 'SHA3-512' },
    { name: 'ecdsa-with-SHA3-256', keyType: 'ec', digest: 'sha3-256', method: (k) => methods.default(k, 'sha3-256'), algorithm: 'ECDSA-SHA3-256', digestName: 'SHA3-256' },
    { name: 'id-rsassa-pkcs1-v1_5-with-sha3-512', keyType: 'rsa', digest: 'sha3-512', method: (k) => methods.default(k, 'sha3-512'), algorithm: 'RSA-SHA3-512', digestName: 'SHA3-512' },
    { name: 'DSA with SHA-256 (2048/256)', keyType: 'dsa', digest: 'sha256', method: (k) => methods.default(k, 'sha256'), algorithm: 'DSA-SHA256', digestName: 'SHA-256' },
    { name: 'Ed25519 with SHA-512 (RFC 8419)', keyType: 'ed25519', digest: 'sha512', method: (k) => methods.eddsa(k), algorithm: 'Ed25519', digestName: 'SHA-512' },
    { name: 'Ed448 with SHAKE256 (RFC 8419)', keyType: 'ed448', digest: 'shake256', method: (k) => methods.eddsa(k), algorithm: 'Ed448', digestName: 'SHAKE256' },
  ];

  it.each(cases)('$name: valid; one changed signed byte or signature byte → failed', async (c) => {
    const p = makePki({ signerKeyType: c.keyType });
    const o = { trustAnchors: [p.root.der] };
    const cms = padesCms(p, DATA, { digest: c.digest, method: c.method(p.signer.key), tsa: p.tsa });
    const r = await verifyCms(cms, DATA, o);
    expect(r.integrity).toEqual({ status: 'ok', messageDigestMatches: true, signatureValid: true });
    expect(r.signatureAlgorithm).toBe(c.algorithm);
    expect(r.digestAlgorithm).toBe(c.digestName);
    expect(r.chain).toMatchObject({ status: 'ok', trusted: true });
    expect(r.signingCertificateAttribute).toBe('v2');
    expect(r.weaknesses).toEqual([]);
    expect((await verifyCms(cms, altered(), o)).integrity).toEqual({ status: 'failed', reason: 'messageDigest does not match the signed bytes', messageDigestMatches: false, signatureValid: true });
    const broken = padesCms(p, DATA, { digest: c.digest, method: c.method(p.signer.key), tamperSignature: true });
    expect((await verifyCms(broken, DATA, o)).integrity).toMatchObject({ status: 'failed', messageDigestMatches: true, signatureValid: false });
  });

  it('Ed448 with id-shake256-len (RFC 8419 §3.1): 512 bits verifies, another length is named unsupported', async () => {
    const p = makePki({ signerKeyType: 'ed448' });
    const shakeLen = (bits: number) => seq(oid('2.16.840.1.101.3.4.2.18'), tlv(0x02, Buffer.from([bits >> 8, bits & 0xff])));
    const make = (bits: number) =>
      signedDataContentInfo({
        signer: p.signer, certs: [p.signer.der, p.ca.der], digest: 'shake256', digestAlgorithm: shakeLen(bits),
        signedAttrs: [attr(OIDS.contentType, oid(OIDS.data)), attr(OIDS.messageDigest, octets(sha('shake256', DATA))), essV2(p.signer)],
      });
    const r = await verifyCms(make(512), DATA, { trustAnchors: [p.root.der] });
    expect(r).toMatchObject({ digestAlgorithm: 'SHAKE256', signatureAlgorithm: 'Ed448', integrity: { status: 'ok', messageDigestMatches: true, signatureValid: true } });
    expect((await verifyCms(make(512), altered(), { trustAnchors: [p.root.der] })).integrity.status).toBe('failed');
    expect((await verifyCms(make(256), DATA, { trustAnchors: [p.root.der] })).integrity).toEqual({
      status: 'unknown', reason: 'unsupported digest algorithm SHAKE256 with a 256-bit output (2.16.840.1.101.3.4.2.18)',
    });
  });

  it('Ed25519 over a SHA-256 messageDigest verifies, with the RFC 8419 digest named as a weakness', async () => {
    const p = makePki({ signerKeyType: 'ed25519' });
    const r = await verifyCms(padesCms(p, DATA, { digest: 'sha256' }), DATA, { trustAnchors: [p.root.der] });
    expect(r.integrity.status).toBe('ok');
    expect(r.weaknesses).toEqual(['Ed25519 with digest SHA-256: RFC 8419 requires SHA-512']);
  });

  it('EdDSA without signed attributes signs the content itself', async () => {
    const p = makePki({ signerKeyType: 'ed25519' });
    const cms = signedDataContentInfo({ signer: p.signer, certs: [p.signer.der, p.ca.der], digest: 'sha512', content: DATA });
    const r = await verifyCms(cms, DATA, { trustAnchors: [p.root.der] });
    expect(r.integrity).toEqual({ status: 'ok', signatureValid: true });
    expect((await verifyCms(cms, altered(), { trustAnchors: [p.root.der] })).integrity).toMatchObject({ status: 'failed', signatureValid: false });
  });

  it('RSASSA-PSS with the RFC 4055 default parameters (SHA-1) verifies, and SHA-1 is named a weakness', async () => {
    const p = makePki({ signerKeyType: 'rsa' });
    const defaults: SignatureMethod = {
      algorithm: seq(oid(OIDS.rsassaPss), seq()),
      sign: (data) => cryptoSign('sha1', data, { key: p.signer.key, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: 20 }),
    };
    const r = await verifyCms(padesCms(p, DATA, { method: defaults }), DATA, { trustAnchors: [p.root.der] });
    expect(r.integrity.status).toBe('ok');
    expect(r.weaknesses).toContain('signature algorithm RSASSA-PSS is not acceptable');
  });

  it('a key of another type than the algorithm names never verifies', async () => {
    const p = makePki({ signerKeyType: 'ec' });
    const edKey = newKey('ed25519').privateKey;
    const r = await verifyCms(padesCms(p, DATA, { method: methods.eddsa(edKey) }), DATA, { trustAnchors: [p.root.der] });
    expect(r.integrity).toMatchObject({ status: 'failed', signatureValid: false });
    // DER-encoded ECDSA under the plain (r || s) OID is not accepted either
    const der: SignatureMethod = { ...methods.plainEcdsa(p.signer.key, 'sha256'), sign: (data) => cryptoSign('sha256', data, { key: p.signer.key, dsaEncoding: 'der' }) };
    expect((await verifyCms(padesCms(p, DATA, { method: der }), DATA, { trustAnchors: [p.root.der] })).integrity).toMatchObject({ status: 'failed', signatureValid: false });
  });

  it('what node:crypto cannot check is named and unknown, never failed or ok', async () => {
    const unsupported: [SignatureMethod, string][] = [
      [methods.opaque('1.2.156.10197.1.501'), 'SM2-with-SM3 (1.2.156.10197.1.501)'],
      [methods.opaque('1.2.643.7.1.1.3.2'), 'GOST R 34.10-2012 (256 bit) (1.2.643.7.1.1.3.2)'],
      [methods.opaque('1.2.3.4.5.6'), '1.2.3.4.5.6'],
      [methods.pss(pki.signer.key, { hash: 'sha256', mgfHash: 'sha1', saltLength: 32 }), 'RSASSA-PSS (SHA256, MGF1-SHA1, salt 32, trailer 1) (1.2.840.113549.1.1.10)'],
    ];
    for (const [method, label] of unsupported) {
      const r = await verifyCms(padesCms(pki, DATA, { method }), DATA, opts);
      expect(r.integrity).toEqual({ status: 'unknown', reason: `unsupported signature algorithm ${label}`, messageDigestMatches: true });
      expect(r.signatureAlgorithm).toBe(label);
    }
    const gostDigest = signedDataContentInfo({
      signer: pki.signer, certs: [pki.signer.der, pki.ca.der], digest: 'sha256', digestAlgorithm: seq(oid('1.2.643.7.1.1.2.2')),
      signedAttrs: [attr(OIDS.contentType, oid(OIDS.data)), attr(OIDS.messageDigest, octets(sha('sha256', DATA)))],
    });
    const g = await verifyCms(gostDigest, DATA, opts);
    expect(g.integrity).toEqual({ status: 'unknown', reason: 'unsupported digest algorithm GOST R 34.11-2012 (256 bit) (1.2.643.7.1.1.2.2)' });
  });

  it('certificate chains signed with Ed25519, Ed448, RSASSA-PSS, plain ECDSA and ECDSA-SHA3', async () => {
    const chains: { root: KeyType; ca: KeyType; caMethod: (k: KeyObject) => SignatureMethod; signer: KeyType; signerMethod: (k: KeyObject) => SignatureMethod }[] = [
      { root: 'ed25519', ca: 'rsa-pss', caMethod: methods.eddsa, signer: 'ec', signerMethod: (k) => methods.pss(k, { hash: 'sha256', saltLength: 32 }) },
      { root: 'ed448', ca: 'ec384', caMethod: methods.eddsa, signer: 'rsa', signerMethod: (k) => methods.plainEcdsa(k, 'sha3-384') },
      { root: 'rsa', ca: 'ec', caMethod: (k) => methods.pss(k, { hash: 'sha512', saltLength: 64 }), signer: 'ed25519', signerMethod: (k) => methods.default(k, 'sha3-256') },
    ];
    for (const c of chains) {
      const label = `${c.root} → ${c.ca} → ${c.signer}`;
      const root = makeCert({ subject: [['CN', `Alt Root ${c.root}`]], keyType: c.root, ca: true, keyUsage: ['keyCertSign', 'cRLSign'] });
      const caKey = newKey(c.ca);
      const ca = makeCert({ subject: [['CN', `Alt CA ${c.ca}`]], key: caKey, issuer: root, method: c.caMethod(root.key), ca: true, keyUsage: ['keyCertSign', 'cRLSign'] });
      const signer = makeSigner(ca, { keyType: c.signer, method: c.signerMethod(ca.key) });
      const r = await verifyCms(padesCms({ root, ca, signer, tsa: pki.tsa }, DATA), DATA, { trustAnchors: [root.der] });
      expect(r.integrity.status, label).toBe('ok');
      expect(r.chain, label).toMatchObject({ status: 'ok', trusted: true });
      expect(r.chain.path.length, label).toBe(3);
      // the same chain with one byte of the CA's signature changed: no path
      const badCa = Buffer.from(ca.der);
      badCa[badCa.length - 2] ^= 0x01;
      const broken = await verifyCms(padesCms({ root, ca, signer, tsa: pki.tsa }, DATA, { certs: [signer.der, badCa] }), DATA, { trustAnchors: [root.der] });
      expect(broken.chain, label).toMatchObject({ status: 'failed', trusted: false });
    }
  });

  it('a certificate signed with an algorithm node:crypto cannot check: unknown chain with the algorithm named', async () => {
    const signer = makeSigner(pki.ca, { method: methods.opaque('1.2.156.10197.1.501') });
    const r = await verifyCms(padesCms(pki, DATA, { signer }), DATA, opts);
    expect(r.integrity.status).toBe('ok');
    expect(r.chain).toEqual({
      status: 'unknown', trusted: false, path: [r.signer],
      reason: 'the signature of CN=张三,serialNumber=91330100MA2B3C4D5E,O=滨江水务有限公司,C=CN cannot be checked: unsupported signature algorithm SM2-with-SM3 (1.2.156.10197.1.501)',
    });
  });

  it('openssl cms -sign with RSASSA-PSS (SHA-384, salt = digest length) and RSA with SHA3-512', async () => {
    const p = makePki({ signerKeyType: 'rsa' });
    const pss = opensslCms(p.signer, [p.ca.der], DATA, ['-md', 'sha384', '-keyopt', 'rsa_padding_mode:pss', '-keyopt', 'rsa_pss_saltlen:digest']);
    expect(pss.includes(Buffer.from([0xa2, 0x03, 0x02, 0x01, 48]))).toBe(true); // saltLength [2] INTEGER 48
    const r = await verifyCms(pss, DATA, { trustAnchors: [p.root.der] });
    expect(r).toMatchObject({ signatureAlgorithm: 'RSASSA-PSS', digestAlgorithm: 'SHA-384', integrity: { status: 'ok', signatureValid: true }, chain: { status: 'ok' } });
    const sha3 = await verifyCms(opensslCms(p.signer, [p.ca.der], DATA, ['-md', 'sha3-512']), DATA, { trustAnchors: [p.root.der] });
    expect(sha3).toMatchObject({ signatureAlgorithm: 'RSA-SHA3-512', digestAlgorithm: 'SHA3-512', integrity: { status: 'ok', signatureValid: true } });
    // openssl can mask with MGF1-SHA-1 under SHA-256; node:crypto cannot check that combination.
    const mgf = opensslCms(p.signer, [p.ca.der], DATA, ['-keyopt', 'rsa_padding_mode:pss', '-keyopt', 'rsa_mgf1_md:sha1', '-keyopt', 'rsa_pss_saltlen:32']);
    const u = await verifyCms(mgf, DATA, { trustAnchors: [p.root.der] });
    expect(u.integrity).toEqual({ status: 'unknown', reason: 'unsupported signature algorithm RSASSA-PSS (SHA256, MGF1-SHA1, salt 32, trailer 1) (1.2.840.113549.1.1.10)', messageDigestMatches: true });
  });
});

describe('verifyCms: ESS signing-certificate attributes', () => {
  it('v1 and v2 both naming the signer: v2, both reported present, no v1 weakness', async () => {
    const r = await verifyCms(padesCms(pki, DATA, { ess: 'v2', extraSignedAttrs: [essV1(pki.signer)] }), DATA, opts);
    expect(r.signingCertificateAttribute).toBe('v2');
    expect(r.signingCertificateAttributesPresent).toEqual(['v2', 'v1']);
    expect(r.weaknesses).toEqual([]);
    expect(r.integrity.status).toBe('ok');
  });

  it('either one naming another certificate: mismatch', async () => {
    const other = makeSigner(pki.ca);
    const v1Wrong = await verifyCms(padesCms(pki, DATA, { ess: 'v2', extraSignedAttrs: [essV1(other)] }), DATA, opts);
    expect(v1Wrong.signingCertificateAttribute).toBe('mismatch');
    expect(v1Wrong.signingCertificateAttributesPresent).toEqual(['v2', 'v1']);
    const v2Wrong = await verifyCms(padesCms(pki, DATA, { ess: 'v1', extraSignedAttrs: [essV2(other)] }), DATA, opts);
    expect(v2Wrong.signingCertificateAttribute).toBe('mismatch');
  });

  it('one attribute only: v1 or v2 as before', async () => {
    const v1 = await verifyCms(padesCms(pki, DATA, { ess: 'v1' }), DATA, opts);
    expect([v1.signingCertificateAttribute, v1.signingCertificateAttributesPresent]).toEqual(['v1', ['v1']]);
    const v2 = await verifyCms(good, DATA, opts);
    expect([v2.signingCertificateAttribute, v2.signingCertificateAttributesPresent]).toEqual(['v2', ['v2']]);
    const none = await verifyCms(padesCms(pki, DATA, { ess: 'none' }), DATA, opts);
    expect([none.signingCertificateAttribute, none.signingCertificateAttributesPresent]).toEqual(['missing', []]);
  });
});

describe('verifyCms: certificate policy constraints in CA certificates (RFC 5280 §4.2.1.11, §4.2.1.14)', () => {
  const POLICY = '1.2.156.112233.1.1';
  const policies = (...oids: string[]) => extension(OIDS.certificatePolicies, false, seq(...oids.map((o) => seq(oid(o)))));
  const requireExplicit = (n: number) => extension(OIDS.policyConstraints, true, seq(tlv(0x80, Buffer.from([n]))));
  const inhibitAny = (n: number) => extension(OIDS.inhibitAnyPolicy, true, tlv(0x02, Buffer.from([n])));
  const caWith = (extensions: Buffer[]) =>
    makeCert({ subject: [['CN', 'Policy CA']], issuer: pki.root, ca: true, keyUsage: ['keyCertSign', 'cRLSign'], extensions });
  const strictCa = () => caWith([policies(OIDS.anyPolicy), requireExplicit(0), inhibitAny(0)]);
  const run = async (ca: Party, leafPolicies?: string[]) => {
    const signer = makeSigner(ca, { extensions: leafPolicies ? [policies(...leafPolicies)] : [] });
    const r = await verifyCms(padesCms({ ...pki, ca, signer }, DATA), DATA, opts);
    return { r, signer, ca };
  };
  /** openssl's own RFC 5280 policy check on the same certificates, as a second opinion (with the RFC's default user policy set, anyPolicy) */
  const opensslAccepts = (ca: Party, signer: Party) => {
    const d = mkdtempSync(join(tmpdir(), 'policy-'));
    writeFileSync(join(d, 'root.pem'), pem(pki.root.der));
    writeFileSync(join(d, 'ca.pem'), pem(ca.der));
    writeFileSync(join(d, 'leaf.pem'), pem(signer.der));
    return spawnSync('openssl', ['verify', '-policy_check', '-policy', OIDS.anyPolicy, '-CAfile', 'root.pem', '-untrusted', 'ca.pem', 'leaf.pem'], { cwd: d }).status === 0;
  };

  it('requireExplicitPolicy 0 and inhibitAnyPolicy 0, critical, with a leaf asserting a policy: chain ok', async () => {
    const { r, ca, signer } = await run(strictCa(), [POLICY]);
    expect(r.chain).toMatchObject({ status: 'ok', trusted: true });
    expect(opensslAccepts(ca, signer)).toBe(true);
  });

  it('the same CA over a leaf without certificatePolicies, or with only anyPolicy: chain failed', async () => {
    for (const leafPolicies of [undefined, [OIDS.anyPolicy]]) {
      const { r, ca, signer } = await run(strictCa(), leafPolicies);
      expect(r.chain).toMatchObject({ status: 'failed', trusted: true });
      expect((r.chain as { reason: string }).reason).toBe(
        'no certificate policy is valid for the path down to CN=张三,serialNumber=91330100MA2B3C4D5E,O=滨江水务有限公司,C=CN, but CN=Policy CA requires an explicit policy (policyConstraints, RFC 5280 §6.1)',
      );
      expect(opensslAccepts(ca, signer)).toBe(false);
    }
  });

  it('requireExplicitPolicy counts the certificates below the CA: 2 leaves a policy-less leaf free, 1 does not', async () => {
    const free = await run(caWith([policies(OIDS.anyPolicy), requireExplicit(2)]));
    expect(free.r.chain).toMatchObject({ status: 'ok', trusted: true });
    expect(opensslAccepts(free.ca, free.signer)).toBe(true);
    const bound = await run(caWith([policies(OIDS.anyPolicy), requireExplicit(1)]));
    expect(bound.r.chain).toMatchObject({ status: 'failed', trusted: true });
    expect(opensslAccepts(bound.ca, bound.signer)).toBe(false);
  });

  it('another unknown critical extension in a CA still fails the chain', async () => {
    const { r } = await run(caWith([inhibitAny(0), extension('1.2.156.112233.9', true, tlv(0x05, Buffer.alloc(0)))]));
    expect(r.chain).toMatchObject({ status: 'failed' });
    expect((r.chain as { reason: string }).reason).toBe('CN=Policy CA has unrecognised critical extensions 1.2.156.112233.9');
  });
});
