import { createHmac, hkdfSync, randomUUID } from 'node:crypto';
import type { Queryable } from '../storage/db/database.js';
import { eventRepository, type EventRow } from '../storage/db/eventRepository.js';
import { canonicalJson } from '../domain/canonicalJson.js';
import type { RequestContext } from '../domain/requestContext.js';

/** Event types pushed to webhooks; the others are kept for the audit trail only. */
export const WEBHOOK_EVENT_TYPES = [
  'contract.created',
  'signer.notified',
  'signer.viewed',
  'signer.signed',
  'signer.declined',
  'signer.correction_requested',
  'contract.completed',
  'contract.declined',
  'contract.expired',
  'contract.voided',
  // A workflow that hands out the signing links itself learns here which were replaced (linksReplaced).
  'contract.deadline_extended',
] as const;

export type EventType =
  | (typeof WEBHOOK_EVENT_TYPES)[number]
  | 'signer.code_sent'
  | 'signer.code_failed'
  | 'signer.code_not_sent'
  | 'signer.locked'
  | 'signer.access_granted'
  | 'signing_link.read'
  | 'document.downloaded'
  | 'document.verified'
  | 'certificate.issued'
  | 'certificate.revoked'
  | 'document.timestamp_renewed'
  | 'signer.link_resent'
  // On the organisation's own chain (organisationChain): its staff's accounts and sign-ins, its API keys.
  | 'staff.user_created'
  | 'staff.setup_link_issued'
  | 'staff.setup_completed'
  | 'staff.signed_in'
  | 'staff.sign_in_failed'
  | 'staff.locked'
  | 'staff.stepped_up'
  | 'staff.signed_out'
  | 'staff.user_disabled'
  | 'organisation.api_key_created'
  | 'organisation.api_key_revoked'
  | 'interruption.recorded'
  | 'interruption.revised'
  | 'reliability.customers_served_set';

/** The chain of an organisation's events that belong to no contract (its staff's accounts and sign-ins, its API keys). */
export const organisationChain = (organisationId: string) => `organisation:${organisationId}`;

export interface NewEvent {
  contractId: string | null;
  type: EventType;
  ctx: RequestContext;
  at: Date;
  document?: { version: number; sha256: string };
  data?: Record<string, unknown>;
}

const GENESIS = '0'.repeat(64);

/**
 * The fields a hash covers, in one place, so appending and verifying can never disagree. The hash is
 * an HMAC under a key derived from the master key: whoever can rewrite the table but does not hold the
 * key cannot recompute the chain after an edit.
 */
function hashOf(key: Buffer, e: Omit<EventRow, 'hash'>): string {
  return createHmac('sha256', key)
    .update(
      canonicalJson({
        id: e.id,
        contractId: e.contract_id,
        seq: e.seq,
        type: e.type,
        at: new Date(e.at).toISOString(),
        actorType: e.actor_type,
        actorId: e.actor_id,
        ip: e.ip,
        userAgent: e.user_agent,
        documentVersion: e.document_version,
        documentSha256: e.document_sha256,
        data: e.data,
        prevHash: e.prev_hash,
      }),
    )
    .digest('hex');
}

export interface ChainCheck {
  valid: boolean;
  /** The first event whose hash or link does not match, when the chain is broken. */
  brokenAt?: { seq: number; id: string; problem: 'hash_mismatch' | 'link_mismatch' | 'sequence_gap' };
}

export interface AuditTrail {
  /**
   * Takes the contract's chain lock in this transaction and reads the chain's head once; later appends
   * in the same transaction continue from the head they left, without another round trip.
   */
  lock(tx: Queryable, contractId: string | null): Promise<void>;
  /**
   * Appends an event to its contract's hash chain inside the caller's transaction, and queues it for
   * every webhook that subscribed to its type (the outbox), so state, event and delivery commit together.
   */
  append(tx: Queryable, e: NewEvent): Promise<EventRow>;
  /** Recomputes every hash and link: any edit of a stored event (or a removed one) shows. */
  verify(events: EventRow[]): ChainCheck;
}

