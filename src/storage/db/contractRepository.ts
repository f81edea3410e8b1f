import type { Queryable } from './database.js';

export interface ContractRow {
  id: string;
  seq: number;
  organisation_id: string;
  contract_number: string;
  template_id: string;
  template_version: number;
  template_sha256: string;
  reference: string;
  status: string;
  /** Sealed at rest as {"$sealed": …} (PersonalData); readable only after openVariables. */
  variables: Record<string, unknown>;
  auto_sign: boolean | null;
  priority: boolean;
  /** false: the workflow sends the signing links itself. */
  notify: boolean;
  /** The utility as printed in the generated PDF; null for contracts made before it was kept. */
  printed_party?: { name: string; creditCode: string; address: string; phone: string } | null;
  deadline_working_days: number;
  deadline: Date;
  /** The deadline before the first extension; null when it was never extended. */
  first_deadline: Date | null;
  completed_at: Date | null;
  closed_at: Date | null;
  close_reason: string | null;
  created_by: string;
  created_at: Date;
  updated_at: Date;
}

export interface DocumentVersionRow {
  contract_id: string;
  version: number;
  object_key: string;
  sha256: string;
  size: number;
  reason: string;
  /** For a version ending in a document timestamp: when its TSA certificate expires (renew before). */
  archive_until?: Date | null;
  created_at: Date;
}

export interface SignerRow {
  id: string;
  contract_id: string;
  position: number;
  role: string;
  label: string;
  kind: 'person' | 'organisation';
  name: string;
  field_name: string;
  status: string;
  signed_at: Date | null;
  certificate_serial: string | null;
  id_type: string | null;
  /** Sealed at rest (PersonalData); readable only after openSigner. */
  id_number: string | null;
  mobile: string | null;
  mobile_index: string | null;
  token_hash: string | null;
  token_expires_at: Date | null;
  failed_attempts: number;
  locked_until: Date | null;
  declined_at: Date | null;
  decline_reason: string | null;
  notified_at: Date | null;
  viewed_at: Date | null;
  timestamp_at: Date | null;
}

type SignerState =
  | 'signed_at' | 'certificate_serial' | 'failed_attempts' | 'locked_until' | 'declined_at' | 'decline_reason' | 'notified_at' | 'viewed_at'
  | 'timestamp_at';
type ContractState = 'seq' | 'created_at' | 'updated_at' | 'completed_at' | 'closed_at' | 'close_reason' | 'first_deadline';

export interface NewContract {
  contract: Omit<ContractRow, ContractState> & { created_at: Date };
  document: Omit<DocumentVersionRow, 'created_at'>;
  signers: Omit<SignerRow, SignerState>[];
}

export type SlaFilter = 'on_track' | 'at_risk' | 'overdue' | 'met' | 'missed';

export interface ContractFilter {
  /** Null: every organisation's (the service's own sweeps). */
  organisationId: string | null;
  reference?: string;
  status?: string;
  sla?: SlaFilter;
  templateId?: string;
  priority?: boolean;
  createdFrom?: Date;
  createdBefore?: Date;
  /** Whose turn it is: the utility's seal, or a person's signature. */
  awaiting?: 'utility' | 'person';
  /** A reference or contract number (whole or its start), a signer's name (any part), or a mobile's blind index. */
  search?: { text: string; mobileIndex?: string };
  /** Needed with sla: the current time and the end of today (China time). */
  now?: Date;
  todayEnd?: Date;
  after?: { priority: boolean; seq: number };
  limit: number;
}

const OPEN = `status IN ('awaiting_signatures', 'partially_signed')`;

/** The SQL twin of deadlineView(): keep the two in step. */
function slaCondition(sla: SlaFilter, now: Date, todayEnd: Date, p: (v: unknown) => string): string {
  switch (sla) {
    case 'overdue':
      return `${OPEN} AND deadline < ${p(now)}`;
    case 'at_risk':
      return `${OPEN} AND deadline >= ${p(now)} AND deadline <= ${p(todayEnd)}`;
    case 'on_track':
      return `${OPEN} AND deadline > ${p(todayEnd)} AND deadline >= ${p(now)}`;
    case 'met':
      return `status = 'completed' AND completed_at <= deadline`;
    case 'missed':
      return `((status = 'completed' AND completed_at > deadline) OR status IN ('declined', 'expired', 'voided'))`;
  }
}

