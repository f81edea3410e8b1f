import { X509Certificate } from 'node:crypto';
import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runJourney } from '../bench/journey.js';
import { creditCodeCheckCharacter, isValidCreditCode } from '../src/organisations/creditCode.js';
import { createDocumentRegistry } from '../src/verify/documentRegistry.js';
import { WEBHOOK_EVENT_TYPES } from '../src/audit/auditTrail.js';
import { startTestService, TEST_KEYS, type TestService } from './support/harness.js';
import { mountedRoutes } from './support/mountedRoutes.js';
import { pdfText, tempFile } from './support/pdfTools.js';

// Two utilities on one service (Sanya's two water companies): the default one from UTILITY_*, and
// 三亚中法供水 created through the API. Each sees, seals and is told about only its own contracts.

const ZHONGFA = {
  id: 'sanya-zhongfa',
  name: '三亚中法供水有限公司',
  creditCode: `91460200620000321${creditCodeCheckCharacter('91460200620000321')}`,
  address: '海南省三亚市天涯区三亚湾路 1 号',
  phone: '0898-88220000',
  contractNumberPrefix: 'SYZF',
};

let svc: TestService;
let templatesDir: string;
let keys: Record<'workflow' | 'utility' | 'auditor', string>;
let theirs: string;
let ours: string;

const as = (key: string, method: string, route: string, body?: unknown) =>
  svc.call(null, method, route, body, { authorization: `Bearer ${key}` });

/** The shared templates, and a version 2 of the water supply contract that only 三亚中法 uses. */
async function templatesWithOwnVersion(): Promise<string> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'esign-templates-'));
  await cp('templates', dir, { recursive: true });
  const own = path.join(dir, ZHONGFA.id, 'water-supply-contract', 'v9');
  await cp(path.join('templates', 'water-supply-contract', 'v1'), own, { recursive: true });
  const meta = JSON.parse(await readFile(path.join(own, 'template.json'), 'utf8'));
  await writeFile(path.join(own, 'template.json'), JSON.stringify({ ...meta, version: 9, title: '供用水合同（三亚中法供水）' }));
  return dir;
}

beforeAll(async () => {
  templatesDir = await templatesWithOwnVersion();
  svc = await startTestService({ env: { NODE_ENV: 'development', RATE_LIMIT_API_KEY_PER_MINUTE: '0', TEMPLATES_DIR: templatesDir } });
  const created = await svc.call('admin', 'POST', '/api/v1/organisations', ZHONGFA);
  expect(created.status, await created.clone().text()).toBe(201);
  keys = {} as typeof keys;
  for (const role of ['workflow', 'utility', 'auditor'] as const) {
    const res = await svc.call('admin', 'POST', `/api/v1/organisations/${ZHONGFA.id}/api-keys`, { role });
    expect(res.status).toBe(201);
    keys[role] = (await res.json()).key;
  }
  const example = (await (await svc.call('workflow', 'GET', '/api/v1/templates/water-supply-contract')).json()).example;
  const journey = (workflowKey: string, auditorKey: string) =>
    runJourney({ urls: [svc.url], workflowKey, auditorKey, templateId: 'water-supply-contract', variables: example, skipVerify: true });
  const [b, a] = await Promise.all([journey(keys.workflow, keys.auditor), journey(TEST_KEYS.workflow, TEST_KEYS.auditor)]);
  expect([b.status, a.status]).toEqual(['completed', 'completed']);
  theirs = b.contractId;
  ours = a.contractId;
}, 120_000);
afterAll(async () => {
  await svc?.stop();
  await rm(templatesDir, { recursive: true, force: true });
});

