// Proves the production import documented in certs/README.md ("Production import (PKI_IMPORT_DIR)")
// with material made by the openssl CLI, the way an operator would make it: ECDSA P-256 root →
// issuing CA → organisation / TSA / OCSP certificates, as PEM + key files and as PKCS#12.
import { spawnSync } from 'node:child_process';
import crypto from 'node:crypto';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { toPem } from '../src/pki/der.js';
import { openPrivateKey } from '../src/keys/keyProtection.js';
import { signsFor } from './helpers/keys.js';
import { loadOrCreatePki, PkiError, type Pki } from '../src/pki/index.js';
import { migrate } from '../src/storage/db/migrate.js';
import type { Database } from '../src/storage/db/database.js';
import { freshDatabase, type TestDatabase } from './support/databases.js';
import { available } from './support/checkers.js';

const HAS_OPENSSL = available('openssl');
const UTILITY = { name: '三亚市供水有限公司', creditCode: '91460200MA5RC0XQ1H' };
const PUBLIC_URL = 'https://esign.example.cn';
const MASTER_KEY = Buffer.alloc(32, 1);
const P12_PASSWORD = 'import-pass-7Q';

/** The one way this file runs openssl: fails the test with openssl's own output unless allowFailure. */
function openssl(args: string[], cwd: string, opts: { allowFailure?: boolean } = {}): { code: number; out: string } {
  const r = spawnSync('openssl', args, { cwd });
  const out = `${r.stdout?.toString() ?? ''}${r.stderr?.toString() ?? ''}`;
  const code = r.status ?? -1;
  if (code !== 0 && !opts.allowFailure) throw new Error(`openssl ${args.join(' ')} failed (${code}):\n${out}`);
  return { code, out };
}

// Extension sections an operator would use; [req] only makes `openssl req -config` happy.
const EXTENSIONS = `
[req]
distinguished_name = dn
string_mask = utf8only
[dn]
[root_ca]
basicConstraints = critical, CA:TRUE
keyUsage = critical, keyCertSign, cRLSign
subjectKeyIdentifier = hash
[issuing_ca]
basicConstraints = critical, CA:TRUE, pathlen:0
keyUsage = critical, keyCertSign, cRLSign
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid:always
[organisation]
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature, nonRepudiation
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid:always
[tsa]
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature
extendedKeyUsage = critical, timeStamping
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid:always
[ocsp]
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature
extendedKeyUsage = OCSPSigning
1.3.6.1.5.5.7.48.1.5 = ASN1:NULL
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid:always
`;

/**
 * Everything lives in material/ under the names the README uses; the mismatch cases get extra
 * files (other.key.pem, rogue-*.pem). Keys: issuing PKCS#8, organisation SEC1, the rest PKCS#8.
 */
