import type { Queryable } from '../storage/db/database.js';

/** Who did something and from where: recorded with every audit event. The HTTP layer fills it in. */
export interface Actor {
  type: 'api_key' | 'signer' | 'system';
  id: string;
  role?: string;
}

export interface RequestContext {
  actor: Actor;
  ip?: string;
  userAgent?: string;
  /**
   * Work the caller needs committed in the same transaction as the action's state change: the request's
   * Idempotency-Key record, so a crash can never leave the action done and its key unrecorded.
   */
  commit?: (tx: Queryable, resourceId: string) => Promise<void>;
}

export const SYSTEM: RequestContext = { actor: { type: 'system', id: 'system' } };
