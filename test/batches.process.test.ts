import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import pg from 'pg';
import { postgresAvailable } from './support/checkers.js';
import { startChildService, type ChildService } from './support/childService.js';
import { TEST_KEYS } from './support/harness.js';
import { processFixture } from './support/processFixture.js';

// A batch of 10 000 reliability agreements through the API, on real PostgreSQL and a real S3 server. The
// instance working on it is killed (SIGKILL) mid-way; two fresh instances take up what it leased once the
// leases run out and finish the batch: every item made once, none twice, none lost.

const TOTAL = 10_000;

describe.runIf(postgresAvailable())('a 10 000-item batch survives the SIGKILL of its worker', () => {
  let fx: Awaited<ReturnType<typeof processFixture>>;
  let db: pg.Client;
  const running: ChildService[] = [];
  const start = async (extra: Record<string, string> = {}) => {
    const svc = await startChildService({ ...fx.env, BATCH_WORKERS: '2', BATCH_LEASE_SECONDS: '3', ...extra });
    running.push(svc);
    return svc;
  };
  const call = (svc: ChildService, method: string, route: string, body?: unknown) =>
    fetch(`${svc.url}${route}`, {
      method,
      headers: { authorization: `Bearer ${TEST_KEYS.workflow}`, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });

  beforeAll(async () => {
    fx = await processFixture({ postgres: true });
    db = new pg.Client({ connectionString: fx.dbUrl });
    await db.connect();
  }, 120_000);
  afterAll(async () => {
    for (const svc of running) svc.proc.kill('SIGKILL');
    await db?.end();
    await fx?.cleanup();
  });

  it('is finished by the instances that outlive it, each item made exactly once', async () => {
    const first = await start();
    const example = (await (await call(first, 'GET', '/api/v1/templates/reliability-agreement')).json()).example;
    const items = Array.from({ length: TOTAL }, (_, i) => ({
      reference: `CUST-${String(i).padStart(5, '0')}`,
      variables: { ...example, customer: { ...example.customer, accountNumber: String(2_000_000 + i), mobile: `139${String(i).padStart(8, '0')}` } },
    }));
    // The workflow sends the links itself (no SMS); the utility countersigns later (no automatic seal).
    const res = await call(first, 'POST', '/api/v1/batches', { templateId: 'reliability-agreement', notify: false, autoSign: false, items });
    expect(res.status, await res.clone().text()).toBe(202);
    const { id } = await res.json();

    const progress = async () =>
      Object.fromEntries((await db.query<{ status: string; n: string }>('SELECT status, count(*) AS n FROM batch_items WHERE batch_id = $1 GROUP BY status', [id])).rows.map((r) => [r.status, Number(r.n)]));
    const made = async () => Number((await db.query<{ n: string }>('SELECT count(*) AS n FROM contracts')).rows[0].n);
    // Killed with work in hand: contracts made, items leased, the batch far from done.
    while ((await made()) < 300) await new Promise((r) => setTimeout(r, 50));
    first.proc.kill('SIGKILL');
    await first.exited;
    const atKill = await progress();
    const leased = Number((await db.query<{ n: string }>(`SELECT count(*) AS n FROM batch_items WHERE batch_id = $1 AND status = 'pending' AND lease_until > now()`, [id])).rows[0].n);
    expect(atKill.pending).toBeGreaterThan(TOTAL / 2);
    expect(leased).toBeGreaterThan(0);

    const [a, b] = await Promise.all([start(), start()]);
    const deadline = Date.now() + 900_000;
    let view: any;
    do {
      await new Promise((r) => setTimeout(r, 500));
      view = await (await call(a, 'GET', `/api/v1/batches/${id}`)).json();
    } while (view.status !== 'completed' && Date.now() < deadline);
    expect(view, JSON.stringify(view).slice(0, 500)).toMatchObject({ status: 'completed', total: TOTAL, pending: 0, failed: 0, errors: [] });
    expect(view.created + view.existing).toBe(TOTAL);

    // Exactly one contract per reference, each the contract its item names.
    const contracts = await db.query<{ reference: string; n: string }>(`SELECT reference, count(*) AS n FROM contracts GROUP BY reference HAVING count(*) > 1`);
    expect(contracts.rows).toEqual([]);
    expect(await made()).toBe(TOTAL);
    const linked = await db.query<{ n: string; distinct_contracts: string }>(
      `SELECT count(*) AS n, count(DISTINCT i.contract_id) AS distinct_contracts FROM batch_items i JOIN contracts c ON c.id = i.contract_id AND c.reference = i.reference WHERE i.batch_id = $1`,
      [id],
    );
    expect([Number(linked.rows[0].n), Number(linked.rows[0].distinct_contracts)]).toEqual([TOTAL, TOTAL]);
    const versions = await db.query<{ n: string }>(`SELECT count(*) AS n FROM document_versions`);
    expect(Number(versions.rows[0].n)).toBe(TOTAL);
    for (const svc of [a, b]) expect(svc.output()).not.toMatch(/"level":50/);
  }, 1_200_000);
});
