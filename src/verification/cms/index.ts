// CMS half of the signature verifier: given the CMS bytes and the exact bytes they sign, says
// whether the signature is intact, who made it, when, whether the signer's certificate chains to
// a trust anchor and was not revoked. Knows nothing of PDF; src/verification calls it per signature.
import { WEAK_DIGESTS } from './algorithms.js';
import { OID_EKU_TIMESTAMPING, parseCertificate, type ParsedCert } from './certificates.js';
import { buildPath, pathProblems } from './chain.js';
import { children, readTlv } from './der.js';
import { checkSigningCertificate } from './essSigningCertificate.js';
import { checkIntegrity } from './integrity.js';
import { fetchCrl, fetchOcsp } from './online.js';
import { bestEvidence, evaluateCrl, evaluateOcsp, judgeAtSigningTime, toAnswer, withoutRevocationData, type Evidence } from './revocation.js';
import { MAX_CERTIFICATES, parseSignedData, type ParsedSignerInfo } from './signedData.js';
import { documentTimestampInfo, OID_SIGNATURE_TIMESTAMP, verifyTimestampToken, type TimestampOutcome } from './timestamp.js';
import type { CertificateInfo, CmsVerifyOptions, CmsVerifyResult, RevocationAnswer } from './types.js';

export { CmsFormatError } from './errors.js';
export type { CertificateInfo, Check, CmsVerifyOptions, CmsVerifyResult, RevocationAnswer, RevocationSource, Subject } from './types.js';

const OID_ADBE_REVOCATION_ARCHIVAL = '1.2.840.113583.1.1.8';
const MAX_EMBEDDED_REVOCATION_ITEMS = 50;

export interface CmsVerifier {
  verify(cms: Buffer, signedBytes: Buffer, overrides?: Partial<CmsVerifyOptions>): Promise<CmsVerifyResult>;
}

/** Binds the options once, so trust anchors are parsed once for many signatures. */
export function createCmsVerifier(opts: CmsVerifyOptions): CmsVerifier {
  const anchors = parseAll(opts.trustAnchors ?? []);
  return {
    verify: (cms, signedBytes, overrides) => {
      const merged = overrides ? { ...opts, ...overrides } : opts;
      return verifyWith(cms, signedBytes, merged, overrides?.trustAnchors ? parseAll(overrides.trustAnchors) : anchors);
    },
  };
}

const anchorCache = new WeakMap<Buffer[], ParsedCert[]>();

export async function verifyCms(cms: Buffer, signedBytes: Buffer, opts: CmsVerifyOptions): Promise<CmsVerifyResult> {
  const list = opts.trustAnchors ?? [];
  let anchors = anchorCache.get(list);
  if (!anchors) anchorCache.set(list, (anchors = parseAll(list)));
  return verifyWith(cms, signedBytes, opts, anchors);
}

function parseAll(ders: Buffer[]): ParsedCert[] {
  return ders.map((d) => parseCertificate(d)).filter((c): c is ParsedCert => !!c);
}

/** CRLs and OCSP responses from Adobe's signed revocationInfoArchival attribute (PDF 1.6 LTV). */
function adobeArchival(si: ParsedSignerInfo): { crls: Buffer[]; ocsps: Buffer[] } {
  const out = { crls: [] as Buffer[], ocsps: [] as Buffer[] };
  const v = si.signedAttrs.get(OID_ADBE_REVOCATION_ARCHIVAL)?.[0];
  if (!v) return out;
  try {
    for (const field of children(v, readTlv(v, 0))) {
      const target = field.tag === 0xa0 ? out.crls : field.tag === 0xa1 ? out.ocsps : undefined;
      if (!target) continue;
      for (const item of children(v, children(v, field)[0])) target.push(v.subarray(item.headerStart, item.end));
    }
  } catch {
    // A malformed archival attribute is simply no evidence.
  }
  return out;
}

