import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { TEST_KEYS } from './harness.js';
import { startS3, type TestS3 } from './s3server.js';

/** Settings for a service process the tests drive: codes come back in the answer, no rate limits. */
export const DEV_ENV = {
  // developmentCode comes back from …/otp, so the tests need no SMS gateway.
  NODE_ENV: 'development',
  RATE_LIMIT_API_KEY_PER_MINUTE: '0',
  RATE_LIMIT_SIGNING_IP_PER_MINUTE: '0',
};

/** What a service process needs outside itself: an S3 server, a database of its own (or PGlite in DATA_DIR), a master key. */
export async function processFixture(opts: { postgres: boolean }) {
  const s3 = await startS3();
  const dataDir = await mkdtemp(path.join(os.tmpdir(), 'esign-proc-'));
  let dbUrl: string | undefined;
  let dbName: string | undefined;
  if (opts.postgres) {
    dbName = `esign_proc_${randomBytes(5).toString('hex')}`;
    const admin = new pg.Client({ connectionString: process.env.DATABASE_URL });
    await admin.connect();
    await admin.query(`CREATE DATABASE ${dbName}`);
    await admin.end();
    const u = new URL(process.env.DATABASE_URL!);
    u.pathname = `/${dbName}`;
    dbUrl = u.toString();
  }
  const env: Record<string, string> = {
    ...DEV_ENV,
    ...(dbUrl ? { DATABASE_URL: dbUrl } : {}),
    S3_ENDPOINT: s3.endpoint,
    S3_ACCESS_KEY: s3.accessKey,
    S3_SECRET_KEY: s3.secretKey,
    S3_BUCKET: 'faults',
    DATA_DIR: dataDir,
    MASTER_KEY: randomBytes(32).toString('base64'),
    API_KEYS: Object.entries(TEST_KEYS).map(([r, k]) => `${r}:${k}`).join(','),
    EXPIRY_SWEEP_SECONDS: '0',
    ORPHAN_SWEEP_MINUTES: '0',
    WEBHOOK_ALLOWED_NETWORKS: '127.0.0.0/8,::1',
  };
  return {
    s3: s3 as TestS3,
    env,
    dbUrl,
    async cleanup() {
      await s3.stop();
      await rm(dataDir, { recursive: true, force: true });
      if (dbName) {
        const admin = new pg.Client({ connectionString: process.env.DATABASE_URL });
        await admin.connect();
        await admin.query(`DROP DATABASE IF EXISTS ${dbName} WITH (FORCE)`);
        await admin.end();
      }
    },
  };
}
