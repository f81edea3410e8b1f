import { Router } from 'express';
import type { Database } from '../../storage/db/database.js';
import type { ObjectStore } from '../../storage/objects/objectStore.js';

async function check(fn: () => Promise<unknown>, timeoutMs = 2_000): Promise<{ ok: boolean; error?: string }> {
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      fn(),
      new Promise((_, reject) => {
        timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
      }),
    ]);
    return { ok: true };
  } catch (err) {
    return { ok: false, error: (err as Error).message };
  } finally {
    clearTimeout(timer);
  }
}

export function healthRoutes(db: Database, store: ObjectStore): Router {
  const r = Router();
  r.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' });
  });
  r.get('/readyz', async (_req, res) => {
    const [database, objectStore] = await Promise.all([check(() => db.query('SELECT 1')), check(() => store.ping())]);
    const ready = database.ok && objectStore.ok;
    res.status(ready ? 200 : 503).json({
      status: ready ? 'ready' : 'not_ready',
      checks: { database: { kind: db.kind, ...database }, objectStore: { kind: store.kind, ...objectStore } },
    });
  });
  return r;
}
