import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestService, type TestService } from './support/harness.js';
import { pdfText, run, tempFile } from './support/pdfTools.js';
import { skipUnless } from './support/checkers.js';

async function example(svc: TestService, templateId: string) {
  const res = await svc.call('workflow', 'GET', `/api/v1/templates/${templateId}`);
  expect(res.status).toBe(200);
  return (await res.json()).example as Record<string, any>;
}

/** The value of one series in a Prometheus text exposition (0 when absent, as for a counter not yet touched). */
function sample(exposition: string, name: string, labels: Record<string, string>): number {
  for (const m of exposition.matchAll(/^(\w+)\{([^}]*)\} (\S+)$/gm)) {
    if (m[1] !== name) continue;
    const got = Object.fromEntries([...m[2].matchAll(/(\w+)="([^"]*)"/g)].map((l) => [l[1], l[2]]));
    const keys = Object.keys(labels);
    if (keys.length === Object.keys(got).length && keys.every((k) => got[k] === labels[k])) return Number(m[3]);
  }
  return 0;
}

describe.each(['folder', 's3'] as const)('contracts API with %s object store', (objectStore) => {
  let svc: TestService;
  beforeAll(async () => {
    svc = await startTestService({ objectStore });
  });
  afterAll(async () => {
    await svc?.stop();
  });

  it('reports health and readiness of database and object store', async () => {
    expect((await svc.call(null, 'GET', '/healthz')).status).toBe(200);
    const ready = await svc.call(null, 'GET', '/readyz');
    expect(ready.status).toBe(200);
    const body = await ready.json();
    expect(body.checks.objectStore.kind).toBe(objectStore);
    expect(body.checks.database.ok).toBe(true);
  });

  it('authenticates every API call and authorises by role', async () => {
    const none = await svc.call(null, 'GET', '/api/v1/templates');
    expect(none.status).toBe(401);
    expect((await none.json()).error.code).toBe('missing_api_key');
    const bad = await fetch(`${svc.url}/api/v1/templates`, { headers: { authorization: 'Bearer nope' } });
    expect(bad.status).toBe(401);
    expect((await bad.json()).error.code).toBe('invalid_api_key');
    const auditorCreates = await svc.call('auditor', 'POST', '/api/v1/contracts', {});
    expect(auditorCreates.status).toBe(403);
    expect((await auditorCreates.json()).error.code).toBe('forbidden_role');
  });

  it('lists templates with schema, signer order and a working example', async () => {
    const res = await svc.call('auditor', 'GET', '/api/v1/templates');
    const { items } = await res.json();
    const ids = items.map((t: any) => t.id);
    expect(ids).toContain('water-supply-contract');
    expect(ids).toContain('reliability-agreement');
    const water = items.find((t: any) => t.id === 'water-supply-contract');
    expect(water.signers.map((s: any) => s.role)).toEqual(['applicant', 'utility']);
    const reliability = items.find((t: any) => t.id === 'reliability-agreement');
    expect(reliability.signers.map((s: any) => s.role)).toEqual(['utility', 'customer']);
    expect(water.schema.type).toBe('object');
    expect(water.sha256).toMatch(/^[0-9a-f]{64}$/);
    expect((await svc.call('workflow', 'GET', '/api/v1/templates/no-such-template')).status).toBe(404);
  });

  it('creates a water supply contract whose stored PDF is typeset, checkable and matches its sha256', async (ctx) => {
    const variables = await example(svc, 'water-supply-contract');
    const res = await svc.call('workflow', 'POST', '/api/v1/contracts', {
      templateId: 'water-supply-contract',
      reference: `APP-${objectStore}-1`,
      variables,
    });
    expect(res.status).toBe(201);
    const c = await res.json();
    expect(c).toMatchObject({
      templateId: 'water-supply-contract',
      templateVersion: 2,
      reference: `APP-${objectStore}-1`,
      status: 'awaiting_signatures',
      document: { version: 1 },
    });
    expect(c.contractNumber).toMatch(/^SYGS-\d{4}-\d{6}$/);
    expect(c.signers.map((s: any) => [s.order, s.role, s.status])).toEqual([
      [1, 'applicant', 'notified'],
      [2, 'utility', 'pending'],
    ]);
    expect(c.signers[0].name).toBe(variables.applicant.name);
    expect(res.headers.get('location')).toBe(`/api/v1/contracts/${c.id}`);

    const doc = await svc.call('auditor', 'GET', c.document.url);
    expect(doc.status).toBe(200);
    expect(doc.headers.get('content-type')).toBe('application/pdf');
    const bytes = new Uint8Array(await doc.arrayBuffer());
    expect(createHash('sha256').update(bytes).digest('hex')).toBe(c.document.sha256);
    expect(bytes.byteLength).toBe(c.document.size);
    expect(doc.headers.get('etag')).toBe(`"${c.document.sha256}"`);
    const again = await svc.call('auditor', 'GET', c.document.url, undefined, { 'if-none-match': `"${c.document.sha256}"` });
    expect(again.status).toBe(304);

    skipUnless(ctx, 'pdftotext', 'qpdf', 'pdffonts');
    const file = tempFile(bytes);
    const text = pdfText(file).replace(/\s+/g, '');
    expect(text).toContain(variables.applicant.name);
    expect(text).toContain(String(variables.site.address).replace(/\s+/g, ''));
    expect(text).toContain(c.contractNumber);
    const check = run('qpdf', ['--check', file]);
    expect(check.out).toContain('No syntax or stream encoding errors found');
    const fonts = run('pdffonts', [file]).out.trim().split('\n').slice(2);
    expect(fonts.length).toBeGreaterThan(0);
    for (const line of fonts) expect(line).toMatch(/\s+yes\s+yes\s+(yes|no)\s+\d+\s+\d+\s*$/);
  });

  it('creates a reliability agreement from its example', async () => {
    const variables = await example(svc, 'reliability-agreement');
    const res = await svc.call('utility', 'POST', '/api/v1/contracts', {
      templateId: 'reliability-agreement',
      reference: `APP-${objectStore}-2`,
      variables,
    });
    expect(res.status).toBe(201);
    const c = await res.json();
    expect(c.signers.map((s: any) => s.role)).toEqual(['utility', 'customer']);
  });

  it('finds contracts by reference and pages through them with a cursor', async () => {
    const variables = await example(svc, 'water-supply-contract');
    const reference = `PAGE-${objectStore}`;
    const created: string[] = [];
    for (let i = 0; i < 5; i++) {
      const res = await svc.call('workflow', 'POST', '/api/v1/contracts', { templateId: 'water-supply-contract', reference, variables });
      created.push((await res.json()).id);
    }
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const q: string = `/api/v1/contracts?reference=${reference}&limit=2${cursor ? `&cursor=${cursor}` : ''}`;
      const page: any = await (await svc.call('auditor', 'GET', q)).json();
      expect(page.items.length).toBeLessThanOrEqual(2);
      seen.push(...page.items.map((c: any) => c.id));
      cursor = page.nextCursor;
    } while (cursor);
    expect(seen).toEqual([...created].reverse());
    const byStatus = await (await svc.call('auditor', 'GET', `/api/v1/contracts?status=completed&reference=${reference}`)).json();
    expect(byStatus.items).toEqual([]);
    expect((await svc.call('auditor', 'GET', '/api/v1/contracts?limit=0')).status).toBe(400);
  });

  it('replays an Idempotency-Key with the same body and refuses it with another', async () => {
    const variables = await example(svc, 'water-supply-contract');
    const body = { templateId: 'water-supply-contract', reference: `IDEM-${objectStore}`, variables };
    const key = { 'idempotency-key': `idem-${objectStore}-1` };
    const [a, b] = await Promise.all([
      svc.call('workflow', 'POST', '/api/v1/contracts', body, key),
      svc.call('workflow', 'POST', '/api/v1/contracts', body, key),
    ]);
    const answers = [await a.json(), await b.json()];
    // Statuses first, with the bodies: a twin that lost the race must replay, never fail.
    expect([a.status, b.status].sort(), JSON.stringify(answers)).toEqual([200, 201]);
    const ids = answers.map((x) => x.id);
    expect(ids[0]).toBe(ids[1]);
    const list = await (await svc.call('auditor', 'GET', `/api/v1/contracts?reference=IDEM-${objectStore}`)).json();
    expect(list.items).toHaveLength(1);
    const other = await svc.call('workflow', 'POST', '/api/v1/contracts', { ...body, reference: 'changed' }, key);
    expect(other.status).toBe(409);
    expect((await other.json()).error.code).toBe('idempotency_key_reused');
    // Keys belong to the API key that sent them: the same key and body from another caller is its own request.
    const utility = await svc.call('utility', 'POST', '/api/v1/contracts', body, key);
    expect(utility.status).toBe(201);
    const utilityId = (await utility.json()).id;
    const after = await (await svc.call('auditor', 'GET', `/api/v1/contracts?reference=IDEM-${objectStore}`)).json();
    expect(after.items.map((c: { id: string }) => c.id).sort()).toEqual([ids[0], utilityId].sort());
    expect(utilityId).not.toBe(ids[0]);
  });

  it('rejects bad input with a clear code, never a 500', async () => {
    const variables = await example(svc, 'water-supply-contract');
    const unknown = await svc.call('workflow', 'POST', '/api/v1/contracts', { templateId: 'nope', reference: 'r', variables });
    expect(unknown.status).toBe(404);
    expect((await unknown.json()).error.code).toBe('template_not_found');

    const wrong = structuredClone(variables);
    delete wrong.applicant.mobile;
    wrong.site.address = 42;
    const invalid = await svc.call('workflow', 'POST', '/api/v1/contracts', { templateId: 'water-supply-contract', reference: 'r', variables: wrong });
    expect(invalid.status).toBe(422);
    const err = (await invalid.json()).error;
    expect(err.code).toBe('invalid_variables');
    const paths = err.details.map((d: any) => d.path);
    expect(paths).toContain('/variables/applicant/mobile');
    expect(paths).toContain('/variables/site/address');

    const noEnvelope = await svc.call('workflow', 'POST', '/api/v1/contracts', { variables: 'x' });
    expect(noEnvelope.status).toBe(422);
    expect((await noEnvelope.json()).error.details.map((d: any) => d.path)).toEqual(
      expect.arrayContaining(['/templateId', '/reference', '/variables']),
    );

    const malformed = await svc.call('workflow', 'POST', '/api/v1/contracts', '{"templateId": ');
    expect(malformed.status).toBe(400);
    expect((await malformed.json()).error.code).toBe('malformed_json');

    const huge = await svc.call('workflow', 'POST', '/api/v1/contracts', { templateId: 'x', reference: 'r', variables: { pad: 'x'.repeat(2_000_000) } });
    expect(huge.status).toBe(413);
    expect((await huge.json()).error.code).toBe('payload_too_large');

    const xml = await svc.call('workflow', 'POST', '/api/v1/contracts', '<contract/>', { 'content-type': 'application/xml' });
    expect(xml.status).toBe(415);
    expect((await xml.json()).error.code).toBe('unsupported_media_type');

    const missing = await svc.call('auditor', 'GET', '/api/v1/contracts/00000000-0000-4000-8000-000000000000');
    expect(missing.status).toBe(404);
    expect((await missing.json()).error.code).toBe('contract_not_found');
  });

  it('refuses a name with a character the font cannot show, naming it', async (ctx) => {
    const variables = await example(svc, 'water-supply-contract');
    variables.applicant.name = '𠮷野家';
    const res = await svc.call('workflow', 'POST', '/api/v1/contracts', { templateId: 'water-supply-contract', reference: 'rare', variables });
    expect(res.status).toBe(422);
    const err = (await res.json()).error;
    expect(err.code).toBe('unsupported_character');
    expect(err.message).toContain('𠮷');
    expect(err.details[0].path).toContain('/applicant/name');
    const ok = structuredClone(variables);
    ok.applicant.name = '龘喆';
    const fine = await svc.call('workflow', 'POST', '/api/v1/contracts', { templateId: 'water-supply-contract', reference: 'rare', variables: ok });
    expect(fine.status).toBe(201);
    const c = await fine.json();
    skipUnless(ctx, 'pdftotext');
    const bytes = new Uint8Array(await (await svc.call('auditor', 'GET', c.document.url)).arrayBuffer());
    expect(pdfText(tempFile(bytes))).toContain('龘喆');
  });

  it('exposes Prometheus metrics and the OpenAPI document', async () => {
    const scrape = async () => (await svc.call(null, 'GET', '/metrics')).text();
    const before = await scrape();
    const variables = await example(svc, 'water-supply-contract');
    const res = await svc.call('workflow', 'POST', '/api/v1/contracts', { templateId: 'water-supply-contract', reference: `METRICS-${objectStore}`, variables });
    expect(res.status).toBe(201);
    const after = await scrape();
    const created = { template: 'water-supply-contract' };
    expect(sample(after, 'contracts_created_total', created)).toBe(sample(before, 'contracts_created_total', created) + 1);
    const route = { method: 'POST', route: '/api/v1/contracts/' };
    expect(sample(after, 'http_requests_total', { ...route, status: '201' })).toBe(sample(before, 'http_requests_total', { ...route, status: '201' }) + 1);
    expect(sample(after, 'http_request_duration_seconds_count', route)).toBe(sample(before, 'http_request_duration_seconds_count', route) + 1);
    expect(sample(after, 'http_request_duration_seconds_bucket', { ...route, le: '+Inf' })).toBe(sample(after, 'http_request_duration_seconds_count', route));
    const spec = await (await svc.call(null, 'GET', '/api/v1/openapi.json')).json();
    expect(spec.openapi).toBe('3.1.0');
    expect(Object.keys(spec.paths)).toEqual(
      expect.arrayContaining([
        '/contracts', '/contracts/{id}', '/contracts/{id}/document', '/contracts/{id}/void', '/contracts/{id}/events',
        '/contracts/{id}/evidence', '/contracts/{id}/verify', '/contracts/{id}/signers/{signerId}/sign', '/templates',
        '/templates/{id}', '/signing/{token}', '/signing/{token}/otp', '/signing/{token}/sign', '/signing/{token}/decline',
        '/certificates/{serial}/revoke', '/verify', '/stats', '/webhooks',
      ]),
    );
  });
});

