// checkIntegrity on hand-made CMS (no PDF): the messageDigest over the signed bytes, the signed
// attributes RFC 5652 requires exactly once, the signature value, and which certificate the sid names.
import { createHash } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { parseCertificate, type ParsedCert } from '../src/verification/cms/certificates.js';
import { certificatesForSid, checkIntegrity } from '../src/verification/cms/integrity.js';
import { parseSignedData } from '../src/verification/cms/signedData.js';
import {
  attr, essV2, makePki, makeSigner, methods, octets, oid, padesCms, seq, set, sha, signedDataContentInfo, OIDS,
  type Digest, type Party, type Pki,
} from './helpers/cmsFixtures.js';

const DATA = Buffer.from('the ByteRange bytes of a water supply contract '.repeat(20));
const ALTERED = Buffer.from(DATA.toString().replace('water', 'wine!'));

let pki: Pki;
beforeAll(() => {
  pki = makePki();
});

const cert = (der: Buffer): ParsedCert => parseCertificate(der)!;
/** Parses a CMS and runs checkIntegrity with the CMS certificates (or `pool`) as candidates. */
function run(cms: Buffer, bytes = DATA, pool?: Buffer[]) {
  const sd = parseSignedData(cms);
  return checkIntegrity(sd, sd.signerInfos[0], bytes, (pool ?? sd.certificates).map(cert));
}
const cn = (c: ParsedCert | undefined) => c?.subject.commonName;
const fingerprint = (c: ParsedCert | undefined) => c?.sha256;
const hashOf = (p: Party) => cert(p.der).sha256;

/** Signed attributes as given (not the padesCms set), signed by the pki signer. */
function withAttrs(signedAttrs: Buffer[], o: { eContent?: Buffer; eContentType?: string; digest?: Digest } = {}): Buffer {
  return signedDataContentInfo({ signer: pki.signer, certs: [pki.signer.der, pki.ca.der], signedAttrs, digest: o.digest ?? 'sha256', eContent: o.eContent, eContentType: o.eContentType });
}
const ct = (type = OIDS.data) => attr(OIDS.contentType, oid(type));
const md = (bytes: Buffer, d: Digest = 'sha256') => attr(OIDS.messageDigest, octets(sha(d, bytes)));

/** The certificate with one DER pattern replaced (the certificate signature no longer matters here). */
function patched(der: Buffer, from: string, to: string): Buffer {
  const hex = der.toString('hex');
  expect(hex.split(from).length).toBe(2);
  return Buffer.from(hex.replace(from, to), 'hex');
}
const P256 = '06082a8648ce3d030107';

describe('checkIntegrity: genuine', () => {
  it('a CMS made like ours: ok, digest and scheme named, no weakness, the signer certificate found', () => {
    const r = run(padesCms(pki, DATA));
    expect(r.integrity).toEqual({ status: 'ok', messageDigestMatches: true, signatureValid: true });
    expect(r.digestAlgorithm).toBe('SHA-256');
    expect(r.scheme.name).toBe('ECDSA-SHA256');
    expect(r.weaknesses).toEqual([]);
    expect(fingerprint(r.signerCert)).toBe(hashOf(pki.signer));
  });

  it('one changed signed byte: messageDigest mismatch, though the signature over the attributes verifies', () => {
    const r = run(padesCms(pki, DATA), ALTERED);
    expect(r.integrity).toEqual({ status: 'failed', reason: 'messageDigest does not match the signed bytes', messageDigestMatches: false, signatureValid: true });
    expect(fingerprint(r.signerCert)).toBe(hashOf(pki.signer));
  });

  it('a flipped signature value: signature invalid', () => {
    const r = run(padesCms(pki, DATA, { tamperSignature: true }));
    expect(r.integrity).toEqual({ status: 'failed', reason: 'signature does not verify with the signer certificate', messageDigestMatches: true, signatureValid: false });
    expect(fingerprint(r.signerCert)).toBe(hashOf(pki.signer));
  });

  it('no signed attributes: the signature covers the bytes themselves, a named weakness', () => {
    const cms = signedDataContentInfo({ signer: pki.signer, certs: [pki.signer.der], digest: 'sha256', content: DATA });
    const r = run(cms);
    expect(r.integrity).toEqual({ status: 'ok', signatureValid: true });
    expect(r.weaknesses).toEqual(['no signed attributes']);
    expect(run(cms, ALTERED).integrity).toEqual({ status: 'failed', reason: 'signature does not verify with the signer certificate', signatureValid: false });
  });
});

