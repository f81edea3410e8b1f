import type { Queryable } from './database.js';

export interface OrganisationRow {
  id: string;
  name: string;
  credit_code: string;
  address: string;
  phone: string;
  contract_number_prefix: string;
  seal_number: string | null;
  /** Whether its applicants may draw a handwritten signature into their signature appearance. */
  handwritten_signature: boolean;
  created_at: Date;
  updated_at: Date;
}

export interface ApiKeyRow {
  id: string;
  role: string;
  organisation_id: string | null;
  label: string;
  created_at: Date;
  revoked_at: Date | null;
}

const COLUMNS = 'id, name, credit_code, address, phone, contract_number_prefix, seal_number, handwritten_signature, created_at, updated_at';

/** SQL for organisations and their API keys. */
export const organisationRepository = {
  async get(db: Queryable, id: string): Promise<OrganisationRow | undefined> {
    return (await db.query<OrganisationRow>(`SELECT ${COLUMNS} FROM organisations WHERE id = $1`, [id])).rows[0];
  },

  async list(db: Queryable): Promise<OrganisationRow[]> {
    return (await db.query<OrganisationRow>(`SELECT ${COLUMNS} FROM organisations ORDER BY created_at, id`)).rows;
  },

  /** Undefined when the id, credit code or number prefix is taken (the caller names which). */
  async insert(db: Queryable, o: Omit<OrganisationRow, 'created_at' | 'updated_at'>): Promise<OrganisationRow | undefined> {
    const res = await db.query<OrganisationRow>(
      `INSERT INTO organisations (id, name, credit_code, address, phone, contract_number_prefix, seal_number, handwritten_signature)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT DO NOTHING RETURNING ${COLUMNS}`,
      [o.id, o.name, o.credit_code, o.address, o.phone, o.contract_number_prefix, o.seal_number, o.handwritten_signature],
    );
    return res.rows[0];
  },

  async conflicts(db: Queryable, o: { id: string; credit_code: string; contract_number_prefix: string }): Promise<string[]> {
    const res = await db.query<{ id: string; credit_code: string; contract_number_prefix: string }>(
      'SELECT id, credit_code, contract_number_prefix FROM organisations WHERE id = $1 OR credit_code = $2 OR contract_number_prefix = $3',
      [o.id, o.credit_code, o.contract_number_prefix],
    );
    const out = new Set<string>();
    for (const r of res.rows) {
      if (r.id === o.id) out.add('id');
      if (r.credit_code === o.credit_code) out.add('creditCode');
      if (r.contract_number_prefix === o.contract_number_prefix) out.add('contractNumberPrefix');
    }
    return ['id', 'creditCode', 'contractNumberPrefix'].filter((k) => out.has(k));
  },

  /** Only for an organisation that never got its certificate: nothing refers to it yet. */
  async remove(db: Queryable, id: string): Promise<void> {
    await db.query('DELETE FROM organisations WHERE id = $1', [id]);
  },

  async updateContact(db: Queryable, id: string, c: { address?: string; phone?: string; handwrittenSignature?: boolean }): Promise<OrganisationRow | undefined> {
    const res = await db.query<OrganisationRow>(
      `UPDATE organisations SET address = COALESCE($2, address), phone = COALESCE($3, phone),
         handwritten_signature = COALESCE($4, handwritten_signature), updated_at = now()
       WHERE id = $1 RETURNING ${COLUMNS}`,
      [id, c.address ?? null, c.phone ?? null, c.handwrittenSignature ?? null],
    );
    return res.rows[0];
  },

  /** The default organisation is what the UTILITY_* settings say, on every start. */
  async writeDefault(db: Queryable, o: Omit<OrganisationRow, 'id' | 'created_at' | 'updated_at'>): Promise<void> {
    await db.query(
      `UPDATE organisations SET name = $1, credit_code = $2, address = $3, phone = $4, contract_number_prefix = $5, seal_number = $6,
         handwritten_signature = $7, updated_at = now()
       WHERE id = 'default' AND (name, credit_code, address, phone, contract_number_prefix, seal_number, handwritten_signature)
         IS DISTINCT FROM ($1, $2, $3, $4, $5, $6, $7)`,
      [o.name, o.credit_code, o.address, o.phone, o.contract_number_prefix, o.seal_number, o.handwritten_signature],
    );
  },

  async insertApiKey(db: Queryable, k: { id: string; role: string; organisation_id: string | null; key_hash: string; label: string }): Promise<ApiKeyRow> {
    const res = await db.query<ApiKeyRow>(
      `INSERT INTO api_keys (id, role, organisation_id, key_hash, label) VALUES ($1, $2, $3, $4, $5)
       RETURNING id, role, organisation_id, label, created_at, revoked_at`,
      [k.id, k.role, k.organisation_id, k.key_hash, k.label],
    );
    return res.rows[0];
  },

  async apiKeys(db: Queryable, organisationId: string): Promise<ApiKeyRow[]> {
    const res = await db.query<ApiKeyRow>(
      'SELECT id, role, organisation_id, label, created_at, revoked_at FROM api_keys WHERE organisation_id = $1 ORDER BY created_at, id',
      [organisationId],
    );
    return res.rows;
  },

  async revokeApiKey(db: Queryable, organisationId: string, keyId: string): Promise<ApiKeyRow | undefined> {
    const res = await db.query<ApiKeyRow>(
      `UPDATE api_keys SET revoked_at = COALESCE(revoked_at, now()) WHERE id = $1 AND organisation_id = $2
       RETURNING id, role, organisation_id, label, created_at, revoked_at`,
      [keyId, organisationId],
    );
    return res.rows[0];
  },

  async keyByHash(db: Queryable, hash: string): Promise<{ id: string; role: string; organisation_id: string | null } | undefined> {
    const res = await db.query<{ id: string; role: string; organisation_id: string | null }>(
      'SELECT id, role, organisation_id FROM api_keys WHERE key_hash = $1 AND revoked_at IS NULL',
      [hash],
    );
    return res.rows[0];
  },
};
