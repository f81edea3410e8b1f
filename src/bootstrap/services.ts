import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import type { Logger } from 'pino';
import type { Config, Role } from '../config.js';
import type { Database } from '../storage/db/database.js';
import { createPgDatabase } from '../storage/db/pgDatabase.js';
import { createPgliteDatabase } from '../storage/db/pgliteDatabase.js';
import { migrate } from '../storage/db/migrate.js';
import type { ObjectStore } from '../storage/objects/objectStore.js';
import { createFolderStore } from '../storage/objects/folderStore.js';
import { createS3Store } from '../storage/objects/s3Store.js';
import { createDocumentRenderer, loadTemplates } from '../documents/index.js';
import { createContractService } from '../contracts/contractService.js';
import { createContractText } from '../contracts/contractText.js';
import { createFollowUp } from '../contracts/followUp.js';
import { createInterruptionRegister } from '../reliability/interruptions.js';
import { createReliabilityKpi } from '../reliability/reliabilityKpi.js';
import { createCompensation } from '../reliability/compensation.js';
import { createSmsOutbox } from '../notifications/smsOutbox.js';
import { createCountersign } from '../ceremony/countersign.js';
import { createBatchService } from '../batches/batchService.js';
import { createBatchWorker } from '../batches/batchWorker.js';
import { createStaffAccounts } from '../staff/staffAccounts.js';
import { createStaffSessions } from '../staff/staffSessions.js';
import { singleSignOn } from '../web/console/singleSignOn.js';
import { createSigningService, type SigningPolicy } from '../ceremony/signingService.js';
import { createEvidenceService } from '../contracts/evidence.js';
import { createAuditTrail } from '../audit/auditTrail.js';
import { createVerificationService } from '../verify/verificationService.js';
import { createVerifyPool } from '../verification/index.js';
import { loadTrustAnchors } from './trustAnchors.js';
import { createSigningSecrets } from '../domain/signingSecrets.js';
import { createPersonalData, sealStoredPersonalData } from '../domain/personalData.js';
import { createSigningLinks } from '../contracts/signingLinks.js';
import { loadOrCreatePki } from '../pki/index.js';
import { loadOrCreateMasterKey, openKeyStore } from '../keys/index.js';
import { loggingSmsGateway, webhookSmsGateway, type SmsGateway } from '../notifications/smsGateway.js';
import { warmUpGlyphs } from '../signing/index.js';
import { createWorkingCalendar, loadCalendarOverrides } from '../contracts/calendar/workingCalendar.js';
import { createWebhookService } from '../webhooks/webhookService.js';
import { createWebhookDispatcher } from '../webhooks/webhookDelivery.js';
import { createTargetPolicy, parseNetworks } from '../webhooks/webhookTargets.js';
import { createApp } from '../http/app.js';
import { provisionApiKeys } from './apiKeys.js';
import { createApiKeyDirectory } from '../organisations/apiKeyDirectory.js';
import { createOrganisationService } from '../organisations/organisationService.js';
import { organisationRepository } from '../storage/db/organisationRepository.js';
import { apiKeyRecord, generateApiKey } from '../http/auth.js';
import { createDrain } from '../http/drain.js';
import { sweepOrphans } from '../storage/orphanSweep.js';
import { withObjectCache } from '../storage/objects/cachedStore.js';
import { createArchiveRenewal } from '../archive/archiveRenewal.js';
import { createLongTermValidation } from '../archive/longTermValidation.js';

/** PostgreSQL when DATABASE_URL is set, otherwise embedded PGlite under DATA_DIR. */
export async function openDatabase(config: Config, log: Logger): Promise<Database> {
  if (config.databaseUrl) return createPgDatabase(config.databaseUrl, { statementTimeoutMs: config.dbStatementTimeoutMs });
  const dir = path.join(config.dataDir, 'pgdata');
  log.info({ dir }, 'using embedded PGlite database');
  return createPgliteDatabase(dir);
}

/** MinIO/S3 when S3_* is set, otherwise a folder under DATA_DIR. */
export async function openObjectStore(config: Config, log: Logger): Promise<ObjectStore> {
  if (config.s3) return createS3Store({ ...config.s3, timeoutMs: config.s3TimeoutMs });
  const dir = path.join(config.dataDir, 'objects');
  log.info({ dir }, 'using local folder object store');
  return createFolderStore(dir);
}

export interface Overrides {
  db?: Database;
  store?: ObjectStore;
  announce?: (text: string) => void;
  sms?: SmsGateway;
  /** Tests move time forward to expire codes and links. */
  clock?: () => Date;
  /** Tests give a code a lifetime beyond the lock-out, to show the lock-out itself burns the code. */
  signingPolicy?: SigningPolicy;
}

