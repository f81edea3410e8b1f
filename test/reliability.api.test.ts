import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestService, type TestService } from './support/harness.js';

// The interruption register and the plan's reliability KPI over a fixed year, against figures worked out by
// hand. 1 000 customers served (600 of them in zone 三亚湾片区):
//   #1 三亚湾  pipe_burst              2025-03-10 08:00–14:00      6 h × 200 = 1 200 customer-hours
//   #2 三亚湾  equipment_maintenance   2025-04-02 09:00–13:00      4 h × 500 = 2 000   (excluded from the KPI)
//   #3 河东    other, planned          2025-06-01 22:00–06-02 04:00 6 h × 100 =   600   (notice only 2 h before)
//   #4 河东    third_party_damage      2025-07-15 06:00–20:00     14 h ×  50 =   700   (over a 12 h maximum)
//   #5 三亚湾  municipal_power_failure 2025-12-31 22:00–2026-01-01 02:00: 2 h of it in 2025 × 300 = 600 (excluded)
// All causes: 5 100 / 1 000 = 5.1 h per customer; the KPI: (1 200 + 600 + 700) / 1 000 = 2.5 h.
// Zone 三亚湾: (1 200 + 2 000 + 600) / 600 = 6.3333 h; its KPI 1 200 / 600 = 2 h.

let svc: TestService;
const post = (body: unknown) => svc.call('utility', 'POST', '/api/v1/interruptions', body);
const ids: string[] = [];

const interruption = (startedAt: string, endedAt: string | null, cause: string, customers: number, zone: string, extra: Record<string, unknown> = {}) => ({
  startedAt, ...(endedAt ? { endedAt } : {}), planned: false, cause, affected: { customers, supplyZones: [zone] }, description: `${cause} ${zone}`, ...extra,
});

beforeAll(async () => {
  svc = await startTestService({ env: { NODE_ENV: 'development', RATE_LIMIT_API_KEY_PER_MINUTE: '0', RATE_LIMIT_SIGNING_IP_PER_MINUTE: '0' } });
}, 60_000);
afterAll(async () => {
  await svc?.stop();
});

