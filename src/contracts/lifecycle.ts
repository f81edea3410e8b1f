import { DomainError } from '../domain/errors.js';

/**
 * Every legal status change, in one place. Repositories update rows only from the statuses listed
 * here, so a transition that raced with another fails instead of overwriting it.
 */
export const CONTRACT_STATUSES = ['awaiting_signatures', 'partially_signed', 'completed', 'declined', 'expired', 'voided'] as const;
export type ContractStatus = (typeof CONTRACT_STATUSES)[number];

export const OPEN_CONTRACT: readonly ContractStatus[] = ['awaiting_signatures', 'partially_signed'];

const CONTRACT_TRANSITIONS: Record<ContractStatus, readonly ContractStatus[]> = {
  awaiting_signatures: ['partially_signed', 'completed', 'declined', 'expired', 'voided'],
  partially_signed: ['partially_signed', 'completed', 'declined', 'expired', 'voided'],
  completed: [],
  declined: [],
  expired: [],
  voided: [],
};

export const SIGNER_STATUSES = ['pending', 'notified', 'viewed', 'signed', 'declined'] as const;
export type SignerStatus = (typeof SIGNER_STATUSES)[number];

const SIGNER_TRANSITIONS: Record<SignerStatus, readonly SignerStatus[]> = {
  pending: ['notified', 'viewed', 'signed', 'declined'],
  notified: ['viewed', 'signed', 'declined'],
  viewed: ['signed', 'declined'],
  signed: [],
  declined: [],
};

function sources<S extends string>(table: Record<S, readonly S[]>, to: S): S[] {
  return (Object.keys(table) as S[]).filter((from) => table[from].includes(to));
}

/** The contract statuses from which `to` may be reached (for guarded UPDATEs). */
export const contractSourcesOf = (to: ContractStatus) => sources(CONTRACT_TRANSITIONS, to);
export const signerSourcesOf = (to: SignerStatus) => sources(SIGNER_TRANSITIONS, to);

export function isOpen(status: string): boolean {
  return (OPEN_CONTRACT as readonly string[]).includes(status);
}

export function assertContractTransition(from: string, to: ContractStatus): void {
  if (!CONTRACT_TRANSITIONS[from as ContractStatus]?.includes(to)) {
    throw new DomainError('conflict', 'illegal_transition', `A contract that is ${from} cannot become ${to}`, undefined, { status: from });
  }
}
