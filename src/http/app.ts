import { randomUUID } from 'node:crypto';
import express, { type NextFunction, type Request, type Response } from 'express';
import { pinoHttp } from 'pino-http';
import type { Logger } from 'pino';
import type { Database } from '../storage/db/database.js';
import type { ObjectStore } from '../storage/objects/objectStore.js';
import type { TemplateRegistry } from '../documents/index.js';
import type { ContractService } from '../contracts/contractService.js';
import type { SigningService } from '../ceremony/signingService.js';
import type { Pki } from '../pki/index.js';
import { DomainError } from '../domain/errors.js';
import { authenticate, type ApiKeyDirectory } from './auth.js';
import { errorHandler, notFoundRoute } from './errors.js';
import { jsonBody } from './jsonBody.js';
import { createMetrics } from './metrics.js';
import { openApiDocument } from './openapi.js';
import { certificateRoutes } from './routes/certificates.js';
import { contractRoutes } from './routes/contracts.js';
import { pkiRoutes } from './routes/pki.js';
import { signingRoutes } from './routes/signing.js';
import { statsRoutes } from './routes/stats.js';
import { verifyRoutes } from './routes/verify.js';
import type { VerificationService } from '../verify/verificationService.js';
import type { EvidenceService } from '../contracts/evidence.js';
import type { WorkingCalendar } from '../contracts/calendar/workingCalendar.js';
import { healthRoutes } from './routes/health.js';
import { templateRoutes } from './routes/templates.js';
import { webhookRoutes } from './routes/webhooks.js';
import { organisationRoutes } from './routes/organisations.js';
import type { OrganisationService } from '../organisations/organisationService.js';
import type { Countersign } from '../ceremony/countersign.js';
import type { BatchService } from '../batches/batchService.js';
import { batchRoutes } from './routes/batches.js';
import { interruptionRoutes, reliabilityRoutes } from './routes/reliability.js';
import type { InterruptionRegister } from '../reliability/interruptions.js';
import type { ReliabilityKpi } from '../reliability/reliabilityKpi.js';
import type { Compensation } from '../reliability/compensation.js';
import { staffUserRoutes } from './routes/staffUsers.js';
import type { StaffAccounts } from '../staff/staffAccounts.js';
import type { StaffSessions } from '../staff/staffSessions.js';
import type { FollowUp } from '../contracts/followUp.js';
import type { WebhookService } from '../webhooks/webhookService.js';
import { htmlNotFound, webRoutes } from '../web/routes.js';
import { consoleRoutes } from '../web/console/consoleRoutes.js';
import type { Drain } from './drain.js';
import type { RateLimits } from '../config.js';
import { apiKeyRateLimit, clientRateLimit, signingRateLimit } from './rateLimit.js';

export interface AppDeps {
  log: Logger;
  db: Database;
  store: ObjectStore;
  templates: TemplateRegistry;
  contracts: ContractService;
  signing: SigningService;
  evidence: EvidenceService;
  verification: VerificationService;
  verifyMaxBytes: number;
  calendar: WorkingCalendar;
  pki: Pki;
  webhooks: WebhookService;
  organisations: OrganisationService;
  countersign: Countersign;
  batches: BatchService;
  staffAccounts: StaffAccounts;
  staffSessions: StaffSessions;
  /** The console's single sign-on routes, when an identity provider is configured. */
  consoleSso?: express.Router;
  followUp: FollowUp;
  interruptions: InterruptionRegister;
  reliability: ReliabilityKpi;
  compensation: Compensation;
  apiKeys: ApiKeyDirectory;
  jsonBodyLimit: string;
  publicUrl: string;
  /** Graceful shutdown: refuses new requests once draining, and /readyz says not ready. */
  drain?: Drain;
  /** Requests per minute; 0 or absent = unlimited. */
  rateLimits?: RateLimits;
  /** TSA_PUBLIC: POST /pki/tsa without an API key (then budgeted per client address). */
  tsaPublic?: boolean;
}

const BATCH_BODY_LIMIT = '16mb';

/** Signing and set-up tokens travel in URLs, and the identity provider's code in a query: credentials that must not reach the logs. */
function loggableUrl(url: string): string {
  return url.replace(/(\/(?:signing|sign|track|console\/setup)\/)[^/?]+/, '$1[token]').replace(/^(\/console\/sso\/callback)\?.*$/, '$1?[redacted]');
}

/** JSON bodies only: anything else on a write is a 415 that names the expected type. */
function requireJson(req: Request, _res: Response, next: NextFunction) {
  const hasBody = Number(req.headers['content-length'] ?? 0) > 0 || req.headers['transfer-encoding'] !== undefined;
  if (['POST', 'PUT', 'PATCH'].includes(req.method) && hasBody && !req.is('application/json')) {
    throw new DomainError('unsupported_media', 'unsupported_media_type', 'Send the body as application/json');
  }
  next();
}