/** Wires every part of the service from configuration; tests pass their own database and store. */
export async function buildService(config: Config, log: Logger, overrides: Overrides = {}) {
  // The embedded database, the object folder and the development master key live here: owner only.
  await mkdir(config.dataDir, { recursive: true, mode: 0o700 });
  const db = overrides.db ?? (await openDatabase(config, log));
  const store = withObjectCache(overrides.store ?? (await openObjectStore(config, log)), config.objectCacheBytes);
  const applied = await migrate(db);
  if (applied.length > 0) log.info({ applied }, 'database migrations applied');

  const [templates, renderer] = await Promise.all([loadTemplates(config.templatesDir), createDocumentRenderer()]);
  const apiKeys = createApiKeyDirectory(db, await provisionApiKeys(db, config.apiKeys, log, overrides.announce));
  // The default organisation is what UTILITY_* and CONTRACT_NUMBER_PREFIX say, on every start.
  await organisationRepository.writeDefault(db, {
    name: config.utility.name,
    credit_code: config.utility.creditCode,
    address: config.utility.address,
    phone: config.utility.phone,
    contract_number_prefix: config.contractNumberPrefix,
    seal_number: null,
    handwritten_signature: config.utility.handwrittenSignature,
  });

  const masterKey = await loadOrCreateMasterKey(config.dataDir, config.masterKey);
  if (masterKey.source === 'file') {
    log.warn({ path: masterKey.path }, 'MASTER_KEY not set: using a development master key from DATA_DIR; set MASTER_KEY in production');
  }
  const keyStore = await openKeyStore(config.keyStore, db, masterKey.key);
  const pki = await loadOrCreatePki({
    dataDir: config.dataDir,
    masterKey: masterKey.key,
    keyStore,
    publicUrl: config.publicUrl,
    utility: config.utility,
    db,
    importDir: config.pkiImportDir,
    importPassword: config.pkiImportPassword,
    identityRecheckMs: config.pkiRecheckMs,
    warn: (message) => log.warn(message),
  });
  warmUpGlyphs();
  const secrets = createSigningSecrets(masterKey.key);
  const personalData = createPersonalData(masterKey.key);
  const sealed = await sealStoredPersonalData(db, personalData);
  if (sealed > 0) log.info({ rows: sealed }, 'personal data stored before encryption at rest was sealed');
  const audit = createAuditTrail(masterKey.key);
  const links = createSigningLinks(secrets, config.publicUrl, config.signingLinkTtlMs);

  const trustAnchors = await loadTrustAnchors(config.verify.trustAnchorFiles);
  const organisations = createOrganisationService({
    db,
    certificates: {
      issue: async (org) => void (await pki.organisationIdentityFor(org)),
      current: (org) => pki.currentCertificate(org),
      rotate: (org) => pki.rotate(org),
      import: (org, pkcs12, password) => pki.importOrganisation(org, pkcs12, password, trustAnchors),
    },
    mintKey: (role) => {
      const key = generateApiKey(role as Role);
      return { key, ...apiKeyRecord(role as Role, key) };
    },
    forgetKey: (id) => apiKeys.forget(id),
    audit,
  });

  const sms = overrides.sms ?? (config.smsWebhookUrl ? webhookSmsGateway(config.smsWebhookUrl) : loggingSmsGateway(log));
  const smsOutbox = createSmsOutbox({
    db, sms, templates, organisations, personalData, log: log.child({ component: 'sms' }), clock: overrides.clock,
    links: { signUrl: (s) => links.urlFor(s), trackUrl: (s) => links.urlFor(s, 'track') },
  });
  smsOutbox.start();
  const calendar = createWorkingCalendar(loadCalendarOverrides(config.calendarOverrides), (msg) => log.warn(msg));
  // The two services refer to each other only through this late-bound hook.
  let afterCreate: (id: string) => Promise<void> = async () => undefined;
  const contracts = createContractService({
    db,
    store,
    templates,
    renderer,
    organisations,
    personalData,
    place: config.contractPlace,
    links,
    audit,
    calendar,
    deadlines: config.deadlines,
    publicUrl: config.publicUrl,
    afterCreate: (id) => afterCreate(id),
    notifications: smsOutbox,
    clock: overrides.clock,
  });
  const signing = createSigningService({
    db,
    audit,
    store,
    pki,
    sms,
    secrets,
    contracts,
    personalData,
    templates,
    log,
    location: config.contractPlace,
    organisations,
    notifications: smsOutbox,
    contractText: createContractText({ templates, renderer, organisations, personalData, place: config.contractPlace, publicUrl: config.publicUrl }),
    exposeCodes: config.env === 'development' && !config.smsWebhookUrl,
    policy: overrides.signingPolicy,
    clock: overrides.clock,
  });
  afterCreate = signing.autoSignIfDue;
  const verifier = createVerifyPool(config.verify.pool);
  const verification = createVerificationService({
    db,
    audit,
    pki,
    contracts,
    extraTrustAnchors: trustAnchors,
    requireRevocation: config.verify.requireRevocation,
    allowOnline: config.verify.allowOnline,
    verifier: verifier.verify,
    clock: overrides.clock,
  });
  const evidence = createEvidenceService({ db, audit, contracts, templates, renderer, pki, organisations, personalData, clock: overrides.clock });
  const targets = createTargetPolicy(parseNetworks(config.webhookAllowedNetworks));
  const webhooks = createWebhookService({ db, masterKey: masterKey.key, targets });
  const webhookDispatcher = createWebhookDispatcher({ db, masterKey: masterKey.key, targets, log: log.child({ component: 'webhooks' }) });
  if (config.webhookDispatch) webhookDispatcher.start();
  const drain = createDrain();
  const staffAccounts = createStaffAccounts({ db, audit, masterKey: masterKey.key, publicUrl: config.publicUrl, clock: overrides.clock });
  const staffSessions = createStaffSessions({ db, audit, accounts: staffAccounts, masterKey: masterKey.key, clock: overrides.clock });
  const countersign = createCountersign({ contracts, signing });
  const batchWorker = createBatchWorker({
    db, contracts, countersign, personalData, log: log.child({ component: 'batches' }), concurrency: config.batchWorkers, leaseMs: config.batchLeaseMs, requests: drain,
  });
  batchWorker.start();
  const batches = createBatchService({ db, templates, contracts, personalData, links, queued: () => batchWorker.nudge() });
  const app = createApp({
    drain,
    rateLimits: config.rateLimits,
    tsaPublic: config.tsaPublic,
    log,
    db,
    store,
    templates,
    contracts,
    signing,
    evidence,
    verification,
    verifyMaxBytes: config.verify.maxBytes,
    calendar,
    pki,
    webhooks,
    organisations,
    countersign,
    batches,
    staffAccounts,
    staffSessions,
    consoleSso: config.oidc ? singleSignOn({ config: config.oidc, sessions: staffSessions, masterKey: masterKey.key, publicUrl: config.publicUrl }) : undefined,
    interruptions: createInterruptionRegister({ db, audit, clock: overrides.clock }),
    reliability: createReliabilityKpi({ db, audit, clock: overrides.clock }),
    compensation: createCompensation({ db, contracts, personalData, clock: overrides.clock }),
    followUp: createFollowUp({ db, audit, contracts, calendar, links, notifications: smsOutbox, clock: overrides.clock }),
    apiKeys,
    jsonBodyLimit: config.jsonBodyLimit,
    publicUrl: config.publicUrl,
  });
  const timers: NodeJS.Timeout[] = [];
  if (config.expirySweepMs > 0) {
    timers.push(
      setInterval(() => {
        contracts.expireOverdue().then(
          (n) => n > 0 && log.info({ expired: n }, 'contracts past their deadline expired'),
          (err) => log.warn({ err }, 'expiry sweep failed; it runs again later'),
        );
        signing.retryAutoSigns().catch((err) => log.warn({ err }, 'automatic signature retry failed; it runs again later'));
        smsOutbox.queueReminders().catch((err) => log.warn({ err }, 'reminder sweep failed; it runs again later'));
      }, config.expirySweepMs).unref(),
    );
  }

  /** Renews completed contracts' document timestamps before their TSA certificates expire. */
  const archive = createArchiveRenewal({ db, store, audit, ltv: createLongTermValidation(pki), log, clock: overrides.clock });
  const renewArchives = (withinMs = config.archiveRenewalMs) => archive.renewDue(withinMs);
  if (config.archiveSweepMs > 0) {
    const sweep = () =>
      renewArchives().then(
        (n) => n > 0 && log.info({ renewed: n }, 'document timestamps renewed'),
        (err) => log.warn({ err }, 'document timestamp renewal failed; it runs again later'),
      );
    // Once soon after start-up (an instance restarted daily would otherwise never get to it), then periodically.
    timers.push(setTimeout(sweep, 60_000).unref(), setInterval(sweep, config.archiveSweepMs).unref());
  }

  /** Removes stored objects no document version references (crash between object write and commit). */
  const orphans = (minAgeMs = config.orphanMinAgeMs) => sweepOrphans({ db, store, minAgeMs });
  if (config.orphanSweepMs > 0) {
    timers.push(
      setInterval(() => {
        orphans().then(
          (r) => r.removed.length > 0 && log.info({ removed: r.removed.length, scanned: r.scanned }, 'orphaned objects removed'),
          (err) => log.warn({ err }, 'orphan sweep failed; it runs again later'),
        );
      }, config.orphanSweepMs).unref(),
    );
  }

  return {
    app,
    drain,
    sweepOrphans: orphans,
    renewArchives,
    db,
    store,
    pki,
    keyStore,
    contracts,
    organisations,
    personalData,
    signing,
    webhooks,
    webhookDispatcher,
    smsOutbox,
    batchWorker,
    batches,
    verifier,
    async close() {
      for (const t of timers) clearInterval(t);
      await batchWorker.stop();
      await webhookDispatcher.stop();
      await smsOutbox.stop();
      await verifier.close();
      await keyStore.close();
      if (!overrides.db) await db.close();
    },
  };
}
