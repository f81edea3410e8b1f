// For a file this service issued: who was meant to sign which field, whether each filled field was
// signed by exactly that party (the event certificate issued to that signer of that contract, the
// utility's organisation certificate), and who has not signed yet. A valid signature by the wrong
// certificate in a party's field is a forgery of that party's consent, however sound its CMS.
import type { RegisteredContract, SignatureReport, VerificationReport } from './types.js';

export function checkParties(contract: RegisteredContract, matchedVersion: number, reports: SignatureReport[]): NonNullable<VerificationReport['contract']> {
  const byField = new Map(contract.parties.map((p) => [p.fieldName, p]));
  const signedFields = new Set<string>();
  for (const r of reports) {
    const party = byField.get(r.fieldName);
    if (!party) {
      r.party = r.type === 'signature' ? { role: null, label: null, matches: false, reason: `field "${r.fieldName}" is not a signature field of contract ${contract.contractNumber}` } : null;
      continue;
    }
    const serial = r.certificateSerial?.toLowerCase() ?? null;
    const matches = r.type === 'signature' && serial !== null && party.certificateSerials.includes(serial);
    r.party = matches
      ? { role: party.role, label: party.label, matches: true }
      : {
          role: party.role,
          label: party.label,
          matches: false,
          reason:
            r.type !== 'signature'
              ? `a document timestamp stands in the ${party.label}'s field`
              : `the ${party.label}'s field is signed by certificate ${serial ?? '(none)'}, not by ${party.kind === 'organisation' ? "the utility's organisation certificate" : 'the certificate issued to this signer for this contract'}`,
        };
    // The party's certificate is not yet the party's signature: only one that verifies over the bytes counts.
    if (matches && r.integrity.status === 'ok') signedFields.add(r.fieldName);
  }
  const parties = contract.parties.map((p) => ({ role: p.role, label: p.label, kind: p.kind, fieldName: p.fieldName, signed: signedFields.has(p.fieldName) }));
  const signedParties = parties.filter((p) => p.signed).length;
  return {
    contractId: contract.contractId,
    contractNumber: contract.contractNumber,
    status: contract.status,
    matchedVersion,
    latestVersion: contract.latestVersion,
    newerVersionExists: contract.latestVersion > matchedVersion,
    parties,
    signedParties,
    expectedParties: parties.length,
    allPartiesSigned: signedParties === parties.length,
  };
}
