import type { Queryable } from './database.js';

export interface EventRow {
  id: string;
  contract_id: string;
  seq: number;
  type: string;
  at: Date;
  actor_type: string;
  actor_id: string;
  ip: string | null;
  user_agent: string | null;
  document_version: number | null;
  document_sha256: string | null;
  data: Record<string, unknown>;
  prev_hash: string;
  hash: string;
}

export const eventRepository = {
  /** Serialises appends to one chain across transactions and service instances. */
  async lockChain(tx: Queryable, chain: string): Promise<void> {
    await tx.query(`SELECT pg_advisory_xact_lock(hashtext('contract_events:' || $1))`, [chain]);
  },

  async last(tx: Queryable, chain: string): Promise<Pick<EventRow, 'seq' | 'hash'> | undefined> {
    const res = await tx.query<Pick<EventRow, 'seq' | 'hash'>>(
      'SELECT seq, hash FROM contract_events WHERE contract_id = $1 ORDER BY seq DESC LIMIT 1',
      [chain],
    );
    return res.rows[0];
  },

  /**
   * Inserts the event and, in the same statement, queues it for every webhook of the contract's
   * organisation subscribed to its type (the outbox): one round trip, and the two can never be written apart.
   */
  async insertAndEnqueue(tx: Queryable, e: EventRow): Promise<void> {
    await tx.query(
      `WITH e AS (
         INSERT INTO contract_events (id, contract_id, seq, type, at, actor_type, actor_id, ip, user_agent,
           document_version, document_sha256, data, prev_hash, hash)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)
         RETURNING id, contract_id, type)
       INSERT INTO webhook_deliveries (webhook_id, event_id, contract_id)
       SELECT w.id, e.id, e.contract_id FROM e
         JOIN contracts c ON c.id = e.contract_id
         JOIN webhooks w ON w.organisation_id = c.organisation_id AND w.deleted_at IS NULL AND e.type = ANY(w.event_types)`,
      [e.id, e.contract_id, e.seq, e.type, e.at, e.actor_type, e.actor_id, e.ip, e.user_agent,
        e.document_version, e.document_sha256, JSON.stringify(e.data), e.prev_hash, e.hash],
    );
  },

  async chain(db: Queryable, chain: string): Promise<EventRow[]> {
    const res = await db.query<EventRow>('SELECT * FROM contract_events WHERE contract_id = $1 ORDER BY seq', [chain]);
    return res.rows;
  },
};
