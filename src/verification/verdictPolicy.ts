// When a signature is invalid, indeterminate or valid: named rules, data rather than nested ifs, so
// an auditor can read the policy and a test can name the rule that fired.
import type { SignatureReport } from './types.js';

export interface VerdictRule {
  id: string;
  verdict: 'invalid' | 'indeterminate';
  /** Judges the CMS result: pointless (and noisy) when the CMS could not even be checked. */
  needsCms?: boolean;
  /** A reason when the rule fires, undefined otherwise. */
  test(s: SignatureReport, ctx: PolicyContext): string | undefined;
}

export interface PolicyContext {
  /** 'require': unknown revocation status makes a signature indeterminate; 'best_effort': a weakness only. */
  revocationPolicy: 'require' | 'best_effort';
  /** Structural failures found before the CMS was looked at (ByteRange, /Contents, CMS syntax). */
  structural: string[];
  cmsVerified: boolean;
  /** The reader rebuilt object locations by scanning the file: what was signed is then a guess. */
  repaired?: boolean;
}

export const VERDICT_RULES: readonly VerdictRule[] = [
  { id: 'structure', verdict: 'invalid', test: (_, c) => (c.structural.length ? c.structural.join('; ') : undefined) },
  {
    id: 'structure_repaired',
    verdict: 'indeterminate',
    test: (_, c) => (c.repaired ? 'structure_repaired: the cross-reference data was wrong and object locations were found by scanning the file' : undefined),
  },
  { id: 'integrity_failed', needsCms: true, verdict: 'invalid', test: (s) => (s.integrity.status === 'failed' ? `integrity: ${s.integrity.reason}` : undefined) },
  { id: 'integrity_unknown', needsCms: true, verdict: 'indeterminate', test: (s) => (s.integrity.status === 'unknown' ? `integrity not established: ${s.integrity.reason}` : undefined) },
  {
    id: 'partial_coverage',
    verdict: 'invalid',
    test: (s) => (s.coverage.kind === 'partial' ? 'coverage_partial: the signed bytes do not end at the end of a revision' : undefined),
  },
  {
    id: 'disallowed_modifications',
    verdict: 'invalid',
    test: (s) =>
      s.modificationsAfter.disallowed.length
        ? `modified_after_signing: ${s.modificationsAfter.disallowed.map((m) => `${m.what}${m.objectNumber !== null ? ` (object ${m.objectNumber})` : ''}`).join(', ')}`
        : undefined,
  },
  {
    id: 'party_mismatch',
    needsCms: true,
    verdict: 'invalid',
    test: (s) => (s.party && s.party.role !== null && !s.party.matches ? `party_mismatch: ${s.party.reason}` : undefined),
  },
  {
    id: 'not_a_party',
    needsCms: true,
    verdict: 'indeterminate',
    test: (s) => (s.party && s.party.role === null ? `not_a_party: ${s.party.reason}` : undefined),
  },
  {
    id: 'signing_certificate_mismatch',
    needsCms: true,
    verdict: 'invalid',
    test: (s) => (s.signingCertificateAttribute === 'mismatch' ? 'signing_certificate_mismatch: the signing-certificate attribute names another certificate' : undefined),
  },
  {
    id: 'certificate_revoked',
    needsCms: true,
    verdict: 'invalid',
    test: (s) => (s.revocation.status === 'revoked' ? `certificate_revoked: revoked at ${s.revocation.revokedAt ?? 'an unknown time'}, not after the signing time` : undefined),
  },
  // The path reaches an anchor but is broken (expired or not yet valid at signing time, wrong key usage).
  { id: 'chain_invalid', needsCms: true, verdict: 'invalid', test: (s) => (s.chain.status === 'failed' && s.chain.trusted ? `chain_invalid: ${s.chain.reason}` : undefined) },
  // A trusted path that can no longer be relied on now (a document timestamp's expired TSA certificate).
  {
    id: 'chain_expired',
    needsCms: true,
    verdict: 'indeterminate',
    test: (s) => (s.chain.status === 'unknown' && s.chain.trusted ? `chain_expired: ${s.chain.reason}` : undefined),
  },
  {
    id: 'untrusted',
    needsCms: true,
    verdict: 'indeterminate',
    test: (s) => (!s.chain.trusted ? `untrusted: ${'reason' in s.chain ? s.chain.reason : 'no path to a trust anchor'}` : undefined),
  },
  {
    id: 'revoked_after_signing',
    needsCms: true,
    verdict: 'indeterminate',
    test: (s) =>
      s.revocation.status === 'good' && s.revocation.revokedAt
        ? `certificate_revoked_after_signing: revoked at ${s.revocation.revokedAt}, after the timestamped signing time; judge whether the revocation reason reaches back`
        : undefined,
  },
  {
    id: 'revocation_unknown',
    needsCms: true,
    verdict: 'indeterminate',
    test: (s, c) => (c.revocationPolicy === 'require' && s.revocation.status === 'unknown' ? `revocation_unknown: ${s.revocation.reason ?? 'no revocation information'}` : undefined),
  },
  {
    id: 'timestamp_invalid',
    needsCms: true,
    verdict: 'indeterminate',
    test: (s) => (s.timestamp.present && !s.timestamp.valid ? `timestamp_invalid: ${s.timestamp.reason ?? 'the signature timestamp does not verify'}` : undefined),
  },
  {
    id: 'weak_digest',
    needsCms: true,
    verdict: 'indeterminate',
    test: (s) =>
      s.digestAlgorithm && WEAK_DIGESTS.has(s.digestAlgorithm)
        ? `weak_digest: ${s.digestAlgorithm} is no longer collision-resistant`
        : s.subFilter === 'adbe.pkcs7.sha1'
          ? 'weak_digest: adbe.pkcs7.sha1 signs a SHA-1 hash of the document'
          : undefined,
  },
  {
    id: 'unsupported_subfilter',
    needsCms: true,
    verdict: 'indeterminate',
    test: (s) =>
      s.subFilter !== null && !KNOWN_SUBFILTERS.has(s.subFilter) ? `unsupported_subfilter: ${s.subFilter}` : s.subFilter === null ? 'unsupported_subfilter: none' : undefined,
  },
];

export const KNOWN_SUBFILTERS = new Set(['ETSI.CAdES.detached', 'adbe.pkcs7.detached', 'adbe.pkcs7.sha1', 'ETSI.RFC3161']);

export function judge(s: SignatureReport, ctx: PolicyContext, rules: readonly VerdictRule[] = VERDICT_RULES): { verdict: SignatureReport['verdict']; reasons: string[] } {
  const invalid: string[] = [];
  const indeterminate: string[] = [];
  for (const r of rules) {
    if (r.needsCms && !ctx.cmsVerified) continue;
    const why = r.test(s, ctx);
    if (why) (r.verdict === 'invalid' ? invalid : indeterminate).push(why);
  }
  if (invalid.length) return { verdict: 'invalid', reasons: [...invalid, ...indeterminate] };
  if (indeterminate.length) return { verdict: 'indeterminate', reasons: indeterminate };
  return { verdict: 'valid', reasons: [] };
}

/** Algorithms broken for signatures: the report says so and the verdict cannot be valid. */
export const WEAK_DIGESTS = new Set(['SHA-1', 'MD5']);
