import http from 'node:http';
import net from 'node:net';
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestService, TEST_KEYS, type TestService } from './support/harness.js';
import { DEV_ENV, processFixture } from './support/processFixture.js';
import { startChildService, freePort, type ChildService } from './support/childService.js';
import { startDedupingReceiver } from './support/webhookReceiver.js';
import { expectConsistent } from './support/consistency.js';
import { postgresAvailable } from './support/checkers.js';
import { createS3Store } from '../src/storage/objects/s3Store.js';
import { StorageUnavailableError } from '../src/storage/objects/objectStore.js';
import { createPgDatabase } from '../src/storage/db/pgDatabase.js';
import { sweepOrphans } from '../src/storage/orphanSweep.js';
import { WEBHOOK_EVENT_TYPES } from '../src/audit/auditTrail.js';

const hasPostgres = postgresAvailable();

type Caller = (role: keyof typeof TEST_KEYS | null, method: string, route: string, body?: unknown) => Promise<Response>;

function caller(url: string): Caller {
  return (role, method, route, body) =>
    fetch(`${url}${route}`, {
      method,
      headers: {
        ...(role ? { authorization: `Bearer ${TEST_KEYS[role]}` } : {}),
        ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: AbortSignal.timeout(30_000),
    });
}

interface Pending {
  id: string;
  token: string;
  code: string;
  utilitySignerId: string;
}

/** Contracts waiting for the applicant, each with a fresh code in hand. */
async function pendingContracts(call: Caller, n: number): Promise<Pending[]> {
  const example = (await (await call('workflow', 'GET', '/api/v1/templates/water-supply-contract')).json()).example;
  const out: Pending[] = [];
  for (let i = 0; i < n; i++) {
    const res = await call('workflow', 'POST', '/api/v1/contracts', {
      templateId: 'water-supply-contract', reference: `FAULT-${randomBytes(4).toString('hex')}`, variables: example,
    });
    expect(res.status).toBe(201);
    const c = await res.json();
    const token = c.signers[0].signingUrl.split('/').pop();
    const otp = await call(null, 'POST', `/api/v1/signing/${token}/otp`, {});
    expect(otp.status).toBe(202);
    out.push({ id: c.id, token, code: (await otp.json()).developmentCode, utilitySignerId: c.signers[1].id });
  }
  return out;
}

const signApplicant = (call: Caller, p: Pending) => call(null, 'POST', `/api/v1/signing/${p.token}/sign`, { otp: p.code, consent: true });

/** Brings every contract to completed with retries of the applicant's and the utility's signatures. */
async function finish(call: Caller, all: Pending[]) {
  for (const p of all) {
    for (let attempt = 0; attempt < 5; attempt++) {
      const c = await (await call('auditor', 'GET', `/api/v1/contracts/${p.id}`)).json();
      if (c.status === 'completed') break;
      const res =
        c.signers[0].status !== 'signed'
          ? await signApplicant(call, p)
          : await call('utility', 'POST', `/api/v1/contracts/${p.id}/signers/${p.utilitySignerId}/sign`);
      expect([200, 409], await res.clone().text()).toContain(res.status);
    }
    const done = await expectConsistent((r) => call('auditor', 'GET', r), p.id);
    expect(done.status).toBe('completed');
  }
}

describe('S3 outage in the middle of signing', () => {
  let svc: TestService;
  beforeAll(async () => {
    svc = await startTestService({ objectStore: 's3', env: DEV_ENV });
  });
  afterAll(async () => {
    await svc?.stop();
  });

  it('answers 503 with Retry-After during the outage, never points at a missing object, and retries succeed', async () => {
    const call: Caller = (role, method, route, body) => svc.call(role, method, route, body);
    const contracts = await pendingContracts(call, 6);
    // Half signed before the outage, so the outage also hits the utility's automatic signature path.
    await svc.s3!.pause();
    let during: Response[];
    let ready: Response;
    try {
      during = await Promise.all(contracts.map((p) => signApplicant(call, p)));
      ready = await svc.call(null, 'GET', '/readyz');
    } finally {
      await svc.s3!.resume();
    }
    for (const res of during) {
      expect(res.status).toBe(503);
      expect(Number(res.headers.get('retry-after'))).toBeGreaterThan(0);
      expect((await res.json()).error.code).toBe('storage_unavailable');
    }
    expect(ready.status).toBe(503);
    expect((await ready.json()).checks.objectStore.ok).toBe(false);
    expect((await svc.call(null, 'GET', '/readyz')).status).toBe(200);

    for (const p of contracts) {
      const state = await expectConsistent((r) => call('auditor', 'GET', r), p.id);
      expect(state.signed).toEqual([]);
    }
    // The code was not consumed by the failed attempt: the same one works on retry.
    for (const p of contracts) expect((await signApplicant(call, p)).status).toBe(200);
    await finish(call, contracts);
    const keys = await svc.database.db.query<{ object_key: string }>('SELECT object_key FROM document_versions');
    for (const { object_key } of keys.rows) expect(await svc.service.store.exists(object_key), object_key).toBe(true);
  });

  it('gives up on an S3 server that accepts connections and never answers, as storage_unavailable', async () => {
    const sockets: net.Socket[] = [];
    const hung = net.createServer((s) => sockets.push(s));
    await new Promise<void>((r) => hung.listen(0, '127.0.0.1', r));
    const port = (hung.address() as net.AddressInfo).port;
    try {
      const failure = createS3Store({ endPoint: '127.0.0.1', port, useSSL: false, accessKey: 'a', secretKey: 'b', bucket: 'hung', region: 'us-east-1', timeoutMs: 400 });
      await expect(failure).rejects.toBeInstanceOf(StorageUnavailableError);
      // It gave up because of its own bound (the call's or the socket's), not because anything answered.
      await expect(failure).rejects.toThrow(/within 400 ms|silent for 400 ms/);
    } finally {
      for (const s of sockets) s.destroy();
      await new Promise((r) => hung.close(r));
    }
  });
});

describe.runIf(hasPostgres)('PostgreSQL connections terminated during transactions', () => {
  let svc: TestService;
  beforeAll(async () => {
    svc = await startTestService({ objectStore: 's3', env: DEV_ENV });
  });
  afterAll(async () => {
    await svc?.stop();
  });

  it('fails cleanly (503/409, never 500), leaves no partial state, and the pool recovers without a restart', async () => {
    const call: Caller = (role, method, route, body) => svc.call(role, method, route, body);
    const contracts = await pendingContracts(call, 12);
    const dbName = new URL(svc.database.url!).pathname.slice(1);
    const admin = new pg.Client({ connectionString: process.env.DATABASE_URL });
    await admin.connect();
    let stop = false;
    let terminated = 0;
    // Terminate every backend of the service's database over and over while the signatures run: some land
    // between a signature's object write and its commit, some mid-query, some on idle pooled connections.
    const killer = (async () => {
      const until = Date.now() + 10_000;
      for (let i = 0; i < 400 && !stop && Date.now() < until; i++) {
        const r = await admin.query('SELECT count(*)::int AS n FROM (SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()) t', [dbName]);
        terminated += r.rows[0].n;
        await new Promise((res) => setTimeout(res, 15 + Math.random() * 45));
      }
    })();
    const statuses: number[] = [];
    try {
      await Promise.all(
        contracts.map(async (p) => {
          for (let attempt = 0; attempt < 12; attempt++) {
            if (attempt > 0) await new Promise((r) => setTimeout(r, 30 * attempt));
            const res = await signApplicant(call, p);
            statuses.push(res.status);
            const body = await res.json();
            if (res.status >= 500) {
              expect(res.status, JSON.stringify(body)).toBe(503);
              expect(res.headers.get('retry-after')).toBeTruthy();
            }
            if (res.status === 200 || res.status === 409) break;
          }
        }),
      );
    } finally {
      stop = true;
      await killer;
      await admin.end();
    }
    console.log(`pg_terminate_backend: ${terminated} backends terminated; sign answers ${JSON.stringify(count(statuses))}`);
    expect(terminated).toBeGreaterThan(0);
    expect(statuses.every((s) => [200, 409, 503].includes(s))).toBe(true);

    // The same pool, no restart: readiness and every call work again.
    expect((await svc.call(null, 'GET', '/readyz')).status).toBe(200);
    for (const p of contracts) await expectConsistent((r) => call('auditor', 'GET', r), p.id);
    await finish(call, contracts);
  });
});

function count(xs: number[]) {
  return xs.reduce<Record<number, number>>((m, x) => ((m[x] = (m[x] ?? 0) + 1), m), {});
}

/** A scratch database, S3 server and DATA_DIR for service processes. */

describe.runIf(hasPostgres)('service process killed with SIGKILL mid-signing, then restarted', () => {
  let fx: Awaited<ReturnType<typeof processFixture>>;
  let child: ChildService | undefined;
  beforeAll(async () => {
    fx = await processFixture({ postgres: true });
  });
  afterAll(async () => {
    child?.proc.kill('SIGKILL');
    await fx?.cleanup();
  });

  it('leaves every contract signed or not, delivers the queued webhooks after restart, and the sweep removes orphans', async () => {
    const port = await freePort();
    // The first life only queues deliveries (the transactional outbox): after the kill every event it committed
    // is still owed to the receiver. (A delivery claimed at the moment of the kill waits out its lease instead;
    // the webhook tests cover that path.)
    child = await startChildService({ ...fx.env, WEBHOOK_DISPATCH: 'false' }, { port });
    const call = caller(child.url);
    const receiver = await startDedupingReceiver();
    try {
      const hook = await call('workflow', 'POST', '/api/v1/webhooks', { url: receiver.url, events: WEBHOOK_EVENT_TYPES });
      expect(hook.status).toBe(201);
      const hookId = (await hook.json()).id;
      const contracts = await pendingContracts(call, 16);

      // A burst of signatures; the process dies as soon as the first one has been answered.
      const inFlight = contracts.map((p) => signApplicant(call, p).then((r) => r.status, () => 'killed' as const));
      await Promise.race([...inFlight, new Promise((r) => setTimeout(r, 2_000))]);
      child.proc.kill('SIGKILL');
      expect((await child.exited).signal).toBe('SIGKILL');
      const answers = await Promise.all(inFlight);
      console.log(`SIGKILL: answers before the kill ${JSON.stringify(answers.reduce<Record<string, number>>((m, a) => ((m[String(a)] = (m[String(a)] ?? 0) + 1), m), {}))}`);

      // What a crash between an object write and its commit leaves behind, planted for sure in case the kill missed that window.
      const u = new URL(fx.s3.endpoint);
      const store = await createS3Store({ endPoint: u.hostname, port: Number(u.port), useSSL: false, accessKey: fx.s3.accessKey, secretKey: fx.s3.secretKey, bucket: 'faults', region: 'us-east-1' });
      const planted = `documents/ff/${'f'.repeat(64)}.pdf`;
      await store.put(planted, Buffer.from('%PDF-1.7 never committed'), 'application/pdf');

      child = await startChildService({ ...fx.env, WEBHOOK_DISPATCH: 'true' }, { port });
      const again = caller(child.url);
      const get = (r: string) => again('auditor', 'GET', r);
      for (const p of contracts) await expectConsistent(get, p.id);

      // Orphans: objects no version references. Nothing is in flight now, so any age qualifies.
      const db = createPgDatabase(fx.dbUrl!);
      try {
        const result = await sweepOrphans({ db, store, minAgeMs: 0 });
        console.log(`orphan sweep after the kill: scanned ${result.scanned}, removed ${result.removed.length} (1 planted)`);
        expect(result.removed).toContain(planted);
        const referenced = new Set((await db.query<{ object_key: string }>('SELECT object_key FROM document_versions')).rows.map((r) => r.object_key));
        const left = (await store.list('documents/')).map((o) => o.key);
        expect(left.filter((k) => !referenced.has(k))).toEqual([]);
        for (const k of referenced) expect(left).toContain(k);

        // Pending deliveries go out after the restart, each event to the receiver once.
        const deadline = Date.now() + 30_000;
        let pending = Infinity;
        while (Date.now() < deadline) {
          pending = Number((await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM webhook_deliveries WHERE webhook_id = $1 AND status <> 'delivered'`, [hookId])).rows[0].n);
          if (pending === 0) break;
          await new Promise((r) => setTimeout(r, 250));
        }
        expect(pending).toBe(0);
        const owed = (await db.query<{ event_id: string }>('SELECT event_id FROM webhook_deliveries WHERE webhook_id = $1', [hookId])).rows.map((r) => r.event_id);
        expect(owed.length).toBeGreaterThan(contracts.length * 2);
        expect(new Set(owed)).toEqual(receiver.ids);
      } finally {
        await db.close();
      }

      // The survivors can finish: nothing is stuck half-way.
      await finish(again, contracts);
    } finally {
      await receiver.stop();
    }
  });
});

describe('graceful shutdown on SIGTERM', () => {
  let fx: Awaited<ReturnType<typeof processFixture>>;
  let child: ChildService | undefined;
  beforeAll(async () => {
    fx = await processFixture({ postgres: hasPostgres });
  });
  afterAll(async () => {
    child?.proc.kill('SIGKILL');
    await fx?.cleanup();
  });

  it('finishes an in-flight upload with 200, refuses new requests while draining, and exits 0', async () => {
    // At info level the service logs the moment it starts draining, which the test waits for.
    child = await startChildService({ ...fx.env, LOG_LEVEL: 'info' });
    const call = caller(child.url);
    const [p] = await pendingContracts(call, 1);
    expect((await signApplicant(call, p)).status).toBe(200);
    const pdf = Buffer.from(await (await call('auditor', 'GET', `/api/v1/contracts/${p.id}/document`)).arrayBuffer());

    // A verify upload in flight when SIGTERM arrives: Expect: 100-continue makes the service say when it has
    // taken the request (and counted it as in flight) before the client sends any of the body.
    const { port } = new URL(child.url);
    const req = http.request({ host: '127.0.0.1', port, method: 'POST', path: '/api/v1/verify', headers: {
      authorization: `Bearer ${TEST_KEYS.auditor}`, 'content-type': 'application/pdf', 'content-length': pdf.length, expect: '100-continue' } });
    const upload = new Promise<{ status: number; body: string }>((resolve, reject) => {
      req.on('response', (res) => {
        let body = '';
        res.on('data', (c) => (body += c));
        res.on('end', () => resolve({ status: res.statusCode!, body }));
      });
      req.on('error', reject);
    });
    await new Promise((r) => req.once('continue', r));
    const half = Math.floor(pdf.length / 2);
    req.write(pdf.subarray(0, half));

    const draining = child.nextLine(/shutting down/);
    child.proc.kill('SIGTERM');
    expect(JSON.parse(await draining)).toMatchObject({ signal: 'SIGTERM', inFlight: 1 });
    // Draining: a new connection (not one of fetch's kept-alive ones, which the drain closes) is refused, reset
    // (it reached the listen backlog just before the listener closed) or answered 503; never served.
    const refused = await new Promise<number | string>((resolve) => {
      http.get({ host: '127.0.0.1', port, path: '/api/v1/templates', agent: false, headers: { authorization: `Bearer ${TEST_KEYS.auditor}` } }, (res) => {
        res.resume();
        resolve(res.statusCode!);
      }).on('error', (err: NodeJS.ErrnoException) => resolve(err.code ?? 'error'));
    });
    expect(['ECONNREFUSED', 'ECONNRESET', 503]).toContain(refused);
    req.end(pdf.subarray(half));
    const done = await upload;
    expect(done.status, done.body).toBe(200);
    expect(JSON.parse(done.body).verdict).toBe('valid');
    expect(await child.exited).toEqual({ code: 0, signal: null });
  });
});
