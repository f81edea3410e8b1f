import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { creditCodeCheckCharacter } from '../src/organisations/creditCode.js';
import { startTestService, type TestService } from './support/harness.js';

// Batches through the API: a utility issues many reliability agreements in one request, follows them,
// downloads the result, and countersigns the lot; a retried batch makes nothing twice.

let svc: TestService;
let example: Record<string, any>;

const post = (route: string, body: unknown, role: 'workflow' | 'utility' | 'auditor' | 'admin' = 'workflow', headers: Record<string, string> = {}) =>
  svc.call(role, 'POST', route, body, headers);

async function finished(id: string, role: 'workflow' | 'utility' | 'auditor' = 'workflow') {
  for (let i = 0; i < 600; i++) {
    const view = await (await svc.call(role, 'GET', `/api/v1/batches/${id}`)).json();
    if (view.status === 'completed') return view;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`batch ${id} did not finish`);
}

const customer = (i: number) => ({ ...example.customer, name: `三亚第${i}号客户有限公司`, mobile: `1390754${String(1000 + i).padStart(4, '0')}` });
const item = (ref: string, i: number, extra: Record<string, unknown> = {}) => ({ reference: ref, variables: { ...example, customer: customer(i) }, ...extra });

beforeAll(async () => {
  svc = await startTestService({ objectStore: 's3', env: { RATE_LIMIT_API_KEY_PER_MINUTE: '0', BATCH_WORKERS: '2' } });
  example = (await (await svc.call('workflow', 'GET', '/api/v1/templates/reliability-agreement')).json()).example;
}, 60_000);
afterAll(async () => {
  await svc?.stop();
});