function makeMaterial(dir: string): void {
  writeFileSync(path.join(dir, 'ext.cnf'), EXTENSIONS);
  const pkcs8Key = (file: string) => openssl(['genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256', '-out', file], dir);
  const sec1Key = (file: string) => openssl(['ecparam', '-name', 'prime256v1', '-genkey', '-noout', '-out', file], dir);
  const selfSigned = (name: string, key: string, subj: string) =>
    openssl(['req', '-config', 'ext.cnf', '-utf8', '-new', '-x509', '-key', key, '-subj', subj, '-days', '3650', '-sha256', '-extensions', 'root_ca', '-out', `${name}.pem`], dir);
  const issue = (name: string, key: string, subj: string, section: string, ca: string, caKey: string) => {
    openssl(['req', '-config', 'ext.cnf', '-utf8', '-new', '-key', key, '-subj', subj, '-out', `${name}.csr`], dir);
    openssl(['x509', '-req', '-in', `${name}.csr`, '-CA', ca, '-CAkey', caKey, '-set_serial', `0x${crypto.randomBytes(12).toString('hex')}`,
      '-days', section === 'issuing_ca' ? '1825' : '730', '-sha256', '-extfile', 'ext.cnf', '-extensions', section, '-out', `${name}.pem`], dir);
  };
  const u = UTILITY.name;

  pkcs8Key('root.key.pem');
  selfSigned('root', 'root.key.pem', `/C=CN/O=${u}/CN=${u} 根CA`);
  pkcs8Key('issuing.key.pem');
  issue('issuing', 'issuing.key.pem', `/C=CN/O=${u}/CN=${u} 签发CA`, 'issuing_ca', 'root.pem', 'root.key.pem');
  sec1Key('organisation.key.pem');
  issue('organisation', 'organisation.key.pem', `/C=CN/O=${u}/serialNumber=${UTILITY.creditCode}/CN=${u}`, 'organisation', 'issuing.pem', 'issuing.key.pem');
  pkcs8Key('tsa.key.pem');
  issue('tsa', 'tsa.key.pem', `/C=CN/O=${u}/CN=${u} 时间戳服务`, 'tsa', 'issuing.pem', 'issuing.key.pem');
  pkcs8Key('ocsp.key.pem');
  issue('ocsp', 'ocsp.key.pem', `/C=CN/O=${u}/CN=${u} OCSP`, 'ocsp', 'issuing.pem', 'issuing.key.pem');

  // PKCS#12 of the organisation identity with its chain: OpenSSL 3 default (PBES2/AES-256-CBC, SHA-256 MAC) and -legacy (RC2/3DES, SHA-1 MAC).
  writeFileSync(path.join(dir, 'chain.pem'), readFileSync(path.join(dir, 'issuing.pem'), 'utf8') + readFileSync(path.join(dir, 'root.pem'), 'utf8'));
  const p12 = (out: string, extra: string[]) =>
    openssl(['pkcs12', '-export', ...extra, '-inkey', 'organisation.key.pem', '-in', 'organisation.pem', '-certfile', 'chain.pem',
      '-name', 'organisation', '-passout', `pass:${P12_PASSWORD}`, '-out', out], dir);
  p12('organisation.p12', []);
  p12('organisation-legacy.p12', ['-legacy']);

  // For the mismatch cases: an unrelated key, and a second hierarchy that has nothing to do with root.pem.
  pkcs8Key('other.key.pem');
  pkcs8Key('rogue-root.key.pem');
  selfSigned('rogue-root', 'rogue-root.key.pem', `/C=CN/O=${u}/CN=${u} 根CA`);
  pkcs8Key('rogue-issuing.key.pem');
  issue('rogue-issuing', 'rogue-issuing.key.pem', `/C=CN/O=${u}/CN=${u} 签发CA`, 'issuing_ca', 'rogue-root.pem', 'rogue-root.key.pem');
  issue('rogue-ocsp', 'ocsp.key.pem', `/C=CN/O=${u}/CN=${u} OCSP`, 'ocsp', 'rogue-root.pem', 'rogue-root.key.pem');
}

function pemToDer(pem: string): Buffer {
  const m = /-----BEGIN CERTIFICATE-----([\s\S]*?)-----END CERTIFICATE-----/.exec(pem);
  if (!m) throw new Error('no certificate in PEM');
  return Buffer.from(m[1].replace(/\s+/g, ''), 'base64');
}

