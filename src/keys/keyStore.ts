import type crypto from 'node:crypto';
import type { KeySigner } from './keySigner.js';

/**
 * Where the service's long-lived private keys live (root, issuing CA, OCSP responder, TSA, each
 * organisation). Keys are named by a label chosen by the caller and never leave the store in the
 * clear: `database` keeps them sealed under MASTER_KEY in PostgreSQL, `pkcs11` in a token as
 * non-extractable objects.
 */
export interface KeyStore {
  readonly kind: 'database' | 'pkcs11';
  /** The key under this label, or undefined when the store has none. */
  open(label: string): Promise<KeySigner | undefined>;
  /** A new EC P-256 key pair under label (which must be unused). */
  generate(label: string): Promise<KeySigner>;
  /** Takes an existing private key (imported production material, a file-based PKI being migrated) into the store. */
  importKey(label: string, privateKey: crypto.KeyObject): Promise<KeySigner>;
  close(): Promise<void>;
}
