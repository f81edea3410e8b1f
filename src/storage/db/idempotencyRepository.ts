import type { Queryable } from './database.js';

export interface IdempotencyRecord {
  operation: string;
  request_hash: string;
  resource_id: string;
}

/** Idempotency keys are scoped to the caller (API key id), so two clients cannot collide. */
export const idempotencyRepository = {
  async find(db: Queryable, principal: string, key: string): Promise<IdempotencyRecord | undefined> {
    const res = await db.query<IdempotencyRecord>(
      'SELECT operation, request_hash, resource_id FROM idempotency_keys WHERE principal = $1 AND key = $2',
      [principal, key],
    );
    return res.rows[0];
  },

  /** Inserts inside the caller's transaction; a concurrent twin fails on the primary key and rolls back. */
  async insert(tx: Queryable, principal: string, key: string, rec: IdempotencyRecord): Promise<void> {
    await tx.query(
      `INSERT INTO idempotency_keys (principal, key, operation, request_hash, resource_id) VALUES ($1, $2, $3, $4, $5)`,
      [principal, key, rec.operation, rec.request_hash, rec.resource_id],
    );
  },
};
