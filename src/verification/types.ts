// The report is an API contract (the HTTP API and the CLI's --json print it verbatim): field names
// are stable and every value is JSON-serialisable.
import type { ModificationLevel } from './modificationPolicy.js';
import type { Permissions } from './permissions.js';
import type { CertificateInfo, Check, RevocationAnswer, RevocationSource, Subject } from './cms/index.js';

export type { CertificateInfo, Check, RevocationAnswer, RevocationSource, Subject };

export interface DocumentRegistry {
  lookup(sha256s: string[]): Promise<{ sha256: string; contractId: string; version: number }[]>;
  /** The contract a matched version belongs to: its parties and the certificates each may sign with. */
  contract?(contractId: string): Promise<RegisteredContract | undefined>;
}

export interface RegisteredContract {
  contractId: string;
  contractNumber: string;
  status: string;
  latestVersion: number;
  parties: Array<{
    role: string;
    label: string;
    kind: 'person' | 'organisation';
    fieldName: string;
    /** Lowercase hex, no leading zeros: the certificates that may fill this party's field. */
    certificateSerials: string[];
  }>;
}

/** A registered file's contract as the report shows it: who was to sign, who did, what is newer. */
export interface ContractCheck {
  contractId: string;
  contractNumber: string;
  status: string;
  /** The newest stored version this file is, or that a signature in it covers. */
  matchedVersion: number;
  latestVersion: number;
  newerVersionExists: boolean;
  parties: Array<{ role: string; label: string; kind: 'person' | 'organisation'; fieldName: string; signed: boolean }>;
  signedParties: number;
  expectedParties: number;
  allPartiesSigned: boolean;
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
export type { ModificationLevel, Permissions };

export interface Modification {
  /** Revision index that made the change. */
  revision: number;
  objectNumber: number | null;
  /** Stable label: page_content, font, annotation, new_visible_field, xref_repoint, … */
  what: string;
  /** Name of the policy rule that allowed it, or why nothing did. */
  rule: string;
  /** For an allowed change: the modification level it belongs to (DocMDP: P=1 lta_updates, P=2 form_filling, P=3 annotations). */
  level?: ModificationLevel;
  /** The form field the change belongs to, when it fills or adds one (field locks apply to it). */
  field?: string;
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
  /** The most a later revision did: none, lta_updates (DSS, document timestamps, metadata), form_filling (signatures), annotations, other (disallowed). */
  modificationLevel: ModificationLevel;
  /** The permissions this signature is bound by: a certification's DocMDP P and the field locks in force. */
  permissions: Permissions;
  weaknesses: string[];
  registered: RegistryMatch;
  /** In a registered file: the party whose field this is (role null: no party's field) and whether the certificate is that party's. */
  party: { role: string | null; label: string | null; matches: boolean; reason?: string } | null;
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
  /** Set when the file, or a revision a signature covers, is a version this service issued. */
  contract: ContractCheck | null;
  warnings: string[];
}
