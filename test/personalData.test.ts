import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runJourney } from '../bench/journey.js';
import { createPersonalData, sealStoredPersonalData } from '../src/domain/personalData.js';
import { startTestService, TEST_KEYS, type TestService } from './support/harness.js';

// ID and mobile numbers are sealed at rest: a dump of the database shows neither, yet the signer gets
// their code, their certificate names them, and the evidence report masks them as before.

describe('the codec', () => {
  const pd = createPersonalData(randomBytes(32));

  it('seals per row: the same number reads back only with the row it was sealed for', () => {
    const stored = pd.sealSigner('signer-a', { id_number: '460200199001011234', mobile: '13800138000' });
    expect(stored.id_number).toMatch(/^v1\./);
    expect(stored.mobile).not.toContain('13800138000');
    expect(pd.openSigner({ id: 'signer-a', ...stored })).toMatchObject({ id_number: '460200199001011234', mobile: '13800138000' });
    expect(() => pd.openSigner({ id: 'signer-b', ...stored })).toThrow(/cannot decrypt/);
    // Sealing is idempotent, and the blind index ignores formatting.
    expect(pd.sealSigner('signer-a', stored)).toEqual({ ...stored, mobile_index: pd.mobileIndex('138 0013 8000') });
    expect(pd.mobileIndex('13800138000')).not.toBe(createPersonalData(randomBytes(32)).mobileIndex('13800138000'));
  });

  it('seals the variables as one value and reads plain legacy values as they are', () => {
    const v = { applicant: { name: '张三', idNumber: '460200199001011234' } };
    const stored = pd.sealVariables('c1', v);
    expect(Object.keys(stored)).toEqual(['$sealed']);
    expect(pd.openVariables('c1', stored)).toEqual(v);
    expect(pd.openVariables('c1', v)).toEqual(v);
    expect(pd.openSigner({ id: 's', id_number: null, mobile: '13800138000' })).toMatchObject({ mobile: '13800138000' });
  });
});

describe('at rest in the database', () => {
  let svc: TestService;
  let example: Record<string, any>;
  beforeAll(async () => {
    svc = await startTestService({ env: { NODE_ENV: 'development' } });
    example = (await (await svc.call('workflow', 'GET', '/api/v1/templates/water-supply-contract')).json()).example;
  });
  afterAll(async () => {
    await svc?.stop();
  });

  const dump = async () =>
    (await svc.database.db.query<{ t: string }>(`SELECT (SELECT coalesce(string_agg(s::text, ' '), '') FROM signers s) || (SELECT coalesce(string_agg(c::text, ' '), '') FROM contracts c) AS t`)).rows[0].t;

  it('shows neither number in a dump of signers and contracts, and the journey still works', async () => {
    const done = await runJourney({ urls: [svc.url], workflowKey: TEST_KEYS.workflow, auditorKey: TEST_KEYS.auditor, templateId: 'water-supply-contract', variables: example, skipVerify: true });
    expect(done.status).toBe('completed');
    const text = await dump();
    expect(text).toContain(done.contractId);
    expect(text).not.toContain(example.applicant.idNumber);
    expect(text).not.toContain(example.applicant.mobile);
    const evidence = await svc.call('auditor', 'GET', `/api/v1/contracts/${done.contractId}/evidence`);
    expect(evidence.status).toBe(200);
  });

  it('seals rows written before encryption at rest, once, keeping them readable', async () => {
    const created = await (await svc.call('workflow', 'POST', '/api/v1/contracts', { templateId: 'water-supply-contract', reference: 'LEGACY', variables: example })).json();
    const signer = created.signers.find((s: any) => s.role === 'applicant');
    // What an earlier version stored: the numbers and the variables in clear.
    await svc.database.db.query('UPDATE signers SET id_number = $2, mobile = $3, mobile_index = NULL WHERE id = $1', [signer.id, example.applicant.idNumber, example.applicant.mobile]);
    await svc.database.db.query('UPDATE contracts SET variables = $2 WHERE id = $1', [created.id, JSON.stringify(example)]);
    expect(await dump()).toContain(example.applicant.mobile);

    const pd = svc.service.personalData;
    expect(await sealStoredPersonalData(svc.database.db, pd)).toBe(2);
    expect(await sealStoredPersonalData(svc.database.db, pd)).toBe(0);
    expect(await dump()).not.toContain(example.applicant.mobile);
    const row = (await svc.database.db.query<any>('SELECT id, id_number, mobile, mobile_index FROM signers WHERE id = $1', [signer.id])).rows[0];
    expect(pd.openSigner(row)).toMatchObject({ id_number: example.applicant.idNumber, mobile: example.applicant.mobile });
    const found = await svc.database.db.query<{ id: string }>('SELECT id FROM signers WHERE mobile_index = $1', [pd.mobileIndex(example.applicant.mobile)]);
    expect(found.rows.map((r) => r.id)).toContain(signer.id);
    // The link still works on the sealed row: the code goes to the right number.
    const token = signer.signingUrl.split('/').pop();
    const otp = await svc.call(null, 'POST', `/api/v1/signing/${token}/otp`, {});
    expect((await otp.json()).sentTo).toBe(`${example.applicant.mobile.slice(0, 3)}****${example.applicant.mobile.slice(-4)}`);
  });
});
