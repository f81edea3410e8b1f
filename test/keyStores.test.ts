import crypto from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import pkcs11js from 'pkcs11js';
import { createDatabaseKeyStore } from '../src/keys/databaseKeyStore.js';
import { createPkcs11KeyStore, p1363ToDer } from '../src/keys/pkcs11KeyStore.js';
import type { KeyStore } from '../src/keys/index.js';
import { migrate } from '../src/storage/db/migrate.js';
import { freshDatabase, type TestDatabase } from './support/databases.js';
import { available } from './support/checkers.js';
import { removeSoftHsmFiles, softhsmToken, type TestToken } from './support/softhsm.js';

const HAS_SOFTHSM = available('softhsm2-util');
const verifies = (store: KeyStore, publicKey: crypto.KeyObject, sign: (d: Buffer) => Buffer) => {
  const data = crypto.randomBytes(100);
  return crypto.verify('sha256', data, publicKey, sign(data));
};

interface StoreCase {
  name: string;
  usable: boolean;
  /** A store, and how to open a second one on the same keys (another instance, a restart). */
  open(): Promise<{ store: KeyStore; reopen(): Promise<KeyStore> }>;
}

let database: TestDatabase;
let token: TestToken;
/** Made before the library first loads: SoftHSM2 reads its tokens once, at C_Initialize. */
let unusedToken: TestToken;
const masterKey = crypto.randomBytes(32);
const opened: KeyStore[] = [];

const cases: StoreCase[] = [
  {
    name: 'database',
    usable: true,
    async open() {
      return { store: createDatabaseKeyStore(database.db, masterKey), reopen: async () => createDatabaseKeyStore(database.db, masterKey) };
    },
  },
  {
    name: 'pkcs11 (SoftHSM2)',
    usable: HAS_SOFTHSM,
    async open() {
      const opts = { module: token.module, tokenLabel: token.label, pin: token.pin };
      return { store: await createPkcs11KeyStore(opts), reopen: () => createPkcs11KeyStore(opts) };
    },
  },
];

beforeAll(async () => {
  database = await freshDatabase();
  await migrate(database.db);
  if (HAS_SOFTHSM) [token, unusedToken] = [softhsmToken(), softhsmToken()];
});
afterAll(async () => {
  for (const s of opened) await s.close();
  await database?.drop();
  removeSoftHsmFiles();
});

for (const c of cases) {
  describe.skipIf(!c.usable)(`${c.name} key store`, () => {
    let store: KeyStore;
    let reopen: () => Promise<KeyStore>;
    beforeAll(async () => {
      ({ store, reopen } = await c.open());
      opened.push(store);
    });

    it('generates a P-256 key that signs ECDSA-SHA256 in DER, and finds it again from another instance', async () => {
      const label = `gen-${crypto.randomUUID()}`;
      expect(await store.open(label)).toBeUndefined();
      const key = await store.generate(label);
      expect(key.keyType).toBe('ec');
      expect(key.publicKey.asymmetricKeyDetails?.namedCurve).toBe('prime256v1');
      expect(key.algorithmDer.toString('hex')).toBe('300a06082a8648ce3d040302');
      const sig = key.sign(Buffer.from('x'));
      expect(sig[0]).toBe(0x30);
      expect(crypto.verify('sha256', Buffer.from('x'), { key: key.publicKey, dsaEncoding: 'der' }, sig)).toBe(true);
      const other = await reopen();
      opened.push(other);
      const again = await other.open(label);
      expect(again!.publicKey.export({ type: 'spki', format: 'der' }).equals(key.publicKey.export({ type: 'spki', format: 'der' }))).toBe(true);
      expect(verifies(other, key.publicKey, (d) => again!.sign(d))).toBe(true);
    });

    it('never replaces a key: a second key under a label in use is refused', async () => {
      const label = `dup-${crypto.randomUUID()}`;
      const first = await store.generate(label);
      await expect(store.generate(label)).rejects.toThrow();
      const still = await (await reopen().then((s) => (opened.push(s), s))).open(label);
      expect(still!.publicKey.export({ type: 'spki', format: 'der' }).equals(first.publicKey.export({ type: 'spki', format: 'der' }))).toBe(true);
    });

    it.each(['ec', 'rsa'] as const)('imports an existing %s key and signs with it under its own public key', async (type) => {
      const kp = type === 'ec' ? crypto.generateKeyPairSync('ec', { namedCurve: 'P-256' }) : crypto.generateKeyPairSync('rsa', { modulusLength: 2048 });
      const label = `imp-${type}-${crypto.randomUUID()}`;
      const key = await store.importKey(label, kp.privateKey);
      expect(key.keyType).toBe(type);
      expect(key.algorithmDer.toString('hex')).toBe(type === 'ec' ? '300a06082a8648ce3d040302' : '300d06092a864886f70d01010b0500');
      expect(verifies(store, kp.publicKey, (d) => key.sign(d))).toBe(true);
      const reopened = await (await reopen().then((s) => (opened.push(s), s))).open(label);
      expect(verifies(store, kp.publicKey, (d) => reopened!.sign(d))).toBe(true);
    });

    it('refuses keys it cannot use (P-384, Ed25519) instead of making signatures no one can verify', async () => {
      for (const kp of [crypto.generateKeyPairSync('ec', { namedCurve: 'P-384' }), crypto.generateKeyPairSync('ed25519')]) {
        await expect(store.importKey(`bad-${crypto.randomUUID()}`, kp.privateKey)).rejects.toThrow(/only P-256|only EC P-256 and RSA/);
      }
    });
  });
}

