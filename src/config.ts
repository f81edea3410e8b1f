import { availableParallelism } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { parseNetworks } from './webhooks/webhookTargets.js';

const bool = z
  .enum(['true', 'false', '1', '0', 'yes', 'no'], { message: 'must be true or false' })
  .transform((v) => v === 'true' || v === '1' || v === 'yes');

const ROLES = ['workflow', 'utility', 'auditor', 'admin'] as const;
export type Role = (typeof ROLES)[number];
export const ALL_ROLES: readonly Role[] = ROLES;

const apiKeys = z.string().transform((raw, ctx) => {
  const keys: { role: Role; key: string }[] = [];
  for (const entry of raw.split(',').map((s) => s.trim()).filter(Boolean)) {
    const i = entry.indexOf(':');
    const role = entry.slice(0, i) as Role;
    const key = entry.slice(i + 1);
    if (i < 0 || !ROLES.includes(role)) {
      ctx.addIssue({ code: 'custom', message: `each entry must be role:key with role one of ${ROLES.join(', ')}` });
      return z.NEVER;
    }
    if (key.length < 16) {
      ctx.addIssue({ code: 'custom', message: `the key for role ${role} must be at least 16 characters` });
      return z.NEVER;
    }
    keys.push({ role, key });
  }
  if (keys.length === 0) ctx.addIssue({ code: 'custom', message: 'no role:key entries' });
  return keys;
});