describe('checkIntegrity: encapsulated content', () => {
  it('an encapsulated copy of the signed bytes is checked like a detached one', () => {
    const cms = withAttrs([ct(), md(DATA)], { eContent: DATA });
    expect(run(cms).integrity).toEqual({ status: 'ok', messageDigestMatches: true, signatureValid: true });
    expect(run(cms).weaknesses).toEqual([]);
  });

  it('an encapsulated content that is not the signed bytes fails before anything else', () => {
    const r = run(withAttrs([ct(), md(ALTERED)], { eContent: ALTERED }));
    expect(r.integrity).toEqual({ status: 'failed', reason: 'the encapsulated content is not the signed bytes', messageDigestMatches: false });
    expect(fingerprint(r.signerCert)).toBe(hashOf(pki.signer));
  });

  it('adbe.pkcs7.sha1: the SHA-1 of the signed bytes encapsulated, its messageDigest over that SHA-1', () => {
    const sha1 = createHash('sha1').update(DATA).digest();
    const r = run(withAttrs([ct(), md(sha1)], { eContent: sha1 }));
    expect(r.integrity).toEqual({ status: 'ok', messageDigestMatches: true, signatureValid: true });
    expect(r.weaknesses).toEqual(['encapsulated SHA-1 of the signed bytes (adbe.pkcs7.sha1 style)']);
    // messageDigest over the bytes themselves is not what was encapsulated
    expect(run(withAttrs([ct(), md(DATA)], { eContent: sha1 })).integrity).toMatchObject({ status: 'failed', messageDigestMatches: false });
    // a 20-byte content that is not the SHA-1 of the bytes
    const other = createHash('sha1').update(ALTERED).digest();
    expect(run(withAttrs([ct(), md(other)], { eContent: other })).integrity).toEqual({ status: 'failed', reason: 'the encapsulated content is not the signed bytes', messageDigestMatches: false });
  });

  it('no signed attributes over an encapsulated SHA-1: the signature covers that SHA-1', () => {
    const sha1 = createHash('sha1').update(DATA).digest();
    const cms = signedDataContentInfo({ signer: pki.signer, certs: [pki.signer.der], digest: 'sha256', eContent: sha1 });
    const r = run(cms);
    expect(r.integrity).toEqual({ status: 'ok', signatureValid: true });
    expect(r.weaknesses).toEqual(['encapsulated SHA-1 of the signed bytes (adbe.pkcs7.sha1 style)', 'no signed attributes']);
  });
});