describe('the interruption register', () => {
  it('records interruptions, closes one later as a new revision, and keeps every revision', async () => {
    const bodies = [
      interruption('2025-03-10T08:00:00+08:00', null, 'pipe_burst', 200, '三亚湾片区'),
      interruption('2025-04-02T09:00:00+08:00', '2025-04-02T13:00:00+08:00', 'equipment_maintenance', 500, '三亚湾片区', { planned: true, noticeGivenAt: '2025-03-30T09:00:00+08:00' }),
      interruption('2025-06-01T22:00:00+08:00', '2025-06-02T04:00:00+08:00', 'other', 100, '河东片区', { planned: true, noticeGivenAt: '2025-06-01T20:00:00+08:00' }),
      interruption('2025-07-15T06:00:00+08:00', '2025-07-15T20:00:00+08:00', 'third_party_damage', 50, '河东片区'),
      interruption('2025-12-31T22:00:00+08:00', '2026-01-01T02:00:00+08:00', 'municipal_power_failure', 300, '三亚湾片区'),
    ];
    for (const b of bodies) {
      const res = await post(b);
      expect(res.status, await res.clone().text()).toBe(201);
      ids.push((await res.json()).id);
    }
    const closed = await svc.call('utility', 'PATCH', `/api/v1/interruptions/${ids[0]}`, { endedAt: '2025-03-10T14:00:00+08:00', reason: '抢修完成，恢复供水' });
    expect(closed.status).toBe(200);
    expect(await closed.json()).toMatchObject({ revision: 2, endedAt: '2025-03-10T06:00:00.000Z', durationHours: 6, reason: '抢修完成，恢复供水' });
    const history = await (await svc.call('auditor', 'GET', `/api/v1/interruptions/${ids[0]}`)).json();
    expect(history.revisions.map((r: any) => [r.revision, r.endedAt])).toEqual([[1, null], [2, '2025-03-10T06:00:00.000Z']]);
    // Nothing is overwritten: the table refuses an update.
    await expect(svc.database.db.query(`UPDATE interruption_revisions SET customers = 0`)).rejects.toThrow(/append-only/);
    const chain = (await svc.database.db.query<{ type: string }>(`SELECT type FROM contract_events WHERE contract_id = 'organisation:default' AND type LIKE 'interruption.%'`)).rows;
    expect(chain.map((e) => e.type).sort()).toEqual([...Array(5).fill('interruption.recorded'), 'interruption.revised']);
  });

  it('lists by period, zone and cause', async () => {
    const list = async (q: string) => (await (await svc.call('auditor', 'GET', `/api/v1/interruptions?${q}`)).json()).items.map((i: any) => ids.indexOf(i.id) + 1);
    expect(await list('from=2025-01-01&to=2026-01-01')).toEqual([1, 2, 3, 4, 5]);
    expect(await list(`from=2025-01-01&to=2026-01-01&zone=${encodeURIComponent('河东片区')}`)).toEqual([3, 4]);
    expect(await list('cause=municipal_power_failure')).toEqual([5]);
    expect(await list('from=2025-06-02&to=2025-07-01')).toEqual([3]);
  });

  it('refuses what cannot be so, with the field to fix', async () => {
    const cases: Array<[unknown, string]> = [
      [interruption('2025-05-01T10:00:00+08:00', '2025-05-01T09:00:00+08:00', 'pipe_burst', 1, 'x'), '/endedAt'],
      [interruption('2025-05-01T10:00:00+08:00', null, 'alien_attack', 1, 'x'), '/cause'],
      [interruption('2025-05-01T10:00:00', null, 'pipe_burst', 1, 'x'), '/startedAt'],
      [interruption('2025-05-01T10:00:00+08:00', null, 'pipe_burst', 1, 'x', { noticeGivenAt: '2025-04-30T10:00:00+08:00' }), '/noticeGivenAt'],
      [{ ...interruption('2025-05-01T10:00:00+08:00', null, 'pipe_burst', 1, 'x'), affected: {} }, '/affected/customers'],
    ];
    for (const [body, path] of cases) {
      const res = await post(body);
      const err = (await res.json()).error;
      expect([res.status, err.code, err.details[0].path]).toEqual([422, 'validation_failed', path]);
    }
    expect((await svc.call('utility', 'PATCH', `/api/v1/interruptions/${ids[1]}`, { description: '没有原因' })).status).toBe(422);
    expect((await svc.call('utility', 'PATCH', `/api/v1/interruptions/${ids[1]}`, { endedAt: '2025-04-01T00:00:00+08:00', reason: '更正' })).status).toBe(422);
    expect((await svc.call('utility', 'PATCH', '/api/v1/interruptions/0b6b2a0e-8d1c-4c6b-9a51-3f4e2d1c0b9a', { reason: 'x' })).status).toBe(404);
  });
});

