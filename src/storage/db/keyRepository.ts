import type { Queryable } from './database.js';

export interface StoredKeyRow {
  label: string;
  public_key: Buffer;
  sealed: string;
}

export interface IdentityRow {
  role: string;
  key_store: 'database' | 'pkcs11';
  key_label: string;
  certificate: Buffer;
  chain_pem: string;
  imported: boolean;
}

export const keyRepository = {
  async find(db: Queryable, label: string): Promise<StoredKeyRow | undefined> {
    const res = await db.query<StoredKeyRow>('SELECT label, public_key, sealed FROM pki_keys WHERE label = $1', [label]);
    // PGlite returns bytea as a Uint8Array, pg as a Buffer.
    return res.rows[0] && { ...res.rows[0], public_key: Buffer.from(res.rows[0].public_key) };
  },

  /** Fails on the primary key when the label is taken: a key is never silently replaced. */
  async insert(db: Queryable, row: StoredKeyRow): Promise<void> {
    await db.query('INSERT INTO pki_keys (label, public_key, sealed) VALUES ($1, $2, $3)', [row.label, row.public_key, row.sealed]);
  },
};

export const identityRepository = {
  async all(db: Queryable): Promise<IdentityRow[]> {
    const res = await db.query<IdentityRow>('SELECT role, key_store, key_label, certificate, chain_pem, imported FROM pki_identities');
    return res.rows.map((r) => ({ ...r, certificate: Buffer.from(r.certificate) }));
  },

  async get(db: Queryable, role: string): Promise<IdentityRow | undefined> {
    const res = await db.query<IdentityRow>('SELECT role, key_store, key_label, certificate, chain_pem, imported FROM pki_identities WHERE role = $1', [role]);
    return res.rows.map((r) => ({ ...r, certificate: Buffer.from(r.certificate) }))[0];
  },

  async upsert(db: Queryable, row: IdentityRow): Promise<void> {
    await db.query(
      `INSERT INTO pki_identities (role, key_store, key_label, certificate, chain_pem, imported) VALUES ($1, $2, $3, $4, $5, $6)
       ON CONFLICT (role) DO UPDATE SET key_store = EXCLUDED.key_store, key_label = EXCLUDED.key_label, certificate = EXCLUDED.certificate,
         chain_pem = EXCLUDED.chain_pem, imported = EXCLUDED.imported, updated_at = now()`,
      [row.role, row.key_store, row.key_label, row.certificate, row.chain_pem, row.imported],
    );
  },
};
