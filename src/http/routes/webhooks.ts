import { Router } from 'express';
import type { WebhookService } from '../../webhooks/webhookService.js';
import { requireRole } from '../auth.js';
import { contextOf } from '../requestContext.js';

/** Registering receivers sends an organisation's contract data elsewhere: only its workflow may. */
export function webhookRoutes(webhooks: WebhookService): Router {
  const r = Router();
  r.use(requireRole('workflow'));

  r.post('/', async (req, res) => {
    const { webhook, replayed } = await webhooks.create(req.body, contextOf(req), req.get('Idempotency-Key'));
    res.setHeader('Location', `/api/v1/webhooks/${webhook.id}`);
    res.setHeader('Cache-Control', 'no-store');
    if (replayed) res.setHeader('Idempotent-Replayed', 'true');
    res.status(replayed ? 200 : 201).json(webhook);
  });

  r.get('/', async (req, res) => {
    res.json({ items: await webhooks.list(contextOf(req)) });
  });

  r.get('/:id', async (req, res) => {
    res.json(await webhooks.get(contextOf(req), String(req.params.id)));
  });

  r.delete('/:id', async (req, res) => {
    await webhooks.remove(contextOf(req), String(req.params.id));
    res.status(204).end();
  });

  r.get('/:id/deliveries', async (req, res) => {
    res.json(await webhooks.deliveries(contextOf(req), String(req.params.id), req.query));
  });

  return r;
}
