import { Router } from 'express';
import type { ContractService } from '../../workflow/contractService.js';
import type { ContractView } from '../../workflow/contractView.js';
import type { SigningService } from '../../workflow/signingService.js';
import { DomainError } from '../../workflow/errors.js';
import { requireRole } from '../auth.js';
import type { Metrics } from '../metrics.js';

/** Signing links are credentials for the signer: only the parties that send them see them. */
function forRole(role: string | undefined, c: ContractView): ContractView {
  if (role === 'workflow' || role === 'utility' || role === 'admin') return c;
  return { ...c, signers: c.signers.map(({ signingUrl: _u, signingUrlExpiresAt: _e, ...s }) => s) };
}

export function contractRoutes(contracts: ContractService, signing: SigningService, metrics: Metrics): Router {
  const r = Router();

  r.post('/', requireRole('workflow', 'utility'), async (req, res) => {
    const { contract, replayed } = await contracts.create(req.principal!, req.body, req.get('Idempotency-Key'));
    if (!replayed) metrics.contractsCreated.inc({ template: contract.templateId });
    res.setHeader('Location', `/api/v1/contracts/${contract.id}`);
    if (replayed) res.setHeader('Idempotent-Replayed', 'true');
    res.status(replayed ? 200 : 201).json(contract);
  });

  r.get('/', async (req, res) => {
    const page = await contracts.list(req.query);
    res.json({ ...page, items: page.items.map((c) => forRole(req.principal?.role, c)) });
  });

  r.get('/:id', async (req, res) => {
    res.json(forRole(req.principal?.role, await contracts.get(req.params.id)));
  });

  r.post('/:id/signers/:signerId/sign', requireRole('utility'), async (req, res) => {
    res.json(await signing.signByUtility(String(req.params.id), String(req.params.signerId)));
  });

  r.get('/:id/document', async (req, res) => {
    const raw = req.query.version;
    const version = raw === undefined ? undefined : Number(raw);
    if (version !== undefined && !(Number.isInteger(version) && version > 0)) {
      throw new DomainError('invalid', 'invalid_query', 'version must be a positive integer');
    }
    const doc = await contracts.document(req.params.id, version);
    const etag = `"${doc.sha256}"`;
    res.setHeader('ETag', etag);
    res.setHeader('Cache-Control', 'private, max-age=0, must-revalidate');
    if (req.get('If-None-Match') === etag) {
      res.status(304).end();
      return;
    }
    res.setHeader('Content-Type', 'application/pdf');
    res.setHeader('Content-Disposition', `inline; filename="${doc.contractNumber}-v${doc.version}.pdf"`);
    res.setHeader('X-Document-Version', String(doc.version));
    res.send(doc.bytes);
  });

  return r;
}
