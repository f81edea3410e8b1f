import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestService, type TestService } from './support/harness.js';
import { freshDatabase } from './support/databases.js';
import type { Database } from '../src/storage/db/database.js';

const china = (local: string) => new Date(`${local}+08:00`);

async function exampleOf(svc: TestService, templateId = 'water-supply-contract') {
  return (await (await svc.call('workflow', 'GET', `/api/v1/templates/${templateId}`)).json()).example;
}

async function create(svc: TestService, extra: Record<string, unknown> = {}) {
  const res = await svc.call('workflow', 'POST', '/api/v1/contracts', {
    templateId: 'water-supply-contract',
    reference: `WF-${Math.random().toString(36).slice(2)}`,
    variables: await exampleOf(svc),
    ...extra,
  });
  expect(res.status).toBe(201);
  return res.json();
}

async function declineApplicant(svc: TestService, token: string) {
  const sent = await (await svc.call(null, 'POST', `/api/v1/signing/${token}/otp`, {})).json();
  return svc.call(null, 'POST', `/api/v1/signing/${token}/decline`, { otp: sent.developmentCode ?? '000000', reason: 'race' });
}

async function signApplicant(svc: TestService, contract: any, headers: Record<string, string> = {}) {
  const token = contract.signers[0].signingUrl.split('/').pop();
  const sent = await (await svc.call(null, 'POST', `/api/v1/signing/${token}/otp`, {})).json();
  return svc.call(null, 'POST', `/api/v1/signing/${token}/sign`, { otp: sent.developmentCode, consent: true }, headers);
}

