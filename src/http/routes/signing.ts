import { Router } from 'express';
import type { SigningService } from '../../workflow/signingService.js';

/** Reached through the signing link alone, without an API key: the token is the credential. */
export function signingRoutes(signing: SigningService): Router {
  const r = Router();
  r.get('/:token', async (req, res) => {
    res.json(await signing.view(req.params.token));
  });
  r.get('/:token/document', async (req, res) => {
    const doc = await signing.document(req.params.token);
    res.setHeader('Content-Type', 'application/pdf');
    res.setHeader('ETag', `"${doc.sha256}"`);
    res.setHeader('Cache-Control', 'no-store');
    res.setHeader('Content-Disposition', `inline; filename="${doc.contractNumber}.pdf"`);
    res.send(doc.bytes);
  });
  r.post('/:token/otp', async (req, res) => {
    res.status(202).json(await signing.sendCode(req.params.token));
  });
  r.post('/:token/sign', async (req, res) => {
    res.json(await signing.signWithCode(req.params.token, req.body));
  });
  r.post('/:token/decline', async (req, res) => {
    res.json(await signing.decline(req.params.token, req.body));
  });
  return r;
}
