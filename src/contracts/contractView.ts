import type { ContractRow, DocumentVersionRow, SignerRow } from '../storage/db/contractRepository.js';
import type { WorkingCalendar } from './calendar/workingCalendar.js';
import { deadlineView, type DeadlineView } from './deadlines.js';

export interface SignerView {
  id: string;
  order: number;
  role: string;
  label: string;
  kind: 'person' | 'organisation';
  name: string;
  status: string;
  notifiedAt: string | null;
  viewedAt: string | null;
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
  /** The utility the contract is made and sealed for. */
  organisationId: string;
  contractNumber: string;
  templateId: string;
  templateVersion: number;
  templateSha256: string;
  reference: string;
  status: string;
  priority: boolean;
  deadline: string;
  deadlineWorkingDays: number;
  workingDaysElapsed: number;
  sla: DeadlineView['sla'];
  completedAt: string | null;
  closedAt: string | null;
  closeReason: string | null;
  /** null: the template decides whether the utility signs automatically. */
  autoSign: boolean | null;
  document: { version: number; sha256: string; size: number; url: string };
  versions: { version: number; sha256: string; size: number; reason: string; createdAt: string }[];
  signers: SignerView[];
  createdAt: string;
  updatedAt: string;
}

const iso = (d: Date | null) => (d ? new Date(d).toISOString() : null);

/** The public shape of a contract: what the workflow system reads; never the raw variables' ID numbers. */
export function contractView(
  c: ContractRow,
  versions: DocumentVersionRow[],
  signers: SignerRow[],
  links: { urlFor(s: SignerRow): string | undefined },
  calendar: WorkingCalendar,
  now: Date,
): ContractView {
  const d = deadlineView(calendar, c, now);
  const latest = versions[versions.length - 1];
  return {
    id: c.id,
    organisationId: c.organisation_id,
    contractNumber: c.contract_number,
    templateId: c.template_id,
    templateVersion: c.template_version,
    templateSha256: c.template_sha256,
    reference: c.reference,
    status: c.status,
    priority: c.priority,
    deadline: d.deadline,
    deadlineWorkingDays: d.workingDays,
    workingDaysElapsed: d.workingDaysElapsed,
    sla: d.sla,
    completedAt: iso(c.completed_at),
    closedAt: iso(c.closed_at),
    closeReason: c.close_reason,
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
      notifiedAt: iso(s.notified_at),
      viewedAt: iso(s.viewed_at),
      signedAt: iso(s.signed_at),
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
