// Batch throughput (items per second) and what a batch costs an interactive signer: the latency of the
// applicant's sign call alone, and while a batch of reliability agreements runs on the same instance.
// Real PostgreSQL when DATABASE_URL is set (a scratch database), otherwise PGlite; a real S3 server.
import { pathToFileURL } from 'node:url';
import { startTestService, type TestService } from '../test/support/harness.js';
import { stats } from './stats.js';

async function json(res: Response) {
  const body = await res.json();
  if (!res.ok) throw new Error(`${res.status} ${JSON.stringify(body).slice(0, 300)}`);
  return body;
}

/** One applicant's contract, code and signature; returns the sign call's milliseconds. */
async function signOne(svc: TestService, example: Record<string, unknown>, n: number): Promise<number> {
  const c = await json(await svc.call('workflow', 'POST', '/api/v1/contracts', { templateId: 'water-supply-contract', reference: `SIGNER-${n}`, variables: example, notify: false }));
  const token = c.signers[0].signingUrl.split('/').pop();
  const otp = await json(await svc.call(null, 'POST', `/api/v1/signing/${token}/otp`, {}));
  const started = performance.now();
  await json(await svc.call(null, 'POST', `/api/v1/signing/${token}/sign`, { otp: otp.developmentCode, consent: true }));
  return performance.now() - started;
}

export async function benchBatches(opts: { items?: number; signers?: number } = {}): Promise<Record<string, unknown>> {
  const items = opts.items ?? 600;
  const signers = opts.signers ?? 30;
  const svc = await startTestService({ objectStore: 's3', env: { NODE_ENV: 'development', RATE_LIMIT_API_KEY_PER_MINUTE: '0', RATE_LIMIT_SIGNING_IP_PER_MINUTE: '0', BATCH_WORKERS: '2' } });
  try {
    const supply = (await json(await svc.call('workflow', 'GET', '/api/v1/templates/water-supply-contract'))).example;
    const agreement = (await json(await svc.call('workflow', 'GET', '/api/v1/templates/reliability-agreement'))).example;
    // Warm-up, then the sign call with nothing else running.
    for (let i = 0; i < 5; i++) await signOne(svc, supply, -1 - i);
    const alone: number[] = [];
    for (let i = 0; i < signers; i++) alone.push(await signOne(svc, supply, i));

    const run = async (label: string, withSigners: boolean) => {
      const body = {
        templateId: 'reliability-agreement',
        notify: false,
        items: Array.from({ length: items }, (_, i) => ({ reference: `BENCH-${label}-${i}`, variables: { ...agreement, customer: { ...agreement.customer, accountNumber: String(3_000_000 + i) } } })),
      };
      const started = performance.now();
      const { id } = await json(await svc.call('workflow', 'POST', '/api/v1/batches', body));
      const acceptMs = Math.round(performance.now() - started);
      // Signers arrive one after another, without pause, while the batch runs; only calls made before it ends count.
      const during: number[] = [];
      let view: { status: string; created: number; failed: number } = { status: 'queued', created: 0, failed: 0 };
      let n = 0;
      const signing = withSigners
        ? (async () => {
            while (view.status !== 'completed') {
              const ms = await signOne(svc, supply, n++ + 1000);
              if (view.status !== 'completed') during.push(ms);
            }
          })()
        : Promise.resolve();
      while (view.status !== 'completed') {
        await new Promise((r) => setTimeout(r, 100));
        view = await json(await svc.call('workflow', 'GET', `/api/v1/batches/${id}`));
      }
      const seconds = (performance.now() - started) / 1000;
      await signing;
      return { created: view.created, failed: view.failed, acceptMs, itemsPerSecond: Math.round((view.created / seconds) * 10) / 10, during };
    };
    const idle = await run('idle', false);
    const busy = await run('busy', true);
    return {
      database: svc.database.db.kind,
      note: 'reliability agreements with the utility\'s automatic seal (PAdES B-T) on each, 2 worker lanes, 1 instance; then the same batch while applicants sign one after another without pause',
      items,
      alone: { created: idle.created, failed: idle.failed, acceptMs: idle.acceptMs, itemsPerSecond: idle.itemsPerSecond },
      whileSigning: { created: busy.created, failed: busy.failed, itemsPerSecond: busy.itemsPerSecond, signCalls: busy.during.length },
      signCallMs: { alone: stats(alone), duringBatch: stats(busy.during) },
    };
  } finally {
    await svc.stop();
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  console.log(JSON.stringify(await benchBatches(), null, 2));
}
