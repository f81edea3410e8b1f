// Audit-trail throughput: hash-chained events appended per second, on real PostgreSQL when
// DATABASE_URL is set (a scratch database is created and dropped), otherwise on PGlite.
import { pathToFileURL } from 'node:url';
import { migrate } from '../src/storage/db/migrate.js';
import { freshDatabase } from '../test/support/databases.js';
import { appendEvent } from '../src/workflow/auditTrail.js';

export async function benchWorkflow(opts: { events?: number; concurrency?: number } = {}): Promise<Record<string, unknown>> {
  const total = opts.events ?? 2000;
  const concurrency = opts.concurrency ?? 8;
  const { db, drop } = await freshDatabase();
  try {
    await migrate(db);
    const ctx = { actor: { type: 'system' as const, id: 'bench' } };
    let next = 0;
    const started = performance.now();
    await Promise.all(
      Array.from({ length: concurrency }, async (_, worker) => {
        while (next < total) {
          next++;
          // Several workers share each chain, so appends really contend for the chain lock.
          await db.transaction((tx) =>
            appendEvent(tx, { contractId: `bench-${worker % 4}`, type: 'document.downloaded', ctx, at: new Date(), data: { n: next } }),
          );
        }
      }),
    );
    const seconds = (performance.now() - started) / 1000;
    return { database: db.kind, events: total, concurrency, chains: 4, eventsPerSecond: Math.round(total / seconds) };
  } finally {
    await drop();
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  console.log(JSON.stringify(await benchWorkflow(), null, 2));
}
