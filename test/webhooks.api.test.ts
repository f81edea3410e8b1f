import { createHmac, timingSafeEqual } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadOrCreateMasterKey } from '../src/keys/index.js';
import { WEBHOOK_EVENT_TYPES } from '../src/audit/auditTrail.js';
import {
  backoffSeconds,
  createWebhookDispatcher,
  RETRY_SCHEDULE_SECONDS,
  RETRY_SPAN_SECONDS,
  signatureHeader,
  type WebhookDispatcherOptions,
} from '../src/webhooks/webhookDelivery.js';
import type { Database } from '../src/storage/db/database.js';
import { createTargetPolicy, parseNetworks } from '../src/webhooks/webhookTargets.js';
import { startTestService, type TestService } from './support/harness.js';

const silent = pino({ level: 'silent' });

interface Received {
  id: string;
  type: string;
  contractId: string;
  body: any;
}

interface Receiver {
  url: string;
  secret: string;
  /** Accepted deliveries (valid signature and timestamp), duplicates by Webhook-Id dropped. */
  received: Received[];
  /** Every request, including rejected ones and retries. */
  requests: { id: string; status: number }[];
  duplicates: number;
  rejected: string[];
  failNext(n: number, status?: number): void;
  stop(): Promise<void>;
}

/** What the README tells receivers to do: HMAC over "t.rawBody", constant-time compare, 5-minute window. */
function verify(rawBody: string, headers: http.IncomingHttpHeaders, secret: string): string | null {
  const m = /^t=(\d+),v1=([0-9a-f]{64})$/.exec(String(headers['signature'] ?? ''));
  if (!m) return 'malformed Signature header';
  if (headers['webhook-timestamp'] !== m[1]) return 'Webhook-Timestamp differs from the signed t';
  if (Math.abs(Date.now() / 1000 - Number(m[1])) > 300) return 'timestamp outside the 5-minute window';
  const expected = createHmac('sha256', secret).update(`${m[1]}.${rawBody}`).digest();
  if (!timingSafeEqual(expected, Buffer.from(m[2], 'hex'))) return 'signature mismatch';
  return null;
}

