import type { Queryable } from './db/database.js';
import type { ObjectStore } from './objects/objectStore.js';

export interface OrphanSweepResult {
  scanned: number;
  referenced: number;
  /** Unreferenced but younger than minAge: possibly a write whose commit is still on its way. */
  young: number;
  removed: string[];
}

/**
 * Objects are written before the rows that reference them are committed, so a crash (or a failed commit)
 * between the two leaves an object nothing points at. This removes such objects once they are older than
 * minAgeMs; the age is what keeps it away from a write whose transaction has not committed yet, so minAgeMs
 * must be far longer than any request. Keys are content-addressed over bytes that carry a contract number or
 * a signing time, so an old orphan's key is never written again by a later signature.
 */
export async function sweepOrphans(opts: {
  db: Queryable;
  store: ObjectStore;
  minAgeMs: number;
  prefix?: string;
  now?: Date;
  batch?: number;
}): Promise<OrphanSweepResult> {
  const prefix = opts.prefix ?? 'documents/';
  const cutoff = (opts.now ?? new Date()).getTime() - opts.minAgeMs;
  const objects = await opts.store.list(prefix);
  const old = objects.filter((o) => o.lastModified.getTime() <= cutoff);
  const batch = opts.batch ?? 500;
  const removed: string[] = [];
  let referenced = 0;
  for (let i = 0; i < old.length; i += batch) {
    const keys = old.slice(i, i + batch).map((o) => o.key);
    const res = await opts.db.query<{ object_key: string }>(
      'SELECT DISTINCT object_key FROM document_versions WHERE object_key = ANY($1)',
      [keys],
    );
    const live = new Set(res.rows.map((r) => r.object_key));
    referenced += live.size;
    for (const key of keys) {
      if (live.has(key)) continue;
      await opts.store.delete(key);
      removed.push(key);
    }
  }
  return { scanned: objects.length, referenced, young: objects.length - old.length, removed };
}
