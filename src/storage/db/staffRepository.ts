import type { Queryable } from './database.js';

export interface StaffUserRow {
  id: string;
  organisation_id: string;
  username: string;
  display_name: string;
  roles: string[];
  password_hash: string | null;
  totp_secret: string | null;
  totp_last_step: string | null;
  setup_token_hash: string | null;
  setup_expires_at: Date | null;
  oidc_subject: string | null;
  failed_logins: number;
  locked_until: Date | null;
  disabled_at: Date | null;
  created_by: string;
  created_at: Date;
}

export interface StaffSessionRow {
  token_hash: string;
  user_id: string;
  created_at: Date;
  last_seen_at: Date;
  expires_at: Date;
  stepped_up_at: Date | null;
  ended_at: Date | null;
}

/** SQL for console users and their sessions. */
export const staffRepository = {
  /** False when the user name is taken; a taken single sign-on subject is the database's unique violation (23505). */
  async insert(db: Queryable, u: Pick<StaffUserRow, 'id' | 'organisation_id' | 'username' | 'display_name' | 'roles' | 'setup_token_hash' | 'setup_expires_at' | 'totp_secret' | 'oidc_subject' | 'created_by'>): Promise<boolean> {
    const res = await db.query(
      `INSERT INTO staff_users (id, organisation_id, username, display_name, roles, setup_token_hash, setup_expires_at, totp_secret, oidc_subject, created_by)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) ON CONFLICT (username) DO NOTHING`,
      [u.id, u.organisation_id, u.username, u.display_name, u.roles, u.setup_token_hash, u.setup_expires_at, u.totp_secret, u.oidc_subject, u.created_by],
    );
    return res.rowCount === 1;
  },

  async byId(db: Queryable, id: string): Promise<StaffUserRow | undefined> {
    return (await db.query<StaffUserRow>('SELECT * FROM staff_users WHERE id = $1', [id])).rows[0];
  },

  async byUsername(db: Queryable, username: string): Promise<StaffUserRow | undefined> {
    return (await db.query<StaffUserRow>('SELECT * FROM staff_users WHERE username = $1', [username])).rows[0];
  },

  async bySetupToken(db: Queryable, hash: string): Promise<StaffUserRow | undefined> {
    return (await db.query<StaffUserRow>('SELECT * FROM staff_users WHERE setup_token_hash = $1', [hash])).rows[0];
  },

  async byOidcSubject(db: Queryable, subject: string): Promise<StaffUserRow | undefined> {
    return (await db.query<StaffUserRow>('SELECT * FROM staff_users WHERE oidc_subject = $1', [subject])).rows[0];
  },

  async list(db: Queryable, organisationId: string): Promise<StaffUserRow[]> {
    return (await db.query<StaffUserRow>('SELECT * FROM staff_users WHERE organisation_id = $1 ORDER BY username', [organisationId])).rows;
  },

  /** False when `whileSetupToken` is given and the row no longer holds it (a twin request spent the link first). */
  async update(db: Queryable, id: string, set: Partial<Omit<StaffUserRow, 'id' | 'organisation_id' | 'username' | 'created_by' | 'created_at'>>, whileSetupToken?: string): Promise<boolean> {
    const keys = Object.keys(set);
    const res = await db.query(
      `UPDATE staff_users SET ${keys.map((k, i) => `${k} = $${i + 3}`).join(', ')} WHERE id = $1 AND ($2::text IS NULL OR setup_token_hash = $2::text)`,
      [id, whileSetupToken ?? null, ...keys.map((k) => (set as Record<string, unknown>)[k])],
    );
    return res.rowCount === 1;
  },

  /** Counts a failed sign-in; locks the account at `limit` failures. Returns whether this failure locked it. */
  async failedLogin(db: Queryable, id: string, limit: number, lockUntil: Date, now: Date): Promise<boolean> {
    const res = await db.query<{ locked: boolean }>(
      // A lock that has run out starts the count again: one typo after it does not lock the account anew.
      `UPDATE staff_users SET
         failed_logins = CASE WHEN locked_until IS NOT NULL AND locked_until <= $4 THEN 1 ELSE failed_logins + 1 END,
         locked_until = CASE
           WHEN (CASE WHEN locked_until IS NOT NULL AND locked_until <= $4 THEN 1 ELSE failed_logins + 1 END) >= $2 THEN $3::timestamptz
           WHEN locked_until IS NOT NULL AND locked_until <= $4 THEN NULL
           ELSE locked_until END
       WHERE id = $1 RETURNING failed_logins >= $2 AS locked`,
      [id, limit, lockUntil, now],
    );
    return res.rows[0]?.locked ?? false;
  },

  /** Takes the code's time step only when it is later than the last one used: two requests with one code cannot both win. */
  async useTotpStep(db: Queryable, id: string, step: number): Promise<boolean> {
    const res = await db.query('UPDATE staff_users SET totp_last_step = $2 WHERE id = $1 AND (totp_last_step IS NULL OR totp_last_step < $2)', [id, step]);
    return res.rowCount === 1;
  },

  async insertSession(db: Queryable, s: { token_hash: string; user_id: string; created_at: Date; expires_at: Date; stepped_up_at: Date | null; ip: string | null; user_agent: string | null }): Promise<void> {
    await db.query(
      `INSERT INTO staff_sessions (token_hash, user_id, created_at, last_seen_at, expires_at, stepped_up_at, ip, user_agent)
       VALUES ($1, $2, $3, $3, $4, $5, $6, $7)`,
      [s.token_hash, s.user_id, s.created_at, s.expires_at, s.stepped_up_at, s.ip, s.user_agent],
    );
  },

  async session(db: Queryable, tokenHash: string): Promise<StaffSessionRow | undefined> {
    return (await db.query<StaffSessionRow>('SELECT * FROM staff_sessions WHERE token_hash = $1', [tokenHash])).rows[0];
  },

  async touchSession(db: Queryable, tokenHash: string, at: Date): Promise<void> {
    await db.query('UPDATE staff_sessions SET last_seen_at = $2 WHERE token_hash = $1', [tokenHash, at]);
  },

  async stepUp(db: Queryable, tokenHash: string, at: Date): Promise<void> {
    await db.query('UPDATE staff_sessions SET stepped_up_at = $2 WHERE token_hash = $1', [tokenHash, at]);
  },

  async endSession(db: Queryable, tokenHash: string, at: Date): Promise<void> {
    await db.query('UPDATE staff_sessions SET ended_at = $2 WHERE token_hash = $1 AND ended_at IS NULL', [tokenHash, at]);
  },

  async endSessionsOf(db: Queryable, userId: string, at: Date): Promise<void> {
    await db.query('UPDATE staff_sessions SET ended_at = $2 WHERE user_id = $1 AND ended_at IS NULL', [userId, at]);
  },
};
