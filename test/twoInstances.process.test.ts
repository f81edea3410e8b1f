import { mkdtemp, readdir, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { postgresAvailable } from './support/checkers.js';
import { startChildService, type ChildService } from './support/childService.js';
import { TEST_KEYS } from './support/harness.js';
import { processFixture } from './support/processFixture.js';

// Two real service processes with DATA_DIRs of their own and the same database, bucket and master key:
// nothing one needs is on the other's disk. They serve one PKI, and a contract made on one is signed
// on the other and verifies on both.

describe.runIf(postgresAvailable())('two service processes sharing only the database, the bucket and the master key', () => {
  let fx: Awaited<ReturnType<typeof processFixture>>;
  let otherDir: string;
  let a: ChildService;
  let b: ChildService;
  beforeAll(async () => {
    fx = await processFixture({ postgres: true });
    otherDir = await mkdtemp(path.join(os.tmpdir(), 'esign-proc-b-'));
    // Started together on the empty database: the start-up lock lets one of them make the PKI.
    [a, b] = await Promise.all([startChildService(fx.env), startChildService({ ...fx.env, DATA_DIR: otherDir })]);
  }, 120_000);
  afterAll(async () => {
    a?.proc.kill('SIGKILL');
    b?.proc.kill('SIGKILL');
    await fx?.cleanup();
    await rm(otherDir, { recursive: true, force: true });
  });

  const call = (svc: ChildService, role: keyof typeof TEST_KEYS | null, method: string, route: string, body?: unknown) =>
    fetch(`${svc.url}${route}`, {
      method,
      headers: { ...(role ? { authorization: `Bearer ${TEST_KEYS[role]}` } : {}), ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });

  it('serve the same root and issuing CA, and keep nothing of it on disk', async () => {
    for (const file of ['/pki/root.pem', '/pki/issuing.pem']) {
      const [fromA, fromB] = await Promise.all([a, b].map(async (svc) => (await call(svc, null, 'GET', file)).text()));
      expect(fromA).toMatch(/^-----BEGIN CERTIFICATE-----/);
      expect(fromB).toBe(fromA);
    }
    expect((await readdir(otherDir)).filter((f) => f !== 'pgdata')).toEqual([]);
  });

  it('a contract made on one is signed on the other, both verify it, and a revocation on either is known to both', async () => {
    const example = (await (await call(a, 'workflow', 'GET', '/api/v1/templates/water-supply-contract')).json()).example;
    const created = await call(a, 'workflow', 'POST', '/api/v1/contracts', { templateId: 'water-supply-contract', reference: 'TWO-PROCESSES', variables: example });
    expect(created.status).toBe(201);
    const contract = await created.json();
    const token = contract.signers[0].signingUrl.split('/').pop();
    const otp = await call(b, null, 'POST', `/api/v1/signing/${token}/otp`, {});
    expect(otp.status).toBe(202);
    const signed = await call(b, null, 'POST', `/api/v1/signing/${token}/sign`, { otp: (await otp.json()).developmentCode, consent: true });
    expect(signed.status).toBe(200);

    const views = await Promise.all([a, b].map(async (svc) => (await call(svc, 'auditor', 'GET', `/api/v1/contracts/${contract.id}`)).json()));
    expect(views.map((v) => v.status)).toEqual(['completed', 'completed']);
    expect(views[1].document.sha256).toBe(views[0].document.sha256);
    for (const svc of [a, b]) {
      const report = await (await call(svc, 'auditor', 'GET', `/api/v1/contracts/${contract.id}/verify`)).json();
      expect([report.verdict, report.contract.allPartiesSigned]).toEqual(['valid', true]);
    }
    // The applicant's one-time certificate was issued by B; A's responder knows it as well.
    const serial = views[0].signers[0].certificateSerial;
    const statuses = await Promise.all(
      [a, b].map(async (svc) => (await (await call(svc, 'admin', 'POST', `/api/v1/certificates/${serial}/revoke`, { reason: 'unspecified' })).json()).error?.code ?? 'revoked'),
    );
    expect(statuses.sort()).toEqual(['already_revoked', 'revoked']);
  });
});