describe('object store outage', () => {
  let svc: TestService;
  beforeAll(async () => {
    svc = await startTestService({ objectStore: 's3' });
  });
  afterAll(async () => {
    await svc?.stop();
  });

  it('fails cleanly with 503 while S3 is down, leaves no row, and a retry succeeds', async () => {
    const variables = await example(svc, 'water-supply-contract');
    const body = { templateId: 'water-supply-contract', reference: 'OUTAGE-1', variables };
    await svc.s3!.pause();
    const failed = await svc.call('workflow', 'POST', '/api/v1/contracts', body, { 'idempotency-key': 'outage-1' });
    expect(failed.status).toBe(503);
    expect(failed.headers.get('retry-after')).toBe('5');
    expect((await failed.json()).error.code).toBe('storage_unavailable');
    expect((await svc.call(null, 'GET', '/readyz')).status).toBe(503);
    const none = await (await svc.call('auditor', 'GET', '/api/v1/contracts?reference=OUTAGE-1')).json();
    expect(none.items).toHaveLength(0);

    await svc.s3!.resume();
    const retried = await svc.call('workflow', 'POST', '/api/v1/contracts', body, { 'idempotency-key': 'outage-1' });
    expect(retried.status).toBe(201);
    const c = await retried.json();
    const doc = await svc.call('auditor', 'GET', c.document.url);
    expect(doc.status).toBe(200);
  });
});
