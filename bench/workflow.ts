// Audit-trail throughput: hash-chained events appended per second, on real PostgreSQL when
// DATABASE_URL is set (a scratch database is created and dropped), otherwise on PGlite.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { pathToFileURL } from 'node:url';
import pino from 'pino';
import { createWebhookService } from '../src/webhooks/webhookService.js';
import { createTargetPolicy, parseNetworks } from '../src/webhooks/webhookTargets.js';
import { createWebhookDispatcher } from '../src/webhooks/webhookDelivery.js';
import { migrate } from '../src/storage/db/migrate.js';
import { freshDatabase } from '../test/support/databases.js';
import type { Database } from '../src/storage/db/database.js';
import type { RequestContext } from '../src/domain/requestContext.js';
import { createAuditTrail, type AuditTrail } from '../src/audit/auditTrail.js';

export async function benchWorkflow(opts: { events?: number; concurrency?: number } = {}): Promise<Record<string, unknown>> {
  const total = opts.events ?? 2000;
  const concurrency = opts.concurrency ?? 8;
  const { db, drop } = await freshDatabase();
  try {
    await migrate(db);
    const ctx: RequestContext = { actor: { type: 'system', id: 'bench' } };
    const audit = createAuditTrail(Buffer.alloc(32, 1));
    let next = 0;
    const started = performance.now();
    await Promise.all(
      Array.from({ length: concurrency }, async (_, worker) => {
        while (next < total) {
          next++;
          // Several workers share each chain, so appends really contend for the chain lock.
          await db.transaction((tx) =>
            audit.append(tx, { contractId: `bench-${worker % 4}`, type: 'document.downloaded', ctx, at: new Date(), data: { n: next } }),
          );
        }
      }),
    );
    const seconds = (performance.now() - started) / 1000;
    const appended = { events: total, concurrency, chains: 4, eventsPerSecond: Math.round(total / seconds) };
    return { database: db.kind, appended, webhooks: await benchDeliveries(db, audit, ctx, total) };
  } finally {
    await drop();
  }
}

/** Deliveries per second from the outbox to a local receiver that answers 204 at once. */
async function benchDeliveries(db: Database, audit: AuditTrail, ctx: RequestContext, events: number) {
  let received = 0;
  const receiver = http.createServer((req, res) => {
    req.resume().on('end', () => {
      received++;
      res.writeHead(204).end();
    });
  });
  await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', r));
  const masterKey = Buffer.alloc(32, 9);
  try {
    const url = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hook`;
    // The receiver is on loopback, which only an operator's WEBHOOK_ALLOWED_NETWORKS lets webhooks reach.
    const targets = createTargetPolicy(parseNetworks('127.0.0.1'));
    // Webhooks and the events they hear belong to an organisation: the default one, with 50 contracts of its own.
    await createWebhookService({ db, masterKey, targets }).create({ url, events: ['contract.created'] }, { ...ctx, organisationId: 'default' });
    for (let c = 0; c < 50; c++) {
      await db.query(
        `INSERT INTO contracts (id, organisation_id, contract_number, template_id, template_version, template_sha256, reference, status, variables,
           deadline_working_days, deadline, created_by)
         VALUES ($1, 'default', $2, 'bench', 1, '-', 'bench', 'awaiting_signatures', '{}', 2, now() + interval '4 days', 'bench')`,
        [`hook-${c}`, `BENCH-${c}`],
      );
    }
    for (let i = 0; i < events; i += 100) {
      await db.transaction(async (tx) => {
        for (let j = i; j < Math.min(events, i + 100); j++) {
          await audit.append(tx, { contractId: `hook-${j % 50}`, type: 'contract.created', ctx, at: new Date(), data: { n: j } });
        }
      });
    }
    const dispatcher = createWebhookDispatcher({ db, masterKey, targets, log: pino({ level: 'silent' }), pollMs: 20 });
    const started = performance.now();
    dispatcher.start();
    const deadline = Date.now() + 60_000;
    while (received < events && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    const seconds = (performance.now() - started) / 1000;
    await dispatcher.stop();
    return { deliveries: received, contracts: 50, deliveriesPerSecond: Math.round(received / seconds) };
  } finally {
    receiver.closeAllConnections();
    await new Promise((r) => receiver.close(r));
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  console.log(JSON.stringify(await benchWorkflow(), null, 2));
}
