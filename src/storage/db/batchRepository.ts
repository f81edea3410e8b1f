import type { Queryable } from './database.js';

export type BatchKind = 'issue' | 'countersign';
export type ItemStatus = 'pending' | 'created' | 'existing' | 'signed' | 'skipped' | 'failed';

export interface BatchRow {
  id: string;
  seq: string;
  organisation_id: string;
  kind: BatchKind;
  template_id: string | null;
  template_version: number | null;
  options: { notify?: boolean; deadlineWorkingDays?: number; autoSign?: boolean };
  source_batch_id: string | null;
  requested_by: { actor: { type: 'api_key' | 'signer' | 'system' | 'staff'; id: string; role?: string }; ip?: string; userAgent?: string };
  status: 'queued' | 'running' | 'completed';
  total: number;
  created_at: Date;
  started_at: Date | null;
  finished_at: Date | null;
}

export interface NewItem {
  idx: number;
  reference: string | null;
  source_row?: number | null;
  /** An item refused before it was queued (a sheet row with errors): stored as failed, never worked. */
  rejected?: { code: string; error: { message: string; details?: unknown[] } };
  priority: boolean;
  variables: Record<string, unknown> | null;
  contract_id: string | null;
}

export interface ItemRow {
  batch_id: string;
  idx: number;
  reference: string | null;
  source_row: number | null;
  priority: boolean;
  variables: Record<string, unknown> | null;
  contract_id: string | null;
  status: ItemStatus;
  error_code: string | null;
  error: { message: string; details?: unknown[] } | null;
  attempts: number;
  lease_until: Date | null;
}

export interface ItemResultRow extends Omit<ItemRow, 'variables' | 'lease_until'> {
  contract_number: string | null;
  contract_status: string | null;
}

/** Rows per INSERT: a 10 000-item batch is twenty statements, each well under the parameter limit. */
const INSERT_CHUNK = 500;