/** A real HTTP receiver that checks every request like a production one and dedupes by Webhook-Id. */
async function startReceiver(): Promise<Receiver> {
  let failures = 0;
  let failStatus = 500;
  const seen = new Set<string>();
  const r: Receiver = {
    url: '',
    secret: '',
    received: [],
    requests: [],
    duplicates: 0,
    rejected: [],
    failNext(n, status = 500) {
      failures = n;
      failStatus = status;
    },
    stop: () => new Promise((resolve) => server.close(() => resolve())),
  };
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const raw = Buffer.concat(chunks).toString('utf8');
      const id = String(req.headers['webhook-id']);
      const answer = (status: number) => {
        r.requests.push({ id, status });
        res.writeHead(status).end();
      };
      const problem = verify(raw, req.headers, r.secret);
      if (problem) {
        r.rejected.push(problem);
        return answer(400);
      }
      if (req.headers['content-type'] !== 'application/json' || req.headers['user-agent'] !== 'water-esign-webhooks/1') {
        r.rejected.push('headers');
        return answer(400);
      }
      if (failures > 0) {
        failures--;
        return answer(failStatus);
      }
      const body = JSON.parse(raw);
      if (body.id !== id) {
        r.rejected.push('body id differs from Webhook-Id');
        return answer(400);
      }
      if (seen.has(id)) r.duplicates++;
      else {
        seen.add(id);
        r.received.push({ id, type: body.type, contractId: body.contractId, body });
      }
      answer(204);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  r.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hooks/esign`;
  return r;
}

// The receivers listen on loopback, which a deployment refuses unless WEBHOOK_ALLOWED_NETWORKS names it.
const loopbackAllowed = createTargetPolicy(parseNetworks('127.0.0.0/8,::1'));
let svc: TestService;
let db: Database;
let masterKey: Buffer;
const receivers: Receiver[] = [];

function dispatcher(extra: Partial<WebhookDispatcherOptions> = {}) {
  return createWebhookDispatcher({ db, masterKey, log: silent, targets: loopbackAllowed, ...extra });
}

/** runOnce sends only the head of each contract's queue, so repeat until nothing is due. */
async function drain(d: ReturnType<typeof dispatcher>): Promise<number> {
  let total = 0;
  for (let i = 0; i < 100; i++) {
    const n = await d.runOnce();
    if (n === 0) return total;
    total += n;
  }
  throw new Error('deliveries never drained');
}

async function receiver(): Promise<Receiver> {
  const r = await startReceiver();
  receivers.push(r);
  return r;
}

async function register(r: { url: string; secret?: string }, events: readonly string[] = WEBHOOK_EVENT_TYPES) {
  const res = await svc.call('workflow', 'POST', '/api/v1/webhooks', { url: r.url, events, ...(r.secret ? { secret: r.secret } : {}) });
  expect(res.status).toBe(201);
  const hook = await res.json();
  if ('secret' in r && !r.secret) r.secret = hook.secret;
  return hook;
}

async function unregister(id: string) {
  expect((await svc.call('workflow', 'DELETE', `/api/v1/webhooks/${id}`)).status).toBe(204);
}

async function createContract() {
  const example = (await (await svc.call('workflow', 'GET', '/api/v1/templates/water-supply-contract')).json()).example;
  const res = await svc.call('workflow', 'POST', '/api/v1/contracts', {
    templateId: 'water-supply-contract',
    reference: `HOOK-${Math.random().toString(36).slice(2)}`,
    variables: example,
  });
  expect(res.status).toBe(201);
  return res.json();
}

async function signAsApplicant(contract: any) {
  const token = contract.signers[0].signingUrl.split('/').pop();
  const otp = await svc.call(null, 'POST', `/api/v1/signing/${token}/otp`, {});
  expect(otp.status).toBe(202);
  const { developmentCode } = await otp.json();
  const signed = await svc.call(null, 'POST', `/api/v1/signing/${token}/sign`, { otp: developmentCode, consent: true });
  expect(signed.status).toBe(200);
}

/** The contract's pushed events in chain order, as the database recorded them. */
async function pushedEvents(contractId: string): Promise<{ id: string; type: string }[]> {
  const res = await db.query<{ id: string; type: string }>('SELECT id, type FROM contract_events WHERE contract_id = $1 ORDER BY seq', [
    contractId,
  ]);
  return res.rows.filter((e) => (WEBHOOK_EVENT_TYPES as readonly string[]).includes(e.type));
}

async function deliveries(hookId: string) {
  const res = await svc.call('workflow', 'GET', `/api/v1/webhooks/${hookId}/deliveries`);
  expect(res.status).toBe(200);
  return (await res.json()).items as any[];
}

beforeAll(async () => {
  svc = await startTestService({ env: { NODE_ENV: 'development' } });
  db = svc.database.db;
  masterKey = (await loadOrCreateMasterKey(svc.dataDir)).key;
});
afterAll(async () => {
  await svc?.stop();
  await Promise.all(receivers.map((r) => r.stop()));
});

describe('webhook registration', () => {
  it("is for the organisation's workflow only: not its other roles, not the platform admin", async () => {
    const body = { url: 'https://workflow.example.cn/hooks', events: ['contract.created'] };
    for (const role of ['auditor', 'utility', 'admin'] as const) {
      const res = await svc.call(role, 'POST', '/api/v1/webhooks', body);
      expect(res.status).toBe(403);
      expect((await res.json()).error.code).toBe('forbidden_role');
      expect((await svc.call(role, 'GET', '/api/v1/webhooks')).status).toBe(403);
    }
    expect((await svc.call(null, 'GET', '/api/v1/webhooks')).status).toBe(401);
    const created = await svc.call('workflow', 'POST', '/api/v1/webhooks', body);
    expect(created.status).toBe(201);
    const hook = await created.json();
    expect((await svc.call('auditor', 'GET', `/api/v1/webhooks/${hook.id}/deliveries`)).status).toBe(403);
    expect((await svc.call('auditor', 'DELETE', `/api/v1/webhooks/${hook.id}`)).status).toBe(403);
    await unregister(hook.id);
  });

  it('rejects bad input with 422 and a JSON pointer per problem', async () => {
    const res = await svc.call('workflow', 'POST', '/api/v1/webhooks', {
      url: 'ftp://workflow.example.cn/hooks',
      events: ['contract.created', 'contract.exploded'],
      secret: 'too-short',
    });
    expect(res.status).toBe(422);
    const { error } = await res.json();
    expect(error.code).toBe('validation_failed');
    expect(error.details.map((d: any) => d.path).sort()).toEqual(['/events/1', '/secret', '/url']);

    for (const body of [{}, { url: 'not a url', events: ['contract.created'] }, { url: 'https://x.example.cn', events: [] },
      { url: 'https://x.example.cn', events: ['contract.created', 'contract.created'] }, { url: 'https://x.example.cn', events: 'contract.created' }]) {
      const bad = await svc.call('workflow', 'POST', '/api/v1/webhooks', body);
      expect(bad.status).toBe(422);
      expect((await bad.json()).error.code).toBe('validation_failed');
    }
    expect((await svc.call('workflow', 'POST', '/api/v1/webhooks', '{"url":')).status).toBe(400);
  });

  it('shows the secret once: never in GET, and stored only encrypted', async () => {
    const created = await svc.call('workflow', 'POST', '/api/v1/webhooks', { url: 'https://workflow.example.cn/a', events: ['contract.completed'] });
    expect(created.status).toBe(201);
    expect(created.headers.get('location')).toMatch(/^\/api\/v1\/webhooks\//);
    const hook = await created.json();
    expect(hook.secret).toMatch(/^[\w-]{43}$/);
    expect(hook.secretHint).toBe(`…${hook.secret.slice(-4)}`);

    const one = await (await svc.call('workflow', 'GET', `/api/v1/webhooks/${hook.id}`)).json();
    const list = await (await svc.call('workflow', 'GET', '/api/v1/webhooks')).json();
    expect(one).toEqual({ ...hook, secret: undefined });
    expect(one).not.toHaveProperty('secret');
    expect(JSON.stringify(one)).not.toContain(hook.secret);
    expect(JSON.stringify(list)).not.toContain(hook.secret);
    expect(list.items.map((h: any) => h.id)).toContain(hook.id);

    const row = await db.query<{ secret_sealed: string }>('SELECT secret_sealed FROM webhooks WHERE id = $1', [hook.id]);
    expect(row.rows[0].secret_sealed).toMatch(/^v1\./);
    expect(row.rows[0].secret_sealed).not.toContain(hook.secret);

    // A caller-chosen secret is kept as given; a repeated Idempotency-Key does not reveal it again.
    const body = { url: 'https://workflow.example.cn/b', events: ['contract.created'], secret: 'a-caller-chosen-secret-0123' };
    const first = await svc.call('workflow', 'POST', '/api/v1/webhooks', body, { 'Idempotency-Key': 'hook-b' });
    expect(first.status).toBe(201);
    expect((await first.json()).secret).toBe(body.secret);
    const again = await svc.call('workflow', 'POST', '/api/v1/webhooks', body, { 'Idempotency-Key': 'hook-b' });
    expect(again.status).toBe(200);
    expect(again.headers.get('idempotent-replayed')).toBe('true');
    const replay = await again.json();
    expect(replay.secret).toBeUndefined();
    expect(replay.secretHint).toBe('…0123');
    const changed = await svc.call('workflow', 'POST', '/api/v1/webhooks', { ...body, events: ['contract.completed'] }, { 'Idempotency-Key': 'hook-b' });
    expect(changed.status).toBe(409);
    expect((await changed.json()).error.code).toBe('idempotency_key_reused');
    // Another API key with the same Idempotency-Key makes its own webhook, and never sees this one's.
    const second = await (await svc.call('admin', 'POST', '/api/v1/organisations/default/api-keys', { role: 'workflow' })).json();
    const byOther = await svc.call(null, 'POST', '/api/v1/webhooks', body, { 'Idempotency-Key': 'hook-b', authorization: `Bearer ${second.key}` });
    expect(byOther.status).toBe(201);
    const adminHook = await byOther.json();
    expect(adminHook.id).not.toBe(replay.id);
    expect(adminHook.secret).toBe(body.secret);

    await unregister(hook.id);
    await unregister(replay.id);
    await unregister(adminHook.id);
  });

  it('answers 404 webhook_not_found for unknown and deleted webhooks', async () => {
    const unknown = await svc.call('workflow', 'GET', '/api/v1/webhooks/2b1c1f7e-0000-4000-8000-000000000000');
    expect(unknown.status).toBe(404);
    expect((await unknown.json()).error.code).toBe('webhook_not_found');
    const hook = await register({ url: 'https://workflow.example.cn/c' }, ['contract.created']);
    await unregister(hook.id);
    expect((await svc.call('workflow', 'GET', `/api/v1/webhooks/${hook.id}`)).status).toBe(404);
    expect((await svc.call('workflow', 'DELETE', `/api/v1/webhooks/${hook.id}`)).status).toBe(404);
    expect((await svc.call('workflow', 'GET', `/api/v1/webhooks/${hook.id}/deliveries`)).status).toBe(404);
    const list = await (await svc.call('workflow', 'GET', '/api/v1/webhooks')).json();
    expect(list.items.map((h: any) => h.id)).not.toContain(hook.id);
  });

  it('documents the calls in OpenAPI', async () => {
    const doc = await (await svc.call(null, 'GET', '/api/v1/openapi.json')).json();
    expect(Object.keys(doc.paths)).toEqual(expect.arrayContaining(['/webhooks', '/webhooks/{id}', '/webhooks/{id}/deliveries']));
    expect(doc.paths['/webhooks'].post.requestBody.content['application/json'].schema.required).toEqual(['url', 'events']);
  });
});

describe('webhook delivery', () => {
  it('pushes every event of a signed contract, in order, each signed with the secret', async () => {
    const r = await receiver();
    const hook = await register(r);
    const contract = await createContract();
    await signAsApplicant(contract);
    const final = await (await svc.call('workflow', 'GET', `/api/v1/contracts/${contract.id}`)).json();
    expect(final.status).toBe('completed');

    await drain(dispatcher());
    const expected = await pushedEvents(contract.id);
    const got = r.received.filter((e) => e.contractId === contract.id);
    expect(got.map((e) => e.id)).toEqual(expected.map((e) => e.id));
    // The applicant is notified and signs, then the utility (its seal applied by the service).
    expect(got.map((e) => e.type)).toEqual(['contract.created', 'signer.notified', 'signer.signed', 'signer.notified', 'signer.signed', 'contract.completed']);
    expect(r.rejected).toEqual([]);
    expect(r.duplicates).toBe(0);

    const completed = got.at(-1)!.body;
    expect(completed).toMatchObject({ type: 'contract.completed', contractId: contract.id, document: { version: final.document.version, sha256: final.document.sha256 } });
    expect(new Date(completed.createdAt).toISOString()).toBe(completed.createdAt);
    // Each event carries its place in the audit chain, matching what the service's chain says.
    const { events: chain } = await (await svc.call('auditor', 'GET', `/api/v1/contracts/${contract.id}/events`)).json();
    for (const e of got) {
      const recorded = chain.find((c: any) => c.id === e.id);
      expect(e.body.audit).toEqual({ seq: recorded.seq, hash: recorded.hash });
      expect(e.body.audit.hash).toMatch(/^[0-9a-f]{64}$/);
    }

    const log = await deliveries(hook.id);
    expect(log).toHaveLength(expected.length);
    expect(log.map((d) => d.eventId)).toEqual(expected.map((e) => e.id).reverse());
    for (const d of log) {
      expect(d).toMatchObject({ status: 'delivered', lastStatusCode: 204, lastError: null, nextAttemptAt: null });
      expect(d.attempts).toHaveLength(1);
      expect(d.attempts[0]).toMatchObject({ statusCode: 204, error: null });
      expect(d.attempts[0].durationMs).toBeGreaterThanOrEqual(0);
    }
    await unregister(hook.id);
  });

  it('retries after a 500 on the backoff schedule, and the log shows both attempts', async () => {
    const r = await receiver();
    const hook = await register(r, ['contract.created']);
    r.failNext(1, 500);
    const contract = await createContract();
    const d = dispatcher();

    expect(await d.runOnce()).toBe(1);
    expect(r.received).toHaveLength(0);
    let [delivery] = await deliveries(hook.id);
    expect(delivery).toMatchObject({ status: 'pending', lastStatusCode: 500, lastError: 'HTTP 500' });
    expect(delivery.attempts).toHaveLength(1);
    const wait = (Date.parse(delivery.nextAttemptAt) - Date.parse(delivery.attempts[0].at)) / 1000;
    expect(wait).toBeGreaterThanOrEqual(8.9);
    expect(wait).toBeLessThanOrEqual(11.5);

    // Not due yet: nothing is sent before the backoff has passed.
    expect(await d.runOnce()).toBe(0);
    await db.query(`UPDATE webhook_deliveries SET next_attempt_at = now() WHERE webhook_id = $1`, [hook.id]);
    expect(await d.runOnce()).toBe(1);

    expect(r.received.map((e) => e.contractId)).toEqual([contract.id]);
    expect(r.requests.map((q) => q.status)).toEqual([500, 204]);
    expect(new Set(r.requests.map((q) => q.id)).size).toBe(1);
    [delivery] = await deliveries(hook.id);
    expect(delivery.status).toBe('delivered');
    expect(delivery.attempts.map((a: any) => a.statusCode)).toEqual([500, 204]);
    expect(delivery.attempts[0].error).toBe('HTTP 500');
    expect(Date.parse(delivery.attempts[1].at)).toBeGreaterThanOrEqual(Date.parse(delivery.attempts[0].at));
    await unregister(hook.id);
  });

  it('keeps retrying for at least 24 hours, then gives up and moves on to the next event', async () => {
    let elapsed = 0;
    let attempt = 1;
    while (elapsed < RETRY_SPAN_SECONDS) elapsed += backoffSeconds(attempt++, () => 0);
    expect(attempt).toBeGreaterThanOrEqual(RETRY_SCHEDULE_SECONDS.length);
    expect(backoffSeconds(1, () => 0)).toBe(9);
    expect(backoffSeconds(1, () => 1)).toBe(11);
    expect(backoffSeconds(99, () => 0.5)).toBe(RETRY_SCHEDULE_SECONDS.at(-1));

    const r = await receiver();
    const hook = await register(r, ['contract.created', 'signer.notified']);
    r.failNext(1000, 503);
    const contract = await createContract();
    const d = dispatcher();
    expect(await d.runOnce()).toBe(1);
    // Pretend the first attempt was 23 h ago: still retried.
    await db.query(`UPDATE webhook_attempts SET at = at - interval '23 hours' WHERE delivery_id IN (SELECT id FROM webhook_deliveries WHERE webhook_id = $1)`, [hook.id]);
    await db.query(`UPDATE webhook_deliveries SET next_attempt_at = now() WHERE webhook_id = $1`, [hook.id]);
    expect(await d.runOnce()).toBe(1);
    let log = await deliveries(hook.id);
    const first = log.find((x) => x.eventType === 'contract.created');
    expect(first).toMatchObject({ status: 'pending' });
    expect(first.attempts).toHaveLength(2);
    // …and 25 h ago: the next failure gives up, and the contract's next event is no longer held back.
    await db.query(`UPDATE webhook_attempts SET at = at - interval '2 hours' WHERE delivery_id = $1`, [first.id]);
    await db.query(`UPDATE webhook_deliveries SET next_attempt_at = now() WHERE webhook_id = $1`, [hook.id]);
    expect(await d.runOnce()).toBe(1);
    log = await deliveries(hook.id);
    expect(log.find((x) => x.id === first.id)).toMatchObject({ status: 'failed', lastStatusCode: 503, nextAttemptAt: null });
    r.failNext(0);
    expect(await drain(d)).toBeGreaterThan(0);
    const subscribed = (await pushedEvents(contract.id)).filter((e) => ['contract.created', 'signer.notified'].includes(e.type));
    expect(r.received.map((e) => e.id)).toEqual(subscribed.slice(1).map((e) => e.id));
    await unregister(hook.id);
  });

  it('an unreachable receiver delays nobody else', async () => {
    const closed = http.createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const deadUrl = `http://127.0.0.1:${(closed.address() as AddressInfo).port}/gone`;
    await new Promise((resolve) => closed.close(resolve));
    const dead = await register({ url: deadUrl, secret: 'dead-receiver-secret-000' });
    const r = await receiver();
    const alive = await register(r);

    const contract = await createContract();
    await drain(dispatcher());
    expect(r.received.map((e) => e.id)).toEqual((await pushedEvents(contract.id)).map((e) => e.id));
    const deadLog = await deliveries(dead.id);
    const head = deadLog.at(-1);
    expect(head).toMatchObject({ status: 'pending', lastStatusCode: null });
    expect(head.lastError).toMatch(/ECONNREFUSED/);
    // Its later events wait behind the first (order per contract), untried.
    expect(deadLog.slice(0, -1).every((x) => x.attempts.length === 0)).toBe(true);

    // A receiver that accepts connections but never answers holds only its own queue, even in the running worker.
    const hanging = http.createServer(() => undefined);
    await new Promise<void>((resolve) => hanging.listen(0, '127.0.0.1', resolve));
    const slow = await register({ url: `http://127.0.0.1:${(hanging.address() as AddressInfo).port}/slow`, secret: 'slow-receiver-secret-000' });
    const worker = dispatcher({ fetchTimeoutMs: 3000, pollMs: 50, batch: 4 });
    worker.start();
    const started = Date.now();
    const second = await createContract();
    const want = (await pushedEvents(second.id)).length;
    while (r.received.filter((e) => e.contractId === second.id).length < want && Date.now() - started < 10_000) {
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    // Delivered while the hanging receiver still holds its first delivery: nothing waited for it to time out.
    const slowWhileDelivered = (await deliveries(slow.id)).flatMap((d: any) => d.attempts);
    await worker.stop();
    hanging.closeAllConnections();
    await new Promise((resolve) => hanging.close(resolve));
    expect(r.received.filter((e) => e.contractId === second.id).map((e) => e.id)).toEqual((await pushedEvents(second.id)).map((e) => e.id));
    expect(slowWhileDelivered).toEqual([]);
    const slowHead = (await deliveries(slow.id)).at(-1);
    expect(slowHead.lastError).toMatch(/no response within 3000 ms/);
    for (const id of [dead.id, alive.id, slow.id]) await unregister(id);
  });

  it('two dispatchers on one database deliver each event exactly once, in order', async () => {
    const r = await receiver();
    const hook = await register(r);
    const contracts = [];
    for (let i = 0; i < 3; i++) contracts.push(await createContract());
    await signAsApplicant(contracts[0]);

    const a = dispatcher({ batch: 2 });
    const b = dispatcher({ batch: 2 });
    for (let i = 0; i < 100; i++) {
      const [na, nb] = await Promise.all([a.runOnce(), b.runOnce()]);
      if (na + nb === 0) break;
    }
    expect(r.duplicates).toBe(0);
    expect(r.requests.length).toBe(r.received.length);
    for (const c of contracts) {
      expect(r.received.filter((e) => e.contractId === c.id).map((e) => e.id)).toEqual((await pushedEvents(c.id)).map((e) => e.id));
    }

    // The same with both workers running their loops, as two service instances would.
    const more = [await createContract(), await createContract()];
    const wa = dispatcher({ pollMs: 20 });
    const wb = dispatcher({ pollMs: 20 });
    wa.start();
    wb.start();
    const want = (await Promise.all(more.map((c) => pushedEvents(c.id)))).flat().length;
    const deadline = Date.now() + 10_000;
    while (r.received.filter((e) => more.some((c) => c.id === e.contractId)).length < want && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    await Promise.all([wa.stop(), wb.stop()]);
    expect(r.duplicates).toBe(0);
    for (const c of more) {
      expect(r.received.filter((e) => e.contractId === c.id).map((e) => e.id)).toEqual((await pushedEvents(c.id)).map((e) => e.id));
    }
    await unregister(hook.id);
  });

  it('loses nothing when a dispatcher stops or dies before sending', async () => {
    const r = await receiver();
    const hook = await register(r, ['contract.created']);
    const contract = await createContract();

    // Stopped between claiming and sending: the rows are handed back at once.
    const first = dispatcher();
    const pass = first.runOnce();
    await first.stop();
    expect(await pass).toBe(0);
    expect(r.requests).toHaveLength(0);

    // An instance that claimed and then died holds its lease until it runs out; then another one sends.
    await db.query(`UPDATE webhook_deliveries SET lease_until = now() + interval '60 seconds' WHERE webhook_id = $1`, [hook.id]);
    const later = dispatcher();
    expect(await later.runOnce()).toBe(0);
    await db.query(`UPDATE webhook_deliveries SET lease_until = now() - interval '1 second' WHERE webhook_id = $1`, [hook.id]);
    expect(await later.runOnce()).toBe(1);
    expect(r.received.map((e) => e.contractId)).toEqual([contract.id]);
    await unregister(hook.id);
  });

  it('resends when an instance crashes after sending but before recording it (at least once)', async () => {
    const r = await receiver();
    const hook = await register(r, ['contract.created']);
    await createContract();
    const crashing: Database = { ...db, query: db.query.bind(db), exec: db.exec.bind(db), close: db.close.bind(db), kind: db.kind,
      transaction: () => Promise.reject(new Error('process killed before commit')) };
    expect(await dispatcher({ db: crashing }).runOnce()).toBe(1);
    expect(r.requests).toHaveLength(1);
    const [pending] = await deliveries(hook.id);
    expect(pending).toMatchObject({ status: 'pending', attempts: [] });

    await db.query(`UPDATE webhook_deliveries SET lease_until = now() - interval '1 second' WHERE webhook_id = $1`, [hook.id]);
    expect(await dispatcher().runOnce()).toBe(1);
    expect(r.requests.map((q) => q.id)).toEqual([pending.eventId, pending.eventId]);
    expect(r.duplicates).toBe(1);
    expect(r.received).toHaveLength(1);
    expect((await deliveries(hook.id))[0].status).toBe('delivered');
    await unregister(hook.id);
  });

  it('a receiver refuses a request whose timestamp is older than 5 minutes', async () => {
    const r = await receiver();
    const hook = await register(r, ['contract.created']);
    await createContract();
    const skewed = dispatcher({ clock: () => new Date(Date.now() - 6 * 60_000) });
    expect(await skewed.runOnce()).toBe(1);
    expect(r.rejected).toEqual(['timestamp outside the 5-minute window']);
    const [d] = await deliveries(hook.id);
    expect(d).toMatchObject({ status: 'pending', lastStatusCode: 400 });
    await unregister(hook.id);
  });

  it('takes the status as the answer: a receiver that never finishes its body is still delivered, once', async () => {
    const endless = http.createServer((req, res) => {
      req.resume();
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.write('accepted, and then some');
    });
    await new Promise<void>((resolve) => endless.listen(0, '127.0.0.1', resolve));
    try {
      const hook = await register({ url: `http://127.0.0.1:${(endless.address() as AddressInfo).port}/slow-body`, secret: 'slow-body-receiver-secret' }, ['contract.created']);
      await createContract();
      await drain(dispatcher({ fetchTimeoutMs: 2000 }));
      const [d] = await deliveries(hook.id);
      expect(d).toMatchObject({ status: 'delivered', lastStatusCode: 200, lastError: null });
      expect(d.attempts).toHaveLength(1);
      await unregister(hook.id);
    } finally {
      endless.closeAllConnections();
      await new Promise((resolve) => endless.close(resolve));
    }
  });

  it('stops delivering for a deleted webhook', async () => {
    const r = await receiver();
    const hook = await register(r, ['contract.created']);
    await createContract();
    await unregister(hook.id);
    expect(await dispatcher().runOnce()).toBe(0);
    const rows = await db.query<{ status: string; last_error: string }>('SELECT status, last_error FROM webhook_deliveries WHERE webhook_id = $1', [hook.id]);
    expect(rows.rows).toEqual([{ status: 'failed', last_error: 'webhook deleted' }]);
    await createContract();
    const after = await db.query('SELECT 1 FROM webhook_deliveries WHERE webhook_id = $1', [hook.id]);
    expect(after.rows).toHaveLength(1);
    expect(r.requests).toHaveLength(0);
  });
});