async function verifyWith(cms: Buffer, signedBytes: Buffer, opts: CmsVerifyOptions, anchors: ParsedCert[]): Promise<CmsVerifyResult> {
  const sd = parseSignedData(cms);
  const validationTime = opts.validationTime ?? new Date();
  const weaknesses: string[] = [];

  const pool: ParsedCert[] = [];
  const cmsCerts: ParsedCert[] = [];
  for (const der of [...sd.certificates, ...(opts.extraCertificates ?? [])]) {
    if (pool.length >= MAX_CERTIFICATES) {
      weaknesses.push(`more than ${MAX_CERTIFICATES} certificates; the rest were ignored`);
      break;
    }
    const c = parseCertificate(der);
    if (!c) continue;
    if (pool.length < sd.certificates.length) cmsCerts.push(c);
    pool.push(c);
  }
  if (sd.certificatesTruncated) weaknesses.push(`more than ${MAX_CERTIFICATES} certificates in the CMS; the rest were ignored`);
  if (sd.signerInfos.length > 1) weaknesses.push('more than one SignerInfo; only the first is verified');
  const si = sd.signerInfos[0];

  // --- integrity and algorithms
  const bytes = Buffer.isBuffer(signedBytes) ? signedBytes : Buffer.from(signedBytes);
  // A document timestamp's CMS signs its TSTInfo, whose imprint in turn must be the hash of the bytes.
  const docTs = opts.documentTimestamp ? documentTimestampInfo(sd, bytes) : undefined;
  const integ = checkIntegrity(sd, si, docTs && sd.eContent ? sd.eContent : bytes, pool);
  if (docTs && integ.integrity.status === 'ok') {
    if ('reason' in docTs) integ.integrity = { status: 'failed', reason: docTs.reason };
    else if (!docTs.imprintMatches) integ.integrity = { status: 'failed', reason: 'the timestamp imprint is not the hash of the signed bytes', messageDigestMatches: false };
    else weaknesses.push(...docTs.weaknesses);
  }
  weaknesses.push(...integ.weaknesses);
  if (WEAK_DIGESTS.has(integ.digestAlgorithm)) weaknesses.push(`digest ${integ.digestAlgorithm} is not acceptable`);
  if (integ.scheme.digest && ['md5', 'sha1'].includes(integ.scheme.digest)) weaknesses.push(`signature algorithm ${integ.scheme.name} is not acceptable`);
  const signer = integ.signerCert;
  if (signer) {
    const k = signer.keyDescription();
    if ((k.type === 'rsa' || k.type === 'rsa-pss') && (k.bits ?? 0) < 2048) weaknesses.push(`RSA key under 2048 bits (${k.bits})`);
  }
  const { outcome: ess, present: essPresent } = checkSigningCertificate(si, signer);
  if (ess === 'missing') weaknesses.push('no signing-certificate attribute');
  else if (ess === 'v1') weaknesses.push('signing-certificate v1 attribute (SHA-1 certificate hash)');

  // --- timestamp
  let ts: TimestampOutcome | undefined;
  const tokens = si.unsignedAttrs.get(OID_SIGNATURE_TIMESTAMP) ?? [];
  for (const token of tokens.slice(0, 4)) {
    const t = verifyTimestampToken(token, si.signature, pool, anchors);
    if (!ts || (t.valid && (!ts.valid || (t.chainTrusted && !ts.chainTrusted)))) ts = t;
  }
  if (ts) weaknesses.push(...ts.weaknesses);
  const signatureTsTime = ts?.valid && ts.chainTrusted ? ts.time : undefined;
  if (docTs && ess === 'mismatch' && integ.integrity.status === 'ok') {
    integ.integrity = { status: 'failed', reason: 'the signing-certificate attribute does not match the TSA certificate' };
  }

  // --- certification path
  // A document timestamp's certificate must be a TSA's, valid at the time the token states, unrevoked
  // now, and still unexpired now: once it has expired, only a later timestamp (a renewal) can keep
  // proving the time, so an expired one is indeterminate, never valid on its own word.
  const statedTime = docTs && !('reason' in docTs) ? docTs.time : undefined;
  let chain: CmsVerifyResult['chain'];
  const built = signer ? buildPath(signer, pool, anchors) : undefined;
  if (!signer || !built) {
    chain = { status: 'unknown', reason: 'no certificate matches the SignerInfo', trusted: false, path: [] };
  } else {
    const times = docTs
      ? [{ at: statedTime ?? validationTime, what: 'the time the timestamp states' }]
      : signatureTsTime
        ? [{ at: signatureTsTime, what: 'the timestamp time' }]
        : [...(opts.claimedSigningTime ? [{ at: opts.claimedSigningTime, what: 'the claimed signing time' }] : []), { at: validationTime, what: 'the validation time' }];
    const problems = pathProblems(built, times, anchors, docTs ? 'timestamping' : 'signing');
    if (docTs && !signer.extKeyUsage?.purposes.includes(OID_EKU_TIMESTAMPING)) {
      problems.unshift('the document timestamp is not signed by a TSA certificate (no extended key usage timeStamping)');
    }
    const path = built.path.map((c) => c.info);
    if (problems.length) chain = { status: 'failed', reason: problems.join('; '), trusted: built.trusted, path };
    else if (!built.trusted && built.brokenSignature) chain = { status: 'failed', reason: built.brokenSignature, trusted: false, path };
    else if (!built.trusted) chain = { status: 'unknown', reason: built.unsupportedSignature ?? 'no path to a trust anchor', trusted: false, path };
    else chain = { status: 'ok', trusted: true, path };
    const stillValid = docTs && chain.status === 'ok' ? pathProblems(built, [{ at: validationTime, what: 'the validation time' }], anchors, 'timestamping') : [];
    if (stillValid.length) {
      chain = { status: 'unknown', reason: `${stillValid.join('; ')}: a later document timestamp (renewal) is needed to keep proving its time`, trusted: true, path };
    }
    for (const c of built.path.slice(0, -1)) {
      const d = c.signatureScheme.digest;
      if (d === 'sha1' || d === 'md5') weaknesses.push(`certificate ${c.subject.dn} is signed with ${c.signatureScheme.name}`);
    }
  }

  // --- revocation of the signer certificate
  const archival = adobeArchival(si);
  const crls = [...(opts.embeddedCrls ?? []), ...sd.crls, ...archival.crls, ...(ts?.crls ?? [])].slice(0, MAX_EMBEDDED_REVOCATION_ITEMS);
  const ocsps = [...(opts.embeddedOcsps ?? []), ...sd.ocsps, ...archival.ocsps, ...(ts?.ocsps ?? [])].slice(0, MAX_EMBEDDED_REVOCATION_ITEMS);
  const issuer = signer && built && built.path.length > 1 ? built.path[1] : undefined;
  let revocation: RevocationAnswer = { status: 'unknown', source: 'none', reason: issuer ? 'no revocation information' : 'no issuer certificate to check revocation against' };
  if (signer && issuer) {
    revocation = (await revocationStatus(signer, issuer, crls, ocsps, opts)) ?? revocation;
    // A TSA revoked at any time before now can no longer vouch for a document timestamp's time.
    const when = docTs ? validationTime : (signatureTsTime ?? opts.claimedSigningTime ?? validationTime);
    revocation = judgeAtSigningTime(revocation, when, !docTs && !!signatureTsTime);
    if (revocation.status === 'revoked') {
      const why = `signer certificate revoked at ${revocation.revokedAt ?? 'an unknown time'}${revocation.reason ? ` (${revocation.reason})` : ''}`;
      chain = { status: 'failed', reason: chain.status === 'failed' ? `${chain.reason}; ${why}` : why, trusted: chain.trusted, path: chain.path };
    }
  }

  // The CAs between the signer and the anchor: a CA revoked before the signing time takes every
  // certificate it issued with it (RFC 5280 §6.3); one revoked later is reported beside the answer.
  if (signer && built?.trusted) {
    const when = docTs ? validationTime : (signatureTsTime ?? opts.claimedSigningTime ?? validationTime);
    for (let i = 1; i < built.path.length - 1; i++) {
      const ca = built.path[i];
      const answer = await revocationStatus(ca, built.path[i + 1], crls, ocsps, opts);
      if (!answer || answer.status === 'unknown') continue;
      const judged = judgeAtSigningTime(answer, when, !docTs && !!signatureTsTime);
      if (judged.status === 'revoked') {
        const why = `CA certificate ${ca.info.subject.dn} revoked at ${judged.revokedAt ?? 'an unknown time'}${judged.reason ? ` (${judged.reason})` : ''}`;
        chain = { status: 'failed', reason: chain.status === 'failed' ? `${chain.reason}; ${why}` : why, trusted: chain.trusted, path: chain.path };
      } else if (judged.revokedAt) {
        weaknesses.push(`CA certificate ${ca.info.subject.dn} ${judged.reason}`);
      }
    }
  }

  // Both paths a B-LT validator must check offline: the signer's and the signature timestamp's TSA.
  const lacking = [
    ...(built ? withoutRevocationData(built.path, anchors, crls, ocsps) : []),
    ...(ts?.valid && ts.path ? withoutRevocationData(ts.path, anchors, crls, ocsps) : []),
  ];

  const docTsTime =
    docTs && !('reason' in docTs) && integ.integrity.status === 'ok' && chain.status === 'ok' && chain.trusted ? docTs.time : undefined;
  const trustedTime = docTs ? docTsTime : signatureTsTime;
  const signingTime: CmsVerifyResult['signingTime'] = trustedTime
    ? { value: trustedTime.toISOString(), source: 'timestamp' }
    : opts.claimedSigningTime
      ? { value: opts.claimedSigningTime.toISOString(), source: 'claimed' }
      : { source: 'none' };

  return {
    signer: signer?.info,
    chainCertificates: cmsCerts.map((c) => c.info),
    digestAlgorithm: integ.digestAlgorithm,
    signatureAlgorithm: integ.scheme.name,
    integrity: integ.integrity,
    signingCertificateAttribute: ess,
    signingCertificateAttributesPresent: essPresent,
    timestamp: ts
      ? {
          present: true,
          valid: ts.valid,
          ...(ts.time ? { time: ts.time.toISOString() } : {}),
          ...(ts.tsa ? { tsa: ts.tsa } : {}),
          ...(ts.reason ? { reason: ts.reason } : {}),
          ...(ts.chainTrusted !== undefined ? { chainTrusted: ts.chainTrusted } : {}),
        }
      : { present: false },
    signingTime,
    chain,
    revocation,
    weaknesses: [...new Set(weaknesses)],
    levelHints: {
      hasSignatureTimestamp: !!ts?.valid,
      hasEmbeddedRevocation: crls.length + ocsps.length > 0,
      withoutRevocationData: [...new Set(lacking.map((c) => c.info.subject.dn))],
    },
  };
}