const schema = z
  .object({
    NODE_ENV: z.enum(['development', 'production', 'test']).default('production'),
    PORT: z.coerce.number({ message: 'must be a whole number from 0 to 65535' }).int().min(0).max(65535).default(3000),
    HOST: z.string().default('0.0.0.0'),
    PUBLIC_URL: z.url({ message: 'must be an absolute URL such as https://esign.example.cn' }).optional(),
    DATA_DIR: z.string().default('./data'),
    TEMPLATES_DIR: z.string().optional(),
    LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
    DATABASE_URL: z
      .string()
      .regex(/^postgres(ql)?:\/\//, 'must be a postgres:// or postgresql:// URL')
      .optional(),
    S3_ENDPOINT: z.string().optional(),
    S3_ACCESS_KEY: z.string().optional(),
    S3_SECRET_KEY: z.string().optional(),
    S3_BUCKET: z.string().regex(/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/, 'must be a valid S3 bucket name').optional(),
    S3_REGION: z.string().default('us-east-1'),
    S3_USE_SSL: bool.optional(),
    API_KEYS: apiKeys.optional(),
    JSON_BODY_LIMIT: z.string().regex(/^\d+(b|kb|mb)$/i, 'must look like 512kb or 1mb').default('1mb'),
    UTILITY_NAME: z.string().min(2).default('三亚市示范供水有限公司'),
    UTILITY_CREDIT_CODE: z
      .string()
      .regex(/^[0-9A-HJ-NPQRTUWXY]{2}\d{6}[0-9A-HJ-NPQRTUWXY]{10}$/, 'must be an 18-character 统一社会信用代码')
      .default('91460200MA5RC0XQ1H'),
    UTILITY_ADDRESS: z.string().default('海南省三亚市吉阳区迎宾路 188 号'),
    UTILITY_PHONE: z.string().default('0898-88888888'),
    UTILITY_HANDWRITTEN_SIGNATURE: bool.default(true),
    CONTRACT_PLACE: z.string().default('海南省三亚市'),
    MASTER_KEY: z.string().optional(),
    PKI_IMPORT_DIR: z.string().optional(),
    PKI_IMPORT_PASSWORD: z.string().optional(),
    KEY_STORE: z.enum(['database', 'pkcs11'], { message: 'must be database or pkcs11' }).default('database'),
    PKCS11_MODULE: z.string().optional(),
    PKCS11_TOKEN_LABEL: z.string().optional(),
    PKCS11_PIN: z.string().optional(),
    PKCS11_PIN_FILE: z.string().optional(),
    SMS_WEBHOOK_URL: z.url({ message: 'must be the http(s) URL of the SMS gateway' }).optional(),
    SIGNING_LINK_TTL_HOURS: z.coerce.number().positive().max(24 * 90).default(168),
    DEADLINE_WORKING_DAYS: z.coerce.number().int().min(1).max(60).default(2),
    PRIORITY_DEADLINE_WORKING_DAYS: z.coerce.number().int().min(1).max(60).default(1),
    CALENDAR_OVERRIDES: z.string().optional(),
    EXPIRY_SWEEP_SECONDS: z.coerce.number().min(0).max(86_400).default(60),
    WEBHOOK_DISPATCH: bool.default(true),
    BATCH_WORKERS: z.coerce.number().int().min(0).max(16).default(2),
    BATCH_LEASE_SECONDS: z.coerce.number().min(1).max(3600).default(60),
    RATE_LIMIT_API_KEY_PER_MINUTE: z.coerce.number().int().min(0).default(600),
    RATE_LIMIT_SIGNING_TOKEN_PER_MINUTE: z.coerce.number().int().min(0).default(30),
    RATE_LIMIT_SIGNING_IP_PER_MINUTE: z.coerce.number().int().min(0).default(600),
    RATE_LIMIT_PKI_IP_PER_MINUTE: z.coerce.number().int().min(0).default(300),
    RATE_LIMIT_LOGIN_IP_PER_MINUTE: z.coerce.number().int().min(0).default(20),
    TSA_PUBLIC: bool.default(false),
    PKI_RECHECK_MS: z.coerce.number().int().min(0).max(60_000).default(2_000),
    DB_STATEMENT_TIMEOUT_MS: z.coerce.number().int().min(0).default(15_000),
    S3_TIMEOUT_MS: z.coerce.number().int().min(100).default(10_000),
    WEBHOOK_ALLOWED_NETWORKS: z
      .string()
      .default('')
      .superRefine((v, ctx) => {
        try {
          parseNetworks(v);
        } catch (err) {
          ctx.addIssue({ code: 'custom', message: `must list IP addresses or CIDR networks separated by commas: ${(err as Error).message}` });
        }
      }),
    ARCHIVE_RENEWAL_DAYS: z.coerce.number().int().min(1).max(3650).default(90),
    ARCHIVE_SWEEP_MINUTES: z.coerce.number().min(0).max(10_080).default(1440),
    OBJECT_CACHE_MB: z.coerce.number().min(0).max(4096).default(16),
    SHUTDOWN_GRACE_SECONDS: z.coerce.number().min(0).max(600).default(20),
    ORPHAN_SWEEP_MINUTES: z.coerce.number().min(0).max(10_080).default(60),
    ORPHAN_MIN_AGE_MINUTES: z.coerce.number().min(0).max(10_080).default(60),
    VERIFY_MAX_MB: z.coerce.number().positive().max(1024).default(50),
    TRUST_ANCHORS: z.string().optional(),
    VERIFY_REQUIRE_REVOCATION: bool.default(false),
    VERIFY_ONLINE: bool.default(false),
    VERIFY_WORKERS: z.coerce.number().int().min(1).max(64).default(Math.max(1, Math.min(4, availableParallelism() - 1))),
    VERIFY_QUEUE: z.coerce.number().int().min(0).max(10_000).default(16),
    VERIFY_TIMEOUT_SECONDS: z.coerce.number().positive().max(3600).default(30),
    VERIFY_WORKER_MEMORY_MB: z.coerce.number().int().min(64).max(16_384).default(512),
    CONTRACT_NUMBER_PREFIX: z.string().regex(/^[A-Z]{2,8}$/, 'must be 2 to 8 capital letters').default('SYGS'),
  });

/** Checks across settings; run on the raw environment so they are reported alongside field errors. */
function crossFieldProblems(env: NodeJS.ProcessEnv): string[] {
  const problems: string[] = [];
  const s3 = ['S3_ENDPOINT', 'S3_ACCESS_KEY', 'S3_SECRET_KEY', 'S3_BUCKET'] as const;
  const set = s3.filter((k) => env[k]);
  if (set.length > 0 && set.length < s3.length) {
    for (const k of s3.filter((k) => !env[k])) problems.push(`${k}: is required when ${set.join(', ')} is set`);
  }
  if (env.S3_ENDPOINT && !parseEndpoint(env.S3_ENDPOINT)) problems.push('S3_ENDPOINT: must be host[:port] or an http(s):// URL');
  const oidc = ['OIDC_ISSUER', 'OIDC_CLIENT_ID', 'OIDC_CLIENT_SECRET'] as const;
  const oidcSet = oidc.filter((k) => env[k]);
  if (oidcSet.length > 0 && oidcSet.length < oidc.length) {
    for (const k of oidc.filter((k) => !env[k])) problems.push(`${k}: is required when ${oidcSet.join(', ')} is set`);
  }
  if (env.OIDC_ISSUER) {
    const issuer = URL.canParse(env.OIDC_ISSUER) ? new URL(env.OIDC_ISSUER) : undefined;
    // Tokens from a provider reached over plain HTTP could be forged on the way: only one on this machine may be.
    if (!issuer || (issuer.protocol !== 'https:' && !(issuer.protocol === 'http:' && ['127.0.0.1', 'localhost', '[::1]'].includes(issuer.hostname)))) {
      problems.push('OIDC_ISSUER: must be the https:// URL of the identity provider (http:// only on this machine)');
    }
  }
  if (env.KEY_STORE === 'pkcs11') {
    for (const k of ['PKCS11_MODULE', 'PKCS11_TOKEN_LABEL'] as const) if (!env[k]) problems.push(`${k}: is required when KEY_STORE=pkcs11`);
    if (!env.PKCS11_PIN === !env.PKCS11_PIN_FILE) problems.push('PKCS11_PIN: set exactly one of PKCS11_PIN and PKCS11_PIN_FILE when KEY_STORE=pkcs11');
  }
  return problems;
}

function parseEndpoint(raw: string): { host: string; port?: number; ssl?: boolean } | undefined {
  try {
    const url = new URL(/^https?:\/\//.test(raw) ? raw : `http://${raw}`);
    return {
      host: url.hostname,
      port: url.port ? Number(url.port) : undefined,
      ssl: /^https?:\/\//.test(raw) ? url.protocol === 'https:' : undefined,
    };
  } catch {
    return undefined;
  }
}

/** Requests per minute (token buckets, per instance); 0 turns a limit off. */
export interface RateLimits {
  apiKeyPerMinute: number;
  signingTokenPerMinute: number;
  signingIpPerMinute: number;
  /** POST /pki/ocsp, and POST /pki/tsa when TSA_PUBLIC: per client address. */
  pkiIpPerMinute: number;
  /** Console sign-in and set-up attempts per client address (the per-account lock-out comes on top). */
  loginIpPerMinute: number;
}

export interface Config {
  env: 'development' | 'production' | 'test';
  port: number;
  host: string;
  publicUrl: string;
  dataDir: string;
  templatesDir: string;
  logLevel: string;
  databaseUrl?: string;
  s3?: { endPoint: string; port?: number; useSSL: boolean; accessKey: string; secretKey: string; bucket: string; region: string };
  apiKeys?: { role: Role; key: string }[];
  jsonBodyLimit: string;
  utility: { name: string; creditCode: string; address: string; phone: string; handwrittenSignature: boolean };
  contractPlace: string;
  contractNumberPrefix: string;
  masterKey?: string;
  /** Where long-lived private keys live; the PIN is read from pinFile at start-up when given as a file. */
  keyStore: { kind: 'database' } | { kind: 'pkcs11'; module: string; tokenLabel: string; pin?: string; pinFile?: string };
  pkiImportDir?: string;
  pkiImportPassword?: string;
  smsWebhookUrl?: string;
  signingLinkTtlMs: number;
  deadlines: { workingDays: number; priorityWorkingDays: number };
  calendarOverrides: string;
  verify: {
    maxBytes: number;
    trustAnchorFiles: string[];
    requireRevocation: boolean;
    allowOnline: boolean;
    /** Worker threads that verify uploads off the event loop. */
    pool: { threads: number; maxQueue: number; timeoutMs: number; heapMb: number };
  };
  /** 0 turns the background expiry sweep off (tests call it directly). */
  expirySweepMs: number;
  /** false: this instance only queues webhook deliveries; another instance (or a test) sends them. */
  webhookDispatch: boolean;
  /** Single sign-on for the console through the utility's OpenID Connect provider. */
  oidc?: { issuer: string; clientId: string; clientSecret: string };
  /** Batch items this instance works on at once; 0: it takes no batch work (another instance does). */
  batchWorkers: number;
  /** How long a batch item is its worker's: items of an instance that dies are taken up after this. */
  batchLeaseMs: number;
  rateLimits: RateLimits;
  /** POST /pki/tsa without an API key (budgeted per client address instead). */
  tsaPublic: boolean;
  /** How soon a rotation or revocation made on another instance takes effect here. */
  pkiRecheckMs: number;
  /** Server-side statement_timeout (and a slightly longer client-side query timeout); 0 = none. */
  dbStatementTimeoutMs: number;
  s3TimeoutMs: number;
  /** Non-public networks webhooks may still be sent to (the utility's intranet); public addresses always may. */
  webhookAllowedNetworks: string;
  /** Document timestamps expiring within this are renewed by the archive sweep (every archiveSweepMs; 0 = off). */
  archiveRenewalMs: number;
  archiveSweepMs: number;
  /** In-memory cache of recently written or read documents (content-addressed, so never stale); 0 = none. */
  objectCacheBytes: number;
  shutdownGraceMs: number;
  /** 0 turns the periodic orphan sweep off (tests call sweepOrphans directly). */
  orphanSweepMs: number;
  orphanMinAgeMs: number;
}

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

/** Reads and validates the environment once at start-up; every wrong setting is named. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const parsed = schema.safeParse(env);
  const problems = [
    ...(parsed.success ? [] : parsed.error.issues.map((i) => `${i.path.join('.') || 'environment'}: ${i.message}`)),
    ...crossFieldProblems(env),
  ];
  if (!parsed.success || problems.length > 0) throw new ConfigError(problems);
  const e = parsed.data;
  const endpoint = e.S3_ENDPOINT ? parseEndpoint(e.S3_ENDPOINT) : undefined;
  return {
    env: e.NODE_ENV,
    port: e.PORT,
    host: e.HOST,
    publicUrl: (e.PUBLIC_URL ?? `http://localhost:${e.PORT}`).replace(/\/+$/, ''),
    dataDir: path.resolve(e.DATA_DIR),
    templatesDir: path.resolve(e.TEMPLATES_DIR ?? 'templates'),
    logLevel: e.LOG_LEVEL,
    databaseUrl: e.DATABASE_URL,
    s3:
      endpoint && e.S3_ACCESS_KEY && e.S3_SECRET_KEY && e.S3_BUCKET
        ? {
            endPoint: endpoint.host,
            port: endpoint.port,
            useSSL: e.S3_USE_SSL ?? endpoint.ssl ?? false,
            accessKey: e.S3_ACCESS_KEY,
            secretKey: e.S3_SECRET_KEY,
            bucket: e.S3_BUCKET,
            region: e.S3_REGION,
          }
        : undefined,
    apiKeys: e.API_KEYS,
    jsonBodyLimit: e.JSON_BODY_LIMIT,
    utility: { name: e.UTILITY_NAME, creditCode: e.UTILITY_CREDIT_CODE, address: e.UTILITY_ADDRESS, phone: e.UTILITY_PHONE, handwrittenSignature: e.UTILITY_HANDWRITTEN_SIGNATURE },
    contractPlace: e.CONTRACT_PLACE,
    contractNumberPrefix: e.CONTRACT_NUMBER_PREFIX,
    masterKey: e.MASTER_KEY,
    keyStore:
      e.KEY_STORE === 'pkcs11'
        ? { kind: 'pkcs11', module: e.PKCS11_MODULE!, tokenLabel: e.PKCS11_TOKEN_LABEL!, pin: e.PKCS11_PIN, pinFile: e.PKCS11_PIN_FILE ? path.resolve(e.PKCS11_PIN_FILE) : undefined }
        : { kind: 'database' },
    pkiImportDir: e.PKI_IMPORT_DIR ? path.resolve(e.PKI_IMPORT_DIR) : undefined,
    pkiImportPassword: e.PKI_IMPORT_PASSWORD,
    smsWebhookUrl: e.SMS_WEBHOOK_URL,
    signingLinkTtlMs: e.SIGNING_LINK_TTL_HOURS * 3600_000,
    deadlines: { workingDays: e.DEADLINE_WORKING_DAYS, priorityWorkingDays: e.PRIORITY_DEADLINE_WORKING_DAYS },
    calendarOverrides: path.resolve(e.CALENDAR_OVERRIDES ?? fileURLToPath(new URL('./contracts/calendar/overrides.json', import.meta.url))),
    expirySweepMs: e.EXPIRY_SWEEP_SECONDS * 1000,
    verify: {
      maxBytes: Math.round(e.VERIFY_MAX_MB * 1_048_576),
      trustAnchorFiles: (e.TRUST_ANCHORS ?? '').split(',').map((f) => f.trim()).filter(Boolean).map((f) => path.resolve(f)),
      requireRevocation: e.VERIFY_REQUIRE_REVOCATION,
      allowOnline: e.VERIFY_ONLINE,
      pool: { threads: e.VERIFY_WORKERS, maxQueue: e.VERIFY_QUEUE, timeoutMs: e.VERIFY_TIMEOUT_SECONDS * 1000, heapMb: e.VERIFY_WORKER_MEMORY_MB },
    },
    webhookDispatch: e.WEBHOOK_DISPATCH,
    oidc: env.OIDC_ISSUER && env.OIDC_CLIENT_ID && env.OIDC_CLIENT_SECRET ? { issuer: env.OIDC_ISSUER, clientId: env.OIDC_CLIENT_ID, clientSecret: env.OIDC_CLIENT_SECRET } : undefined,
    batchWorkers: e.BATCH_WORKERS,
    batchLeaseMs: Math.round(e.BATCH_LEASE_SECONDS * 1000),
    rateLimits: {
      apiKeyPerMinute: e.RATE_LIMIT_API_KEY_PER_MINUTE,
      signingTokenPerMinute: e.RATE_LIMIT_SIGNING_TOKEN_PER_MINUTE,
      signingIpPerMinute: e.RATE_LIMIT_SIGNING_IP_PER_MINUTE,
      pkiIpPerMinute: e.RATE_LIMIT_PKI_IP_PER_MINUTE,
      loginIpPerMinute: e.RATE_LIMIT_LOGIN_IP_PER_MINUTE,
    },
    tsaPublic: e.TSA_PUBLIC,
    pkiRecheckMs: e.PKI_RECHECK_MS,
    dbStatementTimeoutMs: e.DB_STATEMENT_TIMEOUT_MS,
    s3TimeoutMs: e.S3_TIMEOUT_MS,
    webhookAllowedNetworks: e.WEBHOOK_ALLOWED_NETWORKS,
    archiveRenewalMs: e.ARCHIVE_RENEWAL_DAYS * 86_400_000,
    archiveSweepMs: e.ARCHIVE_SWEEP_MINUTES * 60_000,
    objectCacheBytes: Math.round(e.OBJECT_CACHE_MB * 1_048_576),
    shutdownGraceMs: e.SHUTDOWN_GRACE_SECONDS * 1000,
    orphanSweepMs: e.ORPHAN_SWEEP_MINUTES * 60_000,
    orphanMinAgeMs: e.ORPHAN_MIN_AGE_MINUTES * 60_000,
  };
}
