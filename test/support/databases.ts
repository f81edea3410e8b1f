import { randomBytes } from 'node:crypto';
import pg from 'pg';
import type { Database } from '../../src/storage/db/database.js';
import { createPgDatabase } from '../../src/storage/db/pgDatabase.js';
import { createPgliteDatabase } from '../../src/storage/db/pgliteDatabase.js';

export interface TestDatabase {
  db: Database;
  url?: string;
  drop(): Promise<void>;
}

/**
 * A fresh, empty database: on the real PostgreSQL server named by DATABASE_URL when set (as CI does),
 * otherwise an in-memory PGlite. Each test file gets its own, so suites never see each other's rows.
 */
export async function freshDatabase(): Promise<TestDatabase> {
  const base = process.env.DATABASE_URL;
  if (!base) {
    const db = await createPgliteDatabase();
    return { db, drop: () => db.close() };
  }
  const name = `esign_test_${randomBytes(6).toString('hex')}`;
  const admin = new pg.Client({ connectionString: base });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  const url = new URL(base);
  url.pathname = `/${name}`;
  const db = createPgDatabase(url.toString());
  return {
    db,
    url: url.toString(),
    async drop() {
      await db.close();
      const c = new pg.Client({ connectionString: base });
      await c.connect();
      await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await c.end();
    },
  };
}
