import crypto from 'node:crypto';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { openPrivateKey } from '../keys/keyProtection.js';
import { pemBlocks } from './der.js';
import { PkiError } from './errors.js';
import type { ServiceRole } from './pkiState.js';

const ROLES: ServiceRole[] = ['root', 'issuing', 'ocsp', 'tsa', 'organisation'];

/**
 * The PKI earlier versions kept in DATA_DIR/pki (a PEM certificate and a sealed key per role),
 * read once to move it into the database and the key store.
 */
export async function readLegacyPkiDir(dir: string, masterKey: Buffer): Promise<{ role: ServiceRole; der: Buffer; key: crypto.KeyObject }[]> {
  const found: { role: ServiceRole; der: Buffer; key: crypto.KeyObject }[] = [];
  for (const role of ROLES) {
    let pem: string;
    let sealed: string;
    try {
      [pem, sealed] = await Promise.all([readFile(path.join(dir, `${role}.pem`), 'utf8'), readFile(path.join(dir, `${role}.key.sealed.json`), 'utf8')]);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') continue;
      throw err;
    }
    const [der] = pemBlocks(pem);
    if (!der) throw new PkiError('pki_state_invalid', `${path.join(dir, `${role}.pem`)} holds no certificate`);
    found.push({ role, der, key: openPrivateKey(sealed, masterKey, `pki/${role}`) });
  }
  return found;
}
