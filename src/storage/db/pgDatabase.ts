import pg from 'pg';
import type { Database, Queryable, QueryResult } from './database.js';

// BIGINT and NUMERIC come back as strings by default; our sizes and counters fit in a JS number.
pg.types.setTypeParser(pg.types.builtins.INT8, (v) => Number(v));

export interface PgOptions {
  max?: number;
  /** Server-side statement_timeout; the client gives up a little later in case the server itself hangs. 0 = none. */
  statementTimeoutMs?: number;
}

export function createPgDatabase(connectionString: string, opts: PgOptions = {}): Database {
  const statementTimeoutMs = opts.statementTimeoutMs ?? 15_000;
  const pool = new pg.Pool({
    connectionString,
    max: opts.max ?? 10,
    connectionTimeoutMillis: 5_000,
    // Dead peers (a dropped network, a killed server) are noticed by TCP keep-alive instead of never.
    keepAlive: true,
    ...(statementTimeoutMs > 0
      ? {
          statement_timeout: statementTimeoutMs,
          query_timeout: statementTimeoutMs + 5_000,
          // A transaction left open by a stalled request must not hold its locks (the chain lock) indefinitely.
          idle_in_transaction_session_timeout: statementTimeoutMs * 2,
        }
      : {}),
  });
  // An idle client whose backend was terminated emits 'error' on the pool; without a listener that crashes the process.
  pool.on('error', () => undefined);
  // The pool listens for errors only while a client is idle. A backend terminated while its client is checked
  // out, or in the same network read that completed the checkout, emits 'error' with no listener, which
  // crashes the process (found by test/faults.test.ts). The query in progress rejects on its own, and a
  // client that is no longer queryable is discarded on release, so the event itself needs no handling.
  pool.on('connect', (client) => client.on('error', () => undefined));

  async function query<R>(sql: string, params?: unknown[]): Promise<QueryResult<R>> {
    const res = await pool.query(sql, params as unknown[]);
    return { rows: res.rows as R[], rowCount: res.rowCount ?? 0 };
  }

  return {
    kind: 'postgres',
    query,
    async exec(sql) {
      await pool.query(sql);
    },
    async transaction<T>(fn: (tx: Queryable) => Promise<T>): Promise<T> {
      const client = await pool.connect();
      let broken = false;
      try {
        await client.query('BEGIN');
        const tx: Queryable = {
          async query<R>(sql: string, params?: unknown[]) {
            const res = await client.query(sql, params as unknown[]);
            return { rows: res.rows as R[], rowCount: res.rowCount ?? 0 };
          },
          async exec(sql) {
            await client.query(sql);
          },
        };
        const result = await fn(tx);
        await client.query('COMMIT');
        return result;
      } catch (err) {
        try {
          await client.query('ROLLBACK');
        } catch {
          broken = true;
        }
        throw err;
      } finally {
        // A connection that cannot even roll back is dead: destroy it so the pool opens a fresh one.
        client.release(broken ? true : undefined);
      }
    },
    async withLock(key, fn) {
      const client = await pool.connect();
      let broken = false;
      try {
        await client.query('SELECT pg_advisory_lock($1)', [key]);
        try {
          return await fn();
        } finally {
          // A session whose unlock fails is discarded, which releases its lock with it.
          await client.query('SELECT pg_advisory_unlock($1)', [key]).catch(() => (broken = true));
        }
      } finally {
        client.release(broken ? true : undefined);
      }
    },
    async close() {
      await pool.end();
    },
  };
}
