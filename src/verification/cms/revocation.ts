// Revocation evidence for the signer certificate. An embedded CRL or OCSP response is believed
// only after its signature is checked against the issuing CA (or, for OCSP, a responder the CA
// delegated with EKU OCSPSigning): a forged "good" is as easy to embed as a real one.
import { createHash } from 'node:crypto';
import { digestInfo, hash, parseAlgorithmId, signatureScheme, verifySignature } from './algorithms.js';
import { OID_EKU_OCSP_SIGNING, parseCertificate, type ParsedCert } from './certificates.js';
import { isAnchor } from './chain.js';
import { children, content, expectTag, raw, readOid, readTime, readTlv, signedEnvelope, type Tlv } from './der.js';
import type { RevocationAnswer } from './types.js';

const REASONS = ['unspecified', 'keyCompromise', 'cACompromise', 'affiliationChanged', 'superseded', 'cessationOfOperation', 'certificateHold', 'unused', 'removeFromCRL', 'privilegeWithdrawn', 'aACompromise'];
const OID_CRL_REASON = '2.5.29.21';
const OID_OCSP_BASIC = '1.3.6.1.5.5.7.48.1.1';

export interface Evidence {
  status: 'good' | 'revoked' | 'unknown';
  revokedAt?: Date;
  reason?: string;
  /** when the evidence was produced (CRL thisUpdate, OCSP producedAt) */
  producedAt: Date;
}

function serialContent(cert: ParsedCert): Buffer {
  return content(cert.serialDer, readTlv(cert.serialDer, 0));
}

function stripSign(b: Buffer): Buffer {
  let i = 0;
  while (i < b.length - 1 && b[i] === 0) i++;
  return b.subarray(i);
}

/** Status of `cert` according to a CRL, or undefined when the CRL is not one its issuer signed. */
export function evaluateCrl(crlDer: Buffer, cert: ParsedCert, issuer: ParsedCert): Evidence | undefined {
  try {
    const env = signedEnvelope(crlDer);
    const tbs = env.tbs;
    const f = children(tbs, readTlv(tbs, 0));
    let i = f[0]?.tag === 0x02 ? 1 : 0;
    i++; // inner signature algorithm
    const issuerName = raw(tbs, expectTag(f[i++], 0x30, 'CRL issuer'));
    if (!issuerName.equals(issuer.subjectDer)) return undefined;
    if (issuer.keyUsage && !issuer.keyUsage.has('cRLSign')) return undefined;
    const ok = remembered(crlDer, issuer, () => verifySignature(signatureScheme(parseAlgorithmId(env.algorithm)), tbs, env.signature, issuer.publicKey) === true);
    if (!ok) return undefined;
    const thisUpdate = readTime(tbs, f[i++]);
    if (f[i] && (f[i].tag === 0x17 || f[i].tag === 0x18)) i++;
    const serial = stripSign(serialContent(cert));
    if (f[i]?.tag === 0x30) {
      for (const entry of children(tbs, f[i])) {
        const [s, when, exts] = children(tbs, entry);
        if (!stripSign(content(tbs, s)).equals(serial)) continue;
        let reason: string | undefined;
        if (exts) {
          for (const ext of children(tbs, exts)) {
            const parts = children(tbs, ext);
            if (readOid(tbs, parts[0]) !== OID_CRL_REASON) continue;
            const v = content(tbs, parts[parts.length - 1]);
            reason = REASONS[v[v.length - 1]] ?? 'unspecified';
          }
        }
        return { status: 'revoked', revokedAt: readTime(tbs, when), reason, producedAt: thisUpdate };
      }
    }
    return { status: 'good', producedAt: thisUpdate };
  } catch {
    return undefined;
  }
}

/** Status of `cert` from an OCSPResponse, or undefined when it is not an answer its CA (or a delegate) signed. */
export function evaluateOcsp(respDer: Buffer, cert: ParsedCert, issuer: ParsedCert): Evidence | undefined {
  try {
    const top = readTlv(respDer, 0);
    const [status, bytes] = children(respDer, top);
    if (content(respDer, status)[0] !== 0 || !bytes) return undefined;
    const [type, octets] = children(respDer, children(respDer, bytes)[0]);
    if (readOid(respDer, type) !== OID_OCSP_BASIC) return undefined;
    const basic = Buffer.from(content(respDer, octets));
    const env = signedEnvelope(basic);
    const tbs = env.tbs;
    const f = children(tbs, readTlv(tbs, 0));
    let i = f[0]?.tag === 0xa0 ? 1 : 0;
    i++; // responderID
    const producedAt = readTime(tbs, f[i++]);
    const serial = stripSign(serialContent(cert));
    // A document's DSS holds answers for every signer: find the one about this certificate first, and
    // check a signature only for it.
    const single = children(tbs, expectTag(f[i], 0x30, 'responses')).find((r) => certIdMatches(tbs, children(tbs, r)[0], cert, issuer, serial));
    if (!single || !ocspSignedFor(respDer, basic, env, issuer)) return undefined;
    const certStatus = children(tbs, single)[1];
    if (certStatus.tag === 0x80) return { status: 'good', producedAt };
    if (certStatus.tag === 0xa1) {
      const [when, reasonTlv] = children(tbs, certStatus);
      let reason: string | undefined;
      if (reasonTlv?.tag === 0xa0) {
        const v = content(tbs, children(tbs, reasonTlv)[0]);
        reason = REASONS[v[v.length - 1]] ?? 'unspecified';
      }
      return { status: 'revoked', revokedAt: readTime(tbs, when), reason, producedAt };
    }
    return { status: 'unknown', producedAt };
  } catch {
    return undefined;
  }
}