describe.skipIf(!HAS_OPENSSL)('production import (PKI_IMPORT_DIR)', () => {
  let work: string;
  let material: string;
  const dbs: TestDatabase[] = [];
  const certDer = (name: string) => pemToDer(readFileSync(path.join(material, name), 'utf8'));

  beforeAll(() => {
    work = mkdtempSync(path.join(os.tmpdir(), 'pki-import-'));
    material = path.join(work, 'material');
    mkdirSync(material);
    makeMaterial(material);
  });
  afterEach(async () => {
    await Promise.all(dbs.splice(0).map((d) => d.drop()));
  });
  afterAll(() => {
    if (work) rmSync(work, { recursive: true, force: true });
  });

  async function identities(db: Database) {
    const res = await db.query<{ role: string; imported: boolean; certificate: Uint8Array }>('SELECT role, imported, certificate FROM pki_identities ORDER BY role');
    return res.rows.map((r) => ({ ...r, certificate: Buffer.from(r.certificate) }));
  }

  /** A fresh import directory holding { importName: materialName } copies, a fresh DATA_DIR and database. */
  let runs = 0;
  async function start(files: Record<string, string>, importPassword?: string, warn?: (m: string) => void): Promise<{ pki: Pki; dataDir: string; importDir: string; db: Database }> {
    const run = path.join(work, `run-${++runs}`);
    const importDir = path.join(run, 'import');
    const dataDir = path.join(run, 'data');
    mkdirSync(importDir, { recursive: true });
    for (const [to, from] of Object.entries(files)) copyFileSync(path.join(material, from), path.join(importDir, to));
    const database = await freshDatabase();
    dbs.push(database);
    const db = database.db;
    await migrate(db);
    const pki = await loadOrCreatePki({ dataDir, masterKey: MASTER_KEY, publicUrl: PUBLIC_URL, utility: UTILITY, db, importDir, importPassword, warn });
    return { pki, dataDir, importDir, db };
  }

  async function startFailure(files: Record<string, string>, importPassword?: string): Promise<PkiError> {
    const err = await start(files, importPassword).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err, 'start-up should have failed').toBeInstanceOf(PkiError);
    return err as PkiError;
  }

  const same = (name: string) => ({ [name]: name });
  const PEM_SET = {
    ...same('root.pem'),
    ...same('issuing.pem'), ...same('issuing.key.pem'),
    ...same('organisation.pem'), ...same('organisation.key.pem'),
    ...same('tsa.pem'), ...same('tsa.key.pem'),
    ...same('ocsp.pem'), ...same('ocsp.key.pem'),
  };

  it('made the key formats the README names', () => {
    expect(readFileSync(path.join(material, 'issuing.key.pem'), 'utf8')).toMatch(/^-----BEGIN PRIVATE KEY-----/);
    expect(readFileSync(path.join(material, 'organisation.key.pem'), 'utf8')).toMatch(/^-----BEGIN EC PRIVATE KEY-----/);
    const org = new crypto.X509Certificate(certDer('organisation.pem'));
    expect(org.subject).toContain(`serialNumber=${UTILITY.creditCode}`);
    expect(org.subject).toContain(`CN=${UTILITY.name}`);
    expect(openssl(['x509', '-in', 'tsa.pem', '-noout', '-ext', 'extendedKeyUsage'], material).out).toMatch(/critical\s*\n\s*Time Stamping/);
    expect(openssl(['x509', '-in', 'ocsp.pem', '-noout', '-ext', 'extendedKeyUsage'], material).out).toMatch(/OCSP Signing/);
  });

  describe('PEM files', () => {
    it('uses every imported certificate and key, and takes the keys into the key store, not DATA_DIR', async () => {
      const { pki, dataDir, db } = await start(PEM_SET);

      expect(pki.rootPem()).toBe(toPem(certDer('root.pem')));
      expect(pki.rootDer().equals(certDer('root.pem'))).toBe(true);
      expect(pki.issuingPem()).toBe(toPem(certDer('issuing.pem')));
      const org = pki.organisationIdentity();
      expect(org.certificate.equals(certDer('organisation.pem'))).toBe(true);
      expect(signsFor(org.certificate, org.signer)).toBe(true);
      expect(org.chain.map((c) => c.toString('hex'))).toEqual([certDer('issuing.pem'), certDer('root.pem')].map((c) => c.toString('hex')));

      // An event certificate issued afterwards chains to the imported root through the imported issuing CA.
      const ev = await pki.issueEventCertificate({ name: '张三', idType: 'resident_id', idNumber: '11010519491231002X' }, { contractId: 'c-1', signerId: 's-1' });
      const run = path.dirname(dataDir);
      writeFileSync(path.join(run, 'event.pem'), toPem(ev.certificate));
      const verify = openssl(['verify', '-CAfile', path.join(material, 'root.pem'), '-untrusted', path.join(material, 'issuing.pem'), 'event.pem'], run, { allowFailure: true });
      expect(verify.out).toContain('event.pem: OK');
      expect(verify.code).toBe(0);

      // The timestamp token is signed by the imported TSA certificate (the one it embeds, byte for byte) and verifies to root.pem.
      const digest = crypto.createHash('sha256').update('contract bytes').digest();
      writeFileSync(path.join(run, 'token.der'), await pki.timestamp(digest));
      writeFileSync(path.join(run, 'untrusted.pem'), readFileSync(path.join(material, 'issuing.pem'), 'utf8') + readFileSync(path.join(material, 'tsa.pem'), 'utf8'));
      const tsVerify = openssl(['ts', '-verify', '-digest', digest.toString('hex'), '-in', 'token.der', '-token_in',
        '-CAfile', path.join(material, 'root.pem'), '-untrusted', 'untrusted.pem'], run, { allowFailure: true });
      expect(tsVerify.out).toContain('Verification: OK');
      const embedded = openssl(['pkcs7', '-inform', 'DER', '-in', 'token.der', '-print_certs'], run).out;
      expect(pemToDer(embedded).equals(certDer('tsa.pem'))).toBe(true);

      // Nothing was generated (every kind was imported), nothing was written to DATA_DIR, and the
      // imported keys went into the key store (sealed in the database) under the imported certificates.
      expect(existsSync(path.join(dataDir, 'pki'))).toBe(false);
      const ids = await identities(db);
      expect(ids.map((r) => [r.role, r.imported])).toEqual([['issuing', true], ['ocsp', true], ['organisation', true], ['tsa', true]]);
      for (const r of ids) expect(r.certificate.equals(certDer(`${r.role}.pem`)), r.role).toBe(true);
    });

    it('generates only the kinds that are missing, issued by the imported CA, and keeps every key sealed', async () => {
      const { pki, dataDir, db } = await start({
        ...same('root.pem'), ...same('issuing.pem'), ...same('issuing.key.pem'),
        ...same('organisation.pem'), ...same('organisation.key.pem'),
      });
      expect(pki.organisationIdentity().certificate.equals(certDer('organisation.pem'))).toBe(true);
      expect(existsSync(path.join(dataDir, 'pki'))).toBe(false);
      const ids = await identities(db);
      expect(ids.map((r) => [r.role, r.imported])).toEqual([['issuing', true], ['ocsp', false], ['organisation', true], ['tsa', false]]);

      // The generated TSA and OCSP responder hang under the imported issuing CA.
      const issuingX = new crypto.X509Certificate(certDer('issuing.pem'));
      for (const r of ids.filter((r) => !r.imported)) expect(new crypto.X509Certificate(r.certificate).verify(issuingX.publicKey), r.role).toBe(true);

      // No stored row holds imported key material in the clear in any encoding; each sealed key opens to its role's key.
      const importedKeys = ['issuing.key.pem', 'organisation.key.pem'].map((f) => crypto.createPrivateKey(readFileSync(path.join(material, f))));
      const encodings = importedKeys.flatMap((k) => {
        const pkcs8 = k.export({ format: 'der', type: 'pkcs8' });
        const d = Buffer.from(k.export({ format: 'jwk' }).d!, 'base64url');
        return [pkcs8, d, Buffer.from(pkcs8.toString('base64')), Buffer.from(d.toString('hex')), Buffer.from(d.toString('base64'))];
      });
      const keys = await db.query<{ label: string; sealed: string; role: string; certificate: Uint8Array }>(
        'SELECT k.label, k.sealed, i.role, i.certificate FROM pki_keys k JOIN pki_identities i ON i.key_label = k.label',
      );
      expect(keys.rows).toHaveLength(4);
      for (const row of keys.rows) {
        for (const e of encodings) expect(Buffer.from(row.sealed).includes(e), `${row.label} holds imported key material in the clear`).toBe(false);
        const pub = crypto.createPublicKey(openPrivateKey(row.sealed, MASTER_KEY, `pki-key/${row.label}`)).export({ format: 'der', type: 'spki' });
        expect(pub.equals(new crypto.X509Certificate(Buffer.from(row.certificate)).publicKey.export({ format: 'der', type: 'spki' })), row.role).toBe(true);
      }
    });
  });

  describe('PKCS#12 (PKI_IMPORT_PASSWORD)', () => {
    it.each([
      ['OpenSSL 3 default (AES-256-CBC/PBKDF2, SHA-256 MAC)', 'organisation.p12'],
      ['-legacy (RC2-40/3DES, SHA-1 MAC)', 'organisation-legacy.p12'],
    ])('opens %s', async (_label, file) => {
      const { pki } = await start({ ...same('root.pem'), ...same('issuing.pem'), ...same('issuing.key.pem'), 'organisation.p12': file }, P12_PASSWORD);
      const org = pki.organisationIdentity();
      expect(org.certificate.equals(certDer('organisation.pem'))).toBe(true);
      expect(signsFor(org.certificate, org.signer)).toBe(true);
      // The chain that came with the certificate (issuer first).
      expect(org.chain.map((c) => c.toString('hex'))).toEqual([certDer('issuing.pem'), certDer('root.pem')].map((c) => c.toString('hex')));
    });

    it.each(['organisation.p12', 'organisation-legacy.p12'])('%s with a wrong password fails clearly, naming the file and not the password', async (file) => {
      const wrong = 'Wr0ng-Secret-Pw';
      const err = await startFailure({ ...same('root.pem'), ...same('issuing.pem'), ...same('issuing.key.pem'), 'organisation.p12': file }, wrong);
      expect(err.code).toBe('import_invalid');
      expect(err.message).toContain(`${path.sep}organisation.p12`);
      expect(err.message).toMatch(/PKI_IMPORT_PASSWORD/);
      expect(err.message).not.toContain(wrong);
      expect(err.message).not.toContain(P12_PASSWORD);
    });
  });

  describe('root CRL from the offline root (root.crl)', () => {
    // The operator's way, as certs/README.md describes it: openssl ca with the root key, on the offline machine.
    const CA_CNF = '[ca]\ndefault_ca = root_ca\n[root_ca]\ndatabase = index.txt\ncrlnumber = crlnumber\ndefault_md = sha256\ndefault_crl_days = 30\n';
    function rootCrl(dir: string, revoke: string[] = [], root = 'root'): Buffer {
      mkdirSync(dir, { recursive: true });
      writeFileSync(path.join(dir, 'ca.cnf'), CA_CNF);
      writeFileSync(path.join(dir, 'index.txt'), '');
      writeFileSync(path.join(dir, 'crlnumber'), '01\n');
      const ca = ['-config', 'ca.cnf', '-keyfile', path.join(material, `${root}.key.pem`), '-cert', path.join(material, `${root}.pem`)];
      for (const cert of revoke) openssl(['ca', ...ca, '-revoke', path.join(material, cert), '-crl_reason', 'keyCompromise'], dir);
      openssl(['ca', ...ca, '-gencrl', '-out', 'root.crl'], dir);
      return readFileSync(path.join(dir, 'root.crl'));
    }
    const pemBody = (pem: Buffer) => Buffer.from(pem.toString().replace(/-----[^-]+-----|\s+/g, ''), 'base64');

    it('is served and embedded as the operator publishes it, and re-read when replaced', async () => {
      const first = rootCrl(path.join(work, 'crl-1'));
      writeFileSync(path.join(material, 'root-1.crl'), first);
      const warnings: string[] = [];
      const { pki, importDir } = await start({ ...PEM_SET, 'root.crl': 'root-1.crl' }, undefined, (m) => warnings.push(m));
      expect((await pki.rootCrlDer())!.equals(pemBody(first))).toBe(true);
      expect((await pki.validationData([])).crls.map((c) => c.toString('hex'))).toEqual([await pki.crlDer(), pemBody(first)].map((c) => c.toString('hex')));

      // The operator revokes the issuing CA on the offline root and drops the new CRL in: no restart.
      const second = rootCrl(path.join(work, 'crl-2'), ['issuing.pem']);
      writeFileSync(path.join(importDir, 'root.crl'), second);
      const served = (await pki.rootCrlDer())!;
      expect(served.equals(pemBody(second))).toBe(true);
      const serial = new crypto.X509Certificate(certDer('issuing.pem')).serialNumber;
      writeFileSync(path.join(importDir, 'served.crl'), served);
      const text = openssl(['crl', '-inform', 'DER', '-in', 'served.crl', '-noout', '-text', '-CAfile', path.join(material, 'root.pem')], importDir).out;
      expect(text).toContain('verify OK');
      expect(text).toContain(`Serial Number: ${serial}`);

      // A CRL from another root is reported and ignored: the last good one stays.
      writeFileSync(path.join(importDir, 'root.crl'), rootCrl(path.join(work, 'crl-3'), [], 'rogue-root'));
      expect((await pki.rootCrlDer())!.equals(pemBody(second))).toBe(true);
      expect(warnings).toEqual([expect.stringMatching(/root\.crl: its signature does not verify with the root key; still using the previous root CRL$/)]);
    });

    it('missing: the service starts, says what it lacks, and the DSS holds only the issuing CA\'s CRL', async () => {
      const warnings: string[] = [];
      const { pki } = await start(PEM_SET, undefined, (m) => warnings.push(m));
      expect(await pki.rootCrlDer()).toBeUndefined();
      expect((await pki.validationData([])).crls).toHaveLength(1);
      expect(warnings).toEqual([expect.stringMatching(/root\.crl is missing: .*B-T/)]);
    });

    it('a root.crl that is not the root\'s stops the start', async () => {
      writeFileSync(path.join(material, 'rogue.crl'), rootCrl(path.join(work, 'crl-4'), [], 'rogue-root'));
      const err = await startFailure({ ...PEM_SET, 'root.crl': 'rogue.crl' });
      expect(err.code).toBe('import_invalid');
      expect(err.message).toMatch(/root\.crl: its signature does not verify with the root key/);
      writeFileSync(path.join(material, 'junk.crl'), 'not a crl');
      expect((await startFailure({ ...PEM_SET, 'root.crl': 'junk.crl' })).message).toMatch(/root\.crl: not a DER or PEM CRL/);
    });
  });

  describe('mismatches fail at start with a clear error', () => {
    it('a key that does not belong to its certificate', async () => {
      const err = await startFailure({ ...PEM_SET, 'organisation.key.pem': 'other.key.pem' });
      expect(err.code).toBe('import_invalid');
      expect(err.message).toMatch(/organisation\.pem: no certificate matches the private key/);
    });

    it('an issuing CA not signed by root.pem', async () => {
      const err = await startFailure({ ...PEM_SET, 'issuing.pem': 'rogue-issuing.pem', 'issuing.key.pem': 'rogue-issuing.key.pem' });
      expect(err.code).toBe('import_invalid');
      expect(err.message).toMatch(/issuing\.pem is not signed by root\.pem/);
    });

    it('issuing.pem without root.pem', async () => {
      const { ['root.pem']: _root, ...withoutRoot } = PEM_SET;
      const err = await startFailure(withoutRoot);
      expect(err.code).toBe('import_invalid');
      expect(err.message).toMatch(/importing issuing requires root\.pem/);
    });

    it('an OCSP responder not issued by the issuing CA', async () => {
      const err = await startFailure({ ...PEM_SET, 'ocsp.pem': 'rogue-ocsp.pem' });
      expect(err.code).toBe('import_invalid');
      expect(err.message).toMatch(/ocsp\.pem is not issued by the issuing CA/);
    });
  });
});