export function createApp(deps: AppDeps) {
  const app = express();
  const metrics = createMetrics();
  app.disable('x-powered-by');
  app.set('trust proxy', 'loopback');

  app.use(
    pinoHttp({
      logger: deps.log,
      genReqId: (req, res) => {
        const given = req.headers['x-request-id'];
        const id = typeof given === 'string' && /^[\w-]{1,64}$/.test(given) ? given : randomUUID();
        res.setHeader('X-Request-Id', id);
        return id;
      },
      serializers: {
        req: (req) => ({ id: req.id, method: req.method, url: loggableUrl(req.url), remoteAddress: req.remoteAddress }),
        res: (res) => ({ statusCode: res.statusCode }),
      },
    }),
  );
  app.use(metrics.middleware);
  app.use((_req, res, next) => {
    res.setHeader('X-Content-Type-Options', 'nosniff');
    res.setHeader('Referrer-Policy', 'no-referrer');
    next();
  });

  app.use(healthRoutes(deps.db, deps.store, () => deps.drain?.draining ?? false, () => deps.pki.unavailableIdentities()));
  if (deps.drain) app.use(deps.drain.middleware);
  app.get('/metrics', metrics.handler);
  const limits = deps.rateLimits ?? { apiKeyPerMinute: 0, signingTokenPerMinute: 0, signingIpPerMinute: 0, pkiIpPerMinute: 0, loginIpPerMinute: 0 };
  // One budget per API key, shared by /api/v1 and the TSA.
  const perApiKey = apiKeyRateLimit(limits.apiKeyPerMinute);
  app.use(
    '/pki',
    pkiRoutes(deps.pki, {
      ocsp: [clientRateLimit(limits.pkiIpPerMinute)],
      tsa: deps.tsaPublic ? [clientRateLimit(limits.pkiIpPerMinute)] : [authenticate(deps.apiKeys), perApiKey],
    }),
  );

  // The pages people use (sign, track, verify) and their assets; outside /api/v1, without an API key,
  // so the public verify endpoint (CPU-heavy) and the pages are budgeted per client address.
  app.use(['/verify/report', '/sign', '/track'], clientRateLimit(limits.signingIpPerMinute));
  app.use(webRoutes(deps));
  // The staff console: its own sessions (cookie, CSRF token), not API keys.
  app.use('/console', consoleRoutes({ ...deps, loginPerMinute: limits.loginIpPerMinute, sso: deps.consoleSso }));

  const api = express.Router();
  api.get('/openapi.json', (_req, res) => {
    res.json(openApiDocument(deps.publicUrl));
  });
  // The signing link is the signer's credential; everything after it needs an API key.
  api.use('/signing', signingRateLimit(limits.signingTokenPerMinute, limits.signingIpPerMinute));
  // A drawn signature of up to 10 000 points is about 150 kB of JSON; nothing else sent here is near it.
  api.use('/signing', requireJson, jsonBody('192kb'), signingRoutes(deps.db, deps.signing, deps.apiKeys, deps.publicUrl.startsWith('https:')));
  api.use(authenticate(deps.apiKeys));
  api.use(perApiKey);
  // A PDF body, not JSON: mounted before the JSON-only guard.
  api.use('/verify', verifyRoutes(deps.verification, deps.verifyMaxBytes, 'authenticated'));
  api.use(requireJson);
  // Up to 10 000 items of a few hundred bytes each: the one body allowed to be this large.
  api.use('/batches', jsonBody(BATCH_BODY_LIMIT), batchRoutes(deps.batches));
  api.use(jsonBody(deps.jsonBodyLimit));
  api.use('/templates', templateRoutes(deps.templates));
  api.use('/contracts', contractRoutes({ ...deps, metrics }));
  api.use('/certificates', certificateRoutes(deps.db, deps.pki, deps.contracts));
  api.use('/stats', statsRoutes(deps.db, deps.calendar));
  api.use('/webhooks', webhookRoutes(deps.webhooks));
  api.use('/interruptions', interruptionRoutes(deps.interruptions));
  api.use('/reliability', reliabilityRoutes(deps.reliability));
  api.use('/organisations/:id/users', staffUserRoutes(deps.organisations, deps.staffAccounts));
  api.use('/organisations', organisationRoutes(deps.organisations));
  app.use('/api/v1', api);

  app.use(htmlNotFound(deps));
  app.use(notFoundRoute);
  app.use(errorHandler(deps.log));
  return app;
}
