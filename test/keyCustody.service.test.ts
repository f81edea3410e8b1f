import crypto from 'node:crypto';
import { mkdtemp } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import { startTestService, TEST_KEYS, type TestService } from './support/harness.js';
import { startSmsReceiver, type SmsReceiver } from './support/smsReceiver.js';
import { tempFile } from './support/pdfTools.js';
import { available, nssDbTrusting, pdfsig, skipUnless } from './support/checkers.js';
import { removeSoftHsmFiles, softhsmToken } from './support/softhsm.js';

const HAS_SOFTHSM = available('softhsm2-util');
let sms: SmsReceiver;
beforeAll(async () => {
  sms = await startSmsReceiver();
});
afterAll(async () => {
  await sms?.stop();
  removeSoftHsmFiles();
});

/** Creates a contract on one instance and lets the applicant sign it on another; the utility signs automatically. */
async function contractSignedAcross(creator: TestService, signer: TestService): Promise<{ id: string; pdf: Buffer }> {
  const example = (await (await creator.call('workflow', 'GET', '/api/v1/templates/water-supply-contract')).json()).example;
  const created = await creator.call('workflow', 'POST', '/api/v1/contracts', { templateId: 'water-supply-contract', reference: `KEYS-${crypto.randomUUID()}`, variables: example });
  expect(created.status).toBe(201);
  const contract = await created.json();
  const token = contract.signers[0].signingUrl.split('/').pop();
  expect((await signer.call(null, 'POST', `/api/v1/signing/${token}/otp`, {})).status).toBe(202);
  const signed = await signer.call(null, 'POST', `/api/v1/signing/${token}/sign`, { otp: sms.codeFor(contract.signers[0].id), consent: true });
  expect(signed.status, await signed.clone().text()).toBe(200);
  const view = await (await creator.call('auditor', 'GET', `/api/v1/contracts/${contract.id}`)).json();
  expect(view.status).toBe('completed');
  const pdf = Buffer.from(await (await signer.call('auditor', 'GET', `/api/v1/contracts/${contract.id}/document?version=${view.versions.at(-1).version}`)).arrayBuffer());
  return { id: contract.id, pdf };
}

async function verdictOn(svc: TestService, pdf: Buffer): Promise<string> {
  const res = await fetch(`${svc.url}/api/v1/verify`, { method: 'POST', headers: { authorization: `Bearer ${TEST_KEYS.auditor}`, 'content-type': 'application/pdf' }, body: new Uint8Array(pdf) });
  expect(res.status).toBe(200);
  return (await res.json()).verdict;
}

describe.each([
  { store: 'database', usable: true },
  { store: 'pkcs11', usable: HAS_SOFTHSM },
])('two instances, $store key store, sharing nothing on disk', ({ store, usable }) => {
  let a: TestService;
  let b: TestService;
  /** Another instance on a's database, bucket, master key and token, with a DATA_DIR of its own. */
  let another: () => Promise<TestService>;
  beforeAll(async () => {
    if (!usable) return;
    const keyEnv = store === 'pkcs11' ? softhsmToken().env : {};
    const env = { ...keyEnv, MASTER_KEY: crypto.randomBytes(32).toString('base64'), SMS_WEBHOOK_URL: sms.url };
    a = await startTestService({ objectStore: 's3', env });
    another = async () => startTestService({ shareWith: a, env: { ...env, DATA_DIR: await mkdtemp(path.join(os.tmpdir(), 'esign-second-')) } });
    b = await another();
  });
  afterAll(async () => {
    await b?.stop();
    await a?.stop();
  });

  it.skipIf(!usable)('serve one PKI: a contract made on one, signed on the other, verifies on both and in pdfsig', async (ctx) => {
    for (const p of ['/pki/root.cer', '/pki/issuing.cer']) {
      const [x, y] = await Promise.all([a, b].map(async (s) => Buffer.from(await (await fetch(`${s.url}${p}`)).arrayBuffer())));
      expect(x.length, p).toBeGreaterThan(100);
      expect(x.equals(y), p).toBe(true);
    }
    const ids = await a.database.db.query<{ role: string; key_store: string }>('SELECT role, key_store FROM pki_identities ORDER BY role');
    expect(ids.rows).toEqual(['issuing', 'ocsp', 'organisation', 'root', 'tsa'].map((role) => ({ role, key_store: store })));
    // In a token the keys never reach the database, not even sealed.
    const sealed = await a.database.db.query<{ n: number }>('SELECT count(*)::int AS n FROM pki_keys');
    expect(sealed.rows[0].n).toBe(store === 'pkcs11' ? 0 : 5);

    const { pdf } = await contractSignedAcross(a, b);
    expect(await verdictOn(a, pdf)).toBe('valid');
    expect(await verdictOn(b, pdf)).toBe('valid');
    skipUnless(ctx, 'pdfsig', 'certutil');
    const rootPem = await (await fetch(`${b.url}/pki/root.pem`)).text();
    const sigs = await pdfsig(tempFile(pdf), nssDbTrusting(rootPem));
    // The applicant's and the utility's signatures, then the document timestamp (PAdES B-LTA), which pdfsig cannot validate.
    expect(sigs.slice(0, 2).map((s) => [s.valid, s.trusted])).toEqual([[true, true], [true, true]]);
    expect(sigs[1].signerName).toContain('三亚市示范供水有限公司');
    expect(sigs[2].block).toContain('Signature Field Name: DocTimeStamp');
  });

  // Only a token can go away under a running instance; the database store fails as the database does (faults.test.ts).
  if (store === 'pkcs11') it.skipIf(!usable)('answers 503 key_store_unavailable when its token session is gone; nothing is half-done, another instance signs with the same code', async () => {
    const example = (await (await a.call('workflow', 'GET', '/api/v1/templates/water-supply-contract')).json()).example;
    const contract = await (await a.call('workflow', 'POST', '/api/v1/contracts', { templateId: 'water-supply-contract', reference: `GONE-${crypto.randomUUID()}`, variables: example })).json();
    const token = contract.signers[0].signingUrl.split('/').pop();
    expect((await a.call(null, 'POST', `/api/v1/signing/${token}/otp`, {})).status).toBe(202);
    const code = sms.codeFor(contract.signers[0].id);
    // An instance of its own loses its token session (as when an HSM goes away); a keeps its own.
    const c = await another();
    onTestFinished(() => c.stop());
    await c.service.keyStore.close();
    const refused = await c.call(null, 'POST', `/api/v1/signing/${token}/sign`, { otp: code, consent: true });
    expect(refused.status).toBe(503);
    expect(refused.headers.get('retry-after')).toBe('5');
    expect((await refused.json()).error.code).toBe('key_store_unavailable');
    // Nothing was half-done: the same code still signs on the other instance.
    const signed = await a.call(null, 'POST', `/api/v1/signing/${token}/sign`, { otp: code, consent: true });
    expect(signed.status, await signed.clone().text()).toBe(200);
  });
});
