import type { Countersign } from '../../ceremony/countersign.js';
import { Router, type Request, type Response } from 'express';
import type { ContractService } from '../../contracts/contractService.js';
import type { ContractView } from '../../contracts/contractView.js';
import type { SigningService } from '../../ceremony/signingService.js';
import { DomainError } from '../../domain/errors.js';
import { requireRole } from '../auth.js';
import type { Metrics } from '../metrics.js';
import { contextOf, scopeOf } from '../requestContext.js';
import type { RequestContext } from '../../domain/requestContext.js';
import { idempotentAction } from '../../domain/idempotency.js';
import type { Database } from '../../storage/db/database.js';
import type { EvidenceService } from '../../contracts/evidence.js';
import type { VerificationService } from '../../verify/verificationService.js';
import type { FollowUp } from '../../contracts/followUp.js';
import type { Compensation } from '../../reliability/compensation.js';

/** Signing links are credentials for the signer: only the parties that send them see them. */
function forRole(role: string | undefined, c: ContractView): ContractView {
  if (role === 'workflow' || role === 'utility') return c;
  return { ...c, signers: c.signers.map(({ signingUrl: _u, signingUrlExpiresAt: _e, ...s }) => s) };
}

export function contractRoutes(deps: {
  db: Database;
  contracts: ContractService;
  signing: SigningService;
  evidence: EvidenceService;
  verification: VerificationService;
  countersign: Countersign;
  followUp: FollowUp;
  compensation: Compensation;
  metrics: Metrics;
}): Router {
  const { db, contracts, signing, evidence, verification, metrics } = deps;
  const r = Router();

  r.post('/', requireRole('workflow', 'utility'), async (req, res) => {
    const { contract, replayed } = await contracts.create(contextOf(req), req.body, req.get('Idempotency-Key'));
    if (!replayed) metrics.contractsCreated.inc({ template: contract.templateId });
    res.setHeader('Location', `/api/v1/contracts/${contract.id}`);
    if (replayed) res.setHeader('Idempotent-Replayed', 'true');
    res.status(replayed ? 200 : 201).json(contract);
  });

  // A set of contracts sealed in one call; each contract's own answer is in the results.
  r.post('/countersign', requireRole('utility'), async (req, res) => {
    res.json(await deps.countersign.many(contextOf(req), req.body));
  });

  // Contract content is an organisation's: the platform admin (no organisation) reads none of it.
  const CONTENT = requireRole('workflow', 'utility', 'auditor');

  r.get('/', CONTENT, async (req, res) => {
    const page = await contracts.list(scopeOf(req), req.query);
    res.json({ ...page, items: page.items.map((c) => forRole(req.principal?.role, c)) });
  });

  r.get('/:id', CONTENT, async (req, res) => {
    res.json(forRole(req.principal?.role, await contracts.get(scopeOf(req), String(req.params.id))));
  });

  /** State changes on one contract: an Idempotency-Key replays the contract as it now stands. */
  const action = (operation: string, run: (ctx: RequestContext, req: Request) => Promise<ContractView>) => async (req: Request, res: Response) => {
    const id = String(req.params.id);
    const view = await idempotentAction(
      db,
      { principal: req.principal!.id, key: req.get('Idempotency-Key'), operation: `${operation}:${id}:${req.params.signerId ?? ''}`, body: req.body },
      async (commit) => ({ resourceId: id, result: await run({ ...contextOf(req), commit }, req) }),
      (resourceId) => contracts.get(scopeOf(req), resourceId),
    );
    res.json(forRole(req.principal?.role, view));
  };

  r.post('/:id/signers/:signerId/sign', requireRole('utility'), action('contracts.sign', (ctx, req) =>
    signing.signByUtility(ctx, String(req.params.id), String(req.params.signerId))));

  r.post('/:id/void', requireRole('workflow', 'utility'), action('contracts.void', (ctx, req) =>
    contracts.void(ctx, String(req.params.id), req.body)));

  r.post('/:id/resend-link', requireRole('workflow', 'utility'), action('contracts.resend_link', (ctx, req) =>
    deps.followUp.resendLink(ctx, String(req.params.id))));

  r.post('/:id/deadline', requireRole('workflow', 'utility'), action('contracts.extend_deadline', (ctx, req) =>
    deps.followUp.extendDeadline(ctx, String(req.params.id), req.body)));

  // What a signed reliability agreement owes its customer for a year, with the arithmetic; the bill it is based on.
  r.get('/:id/reliability', requireRole('utility', 'auditor'), async (req, res) => {
    res.json(await deps.compensation.assess(contextOf(req), String(req.params.id), req.query));
  });
  r.put('/:id/reliability/bill', requireRole('utility'), async (req, res) => {
    res.json(await deps.compensation.setBill(contextOf(req), String(req.params.id), req.body));
  });

  r.get('/:id/events', requireRole('workflow', 'utility', 'auditor'), async (req, res) => {
    res.json(await contracts.events(scopeOf(req), String(req.params.id)));
  });

  r.get('/:id/verify', CONTENT, async (req, res) => {
    res.json(await verification.verifyStored(contextOf(req), String(req.params.id)));
  });

  r.get('/:id/evidence', requireRole('workflow', 'utility', 'auditor'), async (req, res) => {
    const pdf = await evidence.report(scopeOf(req), String(req.params.id));
    res.setHeader('Content-Type', 'application/pdf');
    res.setHeader('Content-Disposition', `inline; filename="evidence-${String(req.params.id)}.pdf"`);
    res.setHeader('Cache-Control', 'no-store');
    res.send(Buffer.from(pdf));
  });

  r.get('/:id/document', CONTENT, async (req, res) => {
    const raw = req.query.version;
    const version = raw === undefined ? undefined : Number(raw);
    if (version !== undefined && !(Number.isInteger(version) && version > 0)) {
      throw new DomainError('invalid', 'invalid_query', 'version must be a positive integer');
    }
    const doc = await contracts.document(scopeOf(req), String(req.params.id), version);
    const etag = `"${doc.sha256}"`;
    res.setHeader('ETag', etag);
    res.setHeader('Cache-Control', 'private, max-age=0, must-revalidate');
    if (req.get('If-None-Match') === etag) {
      res.status(304).end();
      return;
    }
    await contracts.recordDownload(contextOf(req), String(req.params.id), doc);
    res.setHeader('Content-Type', 'application/pdf');
    res.setHeader('Content-Disposition', `inline; filename="${doc.contractNumber}-v${doc.version}.pdf"`);
    res.setHeader('X-Document-Version', String(doc.version));
    res.send(doc.bytes);
  });

  return r;
}