describe('audit trail, void and idempotent actions', () => {
  let svc: TestService;
  beforeAll(async () => {
    svc = await startTestService({ env: { NODE_ENV: 'development' } });
  });
  afterAll(async () => {
    await svc?.stop();
  });

  it('records every step as a hash-chained event with actor, address and document hash', async () => {
    const c = await create(svc);
    await svc.call(null, 'GET', `/api/v1/signing/${c.signers[0].signingUrl.split('/').pop()}`, undefined, { 'user-agent': 'PhoneBrowser/1.0' });
    expect((await signApplicant(svc, c)).status).toBe(200);
    await svc.call('auditor', 'GET', `/api/v1/contracts/${c.id}/document`);
    const res = await svc.call('auditor', 'GET', `/api/v1/contracts/${c.id}/events`);
    expect(res.status).toBe(200);
    const { chain, events } = await res.json();
    expect(chain).toEqual({ valid: true });
    expect(events.map((e: any) => e.type)).toEqual([
      'contract.created',
      'signer.notified',
      'signer.viewed',
      'signer.code_sent',
      'certificate.issued',
      'signer.signed',
      'signer.notified',
      'signer.signed',
      'contract.completed',
      'document.downloaded',
    ]);
    const viewed = events.find((e: any) => e.type === 'signer.viewed');
    expect(viewed.actor.type).toBe('signer');
    expect(viewed.userAgent).toBe('PhoneBrowser/1.0');
    expect(viewed.ip).toMatch(/127\.0\.0\.1/);
    const created = events[0];
    expect(created.actor).toMatchObject({ type: 'api_key' });
    expect(created.document.version).toBe(1);
    const completed = events.find((e: any) => e.type === 'contract.completed');
    expect(completed.document).toEqual({ version: 3, sha256: expect.stringMatching(/^[0-9a-f]{64}$/) });
    for (let i = 1; i < events.length; i++) expect(events[i].prevHash).toBe(events[i - 1].hash);
    expect((await svc.call('workflow', 'GET', `/api/v1/contracts/${c.id}/events`)).status).toBe(200);
    expect((await svc.call('admin', 'GET', `/api/v1/contracts/${c.id}/events`)).status).toBe(403);
  });

  it('refuses UPDATE and DELETE on events, and detects an edit made behind its back', async () => {
    const c = await create(svc);
    const db = svc.database.db;
    await expect(db.query(`UPDATE contract_events SET type = 'x' WHERE contract_id = $1`, [c.id])).rejects.toThrow(/append-only/);
    await expect(db.query(`DELETE FROM contract_events WHERE contract_id = $1`, [c.id])).rejects.toThrow(/append-only/);
    // Someone with enough rights switches the guard off and rewrites history.
    await db.exec('ALTER TABLE contract_events DISABLE TRIGGER contract_events_no_update');
    try {
      await db.query(`UPDATE contract_events SET data = '{"reference":"forged"}' WHERE contract_id = $1 AND seq = 1`, [c.id]);
    } finally {
      await db.exec('ALTER TABLE contract_events ENABLE TRIGGER contract_events_no_update');
    }
    const { chain } = await (await svc.call('auditor', 'GET', `/api/v1/contracts/${c.id}/events`)).json();
    expect(chain.valid).toBe(false);
    expect(chain.brokenAt).toMatchObject({ seq: 1, problem: 'hash_mismatch' });
  });

  it('voids an open contract once, by the right roles, with a reason', async () => {
    const c = await create(svc);
    expect((await svc.call('auditor', 'POST', `/api/v1/contracts/${c.id}/void`, { reason: 'x' })).status).toBe(403);
    const noReason = await svc.call('workflow', 'POST', `/api/v1/contracts/${c.id}/void`, {});
    expect(noReason.status).toBe(422);
    const key = { 'idempotency-key': `void-${c.id}` };
    const voided = await svc.call('workflow', 'POST', `/api/v1/contracts/${c.id}/void`, { reason: '申请撤回' }, key);
    expect(voided.status).toBe(200);
    expect(await voided.json()).toMatchObject({ status: 'voided', closeReason: '申请撤回', sla: 'missed' });
    // The same key again replays the result instead of failing.
    expect((await svc.call('workflow', 'POST', `/api/v1/contracts/${c.id}/void`, { reason: '申请撤回' }, key)).status).toBe(200);
    const again = await svc.call('utility', 'POST', `/api/v1/contracts/${c.id}/void`, { reason: 'again' });
    expect(again.status).toBe(409);
    expect(await again.json()).toMatchObject({ error: { code: 'illegal_transition', status: 'voided' } });
    const token = c.signers[0].signingUrl.split('/').pop();
    const code = await svc.call(null, 'POST', `/api/v1/signing/${token}/otp`, {});
    expect(code.status).toBe(409);
    expect((await code.json()).error.code).toBe('contract_not_signable');
    const types = (await (await svc.call('auditor', 'GET', `/api/v1/contracts/${c.id}/events`)).json()).events.map((e: any) => e.type);
    expect(types.filter((t: string) => t === 'contract.voided')).toHaveLength(1);
  });

  it('replays a signature sent twice with the same Idempotency-Key', async () => {
    const c = await create(svc, { autoSign: false });
    const key = { 'idempotency-key': `sign-${c.id}` };
    const first = await signApplicant(svc, c, key);
    expect(first.status).toBe(200);
    const token = c.signers[0].signingUrl.split('/').pop();
    const replay = await svc.call(null, 'POST', `/api/v1/signing/${token}/sign`, { otp: '000000', consent: true }, key);
    // A different body under the same key is refused; the identical body would replay.
    expect(replay.status).toBe(409);
    expect((await replay.json()).error.code).toBe('idempotency_key_reused');
  });

  it('records an action\'s Idempotency-Key in the action\'s own transaction: a crash right after still replays', async () => {
    // A database on which no transaction may start by recording an idempotency key: that is the separate
    // write after the action, which a crash between the action's commit and it would never make.
    const own = await freshDatabase();
    const db: Database = {
      ...own.db,
      kind: own.db.kind,
      query: (sql, params) => own.db.query(sql, params),
      exec: (sql) => own.db.exec(sql),
      close: () => own.db.close(),
      transaction: (fn) =>
        own.db.transaction((tx) => {
          let first = true;
          return fn({
            query: (sql, params) => {
              if (first && /^\s*INSERT INTO idempotency_keys/.test(sql)) throw new Error('process died before recording the key');
              first = false;
              return tx.query(sql, params);
            },
            exec: (sql) => tx.exec(sql),
          });
        }),
    };
    const crashy = await startTestService({ env: { NODE_ENV: 'development' }, overrides: { db } });
    try {
      const c = await create(crashy, { autoSign: false });
      const token = c.signers[0].signingUrl.split('/').pop();
      const sent = await (await crashy.call(null, 'POST', `/api/v1/signing/${token}/otp`, {})).json();
      const body = { otp: sent.developmentCode, consent: true };
      const key = { 'idempotency-key': `crash-sign-${c.id}` };
      const first = await crashy.call(null, 'POST', `/api/v1/signing/${token}/sign`, body, key);
      expect(first.status, await first.clone().text()).toBe(200);
      // The client never saw that answer and retries: the same answer, not 409 code_already_used.
      const retry = await crashy.call(null, 'POST', `/api/v1/signing/${token}/sign`, body, key);
      expect(retry.status, await retry.clone().text()).toBe(200);
      expect((await retry.json()).signers).toEqual((await first.json()).signers);

      const voidKey = { 'idempotency-key': `crash-void-${c.id}` };
      const voided = await crashy.call('workflow', 'POST', `/api/v1/contracts/${c.id}/void`, { reason: '重复申请' }, voidKey);
      expect(voided.status).toBe(200);
      expect((await crashy.call('workflow', 'POST', `/api/v1/contracts/${c.id}/void`, { reason: '重复申请' }, voidKey)).status).toBe(200);
      const types = (await (await crashy.call('auditor', 'GET', `/api/v1/contracts/${c.id}/events`)).json()).events.map((e: any) => e.type);
      expect(types.filter((t: string) => t === 'signer.signed')).toHaveLength(1);
      expect(types.filter((t: string) => t === 'contract.voided')).toHaveLength(1);
    } finally {
      await crashy.stop();
      await own.drop();
    }
  });

  it('serves an evidence report signed by the utility', async () => {
    const c = await create(svc);
    expect((await signApplicant(svc, c)).status).toBe(200);
    const res = await svc.call('auditor', 'GET', `/api/v1/contracts/${c.id}/evidence`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/pdf');
    const pdf = Buffer.from(await res.arrayBuffer());
    expect(pdf.subarray(0, 5).toString()).toBe('%PDF-');
    expect(pdf.toString('latin1')).toContain('/SubFilter /ETSI.CAdES.detached');
  });

  it('counts concurrent wrong codes one by one and locks after five', async () => {
    const c = await create(svc);
    const token = c.signers[0].signingUrl.split('/').pop();
    const sent = await (await svc.call(null, 'POST', `/api/v1/signing/${token}/otp`, {})).json();
    const wrong = sent.developmentCode === '000000' ? '111111' : '000000';
    const results = await Promise.all(
      Array.from({ length: 30 }, () => svc.call(null, 'POST', `/api/v1/signing/${token}/sign`, { otp: wrong, consent: true })),
    );
    const codes = await Promise.all(results.map(async (r) => (await r.json()).error.code));
    expect(codes.filter((x) => x === 'wrong_code')).toHaveLength(4);
    // Everything else was turned away before any comparison (locked, or over the link's request budget).
    expect(codes.filter((x) => x !== 'wrong_code').every((x) => x === 'signer_locked' || x === 'rate_limited'), codes.join()).toBe(true);
    const { events } = await (await svc.call('auditor', 'GET', `/api/v1/contracts/${c.id}/events`)).json();
    expect(events.filter((e: any) => e.type === 'signer.code_failed' || e.type === 'signer.locked')).toHaveLength(5);
    // The right code no longer works either: the lock burned it.
    const right = await svc.call(null, 'POST', `/api/v1/signing/${token}/sign`, { otp: sent.developmentCode, consent: true });
    expect(right.status).toBe(429);
  });

  it('sends one code for a burst of requests', async () => {
    const c = await create(svc);
    const token = c.signers[0].signingUrl.split('/').pop();
    const statuses = (await Promise.all(Array.from({ length: 10 }, () => svc.call(null, 'POST', `/api/v1/signing/${token}/otp`, {})))).map((r) => r.status);
    expect(statuses.filter((x) => x === 202)).toHaveLength(1);
    expect(statuses.filter((x) => x === 429)).toHaveLength(9);
  });

  it('announces a signer\'s turn even when they opened the link early, and lets them decline out of turn', async () => {
    const example = await exampleOf(svc, 'reliability-agreement');
    const make = async () =>
      (await svc.call('workflow', 'POST', '/api/v1/contracts', { templateId: 'reliability-agreement', reference: 'EARLY', variables: example, autoSign: false })).json();
    const c = await make();
    const customer = c.signers[1];
    const token = customer.signingUrl.split('/').pop();
    await svc.call(null, 'GET', `/api/v1/signing/${token}`);
    await svc.call(null, 'GET', `/api/v1/signing/${token}`);
    expect((await svc.call('utility', 'POST', `/api/v1/contracts/${c.id}/signers/${c.signers[0].id}/sign`)).status).toBe(200);
    const { events } = await (await svc.call('auditor', 'GET', `/api/v1/contracts/${c.id}/events`)).json();
    const forCustomer = events.filter((e: any) => e.data.signerId === customer.id).map((e: any) => e.type);
    expect(forCustomer).toEqual(['signer.viewed', 'signer.notified']);

    const other = await make();
    const earlyToken = other.signers[1].signingUrl.split('/').pop();
    // Holding the link is not enough: declining, like signing, needs the code sent to the signer's mobile.
    const withoutCode = await svc.call('workflow', 'POST', `/api/v1/signing/${earlyToken}/decline`, { reason: '补偿标准不清楚' });
    expect(withoutCode.status).toBe(422);
    const code = (await (await svc.call(null, 'POST', `/api/v1/signing/${earlyToken}/otp`, {})).json()).developmentCode;
    const early = await svc.call(null, 'POST', `/api/v1/signing/${earlyToken}/decline`, { reason: '补偿标准不清楚', otp: code });
    expect(early.status).toBe(200);
    expect((await early.json()).contract.status).toBe('declined');
  });

  it('answers text the database cannot store with 400, not 500', async () => {
    const c = await create(svc);
    const res = await svc.call('workflow', 'POST', `/api/v1/contracts/${c.id}/void`, { reason: 'bad\u0000byte' });
    expect(res.status).toBe(400);
    expect((await res.json()).error.code).toBe('invalid_text');
    expect((await svc.call('auditor', 'GET', '/api/v1/contracts/abc%00')).status).toBe(400);
    expect((await (await svc.call('auditor', 'GET', `/api/v1/contracts/${c.id}`)).json()).status).toBe('awaiting_signatures');
  });

  it('keeps every contract legal under 100 concurrent sign, void and decline calls', async () => {
    const contracts = await Promise.all(Array.from({ length: 20 }, () => create(svc)));
    const calls: Promise<Response>[] = [];
    for (let i = 0; i < 100; i++) {
      const c = contracts[i % 20];
      const token = c.signers[0].signingUrl.split('/').pop();
      const kind = i % 5;
      if (kind === 0 || kind === 1) calls.push(signApplicant(svc, c));
      else if (kind === 2) calls.push(svc.call('workflow', 'POST', `/api/v1/contracts/${c.id}/void`, { reason: 'race' }));
      else if (kind === 3) calls.push(declineApplicant(svc, token));
      else calls.push(svc.call('utility', 'POST', `/api/v1/contracts/${c.id}/signers/${c.signers[1].id}/sign`));
    }
    const statuses = (await Promise.all(calls)).map((r) => r.status);
    expect(statuses.every((s) => [200, 202, 409, 422, 429].includes(s)), statuses.join(',')).toBe(true);
    for (const c of contracts) {
      const now = await (await svc.call('auditor', 'GET', `/api/v1/contracts/${c.id}`)).json();
      const signed = now.signers.filter((s: any) => s.status === 'signed').length;
      expect(now.versions.map((v: any) => v.version)).toEqual(Array.from({ length: 1 + signed }, (_, i) => i + 1));
      if (now.status === 'completed') expect(signed).toBe(2);
      if (now.status === 'partially_signed') expect(signed).toBe(1);
      if (now.status === 'declined') expect(now.signers.some((s: any) => s.status === 'declined')).toBe(true);
      expect(['completed', 'partially_signed', 'awaiting_signatures', 'declined', 'voided']).toContain(now.status);
      const { chain, events } = await (await svc.call('auditor', 'GET', `/api/v1/contracts/${c.id}/events`)).json();
      expect(chain.valid).toBe(true);
      const closing = events.filter((e: any) => ['contract.completed', 'contract.declined', 'contract.voided'].includes(e.type));
      expect(closing.length).toBeLessThanOrEqual(1);
    }
  });
});

describe('deadlines in working days, the green channel and the expiry sweep', () => {
  let svc: TestService;
  let clock = china('2026-09-30T10:00:00');
  beforeAll(async () => {
    svc = await startTestService({ env: { NODE_ENV: 'development' }, overrides: { clock: () => clock } });
  });
  afterAll(async () => {
    await svc?.stop();
  });

  it('follows a contract through the National Day holiday to expiry, and reports the indicators', async () => {
    clock = china('2026-09-30T10:00:00');
    const normal = await create(svc, { reference: 'NATIONAL-DAY' });
    const green = await create(svc, { reference: 'NATIONAL-DAY', priority: true });
    expect(normal.deadline).toBe(china('2026-10-10T00:00:00').toISOString());
    expect(green.deadline).toBe(china('2026-10-09T00:00:00').toISOString());
    expect(normal).toMatchObject({ sla: 'on_track', workingDaysElapsed: 0, deadlineWorkingDays: 2, priority: false });

    const list = await (await svc.call('auditor', 'GET', '/api/v1/contracts?reference=NATIONAL-DAY')).json();
    expect(list.items.map((c: any) => c.id)).toEqual([green.id, normal.id]);

    clock = china('2026-10-07T12:00:00'); // still the holiday
    expect((await (await svc.call('auditor', 'GET', `/api/v1/contracts/${normal.id}`)).json()).workingDaysElapsed).toBe(0);

    clock = china('2026-10-09T10:00:00');
    const atRisk = await (await svc.call('auditor', 'GET', `/api/v1/contracts/${normal.id}`)).json();
    expect(atRisk).toMatchObject({ sla: 'at_risk', workingDaysElapsed: 2 });
    expect((await (await svc.call('auditor', 'GET', `/api/v1/contracts/${green.id}`)).json()).sla).toBe('overdue');
    const overdueList = await (await svc.call('auditor', 'GET', '/api/v1/contracts?reference=NATIONAL-DAY&sla=overdue')).json();
    expect(overdueList.items.map((c: any) => c.id)).toEqual([green.id]);

    // The applicant signs the normal one in time; the green one is swept.
    expect((await signApplicant(svc, normal)).status).toBe(200);
    expect(await svc.service.contracts.expireOverdue()).toBe(1);
    const swept = await (await svc.call('auditor', 'GET', `/api/v1/contracts/${green.id}`)).json();
    expect(swept).toMatchObject({ status: 'expired', sla: 'missed' });
    const met = await (await svc.call('auditor', 'GET', `/api/v1/contracts/${normal.id}`)).json();
    expect(met).toMatchObject({ status: 'completed', sla: 'met', workingDaysElapsed: 2 });
    const late = await svc.call(null, 'POST', `/api/v1/signing/${green.signers[0].signingUrl.split('/').pop()}/otp`, {});
    // Its link lived until the deadline, so it has gone with the contract.
    expect(late.status).toBe(410);
    expect((await late.json()).error.code).toBe('signing_link_expired');

    const stats = await (await svc.call('utility', 'GET', `/api/v1/stats?from=2026-09-01T00:00:00%2B08:00&to=2026-11-01T00:00:00%2B08:00`)).json();
    expect(stats).toMatchObject({
      created: 2,
      completed: 1,
      priority: 1,
      workingDaysToComplete: { median: 2, p90: 2 },
      shareCompletedWithinDeadline: 0.5,
      shareExpired: 0.5,
      shareDeclined: 0,
    });
    expect((await svc.call('workflow', 'GET', '/api/v1/stats?from=2026-09-01&to=2026-11-01')).status).toBe(403);
    expect((await svc.call('auditor', 'GET', '/api/v1/stats?from=yesterday&to=2026-11-01')).status).toBe(400);
  });
});