describe('webhook signatures', () => {
  it('signs "<t>.<raw body>" with HMAC-SHA256, all 64 hex digits (known answer from openssl)', () => {
    // printf '%s' '1767225600.{"id":"evt_1","type":"contract.created"}' | openssl dgst -sha256 -hmac whsec_0123456789abcdef
    expect(signatureHeader('whsec_0123456789abcdef', 1767225600, '{"id":"evt_1","type":"contract.created"}')).toBe(
      't=1767225600,v1=ebee2784ade54a4355e309acb60141bdaae02582b4e454cd5574818018c71980',
    );
  });

  it('a delivery carries the dispatcher clock in whole seconds, signed together with the exact bytes sent', async () => {
    const requests: Array<{ headers: http.IncomingHttpHeaders; raw: string }> = [];
    const capture = http.createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        requests.push({ headers: req.headers, raw: Buffer.concat(chunks).toString('utf8') });
        res.writeHead(204).end();
      });
    });
    await new Promise<void>((resolve) => capture.listen(0, '127.0.0.1', resolve));
    try {
      const secret = 'whsec_signature_test_0123456789';
      const hook = await register({ url: `http://127.0.0.1:${(capture.address() as AddressInfo).port}/hooks`, secret }, ['contract.created']);
      const contract = await createContract();
      // 999 ms past the second: the timestamp is the second it falls in, not the nearest one.
      await drain(dispatcher({ clock: () => new Date(1767225600_999) }));
      expect(requests).toHaveLength(1);
      const [{ headers, raw }] = requests;
      const v1 = createHmac('sha256', secret).update(`1767225600.${raw}`).digest('hex');
      expect(headers['webhook-timestamp']).toBe('1767225600');
      expect(headers['signature']).toBe(`t=1767225600,v1=${v1}`);
      expect(JSON.parse(raw)).toMatchObject({ id: headers['webhook-id'], type: 'contract.created', contractId: contract.id });
      await unregister(hook.id);
    } finally {
      capture.closeAllConnections();
      await new Promise((resolve) => capture.close(resolve));
    }
  });
});

