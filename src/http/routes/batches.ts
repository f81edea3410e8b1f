import { Router } from 'express';
import type { BatchService } from '../../batches/batchService.js';
import { requireRole } from '../auth.js';
import { sendBatchCsv } from '../csv.js';
import { contextOf, scopeOf } from '../requestContext.js';

/** Signing links are credentials for the signer: only the parties that send them see them. */
const seesLinks = (role: string | undefined) => role === 'workflow' || role === 'utility';

export function batchRoutes(batches: BatchService): Router {
  const r = Router();

  r.post('/', requireRole('workflow', 'utility'), async (req, res) => {
    const { batch, replayed } = await batches.submit(contextOf(req), req.body, req.get('Idempotency-Key'));
    res.setHeader('Location', `/api/v1/batches/${batch.id}`);
    if (replayed) res.setHeader('Idempotent-Replayed', 'true');
    res.status(replayed ? 200 : 202).json(batch);
  });

  r.post('/preview', requireRole('workflow', 'utility'), (req, res) => {
    res.json(batches.preview(contextOf(req), req.body));
  });

  const READ = requireRole('workflow', 'utility', 'auditor');
  r.get('/', READ, async (req, res) => {
    res.json(await batches.list(scopeOf(req), req.query));
  });

  r.get('/:id', READ, async (req, res) => {
    res.json(await batches.get(scopeOf(req), String(req.params.id)));
  });

  r.get('/:id/items', READ, async (req, res) => {
    const { format, ...query } = req.query;
    const csvWanted = format === 'csv';
    // The whole result as a file: every item, one line each.
    const page = await batches.items(scopeOf(req), String(req.params.id), csvWanted ? { ...query, limit: '10000' } : query, seesLinks(req.principal?.role));
    if (!csvWanted) {
      res.json(page);
      return;
    }
    sendBatchCsv(res, String(req.params.id), page.items);
  });

  r.post('/:id/countersign', requireRole('utility'), async (req, res) => {
    const batch = await batches.countersign(contextOf(req), String(req.params.id));
    res.setHeader('Location', `/api/v1/batches/${batch.id}`);
    res.status(202).json(batch);
  });

  return r;
}