describe('the reliability KPI', () => {
  it('needs to know how many customers are served', async () => {
    const res = await svc.call('utility', 'GET', '/api/v1/reliability/kpi?year=2025');
    expect([res.status, (await res.json()).error.code]).toEqual([422, 'customers_served_unknown']);
  });

  it('is the hand-computed figure, with and without the excluded causes, by month and by cause', async () => {
    expect((await svc.call('utility', 'PUT', '/api/v1/reliability/customers-served', { year: 2025, customers: 1000 })).status).toBe(200);
    expect((await svc.call('utility', 'PUT', '/api/v1/reliability/customers-served', { year: 2025, zone: '三亚湾片区', customers: 600 })).status).toBe(200);
    const kpi = await (await svc.call('auditor', 'GET', '/api/v1/reliability/kpi?year=2025')).json();
    expect(kpi).toMatchObject({
      year: 2025,
      customersServed: { customers: 1000, source: 'supplied' },
      systemAverageInterruptionHours: { all: 5.1, kpi: 2.5 },
      customerHours: { all: 5100, kpi: 2500 },
      interruptions: 5,
      longest: { id: ids[3], hours: 14, cause: 'third_party_damage' },
      excludedCauses: ['equipment_maintenance', 'renovation', 'raw_water_shortage', 'municipal_power_failure'],
    });
    expect(kpi.definition.formula).toContain('customers served');
    const month = (m: string) => kpi.byMonth.find((x: any) => x.month === m);
    expect([month('2025-03').customerHours, month('2025-04').customerHours, month('2025-06').customerHours, month('2025-07').customerHours, month('2025-12').customerHours]).toEqual([1200, 2000, 600, 700, 600]);
    expect(month('2025-04').hoursPerCustomer).toEqual({ all: 2, kpi: 0 });
    expect(kpi.byMonth.reduce((n: number, m: any) => n + m.customerHours, 0)).toBe(5100);
    expect(kpi.byCause).toEqual([
      { cause: 'equipment_maintenance', excludedFromKpi: true, count: 1, customerHours: 2000 },
      { cause: 'municipal_power_failure', excludedFromKpi: true, count: 1, customerHours: 600 },
      { cause: 'pipe_burst', excludedFromKpi: false, count: 1, customerHours: 1200 },
      { cause: 'third_party_damage', excludedFromKpi: false, count: 1, customerHours: 700 },
      { cause: 'other', excludedFromKpi: false, count: 1, customerHours: 600 },
    ]);

    const zone = await (await svc.call('utility', 'GET', `/api/v1/reliability/kpi?year=2025&zone=${encodeURIComponent('三亚湾片区')}`)).json();
    expect(zone).toMatchObject({ zone: '三亚湾片区', customersServed: { customers: 600 }, systemAverageInterruptionHours: { all: 6.3333, kpi: 2 }, interruptions: 3 });
    // The power failure's other two hours are 2026's.
    await svc.call('utility', 'PUT', '/api/v1/reliability/customers-served', { year: 2026, customers: 1000 });
    const next = await (await svc.call('utility', 'GET', '/api/v1/reliability/kpi?year=2026')).json();
    expect(next).toMatchObject({ customerHours: { all: 600, kpi: 0 }, interruptions: 1 });
    const unknownZone = await svc.call('utility', 'GET', '/api/v1/reliability/kpi?year=2025&zone=nowhere');
    expect((await unknownZone.json()).error.code).toBe('customers_served_unknown');
  });
});

