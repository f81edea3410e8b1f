import type { Queryable } from './database.js';
import type { DocumentVersionRow, SignerRow } from './contractRepository.js';

export interface ChallengeRow {
  id: string;
  signer_id: string;
  code_hash: string;
  created_at: Date;
  expires_at: Date;
  used_at: Date | null;
  /** 'act': sign, decline, ask for a correction; 'access': read a signed contract after the link expired. */
  purpose: 'act' | 'access';
}

/** SQL for signing: signer lookup by link, one-time codes, lock-outs, and the commit of a signature. */
export const signingRepository = {
  async signerByTokenHash(db: Queryable, hash: string): Promise<SignerRow | undefined> {
    return (await db.query<SignerRow>('SELECT * FROM signers WHERE token_hash = $1', [hash])).rows[0];
  },

  async signer(db: Queryable, contractId: string, signerId: string): Promise<SignerRow | undefined> {
    const res = await db.query<SignerRow>('SELECT * FROM signers WHERE contract_id = $1 AND id = $2', [contractId, signerId]);
    return res.rows[0];
  },

  /** Adds a version; false when that version number exists already (a concurrent writer got there first). */
  async insertVersion(tx: Queryable, v: Omit<DocumentVersionRow, 'created_at'>): Promise<boolean> {
    const inserted = await tx.query(
      `INSERT INTO document_versions (contract_id, version, object_key, sha256, size, reason, archive_until)
       VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT DO NOTHING`,
      [v.contract_id, v.version, v.object_key, v.sha256, v.size, v.reason, v.archive_until ?? null],
    );
    return inserted.rowCount === 1;
  },

  async clearArchiveUntil(tx: Queryable, contractId: string, version: number): Promise<void> {
    await tx.query('UPDATE document_versions SET archive_until = NULL WHERE contract_id = $1 AND version = $2', [contractId, version]);
  },

  /** Versions ending in a document timestamp whose TSA certificate expires before `before`, latest versions only. */
  async archiveDue(db: Queryable, before: Date, limit: number): Promise<DocumentVersionRow[]> {
    const res = await db.query<DocumentVersionRow>(
      `SELECT v.* FROM document_versions v
       WHERE v.archive_until IS NOT NULL AND v.archive_until < $1
         AND v.version = (SELECT max(w.version) FROM document_versions w WHERE w.contract_id = v.contract_id)
       ORDER BY v.archive_until LIMIT $2`,
      [before, limit],
    );
    return res.rows;
  },

  /** The DER of the certificates with these serials (those this service issued and recorded). */
  async certificates(db: Queryable, serials: string[]): Promise<Buffer[]> {
    if (serials.length === 0) return [];
    const res = await db.query<{ der: Buffer }>('SELECT der FROM certificates WHERE serial = ANY($1)', [serials]);
    return res.rows.map((r) => Buffer.from(r.der));
  },

  async latestVersion(db: Queryable, contractId: string): Promise<DocumentVersionRow> {
    const res = await db.query<DocumentVersionRow>(
      'SELECT * FROM document_versions WHERE contract_id = $1 ORDER BY version DESC LIMIT 1',
      [contractId],
    );
    return res.rows[0];
  },

  async insertChallenge(db: Queryable, c: Omit<ChallengeRow, 'used_at'>): Promise<void> {
    await db.query(
      'INSERT INTO otp_challenges (id, signer_id, code_hash, created_at, expires_at, purpose) VALUES ($1, $2, $3, $4, $5, $6)',
      [c.id, c.signer_id, c.code_hash, c.created_at, c.expires_at, c.purpose],
    );
  },

  async latestChallenge(db: Queryable, signerId: string): Promise<ChallengeRow | undefined> {
    const res = await db.query<ChallengeRow>(
      'SELECT * FROM otp_challenges WHERE signer_id = $1 ORDER BY created_at DESC LIMIT 1',
      [signerId],
    );
    return res.rows[0];
  },

  async deleteChallenge(db: Queryable, id: string): Promise<void> {
    await db.query('DELETE FROM otp_challenges WHERE id = $1', [id]);
  },

  /** Every code the signer has not used: a lock-out burns them all, not only the latest. */
  async deleteOpenChallenges(db: Queryable, signerId: string): Promise<void> {
    await db.query('DELETE FROM otp_challenges WHERE signer_id = $1 AND used_at IS NULL', [signerId]);
  },

  /** Counts a wrong code atomically; the limit-th failure locks the signer and restarts the count. */
  async recordFailure(db: Queryable, signerId: string, limit: number, lockUntil: Date): Promise<{ locked: boolean; failures: number }> {
    const res = await db.query<{ failed_attempts: number; locked_until: Date | null }>(
      `UPDATE signers SET
         failed_attempts = CASE WHEN failed_attempts + 1 >= $2 THEN 0 ELSE failed_attempts + 1 END,
         locked_until    = CASE WHEN failed_attempts + 1 >= $2 THEN $3::timestamptz ELSE locked_until END
       WHERE id = $1 RETURNING failed_attempts, locked_until`,
      [signerId, limit, lockUntil],
    );
    const row = res.rows[0];
    const locked = row.failed_attempts === 0;
    return { locked, failures: locked ? limit : row.failed_attempts };
  },

  /** Marks the code used; false when a concurrent call used it first. */
  async consumeChallenge(tx: Queryable, id: string, at: Date): Promise<boolean> {
    const res = await tx.query('UPDATE otp_challenges SET used_at = $2 WHERE id = $1 AND used_at IS NULL', [id, at]);
    return res.rowCount === 1;
  },

  /**
   * Records a signature: the next document version (its primary key makes a concurrent signature of the
   * same revision fail), the signer's state, and the contract's status. Undefined on any lost race.
   */
  async commitSignature(
    tx: Queryable,
    a: {
      contractId: string; signerId: string; version: Omit<DocumentVersionRow, 'created_at'>; signedAt: Date; certificateSerial: string;
      timestampAt: Date | null; signerFrom: string[]; contractFrom: string[];
    },
  ): Promise<{ status: string } | undefined> {
    const signer = await tx.query(
      `UPDATE signers SET status = 'signed', signed_at = $2, certificate_serial = $3, failed_attempts = 0, timestamp_at = $5
       WHERE id = $1 AND status = ANY($4)`,
      [a.signerId, a.signedAt, a.certificateSerial, a.signerFrom, a.timestampAt],
    );
    if (signer.rowCount !== 1) return undefined;
    if (!(await signingRepository.insertVersion(tx, a.version))) return undefined;
    const contract = await tx.query<{ status: string }>(
      `UPDATE contracts SET updated_at = $2,
         status = CASE WHEN EXISTS (SELECT 1 FROM signers WHERE contract_id = $1 AND status <> 'signed')
                       THEN 'partially_signed' ELSE 'completed' END,
         completed_at = CASE WHEN EXISTS (SELECT 1 FROM signers WHERE contract_id = $1 AND status <> 'signed')
                       THEN NULL ELSE $2::timestamptz END
       WHERE id = $1 AND status = ANY($3) RETURNING status`,
      [a.contractId, a.signedAt, a.contractFrom],
    );
    return contract.rows[0];
  },

  /** True when this call moved the signer to viewed (their first look). */
  async markViewed(db: Queryable, signerId: string, from: string[], at: Date): Promise<boolean> {
    const res = await db.query(`UPDATE signers SET status = 'viewed', viewed_at = $3 WHERE id = $1 AND status = ANY($2)`, [signerId, from, at]);
    return res.rowCount === 1;
  },

  /** Holds the signer's row for the rest of the transaction: code checks and sends queue behind it. */
  async lockSigner(tx: Queryable, signerId: string): Promise<SignerRow> {
    return (await tx.query<SignerRow>('SELECT * FROM signers WHERE id = $1 FOR UPDATE', [signerId])).rows[0];
  },

  async decline(
    tx: Queryable,
    a: { contractId: string; signerId: string; reason: string; at: Date; signerFrom: string[]; contractFrom: string[] },
  ): Promise<boolean> {
    const signer = await tx.query(
      `UPDATE signers SET status = 'declined', declined_at = $2, decline_reason = $3 WHERE id = $1 AND status = ANY($4)`,
      [a.signerId, a.at, a.reason, a.signerFrom],
    );
    if (signer.rowCount !== 1) return false;
    const contract = await tx.query(
      `UPDATE contracts SET status = 'declined', updated_at = $2, closed_at = $2, close_reason = $4
       WHERE id = $1 AND status = ANY($3)`,
      [a.contractId, a.at, a.contractFrom, a.reason],
    );
    return contract.rowCount === 1;
  },
};