describe('checkIntegrity: signed attributes', () => {
  const failed = (reason: string) => ({ status: 'failed', reason });
  it.each([
    ['messageDigest missing', () => [ct()], 'signed attributes lack messageDigest'],
    ['messageDigest with no value', () => [ct(), seq(oid(OIDS.messageDigest), set())], 'signed attributes lack messageDigest'],
    ['messageDigest missing, contentType twice', () => [ct(), ct(OIDS.tstInfo)], 'signed attributes lack messageDigest'],
    ['messageDigest twice', () => [ct(), md(DATA), md(ALTERED)], 'signed attribute present more than once'],
    ['messageDigest with two values', () => [ct(), attr(OIDS.messageDigest, octets(sha('sha256', DATA)), octets(sha('sha256', ALTERED)))], 'signed attribute present more than once'],
    ['contentType twice', () => [ct(), ct(OIDS.tstInfo), md(DATA)], 'signed attribute present more than once'],
    ['messageDigest twice, contentType missing', () => [md(DATA), md(ALTERED)], 'signed attribute present more than once'],
    ['contentType missing', () => [md(DATA)], 'signed attributes lack contentType'],
    ['contentType not the encapsulated type', () => [ct(OIDS.tstInfo), md(DATA)], 'contentType attribute differs from the encapsulated content type'],
  ])('%s → failed', (_name, attrs, reason) => {
    const r = run(withAttrs(attrs()));
    expect(r.integrity).toEqual(failed(reason));
    expect(fingerprint(r.signerCert)).toBe(hashOf(pki.signer));
    expect(r.digestAlgorithm).toBe('SHA-256');
  });

  it('a contentType matching a non-data encapsulated type is accepted', () => {
    const r = run(withAttrs([ct(OIDS.tstInfo), md(DATA)], { eContentType: OIDS.tstInfo }));
    expect(r.integrity).toEqual({ status: 'ok', messageDigestMatches: true, signatureValid: true });
  });

  it('an unsupported digest algorithm is unknown, naming it, with the sid certificate still reported', () => {
    const cms = signedDataContentInfo({
      signer: pki.signer, certs: [pki.signer.der], digest: 'sha256', digestAlgorithm: seq(oid('1.2.643.7.1.1.2.2')), signedAttrs: [ct(), md(DATA)],
    });
    const r = run(cms);
    expect(r.integrity).toEqual({ status: 'unknown', reason: 'unsupported digest algorithm GOST R 34.11-2012 (256 bit) (1.2.643.7.1.1.2.2)' });
    expect(r.digestAlgorithm).toBe('1.2.643.7.1.1.2.2');
    expect(fingerprint(r.signerCert)).toBe(hashOf(pki.signer));
    expect(r.weaknesses).toEqual([]);
  });
});

describe('checkIntegrity: EdDSA digests (RFC 8419)', () => {
  it.each([
    ['ed25519', 'sha512', []],
    ['ed25519', 'sha256', ['Ed25519 with digest SHA-256: RFC 8419 requires SHA-512']],
    ['ed448', 'shake256', []],
    ['ed448', 'sha512', ['Ed448 with digest SHA-512: RFC 8419 requires SHAKE256']],
  ] as const)('%s over %s', (keyType, digest, weaknesses) => {
    const p = makePki({ signerKeyType: keyType });
    const r = run(padesCms(p, DATA, { digest }));
    expect(r.integrity).toEqual({ status: 'ok', messageDigestMatches: true, signatureValid: true });
    expect(r.weaknesses).toEqual(weaknesses);
  });

  it('ECDSA over SHA-256 is no EdDSA weakness', () => {
    expect(run(padesCms(pki, DATA, { digest: 'sha512' })).weaknesses).toEqual([]);
  });
});

