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
  svc = await startTestService({ env: { RATE_LIMIT_API_KEY_PER_MINUTE: '0' } });
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
