import { Writable } from 'node:stream';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestService, TEST_KEYS, type TestService } from './support/harness.js';
import { startDedupingReceiver, type DedupingReceiver } from './support/webhookReceiver.js';
import { expectConsistent } from './support/consistency.js';
import { runJourney, withConcurrency } from '../bench/journey.js';
import { WEBHOOK_EVENT_TYPES } from '../src/audit/auditTrail.js';

// 32 in flight is what makes the races; more journeys than a few rounds of that add time, not
// interleavings (volume is npm run bench:load's job). Embedded PGlite runs one statement at a time: fewer.
const JOURNEYS = process.env.DATABASE_URL ? 48 : 40;
const IN_FLIGHT = 32;
const ENV = {
  NODE_ENV: 'development',
  WEBHOOK_DISPATCH: 'true',
  RATE_LIMIT_API_KEY_PER_MINUTE: '0',
  RATE_LIMIT_SIGNING_IP_PER_MINUTE: '0',
};

let a: TestService;
let b: TestService;
let receiver: DedupingReceiver;
// What the instances log at warn and above: a journey that ends short says why only there.
const warnings: string[] = [];
const warnLog = (instance: string) =>
  pino({ level: 'warn', base: { instance } }, new Writable({ write: (chunk: Buffer, _enc, done) => (warnings.push(chunk.toString('utf8').trim()), done()) }));

beforeAll(async () => {
  a = await startTestService({ objectStore: 's3', env: ENV, log: warnLog('a') });
  b = await startTestService({ env: ENV, shareWith: a, log: warnLog('b') });
  receiver = await startDedupingReceiver();
});
afterAll(async () => {
  await b?.stop();
  await a?.stop();
  await receiver?.stop();
});

describe(`two instances on one database and bucket, ${JOURNEYS} journeys at once`, () => {
  it('completes every contract with valid chains, delivers each event once, and never duplicates an idempotent create', async () => {
    const hook = await a.call('workflow', 'POST', '/api/v1/webhooks', { url: receiver.url, events: WEBHOOK_EVENT_TYPES });
    expect(hook.status).toBe(201);
    const hookId = (await hook.json()).id;
    const example = (await (await a.call('workflow', 'GET', '/api/v1/templates/water-supply-contract')).json()).example;

    const results = await withConcurrency(JOURNEYS, IN_FLIGHT, (i) =>
      runJourney({
        urls: i % 2 ? [a.url, b.url] : [b.url, a.url],
        workflowKey: TEST_KEYS.workflow,
        auditorKey: TEST_KEYS.auditor,
        templateId: 'water-supply-contract',
        variables: example,
        idempotencyKey: `journey-${i}`,
        // Every third create is sent to both instances at the same moment with the same key.
        duplicateCreate: i % 3 === 0,
        skipVerify: i % 10 !== 0,
      }),
    );
    const failures = results.filter((r) => r.status === 'rejected').map((r) => String((r as PromiseRejectedResult).reason));
    expect(failures, failures.slice(0, 3).join('\n')).toEqual([]);
    const ids = results.map((r) => (r as PromiseFulfilledResult<{ contractId: string; status: string }>).value);
    const unfinished = ids.filter((r) => r.status !== 'completed');
    const about = warnings.filter((w) => unfinished.some((r) => w.includes(r.contractId)));
    expect(unfinished.map((r) => `${r.contractId} ${r.status}`), `warnings about them:\n${about.join('\n') || '(none)'}\nall warnings:\n${warnings.slice(-20).join('\n')}`).toEqual([]);
    expect(new Set(ids.map((r) => r.contractId)).size).toBe(JOURNEYS);

    const db = a.database.db;
    const contracts = await db.query<{ n: number; refs: number }>('SELECT count(*)::int AS n, count(DISTINCT reference)::int AS refs FROM contracts');
    expect(contracts.rows[0]).toEqual({ n: JOURNEYS, refs: JOURNEYS });

    // Versions contiguous, signers and status agree, event chains verify; each stored version is the previous one plus a revision.
    await withConcurrency(ids.length, 16, async (i) => {
      const id = ids[i].contractId;
      const inst = i % 2 ? a : b;
      await expectConsistent((r) => inst.call('auditor', 'GET', r), id);
      let prev: Buffer | undefined;
      for (const v of [1, 2, 3]) {
        const pdf = Buffer.from(await (await inst.call('auditor', 'GET', `/api/v1/contracts/${id}/document?version=${v}`)).arrayBuffer());
        if (prev) expect(pdf.subarray(0, prev.length).equals(prev)).toBe(true);
        prev = pdf;
      }
    }).then((r) => expect(r.filter((x) => x.status === 'rejected').map((x) => String((x as PromiseRejectedResult).reason))).toEqual([]));

    // Both dispatchers drain the outbox; the receiver sees every event id, none more than once after dedupe.
    const deadline = Date.now() + 45_000;
    let open = Infinity;
    while (Date.now() < deadline) {
      open = (await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM webhook_deliveries WHERE webhook_id = $1 AND status <> 'delivered'`, [hookId])).rows[0].n;
      if (open === 0) break;
      await new Promise((r) => setTimeout(r, 250));
    }
    expect(open).toBe(0);
    const owed = (await db.query<{ event_id: string }>('SELECT event_id FROM webhook_deliveries WHERE webhook_id = $1', [hookId])).rows.map((r) => r.event_id);
    expect(owed.length).toBe(new Set(owed).size);
    expect(owed.length).toBeGreaterThanOrEqual(JOURNEYS * 6);
    expect(new Set(owed)).toEqual(receiver.ids);
    console.log(`${JOURNEYS} journeys on 2 instances: ${owed.length} webhook events delivered, ${receiver.duplicates} redeliveries deduplicated`);
  });
});
