// Certification path building and validation (a pragmatic subset of RFC 5280 §6). Issuers are
// chosen by name AND by a verifying signature: a certificate that merely carries a trusted
// name (a fake root, a self-signed look-alike) never links to a trust anchor.
import type { ParsedCert } from './certificates.js';
import { policyProblem } from './policies.js';

export const MAX_PATH_LENGTH = 10;
const MAX_STEPS = 200;

export interface BuiltPath {
  /** leaf first; ends at a trust anchor when trusted */
  path: ParsedCert[];
  trusted: boolean;
  /** a certificate whose named issuer was found but whose signature does not verify with it */
  brokenSignature?: string;
  /** a certificate whose named issuer was found but whose signature algorithm cannot be checked */
  unsupportedSignature?: string;
}

export function isAnchor(cert: ParsedCert, anchors: ParsedCert[]): boolean {
  // Trust is in a name bound to a key: a re-encoded copy of the anchor is the same anchor.
  return anchors.some((a) => a.sha256 === cert.sha256 || (a.subjectDer.equals(cert.subjectDer) && a.spkiDer.equals(cert.spkiDer)));
}

function label(c: ParsedCert): string {
  return c.subject.dn || c.sha256;
}

export function buildPath(leaf: ParsedCert, pool: ParsedCert[], anchors: ParsedCert[]): BuiltPath {
  let best: ParsedCert[] = [leaf];
  let brokenSignature: string | undefined;
  let unsupportedSignature: string | undefined;
  let steps = 0;

  const extend = (path: ParsedCert[]): ParsedCert[] | undefined => {
    const last = path[path.length - 1];
    if (isAnchor(last, anchors)) return path;
    if (path.length > best.length) best = path;
    if (path.length >= MAX_PATH_LENGTH || ++steps > MAX_STEPS) return undefined;
    const seen = new Set(path.map((c) => c.sha256));
    // Anchors first: the shortest trusted path wins over a look-alike in the bag.
    const candidates = [...anchors, ...pool].filter((c, i, all) => !seen.has(c.sha256) && all.findIndex((d) => d.sha256 === c.sha256) === i && last.namesIssuer(c));
    for (const c of candidates) {
      const ok = last.signedBy(c);
      if (ok === undefined) {
        unsupportedSignature ??= `the signature of ${label(last)} cannot be checked: unsupported signature algorithm ${last.signatureScheme.name}`;
        continue;
      }
      if (!ok) {
        brokenSignature ??= `the signature of ${label(last)} does not verify with the key of ${label(c)}`;
        continue;
      }
      const found = extend([...path, c]);
      if (found) return found;
    }
    return undefined;
  };

  const trustedPath = extend([leaf]);
  if (trustedPath) return { path: trustedPath, trusted: true };
  return { path: best, trusted: false, brokenSignature, unsupportedSignature };
}

export type Purpose = 'signing' | 'timestamping';

/** Problems that make the path invalid (not merely untrusted) at the given times. */
export function pathProblems(built: BuiltPath, times: { at: Date; what: string }[], anchors: ParsedCert[], purpose: Purpose): string[] {
  const problems: string[] = [];
  const { path } = built;
  path.forEach((cert, idx) => {
    for (const { at, what } of times) {
      if (at.getTime() < cert.notBefore.getTime()) problems.push(`${label(cert)} is not yet valid at ${what} (${at.toISOString()}; notBefore ${cert.notBefore.toISOString()})`);
      else if (at.getTime() > cert.notAfter.getTime()) problems.push(`${label(cert)} has expired at ${what} (${at.toISOString()}; notAfter ${cert.notAfter.toISOString()})`);
    }
    const anchor = isAnchor(cert, anchors);
    if (cert.unknownCriticalExtensions.length && !anchor) problems.push(`${label(cert)} has unrecognised critical extensions ${cert.unknownCriticalExtensions.join(', ')}`);
    if (idx === 0) {
      if (purpose === 'signing' && cert.keyUsage && !cert.keyUsage.has('digitalSignature') && !cert.keyUsage.has('nonRepudiation')) {
        problems.push(`${label(cert)} key usage does not allow signing`);
      }
      return;
    }
    // An anchor is trusted by configuration; an intermediate must be a CA allowed to sign certificates.
    if (anchor && !cert.basicConstraints) return;
    if (!cert.basicConstraints?.ca) problems.push(`${label(cert)} issues certificates but is not a CA (basicConstraints)`);
    if (cert.keyUsage && !cert.keyUsage.has('keyCertSign')) problems.push(`${label(cert)} issues certificates without keyCertSign`);
    const below = path.slice(1, idx).filter((c) => !c.selfIssued).length;
    if (cert.basicConstraints?.pathLen !== undefined && below > cert.basicConstraints.pathLen) problems.push(`${label(cert)} path length constraint exceeded`);
  });
  // The anchor is input to RFC 5280 path validation, not part of the path: its own constraints are not applied.
  const certs = path.length && isAnchor(path[path.length - 1], anchors) ? path.slice(0, -1) : path;
  const policy = policyProblem([...certs].reverse(), label);
  if (policy) problems.push(policy);
  return problems;
}
