import { Router } from 'express';
import type { OrganisationService } from '../../organisations/organisationService.js';
import { requireRole } from '../auth.js';
import { contextOf } from '../requestContext.js';
import { rotated } from './certificates.js';

/** The platform admin manages the utilities on the service and their keys; it reads none of their contracts. */
export function organisationRoutes(organisations: OrganisationService): Router {
  const r = Router();
  r.use(requireRole('admin'));

  r.post('/', async (req, res) => {
    const org = await organisations.create(req.body);
    res.setHeader('Location', `/api/v1/organisations/${org.id}`);
    res.status(201).json(org);
  });

  r.get('/', async (_req, res) => {
    res.json({ items: await organisations.list() });
  });

  r.get('/:id', async (req, res) => {
    res.json(await organisations.get(String(req.params.id)));
  });

  r.patch('/:id', async (req, res) => {
    res.json(await organisations.update(String(req.params.id), req.body));
  });

  r.get('/:id/certificate', async (req, res) => {
    res.json(await organisations.certificate(String(req.params.id)));
  });

  /** A new key and certificate for the organisation's seal, without downtime; its earlier seals keep verifying. */
  r.post('/:id/certificate/rotate', async (req, res) => {
    res.json(await rotated(() => organisations.rotateCertificate(String(req.params.id))));
  });

  /** Its own certificate and key from another CA (PKCS#12): seals from now on, on every instance within seconds. */
  r.post('/:id/certificate/import', async (req, res) => {
    res.json(await organisations.importCertificate(String(req.params.id), req.body));
  });

  r.get('/:id/api-keys', async (req, res) => {
    res.json({ items: await organisations.apiKeys(String(req.params.id)) });
  });

  r.post('/:id/api-keys', async (req, res) => {
    const key = await organisations.createApiKey(contextOf(req), String(req.params.id), req.body);
    // The key is shown this once: nothing may keep the answer.
    res.setHeader('Cache-Control', 'no-store');
    res.status(201).json(key);
  });

  r.delete('/:id/api-keys/:keyId', async (req, res) => {
    res.json(await organisations.revokeApiKey(contextOf(req), String(req.params.id), String(req.params.keyId)));
  });

  return r;
}
