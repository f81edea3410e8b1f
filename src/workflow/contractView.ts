import type { ContractRow, DocumentVersionRow, SignerRow } from '../storage/db/contractRepository.js';

export interface SignerView {
  id: string;
  order: number;
  role: string;
  label: string;
  kind: 'person' | 'organisation';
  name: string;
  status: string;
  signedAt: string | null;
  certificateSerial: string | null;
  /** The page where a person signs; absent for the utility, which signs through the API. */
  signingUrl?: string;
  signingUrlExpiresAt?: string;
  declinedAt?: string;
  declineReason?: string;
}

export interface ContractView {
  id: string;
  contractNumber: string;
  templateId: string;
  templateVersion: number;
  templateSha256: string;
  reference: string;
  status: string;
  /** null: the template decides whether the utility signs automatically. */
  autoSign: boolean | null;
  document: { version: number; sha256: string; size: number; url: string };
  versions: { version: number; sha256: string; size: number; reason: string; createdAt: string }[];
  signers: SignerView[];
  createdAt: string;
  updatedAt: string;
}

/** The public shape of a contract: what the workflow system reads; never the raw variables' ID numbers. */
export function contractView(
  c: ContractRow,
  versions: DocumentVersionRow[],
  signers: SignerRow[],
  links: { urlFor(s: SignerRow): string | undefined },
): ContractView {
  const latest = versions[versions.length - 1];
  return {
    id: c.id,
    contractNumber: c.contract_number,
    templateId: c.template_id,
    templateVersion: c.template_version,
    templateSha256: c.template_sha256,
    reference: c.reference,
    status: c.status,
    autoSign: c.auto_sign,
    document: {
      version: latest.version,
      sha256: latest.sha256,
      size: latest.size,
      url: `/api/v1/contracts/${c.id}/document?version=${latest.version}`,
    },
    versions: versions.map((v) => ({
      version: v.version,
      sha256: v.sha256,
      size: v.size,
      reason: v.reason,
      createdAt: new Date(v.created_at).toISOString(),
    })),
    signers: signers.map((s) => ({
      id: s.id,
      order: s.position,
      role: s.role,
      label: s.label,
      kind: s.kind,
      name: s.name,
      status: s.status,
      signedAt: s.signed_at ? new Date(s.signed_at).toISOString() : null,
      certificateSerial: s.certificate_serial,
      ...(s.kind === 'person' && s.status !== 'signed' && s.status !== 'declined'
        ? { signingUrl: links.urlFor(s), signingUrlExpiresAt: new Date(s.token_expires_at!).toISOString() }
        : {}),
      ...(s.declined_at ? { declinedAt: new Date(s.declined_at).toISOString(), declineReason: s.decline_reason ?? '' } : {}),
    })),
    createdAt: new Date(c.created_at).toISOString(),
    updatedAt: new Date(c.updated_at).toISOString(),
  };
}
