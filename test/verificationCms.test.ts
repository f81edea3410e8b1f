import { describe, expect, it, beforeAll } from 'vitest';
import { createCmsVerifier, verifyCms, CmsFormatError, type CmsVerifyOptions, type RevocationAnswer } from '../src/verification/cms/index.js';
import {
  attr, makeCert, makeCrl, makeOcsp, makePki, makeSigner, newKey, opensslCms, padesCms, seq, sha, tlv, EKU_OCSP_SIGNING,
  type Pki,
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
    const crl = makeCrl(pki.ca, [{ serial: pki.signer.serial, at: new Date(Date.now() + 60_000) }], { thisUpdate: new Date(Date.now() + 61_000) });
    const r = await verifyCms(good, DATA, { ...opts, embeddedCrls: [crl] });
    expect(r.revocation.status).toBe('good');
    expect(r.revocation.revokedAt).toBeDefined();
    expect(r.revocation.reason).toContain('after the trusted signing time');
    expect(r.chain.status).toBe('ok');
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

describe('verifyCms: speed', () => {
  it('median time for the good case', async () => {
    const verifier = createCmsVerifier(opts);
    for (let i = 0; i < 20; i++) await verifier.verify(good, DATA);
    const measure = async (f: () => Promise<unknown>) => {
      const t: number[] = [];
      for (let i = 0; i < 200; i++) {
        const s = performance.now();
        await f();
        t.push(performance.now() - s);
      }
      t.sort((a, b) => a - b);
      return { median: t[100], p99: t[197] };
    };
    const a = await measure(() => verifyCms(good, DATA, opts));
    const b = await measure(() => verifier.verify(good, DATA));
    console.log(`verifyCms good case (ECDSA P-256, 3-cert chain, timestamp): median ${a.median.toFixed(3)} ms, p99 ${a.p99.toFixed(3)} ms; createCmsVerifier: median ${b.median.toFixed(3)} ms`);
  });
});
