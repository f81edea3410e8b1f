import crypto from 'node:crypto';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createDatabaseKeyStore } from '../src/keys/databaseKeyStore.js';
import { openPrivateKey, sealPrivateKey } from '../src/keys/keyProtection.js';
import { toPem } from '../src/pki/der.js';
import { loadOrCreatePki } from '../src/pki/index.js';
import { migrate } from '../src/storage/db/migrate.js';
import { freshDatabase, type TestDatabase } from './support/databases.js';

const UTILITY = { name: '三亚市示范供水有限公司', creditCode: '91460200MA5RC0XQ1H' };
const PUBLIC_URL = 'http://localhost:3000';
const dbs: TestDatabase[] = [];
const dirs: string[] = [];
afterAll(async () => {
  for (const d of dbs) await d.drop();
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});

async function emptyDatabase() {
  const d = await freshDatabase();
  dbs.push(d);
  await migrate(d.db);
  return d.db;
}

describe('a DATA_DIR/pki left by an earlier version', () => {
  it('is moved into the key store on the first start, once, and is not needed afterwards', async () => {
    const masterKey = crypto.randomBytes(32);
    // Earlier versions kept each role as DATA_DIR/pki/<role>.pem and <role>.key.sealed.json (label pki/<role>).
    const origin = await emptyDatabase();
    const before = await loadOrCreatePki({ dataDir: await mkdtemp(path.join(os.tmpdir(), 'legacy-origin-')), masterKey, publicUrl: PUBLIC_URL, utility: UTILITY, db: origin });
    const dataDir = await mkdtemp(path.join(os.tmpdir(), 'legacy-'));
    dirs.push(dataDir);
    await mkdir(path.join(dataDir, 'pki'), { mode: 0o700 });
    const keys = createDatabaseKeyStore(origin, masterKey);
    const rows = await origin.query<{ role: string; key_label: string; certificate: Uint8Array }>('SELECT role, key_label, certificate FROM pki_identities');
    for (const r of rows.rows) {
      const sealed = await origin.query<{ sealed: string }>('SELECT sealed FROM pki_keys WHERE label = $1', [r.key_label]);
      const key = openPrivateKey(sealed.rows[0].sealed, masterKey, `pki-key/${r.key_label}`);
      await writeFile(path.join(dataDir, 'pki', `${r.role}.pem`), toPem(Buffer.from(r.certificate)));
      await writeFile(path.join(dataDir, 'pki', `${r.role}.key.sealed.json`), sealPrivateKey(key, masterKey, `pki/${r.role}`), { mode: 0o600 });
    }
    expect(rows.rows).toHaveLength(5);
    await keys.close();

    const db = await emptyDatabase();
    const warnings: string[] = [];
    const moved = await loadOrCreatePki({ dataDir, masterKey, publicUrl: PUBLIC_URL, utility: UTILITY, db, warn: (m) => warnings.push(m) });
    expect(moved.rootPem()).toBe(before.rootPem());
    expect(moved.issuingPem()).toBe(before.issuingPem());
    expect(moved.organisationIdentity().certificate.equals(before.organisationIdentity().certificate)).toBe(true);
    expect(warnings).toEqual([expect.stringContaining(`moved the PKI in ${path.join(dataDir, 'pki')} into the database key store`)]);

    // The folder is no longer read: without it, and with a DATA_DIR of its own, the same PKI comes from the database.
    await rm(path.join(dataDir, 'pki'), { recursive: true });
    const again = await loadOrCreatePki({ dataDir: await mkdtemp(path.join(os.tmpdir(), 'legacy-after-')), masterKey, publicUrl: PUBLIC_URL, utility: UTILITY, db, warn: (m) => warnings.push(m) });
    expect(again.rootPem()).toBe(before.rootPem());
    expect(again.organisationIdentity().certificate.equals(before.organisationIdentity().certificate)).toBe(true);
    expect(warnings).toHaveLength(1);
  });

  it('lets only one of two instances starting together on an empty database create the PKI', async () => {
    const db = await emptyDatabase();
    const masterKey = crypto.randomBytes(32);
    const start = async () => loadOrCreatePki({ dataDir: await mkdtemp(path.join(os.tmpdir(), 'race-')), masterKey, publicUrl: PUBLIC_URL, utility: UTILITY, db });
    const [x, y] = await Promise.all([start(), start()]);
    expect(x.rootPem()).toBe(y.rootPem());
    expect(x.organisationIdentity().certificate.equals(y.organisationIdentity().certificate)).toBe(true);
    const keys = await db.query<{ n: number }>('SELECT count(*)::int AS n FROM pki_keys');
    expect(keys.rows[0].n).toBe(5);
  });
});