// Four signed agreements for 2025, assessed by their own text (补偿规则) against the supplier's system KPI.
// With #6 (10 h, 1 customer, naming C's contract) and #7 (2 h, 1 customer, at D's address) the 2025 KPI is
// (2 500 + 10 + 2) / 1 000 = 2.512 h per customer.
//   A 三亚湾, target 8 h: not exceeded; #1, #2 (notice 72 h), #5 break no term: nothing owed.
//   B 河东, target 2 h, 200 CNY/h, 500 CNY per event, cap 20 % of 10 000.00: 0.512 h over counts as 1 h → 200.00;
//     #3 (planned, 2 h notice) and #4 (14 h > 12 h) → 2 × 500.00 → 1 200.00 (under the 2 000.00 cap).
//   C 崖州, target 2 h, 0.5 % of the monthly bill per hour, bill 3 600.00 → 300.00 a month: 1 h → 1.50.
//   D 南山, target 2 h, 200 CNY/h, cap 1 % of 12 000.00 = 120.00: 200.00 capped to 120.00.
describe('compensation under each signed agreement', () => {
  async function signedAgreement(site: Record<string, string>, target: number, compensation: Record<string, unknown> = {}) {
    const example = (await (await svc.call('workflow', 'GET', '/api/v1/templates/reliability-agreement')).json()).example;
    const variables = { ...example, site, period: { startDate: '2025-01-01', endDate: '2025-12-31' }, target: { annualInterruptionHours: target, maxSingleInterruptionHours: 12, plannedNoticeHours: 48 },
      compensation: { method: 'per_hour', rate: 200, singleEventPayment: 500, capPercentOfAnnualBill: 20, ...compensation } };
    const c = await (await svc.call('utility', 'POST', '/api/v1/contracts', { templateId: 'reliability-agreement', reference: `RA-${site.supplyZone}`, variables })).json();
    const customer = c.signers.find((x: any) => x.kind === 'person');
    const token = customer.signingUrl.split('/').pop();
    const otp = await (await svc.call(null, 'POST', `/api/v1/signing/${token}/otp`, {})).json();
    expect((await svc.call(null, 'POST', `/api/v1/signing/${token}/sign`, { otp: otp.developmentCode, consent: true })).status).toBe(200);
    return c.id as string;
  }
  const assess = async (id: string) => (await svc.call('auditor', 'GET', `/api/v1/contracts/${id}/reliability?period=2025`)).json();
  const bill = (id: string, annualBill: number) => svc.call('utility', 'PUT', `/api/v1/contracts/${id}/reliability/bill`, { period: 2025, annualBill });

  it('finds the interruptions by contract, zone or address, names the broken terms, and computes what is owed to the fen', async () => {
    const a = await signedAgreement({ address: '三亚湾路 168 号', supplyZone: '三亚湾片区' }, 8);
    const b = await signedAgreement({ address: '河东路 8 号', supplyZone: '河东片区' }, 2);
    const c = await signedAgreement({ address: '崖州湾 1 号', supplyZone: '崖州片区' }, 2, { method: 'bill_percent', rate: 0.5, singleEventPayment: 500 });
    const d = await signedAgreement({ address: '三亚市南山路 1 号', supplyZone: '南山片区' }, 2, { capPercentOfAnnualBill: 1 });
    await post({ startedAt: '2025-08-01T10:00:00+08:00', endedAt: '2025-08-01T20:00:00+08:00', planned: false, cause: 'pipe_burst', affected: { customers: 1, contractIds: [c] }, description: '崖州湾供水管爆裂' });
    await post({ startedAt: '2025-09-01T10:00:00+08:00', endedAt: '2025-09-01T12:00:00+08:00', planned: false, cause: 'pipe_burst', affected: { customers: 1, addresses: ['三亚市南山路 1 号'] }, description: '南山路抢修' });
    expect((await bill(b, 10000)).status).toBe(200);
    expect((await bill(c, 3600)).status).toBe(200);
    expect((await bill(d, 12000)).status).toBe(200);
    expect((await bill(c, 3600.005)).status).toBe(422);

    const ra = await assess(a);
    expect(ra.system).toMatchObject({ customersServed: { customers: 1000 }, systemAverageInterruptionHours: { kpi: 2.512 }, targetHours: 8, overTargetHours: 0 });
    expect(ra.interruptions.map((i: any) => [ids.indexOf(i.id) + 1, i.matchedBy, i.excludedFromKpi, i.breaches])).toEqual([
      [1, 'supply_zone', false, []], [2, 'supply_zone', true, []], [5, 'supply_zone', true, []],
    ]);
    expect(ra.compensation).toMatchObject({ owedFen: 0, owed: '0.00', incomplete: expect.stringContaining('water bill') });

    const rb = await assess(b);
    expect(rb.system).toMatchObject({ targetHours: 2, overTargetHours: 1 });
    expect(rb.interruptions.map((i: any) => [ids.indexOf(i.id) + 1, i.breaches])).toEqual([[3, ['insufficient_notice']], [4, ['over_single_maximum']]]);
    expect(rb.compensation).toMatchObject({ method: 'per_hour', periodBill: '10000.00', cap: '2000.00', owedFen: 120000, owed: '1200.00' });
    expect(rb.compensation.arithmetic).toEqual([
      '年度系统平均停水时间 2.512 小时/户，超过目标 2 小时，按 1 小时计 × 200 元/小时 = 200.00 元',
      '单次停水超过 12 小时或计划停水未提前 48 小时通知 2 次 × 500 元 = 1000.00 元',
    ]);

    const rc = await assess(c);
    expect(rc.interruptions.map((i: any) => [i.matchedBy, i.breaches])).toEqual([['contract', []]]);
    expect(rc.compensation).toMatchObject({ method: 'bill_percent', owedFen: 150, owed: '1.50', cap: '720.00' });

    const rd = await assess(d);
    expect(rd.interruptions.map((i: any) => i.matchedBy)).toEqual(['address']);
    expect(rd.compensation).toMatchObject({ owedFen: 12000, owed: '120.00', cap: '120.00' });
    expect(rd.compensation.arithmetic.at(-1)).toBe('合计 200.00 元超过上限（考核期水费 12000.00 元 × 1% = 120.00 元），按上限补偿');

    // Only a signed reliability agreement owes anything, and only within its period.
    const supply = (await (await svc.call('auditor', 'GET', '/api/v1/contracts?templateId=water-supply-contract')).json()).items[0];
    if (supply) expect((await svc.call('auditor', 'GET', `/api/v1/contracts/${supply.id}/reliability`)).status).toBe(409);
    expect((await svc.call('auditor', 'GET', `/api/v1/contracts/${b}/reliability?period=2024`)).status).toBe(422);
  });
});
