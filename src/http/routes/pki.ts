import express, { Router, type RequestHandler } from 'express';
import type { Pki } from '../../pki/index.js';
import { DomainError } from '../../domain/errors.js';

export interface PkiAccess {
  /** Run before an OCSP request is read: a budget per client address. */
  ocsp: RequestHandler[];
  /** Run before a time-stamp request is read: an API key (default), or a budget per client address (TSA_PUBLIC). */
  tsa: RequestHandler[];
}

/**
 * PKI endpoints for relying parties (pdfsig, openssl, Acrobat): certificates, CRLs and OCSP without
 * credentials. The TSA signs in the utility's name whatever digest it is sent, so it is not an
 * anonymous oracle unless the operator says so. The service's own signatures never come through
 * here: they call the PKI in-process.
 */
export function pkiRoutes(pki: Pki, access: PkiAccess): Router {
  const r = Router();
  const der = (type: string) => express.raw({ type, limit: '64kb' });
  r.get('/root.pem', (_req, res) => {
    res.type('application/x-pem-file').send(pki.rootPem());
  });
  r.get('/issuing.pem', (_req, res) => {
    res.type('application/x-pem-file').send(pki.issuingPem());
  });
  // What the certificates' AIA caIssuers URLs name: one DER certificate as application/pkix-cert (RFC 5280 §4.2.2.1).
  r.get('/root.cer', (_req, res) => {
    res.type('application/pkix-cert').setHeader('Cache-Control', 'max-age=86400');
    res.send(pki.rootDer());
  });
  r.get('/issuing.cer', (_req, res) => {
    res.type('application/pkix-cert').setHeader('Cache-Control', 'max-age=86400');
    res.send(pki.issuingDer());
  });
  r.get('/crl/issuing.crl', async (_req, res) => {
    res.type('application/pkix-crl').setHeader('Cache-Control', 'max-age=300');
    res.send(await pki.crlDer());
  });
  r.get('/crl/root.crl', async (_req, res) => {
    const crl = await pki.rootCrlDer();
    if (!crl) throw new DomainError('not_found', 'crl_not_published', 'The operator has not published a root CRL (root.crl in PKI_IMPORT_DIR)');
    res.type('application/pkix-crl').setHeader('Cache-Control', 'max-age=300');
    res.send(crl);
  });
  r.post('/ocsp', ...access.ocsp, der('application/ocsp-request'), async (req, res) => {
    if (!Buffer.isBuffer(req.body) || req.body.length === 0) {
      throw new DomainError('unsupported_media', 'unsupported_media_type', 'Send a DER OCSP request as application/ocsp-request');
    }
    res.type('application/ocsp-response').send(await pki.respondOcsp(req.body));
  });
  r.post('/tsa', ...access.tsa, der('application/timestamp-query'), async (req, res) => {
    if (!Buffer.isBuffer(req.body) || req.body.length === 0) {
      throw new DomainError('unsupported_media', 'unsupported_media_type', 'Send a DER time-stamp request as application/timestamp-query');
    }
    res.type('application/timestamp-reply').send(await pki.respondTsa(req.body));
  });
  return r;
}
