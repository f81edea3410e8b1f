import express, { Router } from 'express';
import type { Pki } from '../../pki/index.js';
import { DomainError } from '../../workflow/errors.js';

/** Public PKI endpoints that relying parties (pdfsig, openssl, Acrobat) fetch without credentials. */
export function pkiRoutes(pki: Pki): Router {
  const r = Router();
  const der = (type: string) => express.raw({ type, limit: '64kb' });
  r.get('/root.pem', (_req, res) => {
    res.type('application/x-pem-file').send(pki.rootPem());
  });
  r.get('/issuing.pem', (_req, res) => {
    res.type('application/x-pem-file').send(pki.issuingPem());
  });
  r.get('/crl/issuing.crl', async (_req, res) => {
    res.type('application/pkix-crl').setHeader('Cache-Control', 'max-age=300');
    res.send(await pki.crlDer());
  });
  r.post('/ocsp', der('application/ocsp-request'), async (req, res) => {
    if (!Buffer.isBuffer(req.body) || req.body.length === 0) {
      throw new DomainError('unsupported_media', 'unsupported_media_type', 'Send a DER OCSP request as application/ocsp-request');
    }
    res.type('application/ocsp-response').send(await pki.respondOcsp(req.body));
  });
  r.post('/tsa', der('application/timestamp-query'), async (req, res) => {
    if (!Buffer.isBuffer(req.body) || req.body.length === 0) {
      throw new DomainError('unsupported_media', 'unsupported_media_type', 'Send a DER time-stamp request as application/timestamp-query');
    }
    res.type('application/timestamp-reply').send(await pki.respondTsa(req.body));
  });
  return r;
}
