import crypto from 'node:crypto';
import { nameToString, parseCertificate } from './certificateBuilder.js';
import { PkiError } from './errors.js';

/**
 * What an imported organisation certificate must be before it seals anything: it names the
 * organisation (its name and unified social credit code in the subject), is valid now, may sign, and
 * its chain (as given, issuer first) ends in one of the trust anchors a verifier here will use.
 */
export function assertUsableOrganisationCertificate(
  org: { name: string; creditCode: string },
  der: Buffer,
  chain: Buffer[],
  anchors: Buffer[],
  now = new Date(),
): void {
  const bad = (why: string) => new PkiError('import_invalid', `the certificate ${why}`);
  const leaf = new crypto.X509Certificate(der);
  const subject = nameToString(parseCertificate(der).subject);
  if (!subject.includes(org.name)) throw bad(`subject does not name ${org.name}: ${subject}`);
  if (!subject.includes(org.creditCode)) throw bad(`subject does not carry the credit code ${org.creditCode}`);
  if (new Date(leaf.validFrom) > now || new Date(leaf.validTo) <= now) throw bad(`is not valid now (${leaf.validFrom} – ${leaf.validTo})`);
  if (leaf.ca) throw bad('is a CA certificate, not an organisation certificate');
  const usage = leaf.keyUsage;
  if (usage && !usage.some((u) => u === '1.3.6.1.5.5.7.3.4' || u === '1.3.6.1.4.1.311.10.3.12')) {
    // Extended key usage present but neither e-mail protection nor document signing: refused as well.
    throw bad(`is not for signing (extended key usage ${usage.join(', ')})`);
  }
  let current = leaf;
  const pool = chain.map((c) => new crypto.X509Certificate(c));
  const anchorCerts = anchors.map((a) => new crypto.X509Certificate(a));
  for (let depth = 0; depth < 8; depth++) {
    const anchor = anchorCerts.find((a) => current.checkIssued(a) && current.verify(a.publicKey));
    if (anchor) return;
    const next = pool.find((c) => c !== current && current.checkIssued(c) && current.verify(c.publicKey));
    if (!next) break;
    current = next;
  }
  throw bad('does not chain to the service root or a TRUST_ANCHORS certificate: verifiers would not trust its seals');
}
