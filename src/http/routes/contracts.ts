import { Router } from 'express';
import type { ContractService } from '../../workflow/contractService.js';
import { DomainError } from '../../workflow/errors.js';
import { requireRole } from '../auth.js';
import type { Metrics } from '../metrics.js';

export function contractRoutes(contracts: ContractService, metrics: Metrics): Router {
  const r = Router();

  r.post('/', requireRole('workflow', 'utility'), async (req, res) => {
    const { contract, replayed } = await contracts.create(req.principal!, req.body, req.get('Idempotency-Key'));
    if (!replayed) metrics.contractsCreated.inc({ template: contract.templateId });
    res.setHeader('Location', `/api/v1/contracts/${contract.id}`);
    if (replayed) res.setHeader('Idempotent-Replayed', 'true');
    res.status(replayed ? 200 : 201).json(contract);
  });

  r.get('/', async (req, res) => {
    res.json(await contracts.list(req.query));
  });

  r.get('/:id', async (req, res) => {
    res.json(await contracts.get(req.params.id));
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