describe('checkIntegrity: which certificate the sid names', () => {
  it('no certificate matches: unknown, no signer certificate; a digest mismatch still fails', () => {
    const stranger = makeSigner(pki.ca);
    const cms = padesCms(pki, DATA, { certs: [stranger.der, pki.ca.der] });
    const r = run(cms);
    expect(r.integrity).toEqual({ status: 'unknown', reason: 'no certificate matches the SignerInfo signer identifier', messageDigestMatches: true });
    expect(r.signerCert).toBe(undefined);
    const bad = run(cms, ALTERED);
    expect(bad.integrity).toEqual({ status: 'failed', reason: 'messageDigest does not match the signed bytes', messageDigestMatches: false });
    expect(bad.signerCert).toBe(undefined);
  });

  it('a look-alike (same issuer and serial, another key) does not mask the real certificate, in either order', () => {
    const lookalike = makeSigner(pki.ca, { serial: pki.signer.serial });
    for (const certs of [[lookalike.der, pki.signer.der], [pki.signer.der, lookalike.der]]) {
      const r = run(padesCms(pki, DATA, { certs }));
      expect(r.integrity).toEqual({ status: 'ok', messageDigestMatches: true, signatureValid: true });
      expect(fingerprint(r.signerCert)).toBe(hashOf(pki.signer));
    }
    const only = run(padesCms(pki, DATA, { certs: [lookalike.der] }));
    expect(only.integrity).toEqual({ status: 'failed', reason: 'signature does not verify with the signer certificate', messageDigestMatches: true, signatureValid: false });
    expect(fingerprint(only.signerCert)).toBe(hashOf(lookalike));
  });

  it('an unreadable public key: unknown, unless another candidate verifies', () => {
    const unreadable = patched(pki.signer.der, P256, '06082a8648ce3d030199');
    const alone = run(padesCms(pki, DATA), DATA, [unreadable]);
    expect(alone.integrity).toEqual({ status: 'unknown', reason: "the signer certificate's public key cannot be read", messageDigestMatches: true });
    expect(fingerprint(alone.signerCert)).toBe(cert(unreadable).sha256);
    for (const pool of [[unreadable, pki.signer.der], [pki.signer.der, unreadable]]) {
      const r = run(padesCms(pki, DATA), DATA, pool);
      expect(r.integrity).toEqual({ status: 'ok', messageDigestMatches: true, signatureValid: true });
      expect(fingerprint(r.signerCert)).toBe(hashOf(pki.signer));
    }
    // an unreadable key and a look-alike that does not verify: still unknown, never "does not verify"
    const lookalike = makeSigner(pki.ca, { serial: pki.signer.serial });
    expect(run(padesCms(pki, DATA), DATA, [lookalike.der, unreadable]).integrity.status).toBe('unknown');
    expect(run(padesCms(pki, DATA), DATA, [unreadable, lookalike.der]).integrity.status).toBe('unknown');
    // a digest mismatch outranks the unknown key
    expect(run(padesCms(pki, DATA), ALTERED, [unreadable]).integrity).toEqual({ status: 'failed', reason: 'messageDigest does not match the signed bytes', messageDigestMatches: false, signatureValid: undefined });
  });

  it('an unsupported signature algorithm is unknown and named', () => {
    const r = run(padesCms(pki, DATA, { method: methods.opaque('1.2.3.4.5.6') }));
    expect(r.integrity).toEqual({ status: 'unknown', reason: 'unsupported signature algorithm 1.2.3.4.5.6', messageDigestMatches: true });
    expect(fingerprint(r.signerCert)).toBe(hashOf(pki.signer));
  });

  it('certificatesForSid by issuer and serial: neither another serial of the same issuer nor the issuer itself', () => {
    const other = makeSigner(pki.ca);
    const sd = parseSignedData(padesCms(pki, DATA));
    const pool = [pki.ca.der, other.der, pki.root.der, pki.signer.der, pki.tsa.der].map(cert);
    expect(certificatesForSid(sd.signerInfos[0], pool).map(cn)).toEqual(['张三']);
    expect(certificatesForSid(sd.signerInfos[0], pool).map((c) => c.sha256)).toEqual([hashOf(pki.signer)]);
  });

  it('certificatesForSid by subjectKeyIdentifier, a certificate without one never matching', () => {
    const si = parseSignedData(padesCms(pki, DATA)).signerInfos[0];
    // 2.5.29.14 renamed to an unknown extension: the same certificate without a subjectKeyIdentifier
    const noSki = cert(patched(pki.signer.der, '0603551d0e', '0603551d63'));
    expect(noSki.subjectKeyId).toBe(undefined);
    const pool = [noSki, cert(pki.ca.der), cert(pki.signer.der)];
    expect(certificatesForSid({ ...si, sid: { subjectKeyId: pki.signer.ski } }, pool).map((c) => c.sha256)).toEqual([hashOf(pki.signer)]);
    expect(certificatesForSid({ ...si, sid: { subjectKeyId: pki.ca.ski } }, pool).map((c) => c.sha256)).toEqual([hashOf(pki.ca)]);
    const sd = parseSignedData(padesCms(pki, DATA));
    const r = checkIntegrity(sd, { ...sd.signerInfos[0], sid: { subjectKeyId: pki.signer.ski } }, DATA, pool);
    expect(r.integrity).toEqual({ status: 'ok', messageDigestMatches: true, signatureValid: true });
  });
});