/**
 * Whether the issuer, or a responder it delegated (RFC 6960 §4.2.2.2: issued by the CA itself, with EKU
 * OCSPSigning), signed the response. Remembered per response and issuer: the same DSS answers are
 * checked for every signature of a document.
 */
function ocspSignedFor(respDer: Buffer, basic: Buffer, env: ReturnType<typeof signedEnvelope>, issuer: ParsedCert): boolean {
  return remembered(respDer, issuer, () => {
    const scheme = signatureScheme(parseAlgorithmId(env.algorithm));
    if (verifySignature(scheme, env.tbs, env.signature, issuer.publicKey) === true) return true;
    if (env.rest[0]?.tag !== 0xa0) return false;
    const certsSeq = children(basic, env.rest[0])[0];
    for (const c of children(basic, certsSeq).slice(0, 10)) {
      const responder = parseCertificate(raw(basic, c));
      if (!responder || !responder.namesIssuer(issuer) || responder.signedBy(issuer) !== true) continue;
      if (!responder.extKeyUsage?.purposes.includes(OID_EKU_OCSP_SIGNING)) continue;
      if (verifySignature(scheme, env.tbs, env.signature, responder.publicKey) === true) return true;
    }
    return false;
  });
}

/** Signature checks of CRLs and OCSP responses, by the evidence's bytes and the issuer's key. */
const checked = new Map<string, boolean>();
const MAX_REMEMBERED = 512;
function remembered(evidence: Buffer, issuer: ParsedCert, check: () => boolean): boolean {
  const key = `${createHash('sha256').update(evidence).update(issuer.publicKeyBits).digest('base64')}`;
  let ok = checked.get(key);
  if (ok === undefined) {
    ok = check();
    if (checked.size >= MAX_REMEMBERED) checked.delete(checked.keys().next().value!);
    checked.set(key, ok);
  }
  return ok;
}

function certIdMatches(b: Buffer, certId: Tlv, cert: ParsedCert, issuer: ParsedCert, serial: Buffer): boolean {
  const [alg, nameHash, keyHash, s] = children(b, certId);
  if (!stripSign(content(b, s)).equals(serial)) return false;
  const d = digestInfo(readOid(b, children(b, alg)[0]));
  if (!d) return false;
  return content(b, nameHash).equals(hash(d.node, issuer.subjectDer)) && content(b, keyHash).equals(hash(d.node, issuer.publicKeyBits));
}

const answers = (e: Evidence | undefined) => !!e && e.status !== 'unknown';

/**
 * The certificates of a path, short of its trust anchor (or self-signed end), that no CRL or OCSP
 * response at hand answers for with their issuer's signature: what PAdES B-LT still lacks (ETSI EN
 * 319 142-1 §5.4 wants the validation data of every certificate a validator has to check).
 */
export function withoutRevocationData(path: ParsedCert[], anchors: ParsedCert[], crls: Buffer[], ocsps: Buffer[]): ParsedCert[] {
  return path.filter((cert, i) => {
    const issuer = path[i + 1];
    if (isAnchor(cert, anchors) || (!issuer && cert.selfIssued)) return false;
    if (!issuer) return true;
    return !crls.some((c) => answers(evaluateCrl(c, cert, issuer))) && !ocsps.some((o) => answers(evaluateOcsp(o, cert, issuer)));
  });
}

/** A verified revocation wins (revocation is final; a stale "good" cannot undo it); otherwise the newest answer. */
export function bestEvidence(items: (Evidence | undefined)[]): Evidence | undefined {
  const known = items.filter((e): e is Evidence => !!e);
  const revoked = known.filter((e) => e.status === 'revoked').sort((x, y) => (x.revokedAt?.getTime() ?? 0) - (y.revokedAt?.getTime() ?? 0));
  if (revoked.length) return revoked[0];
  const good = known.filter((e) => e.status === 'good').sort((x, y) => y.producedAt.getTime() - x.producedAt.getTime());
  return good[0] ?? known[0];
}

export function toAnswer(e: Evidence, source: RevocationAnswer['source']): RevocationAnswer {
  return {
    status: e.status,
    source,
    ...(e.revokedAt ? { revokedAt: e.revokedAt.toISOString() } : {}),
    ...(e.reason ? { reason: e.reason } : {}),
    checkedAt: e.producedAt.toISOString(),
  };
}

/**
 * Applies the signing time: revoked before it → revoked; revoked after a trusted timestamp → the
 * signature was made while the certificate was good (the timestamp proves the signature existed).
 * Without a trusted time, a claimed time could be back-dated, so any revocation counts.
 */
export function judgeAtSigningTime(a: RevocationAnswer, signingTime: Date | undefined, trustedTime: boolean): RevocationAnswer {
  if (a.status !== 'revoked' || !a.revokedAt) return a;
  if (trustedTime && signingTime && new Date(a.revokedAt).getTime() > signingTime.getTime()) {
    return { ...a, status: 'good', reason: `revoked at ${a.revokedAt}${a.reason ? ` (${a.reason})` : ''}, after the trusted signing time ${signingTime.toISOString()}: good at signing` };
  }
  return a;
}
