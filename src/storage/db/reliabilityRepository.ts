import type { Queryable } from './database.js';

export interface RevisionRow {
  interruption_id: string;
  revision: number;
  started_at: Date;
  ended_at: Date | null;
  planned: boolean;
  notice_given_at: Date | null;
  cause: string;
  customers: number;
  contract_ids: string[];
  supply_zones: string[];
  addresses: string[];
  description: string;
  reason: string | null;
  actor: { type: string; id: string };
  at: Date;
}

/** The latest revision of each interruption, with the interruption's organisation. */
const CURRENT = `SELECT DISTINCT ON (r.interruption_id) r.*, i.organisation_id, i.seq
  FROM interruption_revisions r JOIN interruptions i ON i.id = r.interruption_id`;

export type CurrentRow = RevisionRow & { organisation_id: string; seq: string };

/** SQL for the interruption register and the customers-served figures. */
export const reliabilityRepository = {
  async insert(tx: Queryable, id: string, organisationId: string, first: Omit<RevisionRow, 'interruption_id' | 'revision' | 'at'>): Promise<void> {
    await tx.query('INSERT INTO interruptions (id, organisation_id) VALUES ($1, $2)', [id, organisationId]);
    await reliabilityRepository.addRevision(tx, id, 1, first);
  },

  async addRevision(tx: Queryable, id: string, revision: number, r: Omit<RevisionRow, 'interruption_id' | 'revision' | 'at'>): Promise<void> {
    await tx.query(
      `INSERT INTO interruption_revisions (interruption_id, revision, started_at, ended_at, planned, notice_given_at, cause, customers,
         contract_ids, supply_zones, addresses, description, reason, actor)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)`,
      [id, revision, r.started_at, r.ended_at, r.planned, r.notice_given_at, r.cause, r.customers, r.contract_ids, r.supply_zones, r.addresses, r.description, r.reason, r.actor],
    );
  },

  /** Locks the interruption (a concurrent correction waits) and returns its latest revision. */
  async lockCurrent(tx: Queryable, organisationId: string, id: string): Promise<CurrentRow | undefined> {
    const locked = await tx.query('SELECT 1 FROM interruptions WHERE id = $1 AND organisation_id = $2 FOR UPDATE', [id, organisationId]);
    if (locked.rows.length === 0) return undefined;
    return (await tx.query<CurrentRow>(`${CURRENT} WHERE r.interruption_id = $1 ORDER BY r.interruption_id, r.revision DESC`, [id])).rows[0];
  },

  async revisions(db: Queryable, organisationId: string, id: string): Promise<RevisionRow[]> {
    return (
      await db.query<RevisionRow>(
        `SELECT r.* FROM interruption_revisions r JOIN interruptions i ON i.id = r.interruption_id
         WHERE r.interruption_id = $1 AND i.organisation_id = $2 ORDER BY r.revision`,
        [id, organisationId],
      )
    ).rows;
  },

  /** Interruptions (as they stand now) that overlap [from, to), optionally of one zone and cause, oldest first. */
  /** Interruptions (as they stand now) that overlap [from, to), optionally of one zone and cause, oldest first. */
  async overlapping(db: Queryable, f: { organisationId: string; from: Date; to: Date; zone?: string; cause?: string }): Promise<CurrentRow[]> {
    return (
      await db.query<CurrentRow>(
        `SELECT * FROM (${CURRENT} WHERE i.organisation_id = $1 ORDER BY r.interruption_id, r.revision DESC) c
         WHERE c.started_at < $3 AND (c.ended_at IS NULL OR c.ended_at > $2)
           AND ($4::text IS NULL OR $4::text = ANY(c.supply_zones)) AND ($5::text IS NULL OR c.cause = $5::text)
         ORDER BY c.started_at, c.seq`,
        [f.organisationId, f.from, f.to, f.zone ?? null, f.cause ?? null],
      )
    ).rows;
  },

  async setBill(db: Queryable, contractId: string, year: number, fen: number, by: string): Promise<void> {
    await db.query(
      `INSERT INTO agreement_bills (contract_id, year, annual_bill_fen, updated_by) VALUES ($1, $2, $3, $4)
       ON CONFLICT (contract_id, year) DO UPDATE SET annual_bill_fen = EXCLUDED.annual_bill_fen, updated_by = EXCLUDED.updated_by, updated_at = now()`,
      [contractId, year, fen, by],
    );
  },

  async bill(db: Queryable, contractId: string, year: number): Promise<number | undefined> {
    const row = (await db.query<{ annual_bill_fen: string }>('SELECT annual_bill_fen FROM agreement_bills WHERE contract_id = $1 AND year = $2', [contractId, year])).rows[0];
    return row ? Number(row.annual_bill_fen) : undefined;
  },

  async setCustomersServed(db: Queryable, organisationId: string, year: number, zone: string, customers: number, by: string): Promise<void> {
    await db.query(
      `INSERT INTO customers_served (organisation_id, year, zone, customers, updated_by) VALUES ($1, $2, $3, $4, $5)
       ON CONFLICT (organisation_id, year, zone) DO UPDATE SET customers = EXCLUDED.customers, updated_by = EXCLUDED.updated_by, updated_at = now()`,
      [organisationId, year, zone, customers, by],
    );
  },

  async customersServed(db: Queryable, organisationId: string, year: number, zone: string): Promise<number | undefined> {
    const row = (await db.query<{ customers: number }>('SELECT customers FROM customers_served WHERE organisation_id = $1 AND year = $2 AND zone = $3', [organisationId, year, zone])).rows[0];
    return row?.customers;
  },

  /** The organisation's water supply contracts in force at `at`: signed by both parties before it. */
  async activeSupplyContracts(db: Queryable, organisationId: string, at: Date): Promise<number> {
    const res = await db.query<{ n: string }>(
      `SELECT count(*) AS n FROM contracts WHERE organisation_id = $1 AND template_id = 'water-supply-contract' AND status = 'completed' AND completed_at < $2`,
      [organisationId, at],
    );
    return Number(res.rows[0].n);
  },
};
