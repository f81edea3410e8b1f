import { mkdtemp, rm } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import http from 'node:http';
import pino, { type Logger } from 'pino';
import { loadConfig, type Role } from '../../src/config.js';
import { buildService, type Overrides } from '../../src/bootstrap/services.js';
import { freshDatabase, type TestDatabase } from './databases.js';
import { startS3, type TestS3 } from './s3server.js';

export const TEST_KEYS: Record<Role, string> = {
  workflow: 'test-workflow-key-0123456789',
  utility: 'test-utility-key-0123456789ab',
  auditor: 'test-auditor-key-0123456789ab',
  admin: 'test-admin-key-0123456789abcd',
};

export interface TestService {
  url: string;
  database: TestDatabase;
  s3?: TestS3;
  dataDir: string;
  service: Awaited<ReturnType<typeof buildService>>;
  /** fetch against the service with the given role's API key (JSON body when given). */
  call(role: Role | null, method: string, route: string, body?: unknown, headers?: Record<string, string>): Promise<Response>;
  stop(): Promise<void>;
}

/** The real service on a real port, backed by a fresh database and either s3rver or a folder store. */
export async function startTestService(
  opts: {
    objectStore?: 'folder' | 's3';
    env?: Record<string, string>;
    overrides?: Overrides;
    log?: Logger;
    /** A second instance on the same database, bucket and DATA_DIR (PKI) as this one; its stop() leaves them alone. */
    shareWith?: TestService;
  } = {},
): Promise<TestService> {
  // Listen first so PUBLIC_URL (in certificates' OCSP and CRL URLs) is the address checkers can reach.
  const server = http.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const shared = opts.shareWith;
  const dataDir = shared?.dataDir ?? (await mkdtemp(path.join(os.tmpdir(), 'esign-test-')));
  const database = shared?.database ?? (await freshDatabase());
  const s3 = shared ? shared.s3 : opts.objectStore === 's3' ? await startS3() : undefined;
  const env: Record<string, string> = {
    NODE_ENV: 'test',
    PUBLIC_URL: url,
    EXPIRY_SWEEP_SECONDS: '0',
    // Suites renew document timestamps themselves (renewArchives) when they test it.
    ARCHIVE_SWEEP_MINUTES: '0',
    // Suites drive webhook delivery themselves (runOnce) unless they pass WEBHOOK_DISPATCH: 'true'.
    WEBHOOK_DISPATCH: 'false',
    // The receivers the suites start listen on loopback, which a deployment refuses by default.
    WEBHOOK_ALLOWED_NETWORKS: '127.0.0.0/8,::1',
    DATA_DIR: dataDir,
    LOG_LEVEL: 'silent',
    API_KEYS: Object.entries(TEST_KEYS).map(([r, k]) => `${r}:${k}`).join(','),
    ...(s3
      ? { S3_ENDPOINT: s3.endpoint, S3_ACCESS_KEY: s3.accessKey, S3_SECRET_KEY: s3.secretKey, S3_BUCKET: 'contracts' }
      : {}),
    ...opts.env,
  };
  const config = loadConfig(env);
  const service = await buildService(config, opts.log ?? pino({ level: 'silent' }), { db: database.db, ...opts.overrides });
  server.on('request', service.app);
  return {
    url,
    database,
    s3,
    dataDir,
    service,
    call(role, method, route, body, headers = {}) {
      return fetch(`${url}${route}`, {
        method,
        headers: {
          ...(role ? { authorization: `Bearer ${TEST_KEYS[role]}` } : {}),
          ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
          ...headers,
        },
        body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
      });
    },
    async stop() {
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
      await service.close();
      if (shared) return;
      await database.drop();
      await s3?.stop();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}