/** SQL for batches and their items. */
export const batchRepository = {
  async insert(tx: Queryable, b: Omit<BatchRow, 'seq' | 'status' | 'created_at' | 'started_at' | 'finished_at'>, items: NewItem[]): Promise<void> {
    const [{ seq }] = (
      await tx.query<{ seq: string }>(
        `INSERT INTO batches (id, organisation_id, kind, template_id, template_version, options, source_batch_id, requested_by, total)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING seq`,
        [b.id, b.organisation_id, b.kind, b.template_id, b.template_version, b.options, b.source_batch_id, b.requested_by, b.total],
      )
    ).rows;
    for (let i = 0; i < items.length; i += INSERT_CHUNK) {
      const chunk = items.slice(i, i + INSERT_CHUNK);
      await tx.query(
        `INSERT INTO batch_items (batch_id, batch_seq, idx, reference, priority, variables, contract_id, source_row, status, error_code, error, processed_at)
         SELECT $1, $2, idx, reference, priority, variables, contract_id, source_row,
                CASE WHEN code IS NULL THEN 'pending' ELSE 'failed' END, code, error, CASE WHEN code IS NULL THEN NULL ELSE now() END
         FROM unnest($3::int[], $4::text[], $5::boolean[], $6::jsonb[], $7::text[], $8::int[], $9::text[], $10::jsonb[])
           AS x(idx, reference, priority, variables, contract_id, source_row, code, error)`,
        [
          b.id,
          seq,
          chunk.map((x) => x.idx),
          chunk.map((x) => x.reference),
          chunk.map((x) => x.priority),
          chunk.map((x) => (x.variables === null ? null : JSON.stringify(x.variables))),
          chunk.map((x) => x.contract_id),
          chunk.map((x) => x.source_row ?? null),
          chunk.map((x) => x.rejected?.code ?? null),
          chunk.map((x) => (x.rejected ? JSON.stringify(x.rejected.error) : null)),
        ],
      );
    }
  },

  async get(db: Queryable, id: string): Promise<BatchRow | undefined> {
    return (await db.query<BatchRow>('SELECT * FROM batches WHERE id = $1', [id])).rows[0];
  },

  async byIds(db: Queryable, ids: string[]): Promise<BatchRow[]> {
    return (await db.query<BatchRow>('SELECT * FROM batches WHERE id = ANY($1)', [ids])).rows;
  },

  /** Newest first, after the cursor (a batch seq) when there is one. */
  async list(db: Queryable, organisationId: string, limit: number, beforeSeq?: string): Promise<BatchRow[]> {
    return (
      await db.query<BatchRow>(
        `SELECT * FROM batches WHERE organisation_id = $1 AND ($2::bigint IS NULL OR seq < $2::bigint) ORDER BY seq DESC LIMIT $3`,
        [organisationId, beforeSeq ?? null, limit],
      )
    ).rows;
  },

  async counts(db: Queryable, batchIds: string[]): Promise<Array<{ batch_id: string; status: ItemStatus; n: number }>> {
    const res = await db.query<{ batch_id: string; status: ItemStatus; n: string }>(
      'SELECT batch_id, status, count(*) AS n FROM batch_items WHERE batch_id = ANY($1) GROUP BY batch_id, status',
      [batchIds],
    );
    return res.rows.map((r) => ({ ...r, n: Number(r.n) }));
  },

  /** Items in order with the contract each made or signed, from index `from`; only those of the statuses asked for. */
  async results(db: Queryable, batchId: string, opts: { from: number; limit: number; statuses?: ItemStatus[] }): Promise<ItemResultRow[]> {
    return (
      await db.query<ItemResultRow>(
        `SELECT i.batch_id, i.idx, i.reference, i.source_row, i.priority, i.contract_id, i.status, i.error_code, i.error, i.attempts,
                c.contract_number, c.status AS contract_status
         FROM batch_items i LEFT JOIN contracts c ON c.id = i.contract_id
         WHERE i.batch_id = $1 AND i.idx >= $2 AND ($4::text[] IS NULL OR i.status = ANY($4::text[]))
         ORDER BY i.idx LIMIT $3`,
        [batchId, opts.from, opts.limit, opts.statuses ?? null],
      )
    ).rows;
  },

  /** Which of these contracts are the organisation's. */
  async contractsOfOrganisation(db: Queryable, organisationId: string, ids: string[]): Promise<string[]> {
    const res = await db.query<{ id: string }>('SELECT id FROM contracts WHERE id = ANY($1) AND organisation_id = $2', [ids, organisationId]);
    return res.rows.map((r) => r.id);
  },

  /** The contracts an issue batch made (or found made before), for its countersign batch. */
  async contractsOf(db: Queryable, batchId: string): Promise<string[]> {
    const res = await db.query<{ contract_id: string }>(
      `SELECT contract_id FROM batch_items WHERE batch_id = $1 AND contract_id IS NOT NULL ORDER BY idx`,
      [batchId],
    );
    return res.rows.map((r) => r.contract_id);
  },

  /**
   * Leases up to `limit` due items: green-channel items first, then batches in the order they came.
   * An item whose lease ran out (its worker died, or it waits out a retry delay) is due again.
   */
  async claim(db: Queryable, limit: number, leaseMs: number): Promise<ItemRow[]> {
    const res = await db.query<ItemRow>(
      // Milliseconds, as JavaScript dates hold them: the lease is compared when the outcome is written.
      `UPDATE batch_items SET lease_until = date_trunc('milliseconds', now() + ($2::int * interval '1 millisecond')), attempts = attempts + 1
       WHERE (batch_id, idx) IN (
         SELECT batch_id, idx FROM batch_items
         WHERE status = 'pending' AND (lease_until IS NULL OR lease_until < now())
         ORDER BY priority DESC, batch_seq, idx LIMIT $1 FOR UPDATE SKIP LOCKED)
       RETURNING batch_id, idx, reference, source_row, priority, variables, contract_id, status, error_code, error, attempts, lease_until`,
      [limit, leaseMs],
    );
    return res.rows;
  },

  /**
   * Writes an item's outcome, only while the caller still holds its lease; the variables go, since the
   * contract keeps its own sealed copy. False when the lease was lost (the item is someone else's now).
   */
  async settle(db: Queryable, item: Pick<ItemRow, 'batch_id' | 'idx' | 'lease_until'>, outcome: { status: ItemStatus; contractId?: string; code?: string; error?: ItemRow['error'] }): Promise<boolean> {
    const res = await db.query(
      `UPDATE batch_items SET status = $4, contract_id = COALESCE($5, contract_id), error_code = $6, error = $7,
         variables = NULL, lease_until = NULL, processed_at = now()
       WHERE batch_id = $1 AND idx = $2 AND lease_until = $3`,
      [item.batch_id, item.idx, item.lease_until, outcome.status, outcome.contractId ?? null, outcome.code ?? null, outcome.error ?? null],
    );
    return res.rowCount === 1;
  },

  /** Puts an item back for a later attempt: its lease becomes the delay before the next one. */
  async retryLater(db: Queryable, item: Pick<ItemRow, 'batch_id' | 'idx' | 'lease_until'>, delayMs: number, error: ItemRow['error']): Promise<void> {
    await db.query(
      `UPDATE batch_items SET lease_until = date_trunc('milliseconds', now() + ($4::int * interval '1 millisecond')), error = $5
       WHERE batch_id = $1 AND idx = $2 AND lease_until = $3`,
      [item.batch_id, item.idx, item.lease_until, delayMs, error],
    );
  },

  /** Marks batches running once work on them starts, and completed when no item waits. */
  async advance(db: Queryable, batchIds: string[]): Promise<Array<{ id: string; status: string }>> {
    return (
      await db.query<{ id: string; status: string }>(
        `UPDATE batches b SET
           started_at = COALESCE(b.started_at, now()),
           status = CASE WHEN p.waiting THEN 'running' ELSE 'completed' END,
           finished_at = CASE WHEN p.waiting THEN NULL ELSE now() END
         FROM (SELECT x.id, EXISTS (SELECT 1 FROM batch_items i WHERE i.batch_id = x.id AND i.status = 'pending') AS waiting
               FROM batches x WHERE x.id = ANY($1) AND x.status <> 'completed') p
         WHERE b.id = p.id
         RETURNING b.id, b.status`,
        [batchIds],
      )
    ).rows;
  },
};
