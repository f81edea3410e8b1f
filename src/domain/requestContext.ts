import { DomainError } from './errors.js';
import type { Queryable } from '../storage/db/database.js';

/** Who did something and from where: recorded with every audit event. The HTTP layer fills it in. */
export interface Actor {
  /** staff: a utility employee signed in to the console (id: their user name). */
  type: 'api_key' | 'signer' | 'system' | 'staff';
  id: string;
  role?: string;
}

export interface RequestContext {
  actor: Actor;
  /** The organisation of the API key or staff member that acts; none for the platform admin, signers and the system. */
  organisationId?: string;
  ip?: string;
  userAgent?: string;
  /**
   * Work the caller needs committed in the same transaction as the action's state change: the request's
   * Idempotency-Key record, so a crash can never leave the action done and its key unrecorded.
   */
  commit?: (tx: Queryable, resourceId: string) => Promise<void>;
}

export const SYSTEM: RequestContext = { actor: { type: 'system', id: 'system' } };

/** Whose contracts a call may see: an organisation's keys only its own, the service itself all of them. */
export interface Scope {
  organisationId: string | null;
}

export const ALL_ORGANISATIONS: Scope = { organisationId: null };

export const visibleIn = (scope: Scope, organisationId: string): boolean => scope.organisationId === null || scope.organisationId === organisationId;

/** The scope an action runs in: its organisation, or everything for the service's own work. */
export function scopeOfContext(ctx: RequestContext): Scope {
  if (ctx.organisationId) return { organisationId: ctx.organisationId };
  if (ctx.actor.type === 'system') return ALL_ORGANISATIONS;
  throw new DomainError('forbidden', 'organisation_required', 'Only an organisation\'s API keys act on its contracts; platform admin keys manage organisations and keys');
}
