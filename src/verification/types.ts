// The report is an API contract (the HTTP API and the CLI's --json print it verbatim): field names
// are stable and every value is JSON-serialisable.
import type { CertificateInfo, Check, RevocationAnswer, RevocationSource, Subject } from './cms/index.js';

export type { CertificateInfo, Check, RevocationAnswer, RevocationSource, Subject };

export interface DocumentRegistry {
  lookup(sha256s: string[]): Promise<{ sha256: string; contractId: string; version: number }[]>;
}

export interface VerifyOptions {
  /** DER certificates the chain must end in. */
  trustAnchors: Buffer[];
  /** Default: now. */
  validationTime?: Date;
  revocation?: RevocationSource;
  allowOnline?: boolean;
  registry?: DocumentRegistry;
}

export type Verdict = 'valid' | 'invalid' | 'indeterminate';
export type PadesLevel = 'B-B' | 'B-T' | 'B-LT' | 'B-LTA';

export interface Modification {
  /** Revision index that made the change. */
  revision: number;
  objectNumber: number | null;
  /** Stable label: page_content, font, annotation, new_visible_field, xref_repoint, … */
  what: string;
  /** Name of the policy rule that allowed it, or why nothing did. */
  rule: string;
  detail?: string;
}

export interface Coverage {
  kind: 'entire_file' | 'entire_revision' | 'partial';
  byteRange: number[] | null;
  /** Index of the revision whose end the signed bytes reach, null when they end elsewhere. */
  signedRevision: number | null;
  bytesAfter: number;
}

export interface RegistryMatch {
  matched: boolean;
  /** 'file' when the whole file is a version we issued, 'signed_revision' for the bytes this signature covers. */
  scope?: 'file' | 'signed_revision';
  sha256?: string;
  contractId?: string;
  version?: number;
}

export interface SignatureReport {
  fieldName: string;
  /** Object number of the signature dictionary (/V). */
  objectNumber: number | null;
  type: 'signature' | 'document_timestamp';
  signer: (Subject & { dn: string }) | null;
  issuer: Subject | null;
  certificateSerial: string | null;
  subFilter: string | null;
  padesLevel: PadesLevel | null;
  digestAlgorithm: string | null;
  signatureAlgorithm: string | null;
  signingTime: { value: string | null; source: 'timestamp' | 'claimed' | 'none' };
  /** /M of the signature dictionary: a claim by the signer's software, not evidence. */
  claimedSigningTime: string | null;
  integrity: Check & { messageDigestMatches?: boolean; signatureValid?: boolean };
  coverage: Coverage;
  chain: (Check & { trusted: boolean; path: CertificateInfo[] }) | { status: 'unknown'; reason: string; trusted: false; path: [] };
  revocation: RevocationAnswer;
  timestamp: { present: false } | { present: true; valid: boolean; time?: string; tsa?: Subject; reason?: string; chainTrusted?: boolean };
  signingCertificateAttribute: 'v2' | 'v1' | 'missing' | 'mismatch' | null;
  /** Which ESS attributes the CMS carries (both is allowed when both name the signer certificate). */
  signingCertificateAttributesPresent: ('v1' | 'v2')[];
  modificationsAfter: { allowed: Modification[]; disallowed: Modification[] };
  weaknesses: string[];
  registered: RegistryMatch;
  verdict: Verdict;
  reasons: string[];
}

export interface VerificationReport {
  verdict: Verdict | 'no_signatures';
  sha256: string;
  size: number;
  revisions: number;
  validationTime: string;
  signatures: SignatureReport[];
  registered: RegistryMatch;
  warnings: string[];
}
