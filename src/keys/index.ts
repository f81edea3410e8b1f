import { readFile } from 'node:fs/promises';
import type { Config } from '../config.js';
import type { Queryable } from '../storage/db/database.js';
import { createDatabaseKeyStore } from './databaseKeyStore.js';
import { KeyError } from './errors.js';
import type { KeyStore } from './keyStore.js';
import { createPkcs11KeyStore } from './pkcs11KeyStore.js';

export { KeyError, type KeyErrorCode } from './errors.js';
export { loadOrCreateMasterKey, parseMasterKey, type MasterKey } from './masterKey.js';
export { memorySigner, generateP256, type KeySigner } from './keySigner.js';
export type { KeyStore } from './keyStore.js';

/** The key store KEY_STORE names. */
export async function openKeyStore(config: Config['keyStore'], db: Queryable, masterKey: Buffer): Promise<KeyStore> {
  if (config.kind === 'database') return createDatabaseKeyStore(db, masterKey);
  let pin = config.pin;
  if (config.pinFile) {
    try {
      pin = (await readFile(config.pinFile, 'utf8')).trim();
    } catch (err) {
      throw new KeyError('key_store_config', `cannot read PKCS11_PIN_FILE ${config.pinFile}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`, { cause: err });
    }
  }
  return createPkcs11KeyStore({ module: config.module, tokenLabel: config.tokenLabel, pin: pin ?? '' });
}