/** SQL for contracts, their document versions and signers; the same statements run on PostgreSQL and PGlite. */
export const contractRepository = {
  async nextContractSequence(db: Queryable): Promise<number> {
    const res = await db.query<{ n: number }>(`SELECT nextval('contract_number_seq') AS n`);
    return Number(res.rows[0].n);
  },

  async insert(tx: Queryable, c: NewContract): Promise<void> {
    const k = c.contract;
    await tx.query(
      `INSERT INTO contracts (id, contract_number, template_id, template_version, template_sha256, reference, status,
         variables, auto_sign, priority, deadline_working_days, deadline, created_by, created_at, updated_at, organisation_id, notify, printed_party)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $14, $15, $16, $17)`,
      [k.id, k.contract_number, k.template_id, k.template_version, k.template_sha256, k.reference, k.status,
        JSON.stringify(k.variables), k.auto_sign, k.priority, k.deadline_working_days, k.deadline, k.created_by, k.created_at, k.organisation_id, k.notify, k.printed_party ? JSON.stringify(k.printed_party) : null],
    );
    await this.insertDocumentVersion(tx, c.document);
    for (const s of c.signers) {
      await tx.query(
        `INSERT INTO signers (id, contract_id, position, role, label, kind, name, field_name, status,
           id_type, id_number, mobile, mobile_index, token_hash, token_expires_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15)`,
        [s.id, s.contract_id, s.position, s.role, s.label, s.kind, s.name, s.field_name, s.status,
          s.id_type, s.id_number, s.mobile, s.mobile_index, s.token_hash, s.token_expires_at],
      );
    }
  },

  async insertDocumentVersion(tx: Queryable, d: Omit<DocumentVersionRow, 'created_at'>): Promise<void> {
    await tx.query(
      `INSERT INTO document_versions (contract_id, version, object_key, sha256, size, reason)
       VALUES ($1, $2, $3, $4, $5, $6)`,
      [d.contract_id, d.version, d.object_key, d.sha256, d.size, d.reason],
    );
  },

  async get(db: Queryable, id: string): Promise<ContractRow | undefined> {
    const res = await db.query<ContractRow>('SELECT * FROM contracts WHERE id = $1', [id]);
    return res.rows[0];
  },

  /** Newest first, green-channel contracts before the others; `after` is the last row of the previous page. */
  async list(db: Queryable, f: ContractFilter): Promise<ContractRow[]> {
    const where: string[] = [];
    const params: unknown[] = [];
    const p = (v: unknown) => `$${params.push(v)}`;
    if (f.organisationId !== null) where.push(`organisation_id = ${p(f.organisationId)}`);
    if (f.reference !== undefined) where.push(`reference = ${p(f.reference)}`);
    if (f.status !== undefined) where.push(`status = ${p(f.status)}`);
    if (f.sla !== undefined) where.push(slaCondition(f.sla, f.now!, f.todayEnd!, p));
    if (f.templateId !== undefined) where.push(`template_id = ${p(f.templateId)}`);
    if (f.priority !== undefined) where.push(`priority = ${p(f.priority)}`);
    if (f.createdFrom) where.push(`created_at >= ${p(f.createdFrom)}`);
    if (f.createdBefore) where.push(`created_at < ${p(f.createdBefore)}`);
    if (f.awaiting) {
      where.push(`${OPEN} AND (SELECT s.kind FROM signers s WHERE s.contract_id = contracts.id AND s.status <> 'signed' ORDER BY s.position LIMIT 1) = ${p(f.awaiting === 'utility' ? 'organisation' : 'person')}`);
    }
    if (f.search) {
      const prefix = p(`${f.search.text.replace(/[\\%_]/g, (c) => `\\${c}`)}%`);
      const anywhere = p(`%${f.search.text.replace(/[\\%_]/g, (c) => `\\${c}`)}%`);
      where.push(`(reference LIKE ${prefix} OR contract_number LIKE ${prefix}
        OR EXISTS (SELECT 1 FROM signers s WHERE s.contract_id = contracts.id AND s.kind = 'person'
                   AND (s.name LIKE ${anywhere}${f.search.mobileIndex ? ` OR s.mobile_index = ${p(f.search.mobileIndex)}` : ''})))`);
    }
    if (f.after) where.push(`(priority::int, seq) < (${p(f.after.priority ? 1 : 0)}, ${p(f.after.seq)})`);
    const sql = `SELECT * FROM contracts ${where.length ? `WHERE ${where.join(' AND ')}` : ''}
                 ORDER BY priority DESC, seq DESC LIMIT ${p(f.limit)}`;
    return (await db.query<ContractRow>(sql, params)).rows;
  },

  /** Moves an open contract to a closed status; false when it was no longer open. */
  async close(tx: Queryable, id: string, to: string, from: string[], at: Date, reason: string | null): Promise<boolean> {
    const res = await tx.query(
      `UPDATE contracts SET status = $2, closed_at = $4, close_reason = $5, updated_at = $4
       WHERE id = $1 AND status = ANY($3)`,
      [id, to, from, at, reason],
    );
    return res.rowCount === 1;
  },

  /** Open contracts past their deadline, locked for this caller only (other instances skip them). */
  async lockOverdue(tx: Queryable, now: Date, open: readonly string[], limit: number): Promise<ContractRow[]> {
    const res = await tx.query<ContractRow>(
      `SELECT * FROM contracts WHERE status = ANY($1) AND deadline < $2
       ORDER BY deadline LIMIT $3 FOR UPDATE SKIP LOCKED`,
      [open, now, limit],
    );
    return res.rows;
  },

  /**
   * Marks that the signer's turn came, once. A signer who already opened their link keeps the status
   * viewed, but the turn is still recorded (and announced) so the workflow can prompt them.
   */
  async markSignerNotified(tx: Queryable, signerId: string, from: string[], at: Date): Promise<boolean> {
    const res = await tx.query(
      `UPDATE signers SET status = CASE WHEN status = ANY($2) THEN 'notified' ELSE status END, notified_at = $3
       WHERE id = $1 AND notified_at IS NULL AND status IN ('pending', 'viewed')`,
      [signerId, from, at],
    );
    return res.rowCount === 1;
  },

  async documentVersions(db: Queryable, contractIds: string[]): Promise<DocumentVersionRow[]> {
    if (contractIds.length === 0) return [];
    const res = await db.query<DocumentVersionRow>(
      'SELECT * FROM document_versions WHERE contract_id = ANY($1) ORDER BY contract_id, version',
      [contractIds],
    );
    return res.rows;
  },

  async signers(db: Queryable, contractIds: string[]): Promise<SignerRow[]> {
    if (contractIds.length === 0) return [];
    const res = await db.query<SignerRow>(
      'SELECT * FROM signers WHERE contract_id = ANY($1) ORDER BY contract_id, position',
      [contractIds],
    );
    return res.rows;
  },
};
