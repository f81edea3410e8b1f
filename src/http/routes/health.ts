import { Router } from 'express';
import type { Database } from '../../storage/db/database.js';
import type { ObjectStore } from '../../storage/objects/objectStore.js';

/** ok, or why not in one word: /readyz is public, so no internal error text (paths, hosts) goes out. */
async function check(fn: () => Promise<unknown>, timeoutMs = 2_000): Promise<{ ok: boolean; problem?: 'timeout' | 'unreachable' }> {
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      fn(),
      new Promise((_, reject) => {
        timer = setTimeout(() => reject(new Error('timeout')), timeoutMs);
      }),
    ]);
    return { ok: true };
  } catch (err) {
    return { ok: false, problem: (err as Error).message === 'timeout' ? 'timeout' : 'unreachable' };
  } finally {
    clearTimeout(timer);
  }
}

/**
 * A revoked TSA, OCSP or default-organisation certificate does not make the instance unready: it still
 * serves reads, verification and every other organisation; /readyz names it (status degraded) and
 * signing with it answers 503 certificate_unavailable until it is rotated.
 */
export function healthRoutes(db: Database, store: ObjectStore, draining: () => boolean = () => false, unavailableCertificates: () => Promise<string[]> = async () => []): Router {
  const r = Router();
  r.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' });
  });
  r.get('/readyz', async (_req, res) => {
    // A draining instance must leave the balancer's rotation before its listener closes.
    if (draining()) {
      res.setHeader('Connection', 'close');
      res.status(503).json({ status: 'draining', checks: {} });
      return;
    }
    const [database, objectStore] = await Promise.all([check(() => db.query('SELECT 1')), check(() => store.ping())]);
    const ready = database.ok && objectStore.ok;
    const unavailable = database.ok ? await unavailableCertificates().catch(() => []) : [];
    res.status(ready ? 200 : 503).json({
      status: ready ? (unavailable.length ? 'degraded' : 'ready') : 'not_ready',
      checks: {
        database: { kind: db.kind, ...database },
        objectStore: { kind: store.kind, ...objectStore },
        certificates: unavailable.length ? { ok: false, unavailable } : { ok: true },
      },
    });
  });
  return r;
}