describe('a batch of reliability agreements', () => {
  const run = `R${Date.now().toString(36)}`;
  let batchId: string;

  it('is accepted at once, worked off in the background, and reports each bad item by index and reference', async () => {
    const { target: _t, ...withoutTarget }: Record<string, any> = { ...example, customer: customer(3) };
    const items = [
      item(`${run}-0`, 0),
      item(`${run}-1`, 1, { priority: true }),
      { reference: `${run}-2`, variables: withoutTarget },
      item(`${run}-3`, 3),
      item(`${run}-4`, 4, { variables: { ...example, customer: { ...customer(4), name: '三亚😀客户' } } }),
      item(`=HYPERLINK("http://evil")`, 5),
    ];
    const res = await post('/api/v1/batches', { templateId: 'reliability-agreement', items });
    expect(res.status, await res.clone().text()).toBe(202);
    const accepted = await res.json();
    expect(res.headers.get('location')).toBe(`/api/v1/batches/${accepted.id}`);
    expect(accepted).toMatchObject({ kind: 'issue', templateId: 'reliability-agreement', templateVersion: 2, total: 6 });
    batchId = accepted.id;

    const done = await finished(batchId);
    expect(done).toMatchObject({ status: 'completed', total: 6, pending: 0, created: 4, existing: 0, failed: 2 });
    expect(done.errors.map((e: any) => [e.index, e.reference, e.code])).toEqual([
      [2, `${run}-2`, 'invalid_variables'],
      [4, `${run}-4`, 'unsupported_character'],
    ]);
    expect(done.errors[0].details.map((d: any) => d.path)).toEqual(['/variables/target']);
    expect(done.errors[1].details).toEqual([expect.objectContaining({ path: '/variables/customer/name' })]);
    expect(done.startedAt <= done.finishedAt).toBe(true);

    // Each created contract is the reliability agreement, the utility's automatic seal already on it.
    const page = await (await svc.call('workflow', 'GET', `/api/v1/batches/${batchId}/items`)).json();
    expect(page.items.map((i: any) => i.status)).toEqual(['created', 'created', 'failed', 'created', 'failed', 'created']);
    const first = await (await svc.call('workflow', 'GET', `/api/v1/contracts/${page.items[1].contractId}`)).json();
    expect(first).toMatchObject({ reference: `${run}-1`, templateId: 'reliability-agreement', priority: true, status: 'partially_signed' });
    expect(page.items[1].contractNumber).toBe(first.contractNumber);
    expect(page.items[1].signingUrl).toBe(first.signers.find((s: any) => s.kind === 'person').signingUrl);
    const events = await (await svc.call('auditor', 'GET', `/api/v1/contracts/${first.id}/events`)).json();
    expect(events.events.find((e: any) => e.type === 'contract.created').data.batchId).toBe(batchId);
  });

  it('gives its result as a CSV file, with no formula a spreadsheet would run, and no signing link to an auditor', async () => {
    const res = await svc.call('utility', 'GET', `/api/v1/batches/${batchId}/items?format=csv`);
    expect(res.headers.get('content-type')).toMatch(/^text\/csv/);
    const lines = (await res.text()).replace(/^\uFEFF/, '').trim().split('\r\n');
    expect(lines[0]).toBe('index,row,reference,status,contractNumber,contractId,contractStatus,signingUrl,code,message');
    expect(lines).toHaveLength(7);
    expect(lines[3]).toMatch(new RegExp(`^2,,${run}-2,failed,,,,,invalid_variables,`));
    expect(lines[6]).toMatch(/^5,,"'=HYPERLINK\(""http:\/\/evil""\)",created,SY/);
    expect(lines[1]).toContain(`${svc.url}/sign/`);
    const forAuditor = await (await svc.call('auditor', 'GET', `/api/v1/batches/${batchId}/items`)).json();
    expect(forAuditor.items.every((i: any) => i.signingUrl === undefined)).toBe(true);
    const failedOnly = await (await svc.call('auditor', 'GET', `/api/v1/batches/${batchId}/items?status=failed`)).json();
    expect(failedOnly.items.map((i: any) => i.index)).toEqual([2, 4]);
  });

  it('retried, makes nothing twice: the items already made are "existing", one whose data changed is refused', async () => {
    const items = [item(`${run}-0`, 0), item(`${run}-1`, 1, { priority: true }), item(`${run}-3`, 99)];
    const again = await (await post('/api/v1/batches', { templateId: 'reliability-agreement', items })).json();
    const done = await finished(again.id);
    expect(done).toMatchObject({ created: 0, existing: 2, failed: 1 });
    expect(done.errors).toEqual([expect.objectContaining({ index: 2, reference: `${run}-3`, code: 'reference_conflict' })]);
    const firstRun = (await (await svc.call('workflow', 'GET', `/api/v1/batches/${batchId}/items`)).json()).items;
    const secondRun = (await (await svc.call('workflow', 'GET', `/api/v1/batches/${again.id}/items`)).json()).items;
    expect(secondRun.slice(0, 2).map((i: any) => i.contractId)).toEqual(firstRun.slice(0, 2).map((i: any) => i.contractId));
    const listed = await (await svc.call('workflow', 'GET', `/api/v1/contracts?reference=${run}-0`)).json();
    expect(listed.items).toHaveLength(1);
  });

  it('with an Idempotency-Key, a repeated request answers with the first batch', async () => {
    const body = { templateId: 'reliability-agreement', items: [item(`${run}-idem`, 7)] };
    const a = await post('/api/v1/batches', body, 'workflow', { 'Idempotency-Key': `batch-${run}` });
    const b = await post('/api/v1/batches', body, 'workflow', { 'Idempotency-Key': `batch-${run}` });
    expect([a.status, b.status]).toEqual([202, 200]);
    expect((await b.json()).id).toBe((await a.json()).id);
  });

  it('keeps the items\' personal data sealed while they wait, and none of it once they are worked off', async () => {
    const rows = (await svc.database.db.query<{ variables: unknown; status: string }>('SELECT variables, status FROM batch_items WHERE batch_id = $1', [batchId])).rows;
    expect(rows.every((r) => r.variables === null)).toBe(true);
    // A batch that cannot start (its template was never published) shows what waiting items hold.
    await svc.service.batchWorker.stop();
    try {
      const waiting = await (await post('/api/v1/batches', { templateId: 'reliability-agreement', items: [item(`${run}-sealed`, 8)] })).json();
      const [row] = (await svc.database.db.query<{ variables: unknown }>('SELECT variables FROM batch_items WHERE batch_id = $1', [waiting.id])).rows;
      const stored = JSON.stringify(row.variables);
      expect(stored).not.toContain(customer(8).mobile);
      expect(stored).not.toContain(example.customer.idNumber);
      expect(stored).toMatch(/"\$sealed":"v1\./);
    } finally {
      svc.service.batchWorker.start(100);
    }
  });

  it('is countersigned by the utility as a batch of its own: those waiting for its seal are signed, the others say why', async () => {
    const items = [0, 1, 2].map((i) => item(`${run}-manual-${i}`, 20 + i));
    const issued = await finished((await (await post('/api/v1/batches', { templateId: 'reliability-agreement', autoSign: false, items })).json()).id);
    expect(issued.created).toBe(3);
    const contracts = (await (await svc.call('utility', 'GET', `/api/v1/batches/${issued.id}/items`)).json()).items.map((i: any) => i.contractId);
    await post(`/api/v1/contracts/${contracts[1]}/void`, { reason: '客户已销户' });

    const res = await post(`/api/v1/batches/${issued.id}/countersign`, {}, 'utility');
    expect(res.status).toBe(202);
    const signing = await res.json();
    expect(signing).toMatchObject({ kind: 'countersign', sourceBatchId: issued.id, total: 3 });
    const done = await finished(signing.id, 'utility');
    expect(done).toMatchObject({ signed: 2, skipped: 1, failed: 0 });
    expect(done.errors).toEqual([expect.objectContaining({ index: 1, contractId: contracts[1], code: 'not_waiting_for_utility' })]);
    const sealed = await (await svc.call('utility', 'GET', `/api/v1/contracts/${contracts[0]}`)).json();
    expect(sealed.signers.map((s: any) => [s.role, s.status])).toEqual([['utility', 'signed'], ['customer', 'notified']]);

    // Once more: everything is sealed already, nothing is signed twice.
    const twice = await finished((await (await post(`/api/v1/batches/${issued.id}/countersign`, {}, 'utility')).json()).id, 'utility');
    expect(twice).toMatchObject({ signed: 0, skipped: 3 });
    expect(twice.errors.map((e: any) => e.code)).toEqual(['already_signed', 'not_waiting_for_utility', 'already_signed']);
    // Only the utility seals; a batch still running, or one that only countersigned, is not countersigned.
    expect((await post(`/api/v1/batches/${issued.id}/countersign`, {}, 'workflow')).status).toBe(403);
    expect((await (await post(`/api/v1/batches/${signing.id}/countersign`, {}, 'utility')).json()).error.code).toBe('not_an_issue_batch');
  });

  it('is previewed without anything stored: every item checked as the create call would', async () => {
    const before = (await (await svc.call('workflow', 'GET', '/api/v1/batches?limit=100')).json()).items.length;
    const { target: _t, ...withoutTarget } = example;
    const res = await post('/api/v1/batches/preview', { templateId: 'reliability-agreement', items: [item('P-1', 1), { reference: 'P-2', variables: withoutTarget }] });
    expect(res.status).toBe(200);
    const preview = await res.json();
    expect(preview).toMatchObject({ total: 2, valid: 1 });
    expect(preview.errors).toEqual([expect.objectContaining({ index: 1, reference: 'P-2', code: 'invalid_variables' })]);
    expect((await (await svc.call('workflow', 'GET', '/api/v1/batches?limit=100')).json()).items.length).toBe(before);
  });
});

describe('batch requests the service refuses', () => {
  const body = (items: unknown[], extra: Record<string, unknown> = {}) => ({ templateId: 'reliability-agreement', items, ...extra });

  it('answers a bad request with a code and the place to fix, and stores nothing', async () => {
    const cases: Array<[unknown, number, string]> = [
      [body([]), 422, 'validation_failed'],
      [body([{ reference: 'A' }]), 422, 'validation_failed'],
      [body([item('A', 1), item('B', 2), item('A', 3)]), 422, 'duplicate_reference'],
      [body(Array.from({ length: 10_001 }, (_, i) => ({ reference: `X${i}`, variables: {} }))), 422, 'validation_failed'],
      [{ templateId: 'no-such-template', items: [item('A', 1)] }, 404, 'template_not_found'],
      [body([item('A', 1)], { templateVersion: 99 }), 404, 'template_not_found'],
    ];
    const before = Number((await svc.database.db.query<{ n: string }>('SELECT count(*) AS n FROM batches')).rows[0].n);
    for (const [b, status, code] of cases) {
      const res = await post('/api/v1/batches', b);
      const answer = await res.json();
      expect([res.status, answer.error.code], JSON.stringify(answer).slice(0, 300)).toEqual([status, code]);
    }
    const dup = await (await post('/api/v1/batches', body([item('A', 1), item('B', 2), item('A', 3)]))).json();
    expect(dup.error.details).toEqual([{ path: '/items/2/reference', message: expect.stringContaining('item 0') }]);
    expect(Number((await svc.database.db.query<{ n: string }>('SELECT count(*) AS n FROM batches')).rows[0].n)).toBe(before);
  });

  it('lets only the organisation\'s workflow and utility keys submit, and shows a batch only to its own organisation', async () => {
    expect((await post('/api/v1/batches', body([item('A', 1)]), 'auditor')).status).toBe(403);
    expect((await post('/api/v1/batches', body([item('A', 1)]), 'admin')).status).toBe(403);
    const mine = await (await post('/api/v1/batches', body([item(`ORG-${Date.now()}`, 1)]))).json();
    await finished(mine.id);

    const other = { id: 'batch-other', name: '三亚中法供水有限公司', creditCode: `91460200620000322${creditCodeCheckCharacter('91460200620000322')}`, address: '海南省三亚市天涯区三亚湾路 1 号', phone: '0898-88220000', contractNumberPrefix: 'SYBO' };
    expect((await post('/api/v1/organisations', other, 'admin')).status).toBe(201);
    const key = (await (await post(`/api/v1/organisations/${other.id}/api-keys`, { role: 'auditor' }, 'admin')).json()).key;
    const theirs = (route: string) => svc.call(null, 'GET', route, undefined, { authorization: `Bearer ${key}` });
    expect((await theirs(`/api/v1/batches/${mine.id}`)).status).toBe(404);
    expect((await theirs(`/api/v1/batches/${mine.id}/items`)).status).toBe(404);
    expect((await (await theirs('/api/v1/batches')).json()).items).toEqual([]);
  });
});
