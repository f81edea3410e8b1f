import type { Queryable } from '../storage/db/database.js';
import { PkiError } from './errors.js';
import type { CertKind } from './profiles.js';

export type RevocationReason =
  | 'unspecified' | 'keyCompromise' | 'cACompromise' | 'affiliationChanged'
  | 'superseded' | 'cessationOfOperation' | 'certificateHold' | 'privilegeWithdrawn';

/** RFC 5280 CRLReason codes (7 is unused). */
export const REASON_CODES: Record<RevocationReason, number> = {
  unspecified: 0, keyCompromise: 1, cACompromise: 2, affiliationChanged: 3,
  superseded: 4, cessationOfOperation: 5, certificateHold: 6, privilegeWithdrawn: 9,
};
/** Reasons an operator may request through revoke(); CA compromise and holds are not workflows this service offers. */
export const REVOCATION_REASONS = ['keyCompromise', 'cessationOfOperation', 'superseded', 'affiliationChanged', 'unspecified'] as const;

export interface CertificateRecord {
  serial: string;
  kind: CertKind;
  subject: string;
  issuer: string;
  notBefore: Date;
  notAfter: Date;
  der: Buffer;
  contractId?: string;
  signerId?: string;
  /** For an organisation certificate: whose (the default organisation's when not given). */
  organisationId?: string;
}

export interface RevokedEntry {
  serial: string;
  revokedAt: Date;
  reason: RevocationReason;
}

interface RevokedRow {
  serial: string;
  revoked_at: Date | string;
  revocation_reason: RevocationReason | null;
}

function toEntry(r: RevokedRow): RevokedEntry {
  return { serial: r.serial, revokedAt: new Date(r.revoked_at), reason: r.revocation_reason ?? 'unspecified' };
}

export class CertificateStore {
  constructor(private readonly db: Queryable) {}

  async insert(rec: CertificateRecord): Promise<void> {
    // Re-recording a loaded certificate on every start is harmless; the first row wins.
    await this.db.query(
      `INSERT INTO certificates (serial, kind, subject, issuer, not_before, not_after, der, contract_id, signer_id, organisation_id)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) ON CONFLICT (serial) DO NOTHING`,
      [rec.serial, rec.kind, rec.subject, rec.issuer, rec.notBefore, rec.notAfter, rec.der, rec.contractId ?? null, rec.signerId ?? null,
        rec.organisationId ?? (rec.kind === 'organisation' ? 'default' : null)],
    );
  }

  async kindOf(serial: string): Promise<CertKind | undefined> {
    return (await this.db.query<{ kind: CertKind }>('SELECT kind FROM certificates WHERE serial = $1', [serial])).rows[0]?.kind;
  }

  async status(serial: string): Promise<{ status: 'good' | 'revoked'; revokedAt?: Date; reason?: RevocationReason } | undefined> {
    const { rows } = await this.db.query<{ status: 'good' | 'revoked'; revoked_at: Date | string | null; revocation_reason: RevocationReason | null }>(
      'SELECT status, revoked_at, revocation_reason FROM certificates WHERE serial = $1',
      [serial],
    );
    const r = rows[0];
    if (!r) return undefined;
    return r.status === 'revoked'
      ? { status: 'revoked', revokedAt: new Date(r.revoked_at as string), reason: r.revocation_reason ?? 'unspecified' }
      : { status: 'good' };
  }

  /** Atomic: the conditional UPDATE decides between "revoked now" and "already revoked" even with concurrent callers. */
  async revoke(serial: string, reason: RevocationReason, at = new Date()): Promise<Date> {
    const upd = await this.db.query<{ revoked_at: Date | string }>(
      `UPDATE certificates SET status = 'revoked', revoked_at = $2, revocation_reason = $3
       WHERE serial = $1 AND status = 'good' RETURNING revoked_at`,
      [serial, at, reason],
    );
    if (upd.rows[0]) return new Date(upd.rows[0].revoked_at);
    const existing = await this.status(serial);
    if (!existing) throw new PkiError('certificate_not_found', `no certificate with serial ${serial}`);
    throw new PkiError('already_revoked', `certificate ${serial} was already revoked at ${existing.revokedAt?.toISOString()}`);
  }

  /** Revoked certificates of one issuing CA, for its CRL; the root and the CA itself are not on it. */
  async listRevoked(): Promise<RevokedEntry[]> {
    const { rows } = await this.db.query<RevokedRow>(
      `SELECT serial, revoked_at, revocation_reason FROM certificates
       WHERE status = 'revoked' AND kind NOT IN ('root', 'issuing') ORDER BY revoked_at, serial`,
    );
    return rows.map(toEntry);
  }

  /** Revoked issuing CAs with their certificates: names do not tell two roots of one utility apart, their signatures do. */
  async listRevokedSubCas(): Promise<(RevokedEntry & { der: Buffer })[]> {
    const { rows } = await this.db.query<RevokedRow & { der: Buffer }>(
      `SELECT serial, revoked_at, revocation_reason, der FROM certificates
       WHERE status = 'revoked' AND kind = 'issuing' ORDER BY revoked_at, serial`,
    );
    return rows.map((r) => ({ ...toEntry(r), der: Buffer.from(r.der) }));
  }

  async latestRevocation(): Promise<Date | undefined> {
    const { rows } = await this.db.query<{ m: Date | string | null }>(
      `SELECT max(revoked_at) AS m FROM certificates WHERE status = 'revoked'`,
    );
    return rows[0]?.m ? new Date(rows[0].m) : undefined;
  }
}
