import crypto from 'node:crypto';
import { KeyError } from '../keys/errors.js';
import { spkiOf, type KeySigner } from '../keys/keySigner.js';
import type { KeyStore } from '../keys/keyStore.js';
import type { Queryable } from '../storage/db/database.js';
import { identityRepository, type IdentityRow } from '../storage/db/keyRepository.js';
import { pemBlocks, toPem } from './der.js';
import type { CertKind } from './profiles.js';

/** The service's own identities, and one per organisation other than the default (which is 'organisation'). */
export type ServiceRole = Exclude<CertKind, 'event'> | `organisation:${string}`;

export interface StoredMaterial {
  der: Buffer;
  key: KeySigner;
  /** Issuer first; empty for material this service generated (its own chain is known). */
  chain: Buffer[];
  imported: boolean;
}

/**
 * The certificate each service role uses now and its key, in the database and the key store: every
 * instance on the same database sees the same PKI, and nothing of it is kept on local disk.
 */
export class PkiState {
  private rows = new Map<string, IdentityRow>();

  constructor(
    private readonly db: Queryable,
    readonly keys: KeyStore,
  ) {}

  async read(): Promise<void> {
    this.rows = new Map((await identityRepository.all(this.db)).map((r) => [r.role, r]));
  }

  /** Reads one role again: another instance may have issued it since this one started. */
  async reload(role: ServiceRole): Promise<void> {
    const row = await identityRepository.get(this.db, role);
    if (row) this.rows.set(role, row);
  }

  get empty(): boolean {
    return this.rows.size === 0;
  }

  labelOf(role: ServiceRole): string | undefined {
    return this.rows.get(role)?.key_label;
  }

  certificateOf(role: ServiceRole): Buffer | undefined {
    return this.rows.get(role)?.certificate;
  }

  async load(role: ServiceRole): Promise<StoredMaterial | undefined> {
    const row = this.rows.get(role);
    if (!row) return undefined;
    if (row.key_store !== this.keys.kind) {
      throw new KeyError(
        'key_store_config',
        `the ${role} key is kept in the ${row.key_store} key store but KEY_STORE=${this.keys.kind}: start with KEY_STORE=${row.key_store}`,
      );
    }
    const key = await this.keys.open(row.key_label);
    if (!key) throw new KeyError('key_store_unavailable', `the ${role} key "${row.key_label}" is missing from the ${this.keys.kind} key store`);
    if (!spkiOf(new crypto.X509Certificate(row.certificate).publicKey).equals(spkiOf(key.publicKey))) {
      throw new KeyError('key_mismatch', `the ${role} key "${row.key_label}" does not match the ${role} certificate`);
    }
    return { der: row.certificate, key, chain: pemBlocks(row.chain_pem), imported: row.imported };
  }

  /** A new key in the store and the certificate `issue` makes for it, recorded as the role's current identity. */
  async issueNew(role: ServiceRole, issue: (key: KeySigner) => Buffer): Promise<StoredMaterial> {
    const label = newLabel(role);
    const key = await this.keys.generate(label);
    const der = issue(key);
    await this.save(role, label, der, [], false);
    return { der, key, chain: [], imported: false };
  }

  /** Takes existing material (PKI_IMPORT_DIR, or a DATA_DIR/pki being migrated) into the key store. */
  async adopt(role: ServiceRole, privateKey: crypto.KeyObject, der: Buffer, chain: Buffer[], imported: boolean): Promise<StoredMaterial> {
    const label = newLabel(role);
    const key = await this.keys.importKey(label, privateKey);
    await this.save(role, label, der, chain, imported);
    return { der, key, chain, imported };
  }

  private async save(role: ServiceRole, label: string, der: Buffer, chain: Buffer[], imported: boolean): Promise<void> {
    const row: IdentityRow = { role, key_store: this.keys.kind, key_label: label, certificate: der, chain_pem: chain.map((c) => toPem(c)).join(''), imported };
    await identityRepository.upsert(this.db, row);
    this.rows.set(role, row);
  }
}

// Each key gets a label of its own: a re-issued or rotated role never overwrites the key earlier signatures were made with.
const newLabel = (role: ServiceRole) => `${role}-${crypto.randomBytes(8).toString('hex')}`;
