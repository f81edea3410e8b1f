import type { Queryable } from './database.js';

export interface ContractRow {
  id: string;
  seq: number;
  contract_number: string;
  template_id: string;
  template_version: number;
  template_sha256: string;
  reference: string;
  status: string;
  variables: Record<string, unknown>;
  auto_sign: boolean | null;
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
  id_number: string | null;
  mobile: string | null;
  token_hash: string | null;
  token_expires_at: Date | null;
  failed_attempts: number;
  locked_until: Date | null;
  declined_at: Date | null;
  decline_reason: string | null;
}

type SignerState = 'signed_at' | 'certificate_serial' | 'failed_attempts' | 'locked_until' | 'declined_at' | 'decline_reason';

export interface NewContract {
  contract: Omit<ContractRow, 'seq' | 'created_at' | 'updated_at'> & { created_at: Date };
  document: Omit<DocumentVersionRow, 'created_at'>;
  signers: Omit<SignerRow, SignerState>[];
}

export interface ContractFilter {
  reference?: string;
  status?: string;
  afterSeq?: number;
  limit: number;
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
         variables, auto_sign, created_by, created_at, updated_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $11)`,
      [k.id, k.contract_number, k.template_id, k.template_version, k.template_sha256, k.reference, k.status,
        JSON.stringify(k.variables), k.auto_sign, k.created_by, k.created_at],
    );
    await this.insertDocumentVersion(tx, c.document);
    for (const s of c.signers) {
      await tx.query(
        `INSERT INTO signers (id, contract_id, position, role, label, kind, name, field_name, status,
           id_type, id_number, mobile, token_hash, token_expires_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)`,
        [s.id, s.contract_id, s.position, s.role, s.label, s.kind, s.name, s.field_name, s.status,
          s.id_type, s.id_number, s.mobile, s.token_hash, s.token_expires_at],
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

  async list(db: Queryable, f: ContractFilter): Promise<ContractRow[]> {
    const where: string[] = [];
    const params: unknown[] = [];
    if (f.reference !== undefined) where.push(`reference = $${params.push(f.reference)}`);
    if (f.status !== undefined) where.push(`status = $${params.push(f.status)}`);
    if (f.afterSeq !== undefined) where.push(`seq < $${params.push(f.afterSeq)}`);
    const sql = `SELECT * FROM contracts ${where.length ? `WHERE ${where.join(' AND ')}` : ''}
                 ORDER BY seq DESC LIMIT $${params.push(f.limit)}`;
    return (await db.query<ContractRow>(sql, params)).rows;
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
