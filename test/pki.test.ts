import { spawnSync } from 'node:child_process';
import crypto from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import type { Database } from '../src/storage/db/database.js';
import { migrate } from '../src/storage/db/migrate.js';
import { createPgDatabase } from '../src/storage/db/pgDatabase.js';
import { createPgliteDatabase } from '../src/storage/db/pgliteDatabase.js';
import { loadOrCreatePki, PkiError, type Pki } from '../src/pki/index.js';
import { KeyError, loadOrCreateMasterKey, parseMasterKey } from '../src/keys/index.js';
import { signsFor } from './helpers/keys.js';
import { toPem } from '../src/pki/der.js';
import { timestampRequest, timestampStatus } from './helpers/tsaRequest.js';
import { available, postgresAvailable } from './support/checkers.js';

const HAS_OPENSSL = available('openssl');
const UTILITY = { name: '某某市自来水有限公司', creditCode: '91310000132211870X' };
const PUBLIC_URL = 'https://esign.example.cn';

/** The certificate a service role uses now, as PEM. */
async function currentCertificate(db: Database, role: string): Promise<Buffer> {
  const res = await db.query<{ certificate: Uint8Array }>('SELECT certificate FROM pki_identities WHERE role = $1', [role]);
  return Buffer.from(toPem(Buffer.from(res.rows[0].certificate)));
}

function openssl(args: string[], opts: { cwd: string; input?: Buffer }): { code: number; out: string } {
  const r = spawnSync('openssl', args, { cwd: opts.cwd, input: opts.input });
  return { code: r.status ?? -1, out: `${r.stdout?.toString() ?? ''}${r.stderr?.toString() ?? ''}` };
}

interface Backend {
  name: string;
  /** False skips the backend's suite, visibly (a failure under CI=true, where PostgreSQL is always there). */
  usable: boolean;
  open(): Promise<{ db: Database; cleanup(): Promise<void> }>;
}

const backends: Backend[] = [
  {
    name: 'pglite',
    usable: true,
    async open() {
      const db = await createPgliteDatabase();
      return { db, cleanup: () => db.close() };
    },
  },
  {
    name: 'postgres',
    usable: postgresAvailable(),
    async open() {
      // A scratch database of our own so parallel suites sharing the server never collide.
      const admin = createPgDatabase(process.env.DATABASE_URL!);
      const name = `pki_test_${process.pid}_${crypto.randomBytes(3).toString('hex')}`;
      await admin.query(`CREATE DATABASE ${name}`);
      const url = new URL(process.env.DATABASE_URL!);
      url.pathname = `/${name}`;
      const db = createPgDatabase(url.toString());
      return {
        db,
        async cleanup() {
          await db.close();
          await admin.query(`DROP DATABASE IF EXISTS ${name}`);
          await admin.close();
        },
      };
    },
  },
];