describe('organisations, as the platform admin manages them', () => {
  it('creates one with its own certificate and numbering, and lists both', async () => {
    const list = await (await svc.call('admin', 'GET', '/api/v1/organisations')).json();
    expect(list.items.map((o: any) => [o.id, o.contractNumberPrefix])).toEqual([
      ['default', 'SYGS'],
      [ZHONGFA.id, 'SYZF'],
    ]);
    const one = await (await svc.call('admin', 'GET', `/api/v1/organisations/${ZHONGFA.id}`)).json();
    expect(one).toEqual({ ...ZHONGFA, sealNumber: ZHONGFA.creditCode, handwrittenSignature: true, createdAt: expect.any(String), updatedAt: expect.any(String) });
    const certs = await svc.database.db.query<{ subject: string; organisation_id: string }>(
      `SELECT subject, organisation_id FROM certificates WHERE kind = 'organisation' ORDER BY organisation_id`,
    );
    expect(certs.rows.map((r) => r.organisation_id)).toEqual(['default', ZHONGFA.id]);
    expect(certs.rows[1].subject).toContain(ZHONGFA.name);
    expect(certs.rows[1].subject).toContain(ZHONGFA.creditCode);
  });

  it('refuses what would be wrong on a seal: a bad check character, a taken id, credit code or prefix, unknown fields', async () => {
    const bad = { ...ZHONGFA, id: 'other', contractNumberPrefix: 'OTHR', creditCode: `${ZHONGFA.creditCode.slice(0, 17)}${ZHONGFA.creditCode[17] === '0' ? '1' : '0'}` };
    expect(isValidCreditCode(bad.creditCode)).toBe(false);
    const res = await svc.call('admin', 'POST', '/api/v1/organisations', bad);
    expect(res.status).toBe(422);
    expect((await res.json()).error.details.map((d: any) => d.path)).toEqual(['/creditCode']);

    const taken = await svc.call('admin', 'POST', '/api/v1/organisations', { ...ZHONGFA, contractNumberPrefix: 'SYGS' });
    expect(taken.status).toBe(409);
    expect((await taken.json()).error).toMatchObject({ code: 'organisation_exists', details: [{ path: '/id' }, { path: '/creditCode' }, { path: '/contractNumberPrefix' }] });

    const extra = await svc.call('admin', 'POST', '/api/v1/organisations', { ...ZHONGFA, id: 'third', isAdmin: true });
    expect(extra.status).toBe(422);
    expect((await svc.call('admin', 'GET', '/api/v1/organisations')).ok).toBe(true);
    const count = await svc.database.db.query<{ n: number }>('SELECT count(*)::int AS n FROM organisations');
    expect(count.rows[0].n).toBe(2);
  });

  it('changes contact data only; the default organisation is its settings', async () => {
    const patched = await svc.call('admin', 'PATCH', `/api/v1/organisations/${ZHONGFA.id}`, { phone: '0898-88221111' });
    expect(patched.status).toBe(200);
    expect((await patched.json()).phone).toBe('0898-88221111');
    const renamed = await svc.call('admin', 'PATCH', `/api/v1/organisations/${ZHONGFA.id}`, { name: '另一家公司' });
    expect(renamed.status).toBe(422);
    const own = await svc.call('admin', 'PATCH', '/api/v1/organisations/default', { phone: '0898-1' });
    expect((await own.json()).error.code).toBe('organisation_configured');
  });

  it("shows a key once, lists it without it, and a revoked key is refused at once", async () => {
    const res = await svc.call('admin', 'POST', `/api/v1/organisations/${ZHONGFA.id}/api-keys`, { role: 'auditor', label: 'regulator' });
    expect(res.headers.get('cache-control')).toBe('no-store');
    const key = await res.json();
    expect(key.key).toMatch(/^wes_auditor_/);
    expect((await as(key.key, 'GET', `/api/v1/contracts/${theirs}`)).status).toBe(200);
    const listed = await (await svc.call('admin', 'GET', `/api/v1/organisations/${ZHONGFA.id}/api-keys`)).json();
    expect(JSON.stringify(listed)).not.toContain(key.key);
    expect(listed.items.find((k: any) => k.id === key.id)).toMatchObject({ role: 'auditor', label: 'regulator', organisationId: ZHONGFA.id, revokedAt: null });
    const admin = await svc.call('admin', 'POST', `/api/v1/organisations/${ZHONGFA.id}/api-keys`, { role: 'admin' });
    expect(admin.status).toBe(422);

    const revoked = await svc.call('admin', 'DELETE', `/api/v1/organisations/${ZHONGFA.id}/api-keys/${key.id}`);
    expect((await revoked.json()).revokedAt).not.toBeNull();
    const after = await as(key.key, 'GET', `/api/v1/contracts/${theirs}`);
    expect(after.status).toBe(401);
    // Another organisation cannot revoke it either: the key is not theirs.
    expect((await svc.call('admin', 'DELETE', `/api/v1/organisations/default/api-keys/${key.id}`)).status).toBe(404);
  });
});

