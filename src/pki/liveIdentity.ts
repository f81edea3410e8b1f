import crypto from 'node:crypto';
import type { Queryable } from '../storage/db/database.js';
import { normaliseSerialHex } from './der.js';
import { PkiError } from './errors.js';
import type { PkiState, ServiceRole, StoredMaterial } from './pkiState.js';

/** Default of PKI_RECHECK_MS: how stale another instance's rotation or revocation may be here; this instance's own take effect at once. */
export const IDENTITY_RECHECK_MS = 2_000;

/**
 * One service identity (TSA, OCSP responder, an organisation) as the database says it is now, with what
 * is built from it (a TSA, a responder). Every use checks, at most every IDENTITY_RECHECK_MS, whether
 * another instance rotated it (a new key label) and whether its certificate was revoked: a revoked
 * identity is refused (certificate_unavailable) until it is rotated.
 */
export class LiveIdentity<T> {
  private material: StoredMaterial;
  private built: T;
  private serial: string;
  /** The key label the material is for: a different one in the database means a rotation. */
  private label: string | undefined;
  private checkedAt = 0;
  private revoked = false;
  private checking: Promise<void> | undefined;
  /** Bumped by invalidate(): a check that began before it may have read the state from before the change. */
  private generation = 0;

  constructor(
    readonly role: ServiceRole,
    material: StoredMaterial,
    private readonly build: (m: StoredMaterial) => T,
    private readonly deps: { db: Queryable; state: PkiState; now?: () => number; recheckMs?: number },
  ) {
    this.material = material;
    this.built = build(material);
    this.serial = serialOf(material.der);
    this.label = deps.state.labelOf(role);
  }

  /** What it is now, unchecked: for reads that only describe it (the TSA's expiry). */
  peek(): { material: StoredMaterial; built: T; serial: string } {
    return { material: this.material, built: this.built, serial: this.serial };
  }

  /** The identity to sign with now; throws certificate_unavailable when its certificate is revoked. */
  async use(): Promise<{ material: StoredMaterial; built: T; serial: string }> {
    for (;;) {
      const now = (this.deps.now ?? Date.now)();
      if (now - this.checkedAt < (this.deps.recheckMs ?? IDENTITY_RECHECK_MS)) break;
      // A check overtaken by an invalidation leaves checkedAt as it was: the loop then checks once more.
      this.checking ??= this.check(now).finally(() => (this.checking = undefined));
      await this.checking;
    }
    if (this.revoked) {
      throw new PkiError('certificate_unavailable', `the ${this.role} certificate ${this.serial} is revoked; rotate it to sign again`);
    }
    return this.peek();
  }

  /** Whether it can be used now, without throwing: for /readyz. */
  async problem(): Promise<'revoked' | undefined> {
    try {
      await this.use();
      return undefined;
    } catch (err) {
      if (err instanceof PkiError && err.code === 'certificate_unavailable') return 'revoked';
      throw err;
    }
  }

  /** Check again on the next use (this instance revoked or rotated it). */
  invalidate(): void {
    this.generation += 1;
    this.checkedAt = 0;
  }

  private async check(now: number): Promise<void> {
    const generation = this.generation;
    const row = await this.deps.db.query<{ label: string | null; status: string | null }>(
      'SELECT (SELECT key_label FROM pki_identities WHERE role = $1) AS label, (SELECT status FROM certificates WHERE serial = $2) AS status',
      [this.role, this.serial],
    );
    let { status } = row.rows[0];
    const label = row.rows[0].label;
    if (label && label !== this.label) {
      await this.deps.state.reload(this.role);
      const fresh = await this.deps.state.load(this.role);
      if (fresh) {
        const material = { ...fresh, chain: fresh.chain.length ? fresh.chain : this.material.chain };
        this.built = this.build(material);
        this.material = material;
        this.serial = serialOf(material.der);
        this.label = label;
        status = (await this.deps.db.query<{ status: string }>('SELECT status FROM certificates WHERE serial = $1', [this.serial])).rows[0]?.status ?? null;
      }
    }
    // Revoked or rotated here while this read was under way: its answer may be from before, so it is dropped.
    if (generation !== this.generation) return;
    this.revoked = status === 'revoked';
    this.checkedAt = now;
  }
}

const serialOf = (der: Buffer) => normaliseSerialHex(new crypto.X509Certificate(der).serialNumber);