describe('database key store at rest', () => {
  it('keeps each key sealed and bound to its label: a row copied under another label, or a wrong MASTER_KEY, does not open', async () => {
    const store = createDatabaseKeyStore(database.db, masterKey);
    const kp = crypto.generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const label = `seal-${crypto.randomUUID()}`;
    await store.importKey(label, kp.privateKey);
    const row = (await database.db.query<{ sealed: string; public_key: Uint8Array }>('SELECT sealed, public_key FROM pki_keys WHERE label = $1', [label])).rows[0];
    const pkcs8 = kp.privateKey.export({ type: 'pkcs8', format: 'der' });
    for (const clear of [pkcs8, Buffer.from(pkcs8.toString('base64')), Buffer.from(kp.privateKey.export({ format: 'jwk' }).d!)]) {
      expect(Buffer.from(row.sealed).includes(clear)).toBe(false);
    }
    await database.db.query('INSERT INTO pki_keys (label, public_key, sealed) VALUES ($1, $2, $3)', [`${label}-copy`, Buffer.from(row.public_key), row.sealed]);
    await expect(createDatabaseKeyStore(database.db, masterKey).open(`${label}-copy`)).rejects.toMatchObject({ code: 'key_decrypt_failed' });
    await expect(createDatabaseKeyStore(database.db, crypto.randomBytes(32)).open(label)).rejects.toMatchObject({ code: 'key_decrypt_failed' });
  });
});

describe.skipIf(!HAS_SOFTHSM)('pkcs11 key store in the token', () => {
  it('creates private keys sensitive and non-extractable: the token refuses to export them', async () => {
    const store = await createPkcs11KeyStore({ module: token.module, tokenLabel: token.label, pin: token.pin });
    opened.push(store);
    const labels = [`ne-gen-${crypto.randomUUID()}`, `ne-imp-${crypto.randomUUID()}`];
    await store.generate(labels[0]);
    await store.importKey(labels[1], crypto.generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey);
    // A separate PKCS#11 client, as an attacker with the PIN would use (the library is already initialised in this process).
    const p11 = new pkcs11js.PKCS11();
    p11.load(token.module);
    {
      const slot = p11.C_GetSlotList(true).find((s) => p11.C_GetTokenInfo(s).label.trim() === token.label)!;
      const session = p11.C_OpenSession(slot, pkcs11js.CKF_SERIAL_SESSION);
      try {
        p11.C_Login(session, pkcs11js.CKU_USER, token.pin);
      } catch (err) {
        if (!/CKR_USER_ALREADY_LOGGED_IN/.test((err as Error).message)) throw err;
      }
      for (const label of labels) {
        p11.C_FindObjectsInit(session, [{ type: pkcs11js.CKA_CLASS, value: pkcs11js.CKO_PRIVATE_KEY }, { type: pkcs11js.CKA_LABEL, value: label }]);
        const [handle] = p11.C_FindObjects(session, 2);
        p11.C_FindObjectsFinal(session);
        const [sensitive, extractable] = p11.C_GetAttributeValue(session, handle, [{ type: pkcs11js.CKA_SENSITIVE }, { type: pkcs11js.CKA_EXTRACTABLE }]);
        expect([(sensitive.value as Buffer)[0], (extractable.value as Buffer)[0]], label).toEqual([1, 0]);
        expect(() => p11.C_GetAttributeValue(session, handle, [{ type: pkcs11js.CKA_VALUE }])).toThrow(/CKR_ATTRIBUTE_SENSITIVE/);
      }
      p11.C_CloseSession(session);
    }
  });

  it('names the token and the problem when the configuration is wrong, never the PIN', async () => {
    // A token of its own: a token this process is already logged in to accepts any C_Login.
    const fresh = unusedToken;
    await expect(createPkcs11KeyStore({ module: token.module, tokenLabel: 'no-such-token', pin: token.pin })).rejects.toMatchObject({
      code: 'key_store_config',
      message: expect.stringContaining('no PKCS#11 token labelled "no-such-token"'),
    });
    const wrong = 'wrong-pin-123';
    const err = await createPkcs11KeyStore({ module: fresh.module, tokenLabel: fresh.label, pin: wrong }).catch((e: Error) => e);
    expect(err).toMatchObject({ code: 'key_store_config', message: expect.stringMatching(/CKR_PIN_INCORRECT/) });
    expect((err as Error).message).not.toContain(wrong);
    await expect(createPkcs11KeyStore({ module: '/nonexistent/libp11.so', tokenLabel: token.label, pin: token.pin })).rejects.toMatchObject({ code: 'key_store_config' });
  });
});

describe('ECDSA signature encoding', () => {
  it('turns r‖s into DER INTEGERs, minimal and positive', () => {
    const r = Buffer.alloc(32, 0);
    r[31] = 1;
    const s = Buffer.alloc(32, 0xff);
    expect(p1363ToDer(Buffer.concat([r, s])).toString('hex')).toBe(`3026020101022100${'ff'.repeat(32)}`);
  });
});