describe('each organisation sees and seals only its own contracts', () => {
  it("prints and seals the contract in the organisation's name, and the verifier finds its seal in the utility's field", async () => {
    const view = await (await as(keys.auditor, 'GET', `/api/v1/contracts/${theirs}`)).json();
    expect(view.contractNumber).toMatch(/^SYZF-\d{4}-\d{6}$/);
    const pdf = Buffer.from(await (await as(keys.auditor, 'GET', `/api/v1/contracts/${theirs}/document?version=1`)).arrayBuffer());
    const text = pdfText(tempFile(pdf)).replace(/\s+/g, '');
    expect(text).toContain(ZHONGFA.name);
    expect(text).toContain(ZHONGFA.creditCode);
    expect(text).not.toContain('三亚市示范供水有限公司');

    const report = await (await as(keys.auditor, 'GET', `/api/v1/contracts/${theirs}/verify`)).json();
    expect(report.verdict).toBe('valid');
    expect(report.contract.allPartiesSigned).toBe(true);
    const seal = report.signatures.find((s: any) => s.party?.role === 'utility');
    expect(seal.party.matches).toBe(true);
    expect(seal.signer.dn).toContain(ZHONGFA.name);
  });

  it("accepts in a contract's utility field only its own organisation's certificate", async () => {
    const registry = createDocumentRegistry(svc.database.db);
    const serials = async (id: string) => (await registry.contract!(id))!.parties.find((p) => p.role === 'utility')!.certificateSerials;
    const mine = await serials(theirs);
    const other = await serials(ours);
    expect(mine.length).toBeGreaterThan(0);
    expect(mine.filter((s) => other.includes(s))).toEqual([]);
    const theirCert = await svc.database.db.query<{ der: Buffer }>(`SELECT der FROM certificates WHERE kind = 'organisation' AND organisation_id = $1`, [ZHONGFA.id]);
    expect(mine).toContain(new X509Certificate(theirCert.rows[0].der).serialNumber.toLowerCase());
  });

  it("answers 404 for the other organisation's contract on every contract route, as for one that does not exist", async () => {
    const routes = mountedRoutes(svc.service.app).filter((r) => r.path.startsWith('/api/v1/contracts/:id'));
    expect(routes.length).toBeGreaterThanOrEqual(7);
    const signer = (await (await as(keys.auditor, 'GET', `/api/v1/contracts/${theirs}`)).json()).signers[0].id;
    const bodies: Record<string, unknown> = { void: { reason: '申请撤回' }, deadline: { workingDays: 1, reason: '用户申请' }, bill: { period: 2025, annualBill: 1200 } };
    for (const { method, path } of routes) {
      const url = path.replace(':id', theirs).replace(':signerId', signer);
      for (const role of ['workflow', 'utility', 'auditor'] as const) {
        const res = await svc.call(role, method, url, method === 'POST' || method === 'PUT' ? bodies[path.split('/').pop()!] ?? {} : undefined);
        if (res.status === 403) continue; // the role may not call this route at all
        expect([`${method} ${path} as ${role}`, res.status, (await res.json()).error?.code]).toEqual([`${method} ${path} as ${role}`, 404, 'contract_not_found']);
      }
    }
    // Nothing happened to it.
    expect((await (await as(keys.auditor, 'GET', `/api/v1/contracts/${theirs}`)).json()).status).toBe('completed');
  });

  it('uses its own template versions in place of the shared ones, and nobody else sees them', async () => {
    const latest = async (key: string) => (await (await as(key, 'GET', '/api/v1/templates/water-supply-contract')).json()) as { version: number; title: string };
    expect(await latest(keys.workflow)).toMatchObject({ version: 9, title: '供用水合同（三亚中法供水）' });
    expect(await latest(TEST_KEYS.workflow)).toMatchObject({ version: 2, title: '供用水合同' });
    const listed = (await (await svc.call('workflow', 'GET', '/api/v1/templates')).json()).items.map((t: any) => `${t.id}@${t.version}`);
    expect(listed).not.toContain('water-supply-contract@9');
    expect((await svc.call('workflow', 'GET', '/api/v1/templates/water-supply-contract?version=9')).status).toBe(404);
    const made = async (id: string, key: string) => (await (await as(key, 'GET', `/api/v1/contracts/${id}`)).json()).templateVersion;
    expect([await made(theirs, keys.auditor), await made(ours, TEST_KEYS.auditor)]).toEqual([9, 2]);
  });

  it('lists never mix, statistics count their own, and the platform admin reads no contract', async () => {
    const idsOf = async (key: string) => (await (await as(key, 'GET', '/api/v1/contracts?limit=100')).json()).items.map((c: any) => c.id);
    expect(await idsOf(keys.workflow)).toEqual([theirs]);
    expect(await idsOf(TEST_KEYS.workflow)).not.toContain(theirs);
    const day = new Date(Date.now() + 8 * 3600_000).toISOString().slice(0, 10);
    const next = new Date(Date.now() + 32 * 3600_000).toISOString().slice(0, 10);
    const stats = await (await as(keys.utility, 'GET', `/api/v1/stats?from=${day}&to=${next}`)).json();
    expect(stats.created).toBe(1);
    for (const route of ['/api/v1/contracts', `/api/v1/contracts/${theirs}`, `/api/v1/contracts/${theirs}/document`]) {
      const res = await svc.call('admin', 'GET', route);
      expect([route, res.status]).toEqual([route, 403]);
    }
  });

  it("tells each organisation's webhooks about its own contracts only", async () => {
    const register = async (key: string) =>
      (await (await as(key, 'POST', '/api/v1/webhooks', { url: 'https://hooks.example.cn/e', events: WEBHOOK_EVENT_TYPES })).json()).id as string;
    const mineHook = await register(keys.workflow);
    const otherHook = await register(TEST_KEYS.workflow);
    expect((await (await as(keys.workflow, 'GET', '/api/v1/webhooks')).json()).items.map((h: any) => h.id)).toEqual([mineHook]);
    expect((await as(keys.workflow, 'GET', `/api/v1/webhooks/${otherHook}`)).status).toBe(404);
    expect((await as(keys.workflow, 'DELETE', `/api/v1/webhooks/${otherHook}`)).status).toBe(404);

    const example = (await (await svc.call('workflow', 'GET', '/api/v1/templates/water-supply-contract')).json()).example;
    const create = async (key: string) =>
      (await (await as(key, 'POST', '/api/v1/contracts', { templateId: 'water-supply-contract', reference: 'HOOK', variables: example })).json()).id as string;
    const [b, a] = [await create(keys.workflow), await create(TEST_KEYS.workflow)];
    const owed = await svc.database.db.query<{ webhook_id: string; contract_id: string }>(
      'SELECT DISTINCT webhook_id, contract_id FROM webhook_deliveries WHERE webhook_id = ANY($1) ORDER BY webhook_id, contract_id',
      [[mineHook, otherHook]],
    );
    expect(owed.rows).toEqual(
      [{ webhook_id: mineHook, contract_id: b }, { webhook_id: otherHook, contract_id: a }].sort((x, y) => x.webhook_id.localeCompare(y.webhook_id)),
    );
  });
  it('lets a utility turn drawn signatures off: its pages offer no pad and a drawing is refused before any code is spent', async () => {
    expect((await (await svc.call('admin', 'GET', `/api/v1/organisations/${ZHONGFA.id}`)).json()).handwrittenSignature).toBe(true);
    const off = await svc.call('admin', 'PATCH', `/api/v1/organisations/${ZHONGFA.id}`, { handwrittenSignature: false });
    expect((await off.json()).handwrittenSignature).toBe(false);
    expect((await svc.call('admin', 'PATCH', `/api/v1/organisations/${ZHONGFA.id}`, { handwrittenSignature: 'no' })).status).toBe(422);
    try {
      const example = (await (await as(keys.workflow, 'GET', '/api/v1/templates/water-supply-contract')).json()).example;
      const c = await (await as(keys.workflow, 'POST', '/api/v1/contracts', { templateId: 'water-supply-contract', reference: 'HW-OFF', variables: example })).json();
      const token = c.signers[0].signingUrl.split('/').pop();
      expect((await (await svc.call(null, 'GET', `/api/v1/signing/${token}`)).json()).handwriting).toBe(false);
      const html = await (await fetch(c.signers[0].signingUrl)).text();
      expect(html).not.toContain('id="pad"');
      const code = (await (await svc.call(null, 'POST', `/api/v1/signing/${token}/otp`, {})).json()).developmentCode;
      const drawn = { width: 300, height: 150, strokes: [[[10, 20], [200, 120]]] };
      const refused = await svc.call(null, 'POST', `/api/v1/signing/${token}/sign`, { otp: code, consent: true, signature: drawn });
      expect([refused.status, (await refused.json()).error.code]).toEqual([422, 'handwriting_disabled']);
      // The code was not spent on it: the typed-name signature goes through with it.
      expect((await svc.call(null, 'POST', `/api/v1/signing/${token}/sign`, { otp: code, consent: true })).status).toBe(200);
    } finally {
      await svc.call('admin', 'PATCH', `/api/v1/organisations/${ZHONGFA.id}`, { handwrittenSignature: true });
    }
  });
});