/** Offline evidence first (embedded, then the caller's own source); the network only when allowed and nothing else answered. */
async function revocationStatus(
  cert: ParsedCert,
  issuer: ParsedCert,
  crls: Buffer[],
  ocsps: Buffer[],
  opts: CmsVerifyOptions,
): Promise<RevocationAnswer | undefined> {
  const answers: { e: Evidence; source: RevocationAnswer['source'] }[] = [];
  const add = (e: Evidence | undefined, source: RevocationAnswer['source']) => e && answers.push({ e, source });
  for (const c of crls) add(evaluateCrl(c, cert, issuer), 'embedded_crl');
  for (const o of ocsps) add(evaluateOcsp(o, cert, issuer), 'embedded_ocsp');
  let local: RevocationAnswer | undefined;
  if (opts.revocation) {
    try {
      local = await opts.revocation.status(cert.der, issuer.der);
    } catch {
      local = undefined; // a failing database is "no answer", not a verdict
    }
  }
  const pick = (): RevocationAnswer | undefined => {
    const best = bestEvidence(answers.map((a) => a.e));
    const fromEvidence = best && toAnswer(best, answers.find((a) => a.e === best)!.source);
    if (local?.status === 'revoked') return local;
    if (fromEvidence?.status === 'revoked') return fromEvidence;
    if (fromEvidence?.status === 'good') return fromEvidence;
    if (local && local.status !== 'unknown') return local;
    return fromEvidence ?? local;
  };
  const offline = pick();
  if (offline && offline.status !== 'unknown') return offline;
  if (!opts.allowOnline) return offline;
  for (const url of cert.ocspUrls.slice(0, 2)) {
    const resp = await fetchOcsp(url, cert, issuer);
    const e = resp && evaluateOcsp(resp, cert, issuer);
    if (e && e.status !== 'unknown') return toAnswer(e, 'online_ocsp');
  }
  for (const url of cert.crlUrls.slice(0, 2)) {
    const crl = await fetchCrl(url);
    const e = crl && evaluateCrl(crl, cert, issuer);
    if (e) return toAnswer(e, 'online_crl');
  }
  return offline;
}

// Re-exported for the PDF half, which may want to describe DSS certificates the same way.
export function describeCertificate(der: Buffer): CertificateInfo | undefined {
  return parseCertificate(der)?.info;
}
