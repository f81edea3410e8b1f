import { chmod, mkdir } from 'node:fs/promises';
import { PGlite } from '@electric-sql/pglite';
import type { Database, Queryable, QueryResult } from './database.js';

/** Embedded PostgreSQL for the zero-dependency default; dataDir undefined means in memory. */
export async function createPgliteDatabase(dataDir?: string): Promise<Database> {
  // PGlite creates its files 0666 whatever the umask: the owner-only folder is what keeps them private.
  if (dataDir) {
    await mkdir(dataDir, { recursive: true, mode: 0o700 });
    await chmod(dataDir, 0o700);
  }
  const db = await PGlite.create(dataDir);
  // PGlite runs one statement at a time; a transaction must hold the connection exclusively,
  // so plain queries wait behind an open transaction instead of interleaving with it.
  let chain: Promise<unknown> = Promise.resolve();
  const locks = new Map<number, Promise<unknown>>();
  function exclusive<T>(fn: () => Promise<T>): Promise<T> {
    const run = chain.then(fn, fn);
    chain = run.catch(() => undefined);
    return run;
  }
  const direct = async <R>(sql: string, params?: unknown[]): Promise<QueryResult<R>> => {
    const res = await db.query<R>(sql, params);
    return { rows: res.rows, rowCount: res.affectedRows || res.rows.length };
  };

  return {
    kind: 'pglite',
    query: <R>(sql: string, params?: unknown[]) => exclusive(() => direct<R>(sql, params)),
    exec: (sql: string) => exclusive(async () => void (await db.exec(sql))),
    transaction<T>(fn: (tx: Queryable) => Promise<T>): Promise<T> {
      return exclusive(() =>
        db.transaction(async (t) => {
          const tx: Queryable = {
            async query<R>(sql: string, params?: unknown[]) {
              const res = await t.query<R>(sql, params);
              return { rows: res.rows, rowCount: res.affectedRows || res.rows.length };
            },
            async exec(sql) {
              await t.exec(sql);
            },
          };
          return fn(tx);
        }),
      );
    },
    // One process owns an embedded database, so an in-process queue per key excludes every other
    // holder; holding the connection instead would block fn's own queries.
    withLock(key, fn) {
      const prev = locks.get(key) ?? Promise.resolve();
      const run = prev.then(fn, fn);
      const tail = run.catch(() => undefined);
      locks.set(key, tail);
      void tail.then(() => locks.get(key) === tail && locks.delete(key));
      return run;
    },
    async close() {
      await db.close();
    },
  };
}