describe('webhook targets: only public addresses, unless the operator allows a network', () => {
  it('refuses loopback, link-local (cloud metadata), private and IPv4-mapped addresses at registration', async () => {
    const strict = await startTestService({ env: { WEBHOOK_ALLOWED_NETWORKS: '10.20.0.0/16' } });
    try {
      const events = ['contract.created'];
      for (const url of [
        'http://127.0.0.1:8080/hooks',
        'http://localhost:8080/hooks',
        'http://169.254.169.254/latest/meta-data/',
        'http://[::1]:8080/hooks',
        'http://[::ffff:127.0.0.1]/hooks',
        // IPv6 forms that carry an IPv4 address: IPv4-compatible, local-use NAT64, 6to4.
        'http://[::127.0.0.1]/hooks',
        'http://[64:ff9b:1::a9fe:a9fe]/latest/meta-data/',
        'http://[2002:7f00:1::]/hooks',
        'http://10.1.2.3/hooks',
        'https://192.168.1.10/hooks',
        'http://0.0.0.0:5432/',
      ]) {
        const res = await strict.call('workflow', 'POST', '/api/v1/webhooks', { url, events });
        expect(res.status, url).toBe(422);
        const { error } = await res.json();
        expect(error.code, url).toBe('webhook_target_forbidden');
        expect(error.message, url).toMatch(/not a public address.*WEBHOOK_ALLOWED_NETWORKS/);
        expect(error.details).toEqual([expect.objectContaining({ path: '/url' })]);
      }
      // The intranet the operator named, and any public address, are fine.
      for (const url of ['http://10.20.3.4:8080/hooks', 'https://93.184.216.34/hooks']) {
        expect((await strict.call('workflow', 'POST', '/api/v1/webhooks', { url, events })).status, url).toBe(201);
      }
    } finally {
      await strict.stop();
    }
  });

  it('checks again on every delivery, by address and through the connection\'s own name lookup', async () => {
    const r = await receiver();
    const byAddress = await register(r);
    const byName = await register({ url: r.url.replace('127.0.0.1', 'localhost'), secret: r.secret });
    await createContract();
    // A dispatcher with the deployment default: the receivers registered while loopback was allowed now
    // count as internal targets (as a name re-pointed at an internal address would).
    await drain(dispatcher({ targets: createTargetPolicy() }));
    expect(r.requests).toHaveLength(0);
    expect((await deliveries(byAddress.id)).at(-1).lastError).toMatch(/^refused: 127\.0\.0\.1 is not a public address/);
    expect((await deliveries(byName.id)).at(-1).lastError).toMatch(/^refused: localhost resolves to (127\.0\.0\.1|::1) is not a public address/);
    for (const id of [byAddress.id, byName.id]) await unregister(id);
  });
});

describe('the dispatcher the service starts itself (WEBHOOK_DISPATCH=true)', () => {
  it('delivers without anyone calling runOnce, and stops with the service', async () => {
    const own = await startTestService({ env: { NODE_ENV: 'development', WEBHOOK_DISPATCH: 'true' } });
    try {
      const r = await receiver();
      const res = await own.call('workflow', 'POST', '/api/v1/webhooks', { url: r.url, events: ['contract.created'] });
      r.secret = (await res.json()).secret;
      const example = (await (await own.call('workflow', 'GET', '/api/v1/templates/water-supply-contract')).json()).example;
      const created = await own.call('workflow', 'POST', '/api/v1/contracts', { templateId: 'water-supply-contract', reference: 'HOOK-OWN', variables: example });
      const contract = await created.json();
      const deadline = Date.now() + 10_000;
      while (r.received.length === 0 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
      expect(r.received.map((e) => [e.type, e.contractId])).toEqual([['contract.created', contract.id]]);
    } finally {
      await own.stop();
    }
  });
});
