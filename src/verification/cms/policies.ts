// Certificate policy processing, RFC 5280 §6.1.3 (d)–(f), §6.1.4 (a), (b), (h)–(j) and §6.1.5 (a),
// (b), (g), with the relying-party inputs a PDF verifier has: user-initial-policy-set = {anyPolicy},
// and no initial explicit-policy, mapping-inhibit or any-policy-inhibit. So a path only fails here
// when its own CAs demand it: requireExplicitPolicy in policyConstraints, made unsatisfiable by
// missing certificatePolicies, inhibitAnyPolicy or inhibitPolicyMapping.
import type { ParsedCert } from './certificates.js';

export const ANY_POLICY = '2.5.29.32.0';

interface PolicyNode {
  validPolicy: string;
  expected: Set<string>;
  parent?: PolicyNode;
}

/**
 * `certs` from the certificate the trust anchor issued down to the end-entity (the anchor itself is
 * input to the algorithm, not part of the path). Returns the reason the path fails, or undefined.
 */
export function policyProblem(certs: ParsedCert[], label: (c: ParsedCert) => string): string | undefined {
  const n = certs.length;
  // Only the deepest level of the valid_policy_tree matters: the tree is NULL exactly when it is empty.
  let level: PolicyNode[] | null = [{ validPolicy: ANY_POLICY, expected: new Set([ANY_POLICY]) }];
  let explicitPolicy = n + 1;
  let inhibitAnyPolicy = n + 1;
  let policyMapping = n + 1;
  let requiredBy: ParsedCert | undefined;
  const require = (cert: ParsedCert, skip: number | undefined) => {
    if (skip !== undefined && skip < explicitPolicy) {
      explicitPolicy = skip;
      requiredBy = cert;
    }
  };

  for (let i = 1; i <= n; i++) {
    const cert = certs[i - 1];
    const last = i === n;
    if (level && cert.policies) level = nextLevel(level, cert.policies, inhibitAnyPolicy > 0 || (!last && cert.selfIssued));
    else level = null; // (e): no certificatePolicies extension
    if (last) break;
    if (explicitPolicy === 0 && !level) return failure(cert, requiredBy, label);

    if (cert.policyMappings) {
      if (cert.policyMappings.some((m) => m.issuerDomain === ANY_POLICY || m.subjectDomain === ANY_POLICY)) {
        return `${label(cert)} maps anyPolicy in policyMappings (RFC 5280 §6.1.4 (a))`;
      }
      if (level) level = applyMappings(level, cert.policyMappings, policyMapping > 0);
    }
    if (!cert.selfIssued) {
      if (explicitPolicy > 0) explicitPolicy--;
      if (policyMapping > 0) policyMapping--;
      if (inhibitAnyPolicy > 0) inhibitAnyPolicy--;
    }
    require(cert, cert.policyConstraints?.requireExplicitPolicy);
    const ipm = cert.policyConstraints?.inhibitPolicyMapping;
    if (ipm !== undefined && ipm < policyMapping) policyMapping = ipm;
    if (cert.inhibitAnyPolicy !== undefined && cert.inhibitAnyPolicy < inhibitAnyPolicy) inhibitAnyPolicy = cert.inhibitAnyPolicy;
  }

  // Wrap-up: the end-entity's own constraints count too.
  const leaf = certs[n - 1];
  if (!leaf) return undefined;
  if (!leaf.selfIssued && explicitPolicy > 0) explicitPolicy--;
  if (leaf.policyConstraints?.requireExplicitPolicy === 0) {
    explicitPolicy = 0;
    requiredBy = leaf;
  }
  return explicitPolicy === 0 && !level ? failure(leaf, requiredBy, label) : undefined;
}

function failure(at: ParsedCert, requiredBy: ParsedCert | undefined, label: (c: ParsedCert) => string): string {
  const who = requiredBy ? label(requiredBy) : 'the path';
  return `no certificate policy is valid for the path down to ${label(at)}, but ${who} requires an explicit policy (policyConstraints, RFC 5280 §6.1)`;
}

/** §6.1.3 (d): the next depth of the tree for a certificate's policies; null when nothing survives. */
function nextLevel(level: PolicyNode[], policies: string[], anyAllowed: boolean): PolicyNode[] | null {
  const next: PolicyNode[] = [];
  for (const p of policies) {
    if (p === ANY_POLICY) continue;
    const matching = level.filter((node) => node.expected.has(p));
    const parents = matching.length ? matching : level.filter((node) => node.validPolicy === ANY_POLICY);
    for (const parent of parents) next.push({ validPolicy: p, expected: new Set([p]), parent });
  }
  if (anyAllowed && policies.includes(ANY_POLICY)) {
    for (const parent of level) {
      for (const v of parent.expected) {
        if (!next.some((c) => c.parent === parent && c.validPolicy === v)) next.push({ validPolicy: v, expected: new Set([v]), parent });
      }
    }
  }
  return next.length ? next : null;
}

/** §6.1.4 (b): a mapping rewrites what the next certificate must assert, or (when inhibited) removes the policy. */
function applyMappings(level: PolicyNode[], mappings: { issuerDomain: string; subjectDomain: string }[], allowed: boolean): PolicyNode[] | null {
  const byIssuer = new Map<string, Set<string>>();
  for (const m of mappings) byIssuer.set(m.issuerDomain, (byIssuer.get(m.issuerDomain) ?? new Set()).add(m.subjectDomain));
  if (!allowed) {
    const kept = level.filter((node) => !byIssuer.has(node.validPolicy));
    return kept.length ? kept : null;
  }
  const out = [...level];
  for (const [issuerDomain, subjects] of byIssuer) {
    const nodes = out.filter((node) => node.validPolicy === issuerDomain);
    if (nodes.length) for (const node of nodes) node.expected = subjects;
    else {
      const any = out.find((node) => node.validPolicy === ANY_POLICY);
      if (any) out.push({ validPolicy: issuerDomain, expected: subjects, parent: any.parent });
    }
  }
  return out;
}
