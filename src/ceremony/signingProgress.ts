import type { EventRow } from '../storage/db/eventRepository.js';
import type { ContractView } from '../contracts/contractView.js';
import type { Sla } from '../contracts/deadlines.js';

export type ProgressStepType =
  | 'created' | 'notified' | 'viewed' | 'code_sent' | 'signed' | 'declined'
  | 'completed' | 'contract_declined' | 'expired' | 'voided';

export interface ProgressStep {
  type: ProgressStepType;
  at: string;
  /** The party the step belongs to, by role and label only: other parties' names stay off this page. */
  role?: string;
  label?: string;
  you?: boolean;
}

export interface SigningProgress {
  contract: {
    contractNumber: string; title: string; status: string; createdAt: string; completedAt: string | null; closedAt: string | null;
    /** The utility's reason when it voided the contract; a party's decline reason stays theirs. */
    voidReason: string | null;
  };
  /** Who to call: the organisation the contract is made for. */
  utility: { name: string; phone: string };
  deadline: { at: string; workingDays: number; workingDaysElapsed: number; sla: Sla };
  you: { role: string; label: string; status: string };
  parties: { order: number; role: string; label: string; kind: string; status: string; you: boolean; signedAt: string | null; declinedAt: string | null }[];
  /** Who has to act now; null once the contract is closed. */
  next: { role: string; label: string; you: boolean } | null;
  steps: ProgressStep[];
  document: { version: number; sha256: string; url: string };
}

const STEP_OF: Record<string, ProgressStepType> = {
  'contract.created': 'created',
  'signer.notified': 'notified',
  'signer.viewed': 'viewed',
  'signer.code_sent': 'code_sent',
  'signer.signed': 'signed',
  'signer.declined': 'declined',
  'contract.completed': 'completed',
  'contract.declined': 'contract_declined',
  'contract.expired': 'expired',
  'contract.voided': 'voided',
};

/**
 * The timeline a link holder may see. Built from the audit trail, but only the step and its time leave
 * it: no IP, user agent, certificate, reason or name of another party. Codes sent to someone else and
 * repeated views are left out — they say nothing about progress and something about a person.
 */
export function signingProgress(
  contract: ContractView,
  title: string,
  events: EventRow[],
  selfId: string,
  documentUrl: string,
  utility: { name: string; phone: string },
): SigningProgress {
  const byId = new Map(contract.signers.map((s) => [s.id, s]));
  const seenViews = new Set<string>();
  const steps: ProgressStep[] = [];
  for (const e of events) {
    const type = STEP_OF[e.type];
    if (!type) continue;
    const signerId = typeof e.data?.signerId === 'string' ? e.data.signerId : undefined;
    const signer = signerId ? byId.get(signerId) : undefined;
    if (type === 'code_sent' && signerId !== selfId) continue;
    if (type === 'viewed') {
      if (!signerId || seenViews.has(signerId)) continue;
      seenViews.add(signerId);
    }
    steps.push({
      type,
      at: new Date(e.at).toISOString(),
      ...(signer ? { role: signer.role, label: signer.label, you: signer.id === selfId } : {}),
    });
  }
  const self = byId.get(selfId)!;
  const open = contract.status === 'awaiting_signatures' || contract.status === 'partially_signed';
  const nextSigner = open ? contract.signers.find((s) => s.status !== 'signed') : undefined;
  return {
    contract: {
      contractNumber: contract.contractNumber,
      title,
      status: contract.status,
      createdAt: contract.createdAt,
      completedAt: contract.completedAt,
      closedAt: contract.closedAt,
      voidReason: contract.status === 'voided' ? contract.closeReason : null,
    },
    utility,
    deadline: { at: contract.deadline, workingDays: contract.deadlineWorkingDays, workingDaysElapsed: contract.workingDaysElapsed, sla: contract.sla },
    you: { role: self.role, label: self.label, status: self.status },
    parties: contract.signers.map((s) => ({
      order: s.order, role: s.role, label: s.label, kind: s.kind, status: s.status, you: s.id === selfId,
      signedAt: s.signedAt, declinedAt: s.declinedAt ?? null,
    })),
    next: nextSigner ? { role: nextSigner.role, label: nextSigner.label, you: nextSigner.id === selfId } : null,
    steps,
    document: { version: contract.document.version, sha256: contract.document.sha256, url: documentUrl },
  };
}
