import crypto from 'node:crypto';
import type { Queryable } from '../storage/db/database.js';
import { keyRepository } from '../storage/db/keyRepository.js';
import { openPrivateKey, sealPrivateKey } from './keyProtection.js';
import { generateP256, memorySigner, spkiOf, type KeySigner } from './keySigner.js';
import type { KeyStore } from './keyStore.js';
import { KeyError } from './errors.js';

// The label is bound into each envelope as GCM additional data: a row copied under another label does not open.
const aad = (label: string) => `pki-key/${label}`;

/**
 * KEY_STORE=database: keys sealed under MASTER_KEY in PostgreSQL. A key is opened once per process
 * and then signs from memory, as a software key must; the database never sees it in the clear.
 */
export function createDatabaseKeyStore(db: Queryable, masterKey: Buffer): KeyStore {
  const opened = new Map<string, KeySigner>();
  async function put(label: string, privateKey: crypto.KeyObject): Promise<KeySigner> {
    const signer = memorySigner(privateKey);
    await keyRepository.insert(db, { label, public_key: spkiOf(signer.publicKey), sealed: sealPrivateKey(privateKey, masterKey, aad(label)) });
    opened.set(label, signer);
    return signer;
  }
  return {
    kind: 'database',
    async open(label) {
      const cached = opened.get(label);
      if (cached) return cached;
      const row = await keyRepository.find(db, label);
      if (!row) return undefined;
      const signer = memorySigner(openPrivateKey(row.sealed, masterKey, aad(label)));
      if (!spkiOf(signer.publicKey).equals(row.public_key)) throw new KeyError('key_mismatch', `key ${label}: the sealed key does not match its recorded public key`);
      opened.set(label, signer);
      return signer;
    },
    generate: (label) => put(label, generateP256().privateKey),
    importKey: (label, privateKey) => put(label, privateKey),
    async close() {
      opened.clear();
    },
  };
}