describe('master key', () => {
  it('accepts 32 bytes as hex or base64 and rejects anything else clearly', () => {
    const k = crypto.randomBytes(32);
    expect(parseMasterKey(k.toString('hex')).equals(k)).toBe(true);
    expect(parseMasterKey(k.toString('base64')).equals(k)).toBe(true);
    expect(() => parseMasterKey('short')).toThrow(/32 bytes/);
    expect(() => parseMasterKey(crypto.randomBytes(16).toString('base64'))).toThrow(KeyError);
  });

  it('generates DATA_DIR/master.key (0600) once, and the env value wins', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'pki-mk-'));
    try {
      const first = await loadOrCreateMasterKey(dir);
      expect(first.generated).toBe(true);
      expect(first.source).toBe('file');
      expect(statSync(path.join(dir, 'master.key')).mode & 0o777).toBe(0o600);
      const second = await loadOrCreateMasterKey(dir);
      expect(second.generated).toBe(false);
      expect(second.key.equals(first.key)).toBe(true);
      const env = crypto.randomBytes(32);
      const fromEnv = await loadOrCreateMasterKey(dir, env.toString('base64'));
      expect(fromEnv.source).toBe('env');
      expect(fromEnv.key.equals(env)).toBe(true);
      await expect(loadOrCreateMasterKey(dir, 'not-a-key')).rejects.toMatchObject({ code: 'master_key_invalid' });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

for (const backend of backends) {
  describe.skipIf(!backend.usable)(`PKI on ${backend.name}`, () => {
    let work: string;
    let dataDir: string;
    let masterKey: Buffer;
    let db: Database;
    let cleanup: () => Promise<void>;
    let pki: Pki;

    beforeAll(async () => {
      work = mkdtempSync(path.join(os.tmpdir(), 'pki-test-'));
      dataDir = path.join(work, 'data');
      masterKey = crypto.randomBytes(32);
      ({ db, cleanup } = await backend.open());
      await migrate(db);
      pki = await loadOrCreatePki({ dataDir, masterKey, publicUrl: PUBLIC_URL, utility: UTILITY, db });
      writeFileSync(path.join(work, 'root.pem'), pki.rootPem());
      writeFileSync(path.join(work, 'issuing.pem'), pki.issuingPem());
    });
    afterAll(async () => {
      await cleanup?.();
      rmSync(work, { recursive: true, force: true });
    });

    it('chains organisation and event certificates to the root (openssl verify)', async ({ skip }) => {
      const org = pki.organisationIdentity();
      const ev = await pki.issueEventCertificate({ name: '张三', idType: 'resident_id', idNumber: '11010519491231002X', mobile: '13800138000' }, { contractId: 'c-1', signerId: 's-1' });
      expect(ev.chain.map((c) => c.toString('hex'))).toEqual(org.chain.map((c) => c.toString('hex')));
      // The key must belong to the certificate.
      expect(signsFor(ev.certificate, ev.signer)).toBe(true);
      expect(await pki.certificateStatus(ev.serial)).toBe('good');
      const row = await db.query<{ kind: string; contract_id: string; signer_id: string }>('SELECT kind, contract_id, signer_id FROM certificates WHERE serial = $1', [ev.serial]);
      expect(row.rows[0]).toEqual({ kind: 'event', contract_id: 'c-1', signer_id: 's-1' });

      writeFileSync(path.join(work, 'org.pem'), toPem(org.certificate));
      writeFileSync(path.join(work, 'event.pem'), toPem(ev.certificate));
      if (!HAS_OPENSSL) return skip('openssl binary missing');
      const v = openssl(['verify', '-CAfile', 'root.pem', '-untrusted', 'issuing.pem', 'org.pem', 'event.pem'], { cwd: work });
      expect(v.out).toContain('org.pem: OK');
      expect(v.out).toContain('event.pem: OK');
      expect(v.code).toBe(0);

      const text = openssl(['x509', '-in', 'event.pem', '-noout', '-text', '-nameopt', 'utf8,sep_comma_plus_space'], { cwd: work }).out;
      expect(text).toMatch(/Subject: .*serialNumber=11010519491231002X, CN=张三/);
      expect(text).not.toContain('13800138000');
      expect(text).toContain(`URI:${PUBLIC_URL}/pki/crl/issuing.crl`);
      expect(text).toContain(`OCSP - URI:${PUBLIC_URL}/pki/ocsp`);
      expect(text).toContain(`CA Issuers - URI:${PUBLIC_URL}/pki/issuing.cer`);
      expect(text).toMatch(/Key Usage: critical\s+Digital Signature, Non Repudiation/);
      expect(text).toContain('Authority Key Identifier');
      expect(text).toContain('Subject Key Identifier');

      const orgText = openssl(['x509', '-in', 'org.pem', '-noout', '-subject', '-nameopt', 'utf8,sep_comma_plus_space'], { cwd: work }).out;
      expect(orgText).toContain(`O=${UTILITY.name}`);
      expect(orgText).toContain(`serialNumber=${UTILITY.creditCode}`);
      expect(orgText).toContain(`CN=${UTILITY.name}`);
    });

    it('TSA certificate has a critical timeStamping EKU, OCSP certificate has OCSPSigning + nocheck', async ({ skip }) => {
      if (!HAS_OPENSSL) return skip('openssl binary missing');
      const text = openssl(['x509', '-noout', '-text'], { cwd: work, input: await currentCertificate(db, 'tsa') }).out;
      expect(text).toMatch(/X509v3 Extended Key Usage: critical\s+Time Stamping/);
      const ocspText = openssl(['x509', '-noout', '-text'], { cwd: work, input: await currentCertificate(db, 'ocsp') }).out;
      expect(ocspText).toMatch(/Extended Key Usage:\s+OCSP Signing/);
      expect(ocspText).toContain('OCSP No Check');
      const rootText = openssl(['x509', '-noout', '-text'], { cwd: work, input: Buffer.from(pki.rootPem()) }).out;
      expect(rootText).toMatch(/Basic Constraints: critical\s+CA:TRUE/);
      expect(rootText).toMatch(/Key Usage: critical\s+Certificate Sign, CRL Sign/);
      const issuingText = openssl(['x509', '-noout', '-text'], { cwd: work, input: Buffer.from(pki.issuingPem()) }).out;
      expect(issuingText).toContain('CA:TRUE, pathlen:0');
      // The issuing CA points at the root's CRL and certificate; no OCSP (the responder answers only for what the issuing CA issued).
      expect(issuingText).toContain(`URI:${PUBLIC_URL}/pki/crl/root.crl`);
      expect(issuingText).toContain(`CA Issuers - URI:${PUBLIC_URL}/pki/root.cer`);
      expect(issuingText).not.toContain('OCSP - URI');
    });

    it('answers an openssl RFC 3161 request that openssl ts -verify accepts', async ({ skip }) => {
      if (!HAS_OPENSSL) return skip('openssl binary missing');
      writeFileSync(path.join(work, 'data.txt'), '供水合同 内容');
      writeFileSync(path.join(work, 'tsa_chain.pem'), (await currentCertificate(db, 'tsa')).toString('utf8') + pki.issuingPem());
      // With only the root and no -untrusted: the token carries the TSA certificate and the issuing CA.
      for (const nonce of [true, false]) {
        const q = openssl(['ts', '-query', '-data', 'data.txt', '-sha256', '-cert', ...(nonce ? [] : ['-no_nonce']), '-out', 'req.tsq'], { cwd: work });
        expect(q.code, q.out).toBe(0);
        writeFileSync(path.join(work, 'resp.tsr'), await pki.respondTsa(readFileSync(path.join(work, 'req.tsq'))));
        const v = openssl(['ts', '-verify', '-in', 'resp.tsr', '-queryfile', 'req.tsq', '-CAfile', 'root.pem'], { cwd: work });
        expect(v.out).toContain('Verification: OK');
      }
      // Without certReq the token carries no certificates (RFC 3161 §2.4.1): the client must bring the chain.
      openssl(['ts', '-query', '-data', 'data.txt', '-sha256', '-out', 'nocert.tsq'], { cwd: work });
      writeFileSync(path.join(work, 'nocert.tsr'), await pki.respondTsa(readFileSync(path.join(work, 'nocert.tsq'))));
      expect(openssl(['ts', '-verify', '-in', 'nocert.tsr', '-queryfile', 'nocert.tsq', '-CAfile', 'root.pem'], { cwd: work }).out).toContain('Verification: FAILED');
      expect(openssl(['ts', '-verify', '-in', 'nocert.tsr', '-queryfile', 'nocert.tsq', '-CAfile', 'root.pem', '-untrusted', 'tsa_chain.pem'], { cwd: work }).out).toContain('Verification: OK');
      // The in-process token covers the same digest and verifies as a token, with only the root as well.
      const digest = crypto.createHash('sha256').update(readFileSync(path.join(work, 'data.txt'))).digest();
      writeFileSync(path.join(work, 'token.der'), await pki.timestamp(digest));
      const v = openssl(['ts', '-verify', '-token_in', '-in', 'token.der', '-digest', digest.toString('hex'), '-CAfile', 'root.pem'], { cwd: work });
      expect(v.out).toContain('Verification: OK');
      // Garbage gets a rejection response, not an exception.
      writeFileSync(path.join(work, 'bad.tsr'), await pki.respondTsa(Buffer.from('nonsense')));
      const r = openssl(['ts', '-reply', '-in', 'bad.tsr', '-text'], { cwd: work });
      expect(r.out).toMatch(/Status: Rejected/i);
    });

    it('refuses a nonce over 20 bytes with an RFC 3161 rejection; 20 bytes with a sign octet are fine', async ({ skip }) => {
      // 21 value bytes: refused. 20 bytes whose top bit is set (DER adds a 0x00 in front): accepted.
      const long = await pki.respondTsa(timestampRequest('data', Buffer.concat([Buffer.from([0x01]), crypto.randomBytes(20)])));
      expect(timestampStatus(long)).toEqual({ status: 2, text: 'nonce longer than 20 bytes' });
      const twentyReq = timestampRequest('data', Buffer.concat([Buffer.from([0x00, 0xff]), crypto.randomBytes(19)]));
      const twenty = await pki.respondTsa(twentyReq);
      expect(timestampStatus(twenty).status).toBe(0);
      if (!HAS_OPENSSL) return skip('openssl binary missing');
      writeFileSync(path.join(work, 'long.tsr'), long);
      // "transaction not permitted or supported" is how openssl names the failure info badRequest.
      expect(openssl(['ts', '-reply', '-in', 'long.tsr', '-text'], { cwd: work }).out).toMatch(
        /Status: Rejected\.\nStatus description: nonce longer than 20 bytes\nFailure info: transaction not permitted or supported/,
      );
      writeFileSync(path.join(work, 'twenty.tsq'), twentyReq);
      writeFileSync(path.join(work, 'twenty.tsr'), twenty);
      expect(openssl(['ts', '-verify', '-in', 'twenty.tsr', '-queryfile', 'twenty.tsq', '-CAfile', 'root.pem'], { cwd: work }).out).toContain('Verification: OK');
    });

    it('OCSP says good, then revoked with reason; the CRL lists the serial and verifies', async ({ skip }) => {
      const ev = await pki.issueEventCertificate({ name: '李四', idType: 'resident_id', idNumber: '110105194912310021' }, { contractId: 'c-2', signerId: 's-2' });
      writeFileSync(path.join(work, 'leaf.pem'), toPem(ev.certificate));
      if (!HAS_OPENSSL) return skip('openssl binary missing');
      const check = async (nonce: boolean) => {
        const q = openssl(['ocsp', '-issuer', 'issuing.pem', '-cert', 'leaf.pem', '-reqout', 'req.der', ...(nonce ? [] : ['-no_nonce'])], { cwd: work });
        expect(q.code, q.out).toBe(0);
        writeFileSync(path.join(work, 'resp.der'), await pki.respondOcsp(readFileSync(path.join(work, 'req.der'))));
        // -reqin (without -cert, which would make a new request with a new nonce) checks the echoed nonce.
        const withReq = openssl(['ocsp', '-respin', 'resp.der', '-reqin', 'req.der', '-CAfile', 'root.pem', '-verify_other', 'issuing.pem', '-resp_text'], { cwd: work }).out;
        expect(withReq).toContain('Response verify OK');
        expect(withReq).not.toMatch(/Nonce Verify error|WARNING: no nonce/);
        return openssl(['ocsp', '-respin', 'resp.der', '-issuer', 'issuing.pem', '-cert', 'leaf.pem', '-no_nonce', '-CAfile', 'root.pem', '-verify_other', 'issuing.pem', '-resp_text'], { cwd: work }).out;
      };
      let out = await check(true);
      expect(out).toContain('Response verify OK');
      expect(out).toContain('leaf.pem: good');
      out = await check(false);
      expect(out).toContain('Response verify OK');
      expect(out).toContain('leaf.pem: good');

      const { revokedAt } = await pki.revoke(ev.serial.toUpperCase(), 'keyCompromise');
      expect(revokedAt).toBeInstanceOf(Date);
      await expect(pki.revoke(ev.serial, 'keyCompromise')).rejects.toMatchObject({ code: 'already_revoked' });
      await expect(pki.revoke('1234abcd', 'superseded')).rejects.toMatchObject({ code: 'certificate_not_found' });
      await expect(pki.revoke(ev.serial, 'because')).rejects.toMatchObject({ code: 'bad_request' });
      expect(await pki.certificateStatus(ev.serial)).toBe('revoked');
      expect(await pki.certificateStatus('abcdef')).toBe('unknown');

      out = await check(true);
      expect(out).toContain('Response verify OK');
      expect(out).toContain('leaf.pem: revoked');
      expect(out).toMatch(/Reason: keyCompromise/);

      writeFileSync(path.join(work, 'crl.der'), await pki.crlDer());
      const crl = openssl(['crl', '-inform', 'DER', '-in', 'crl.der', '-text', '-noout', '-CAfile', 'issuing.pem'], { cwd: work });
      expect(crl.out).toContain('verify OK');
      expect(crl.out.replace(/:/g, '').toLowerCase()).toContain(`serial number ${ev.serial}`);
      expect(crl.out).toContain('Key Compromise');
      const pemCrl = toPem(readFileSync(path.join(work, 'crl.der')), 'X509 CRL');
      writeFileSync(path.join(work, 'crl.pem'), pemCrl);
      const v = openssl(['verify', '-crl_check', '-CAfile', 'root.pem', '-untrusted', 'issuing.pem', '-CRLfile', 'crl.pem', 'leaf.pem'], { cwd: work });
      expect(v.out).toMatch(/certificate revoked/);

      // Malformed requests get malformedRequest, not an exception.
      expect((await pki.respondOcsp(Buffer.from('junk'))).toString('hex')).toBe('30030a0101');
    });

    it('keeps every private key sealed in the database, none on disk; a wrong master key fails clearly', async () => {
      const keys = await db.query<{ label: string; sealed: string }>('SELECT k.label, k.sealed FROM pki_keys k JOIN pki_identities i ON i.key_label = k.label ORDER BY i.role');
      expect(keys.rows).toHaveLength(5);
      for (const { label, sealed } of keys.rows) {
        expect(JSON.parse(sealed)).toMatchObject({ format: 'water-esign/sealed-key', v: 1, alg: 'A256GCM', label: `pki-key/${label}` });
        expect(sealed).not.toMatch(/PRIVATE KEY|MII/);
      }
      // The development PKI needs nothing in DATA_DIR: a second instance with another DATA_DIR serves the same one.
      expect(existsSync(path.join(dataDir, 'pki'))).toBe(false);
      await expect(
        loadOrCreatePki({ dataDir, masterKey: crypto.randomBytes(32), publicUrl: PUBLIC_URL, utility: UTILITY, db }),
      ).rejects.toMatchObject({ code: 'key_decrypt_failed', message: expect.stringMatching(/wrong MASTER_KEY/) });
    });

    it('a restart, or a second instance with another DATA_DIR, loads the same hierarchy from the database', async () => {
      const again = await loadOrCreatePki({ dataDir: path.join(work, 'elsewhere'), masterKey, publicUrl: PUBLIC_URL, utility: UTILITY, db });
      expect(again.rootPem()).toBe(pki.rootPem());
      expect(again.issuingPem()).toBe(pki.issuingPem());
      expect(again.organisationIdentity().certificate.equals(pki.organisationIdentity().certificate)).toBe(true);
    });

    it('the root signs a CRL over its sub-CAs: verified by openssl under the root, in the DSS, listing a revoked issuing CA', async ({ skip }) => {
      const before = await pki.rootCrlDer();
      expect(before).toBeInstanceOf(Buffer);
      expect((await pki.validationData([])).crls.map((c) => c.toString('hex'))).toEqual([await pki.crlDer(), before!].map((c) => c.toString('hex')));
      // A second hierarchy, in a database of its own, revokes its issuing CA (ours must keep working for the other tests).
      const otherDb = await backend.open();
      onTestFinished(() => otherDb.cleanup());
      await migrate(otherDb.db);
      const other = await loadOrCreatePki({ dataDir: path.join(work, 'other'), masterKey, publicUrl: PUBLIC_URL, utility: UTILITY, db: otherDb.db });
      const otherIssuingSerial = new crypto.X509Certificate(other.issuingPem()).serialNumber;
      await other.revoke(otherIssuingSerial, 'keyCompromise', { operator: true });
      const after = (await other.rootCrlDer())!;
      if (!HAS_OPENSSL) return skip('openssl binary missing');
      // One root's CRL names only its own sub-CAs: the other root's revocation is not on ours.
      writeFileSync(path.join(work, 'root.crl'), (await pki.rootCrlDer())!);
      const text = openssl(['crl', '-inform', 'DER', '-in', 'root.crl', '-noout', '-text', '-CAfile', 'root.pem'], { cwd: work }).out;
      expect(text).toContain('verify OK');
      expect(text).toContain('No Revoked Certificates');
      writeFileSync(path.join(work, 'other-root.pem'), other.rootPem());
      writeFileSync(path.join(work, 'other-root.crl'), after);
      const revoked = openssl(['crl', '-inform', 'DER', '-in', 'other-root.crl', '-noout', '-text', '-CAfile', 'other-root.pem'], { cwd: work }).out;
      expect(revoked).toContain('verify OK');
      expect(revoked).toContain(`Serial Number: ${otherIssuingSerial}`);
      expect(revoked).toContain('Key Compromise');
      // The issuing CA's own CRL does not list itself.
      writeFileSync(path.join(work, 'other-issuing.crl'), await other.crlDer());
      expect(openssl(['crl', '-inform', 'DER', '-in', 'other-issuing.crl', '-noout', '-text'], { cwd: work }).out).not.toContain(otherIssuingSerial);
    });

    it('rejects bad event subjects', async () => {
      await expect(pki.issueEventCertificate({ name: '', idType: 'x', idNumber: '1' }, { contractId: 'c', signerId: 's' })).rejects.toMatchObject({ code: 'bad_request' });
      await expect(pki.issueEventCertificate({ name: 'a', idType: 'x', idNumber: '1 2\n' }, { contractId: 'c', signerId: 's' })).rejects.toMatchObject({ code: 'bad_request' });
    });
  });
}