export function createAuditTrail(masterKey: Buffer): AuditTrail {
  const key = Buffer.from(hkdfSync('sha256', masterKey, Buffer.alloc(0), 'water-esign audit chain v1', 32));
  // Each transaction gets its own Queryable, so a head remembered here never outlives the lock it was read under.
  const heads = new WeakMap<Queryable, Map<string, ChainHead | null>>();

  async function head(tx: Queryable, chain: string): Promise<{ last: ChainHead | null; held: Map<string, ChainHead | null> }> {
    // Outside a transaction the lock ends with the statement: nothing read there may be remembered.
    if ('transaction' in tx) throw new Error('audit events are appended inside a transaction');
    let held = heads.get(tx);
    if (!held) heads.set(tx, (held = new Map()));
    if (!held.has(chain)) {
      await eventRepository.lockChain(tx, chain);
      held.set(chain, (await eventRepository.last(tx, chain)) ?? null);
    }
    return { last: held.get(chain)!, held };
  }

  return {
    async lock(tx, contractId) {
      await head(tx, contractId ?? '');
    },
    async append(tx, e) {
      const chain = e.contractId ?? '';
      const { last, held } = await head(tx, chain);
      const event = nextEvent(key, chain, last, e);
      // Webhooks can only subscribe to WEBHOOK_EVENT_TYPES, so audit-only events queue nothing.
      await eventRepository.insertAndEnqueue(tx, event);
      held.set(chain, { seq: event.seq, hash: event.hash });
      return event;
    },
    verify: (events) => verifyChain(key, events),
  };
}

type ChainHead = Pick<EventRow, 'seq' | 'hash'>;

function nextEvent(key: Buffer, chain: string, last: ChainHead | null, e: NewEvent): EventRow {
  const row: Omit<EventRow, 'hash'> = {
    id: randomUUID(),
    contract_id: chain,
    seq: (last?.seq ?? 0) + 1,
    type: e.type,
    at: e.at,
    actor_type: e.ctx.actor.type,
    actor_id: e.ctx.actor.id,
    ip: e.ctx.ip ?? null,
    user_agent: e.ctx.userAgent ? e.ctx.userAgent.slice(0, 300) : null,
    document_version: e.document?.version ?? null,
    document_sha256: e.document?.sha256 ?? null,
    data: e.data ?? {},
    prev_hash: last?.hash ?? GENESIS,
  };
  return { ...row, hash: hashOf(key, row) };
}

function verifyChain(key: Buffer, events: EventRow[]): ChainCheck {
  let prev = GENESIS;
  for (let i = 0; i < events.length; i++) {
    const e = events[i];
    if (e.seq !== i + 1) return { valid: false, brokenAt: { seq: e.seq, id: e.id, problem: 'sequence_gap' } };
    if (e.prev_hash !== prev) return { valid: false, brokenAt: { seq: e.seq, id: e.id, problem: 'link_mismatch' } };
    const { hash, ...rest } = e;
    if (hashOf(key, rest) !== hash) return { valid: false, brokenAt: { seq: e.seq, id: e.id, problem: 'hash_mismatch' } };
    prev = hash;
  }
  return { valid: true };
}

export type EventView = ReturnType<typeof eventView>;

export function eventView(e: EventRow) {
  return {
    id: e.id,
    seq: e.seq,
    type: e.type,
    at: new Date(e.at).toISOString(),
    actor: { type: e.actor_type, id: e.actor_id },
    ip: e.ip,
    userAgent: e.user_agent,
    document: e.document_version && e.document_sha256 ? { version: e.document_version, sha256: e.document_sha256 } : null,
    data: e.data,
    prevHash: e.prev_hash,
    hash: e.hash,
  };
}
