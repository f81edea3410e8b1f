// RFC 5652 §5.4–5.6: the messageDigest attribute must equal the digest of the content, and the
// signature over the DER signed attributes must verify with the key of the certificate the sid
// names — not with whatever certificate happens to be first in the bag.
import { createHash } from 'node:crypto';
import { describeDigest, digestName, digestOf, hash, signatureScheme, verifySignature, type SignatureScheme } from './algorithms.js';
import type { ParsedCert } from './certificates.js';
import { octetString, readOid, readTlv } from './der.js';
import type { ParsedSignerInfo, ParsedSignedData } from './signedData.js';
import type { Check } from './types.js';

const OID_CONTENT_TYPE = '1.2.840.113549.1.9.3';
const OID_MESSAGE_DIGEST = '1.2.840.113549.1.9.4';
// RFC 8419 §3.1: the messageDigest hash that keeps EdDSA's security level.
const EDDSA_DIGEST: Record<string, string> = { Ed25519: 'SHA-512', Ed448: 'SHAKE256' };

export interface IntegrityOutcome {
  signerCert?: ParsedCert;
  digestAlgorithm: string;
  scheme: SignatureScheme;
  integrity: Check & { messageDigestMatches?: boolean; signatureValid?: boolean };
  weaknesses: string[];
}

/** Certificates the sid designates. More than one can match (same issuer and serial, different key): all are candidates. */
export function certificatesForSid(si: ParsedSignerInfo, pool: ParsedCert[]): ParsedCert[] {
  const sid = si.sid;
  if ('subjectKeyId' in sid) return pool.filter((c) => c.subjectKeyId?.equals(sid.subjectKeyId));
  return pool.filter((c) => c.issuerDer.equals(sid.issuer) && sameInteger(c.serialDer, sid.serial));
}

function sameInteger(integerDer: Buffer, valueBytes: Buffer): boolean {
  const t = readTlv(integerDer, 0);
  return integerDer.subarray(t.start, t.end).equals(valueBytes);
}

function single(si: ParsedSignerInfo, oid: string): Buffer | undefined | null {
  const v = si.signedAttrs.get(oid);
  if (!v || v.length === 0) return undefined;
  return v.length === 1 ? v[0] : null; // null: ambiguous, which RFC 5652 forbids
}

export function checkIntegrity(sd: ParsedSignedData, si: ParsedSignerInfo, signedBytes: Buffer, pool: ParsedCert[]): IntegrityOutcome {
  const weaknesses: string[] = [];
  const digest = digestOf(si.digestAlgorithm);
  const digestAlgorithm = digestName(si.digestAlgorithm.oid);
  const scheme = signatureScheme(si.signatureAlgorithm, digest?.node);
  const candidates = certificatesForSid(si, pool);
  const fail = (reason: string, extra: { messageDigestMatches?: boolean; signatureValid?: boolean } = {}): IntegrityOutcome => ({
    signerCert: candidates[0], digestAlgorithm, scheme, weaknesses, integrity: { status: 'failed', reason, ...extra },
  });
  if (!digest) {
    return { signerCert: candidates[0], digestAlgorithm, scheme, weaknesses, integrity: { status: 'unknown', reason: `unsupported digest algorithm ${describeDigest(si.digestAlgorithm)}` } };
  }

  // Detached CMS signs the caller's bytes; an encapsulated content must itself be those bytes, or
  // (adbe.pkcs7.sha1) their SHA-1.
  let signedContent = signedBytes;
  if (sd.eContent) {
    signedContent = sd.eContent;
    if (!sd.eContent.equals(signedBytes)) {
      if (sd.eContent.length === 20 && sd.eContent.equals(createHash('sha1').update(signedBytes).digest())) {
        weaknesses.push('encapsulated SHA-1 of the signed bytes (adbe.pkcs7.sha1 style)');
      } else return fail('the encapsulated content is not the signed bytes', { messageDigestMatches: false });
    }
  }

  let messageDigestMatches: boolean | undefined;
  let signedData: Buffer;
  if (si.signedAttrsDer) {
    const md = single(si, OID_MESSAGE_DIGEST);
    const ct = single(si, OID_CONTENT_TYPE);
    if (md === undefined) return fail('signed attributes lack messageDigest');
    if (md === null || ct === null) return fail('signed attribute present more than once');
    if (ct === undefined) return fail('signed attributes lack contentType');
    if (readOid(ct, readTlv(ct, 0)) !== sd.eContentType) return fail('contentType attribute differs from the encapsulated content type');
    const mdValue = octetString(md, readTlv(md, 0));
    messageDigestMatches = mdValue.equals(hash(digest.node, signedContent));
    signedData = si.signedAttrsDer;
    const eddsaDigest = EDDSA_DIGEST[scheme.name];
    if (eddsaDigest && digest.name !== eddsaDigest) weaknesses.push(`${scheme.name} with digest ${digest.name}: RFC 8419 requires ${eddsaDigest}`);
  } else {
    weaknesses.push('no signed attributes');
    signedData = signedContent;
  }

  if (candidates.length === 0) {
    if (messageDigestMatches === false) return fail('messageDigest does not match the signed bytes', { messageDigestMatches });
    return { digestAlgorithm, scheme, weaknesses, integrity: { status: 'unknown', reason: 'no certificate matches the SignerInfo signer identifier', messageDigestMatches } };
  }
  // The one whose key verifies, if any: a look-alike certificate must not mask the real one, nor the reverse.
  let signerCert = candidates[0];
  let signatureValid: boolean | undefined = false;
  for (const c of candidates) {
    const ok = verifySignature(scheme, signedData, si.signature, c.publicKey);
    if (ok) {
      signerCert = c;
      signatureValid = true;
      break;
    }
    if (ok === undefined) signatureValid = undefined;
  }
  if (messageDigestMatches === false) {
    return { signerCert, digestAlgorithm, scheme, weaknesses, integrity: { status: 'failed', reason: 'messageDigest does not match the signed bytes', messageDigestMatches, signatureValid } };
  }
  if (signatureValid === undefined) {
    const reason = scheme.supported ? "the signer certificate's public key cannot be read" : `unsupported signature algorithm ${scheme.name}`;
    return { signerCert, digestAlgorithm, scheme, weaknesses, integrity: { status: 'unknown', reason, messageDigestMatches } };
  }
  if (!signatureValid) {
    return { signerCert, digestAlgorithm, scheme, weaknesses, integrity: { status: 'failed', reason: 'signature does not verify with the signer certificate', messageDigestMatches, signatureValid } };
  }
  return { signerCert, digestAlgorithm, scheme, weaknesses, integrity: { status: 'ok', messageDigestMatches, signatureValid } };
}
