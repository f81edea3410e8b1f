import { Router, type Request, type Response } from 'express';
import type { ContractService } from '../contracts/contractService.js';
import type { SigningService } from '../ceremony/signingService.js';
import type { TemplateRegistry } from '../documents/index.js';
import type { VerificationService } from '../verify/verificationService.js';
import { DomainError } from '../domain/errors.js';
import { contextOf } from '../http/requestContext.js';
import { ALL_ORGANISATIONS } from '../domain/requestContext.js';
import { verifyRoutes } from '../http/routes/verify.js';
import { assetRoutes } from './assets.js';
import { noStore, pageHeaders } from './headers.js';
import { errorPage } from './pages/errorPage.js';
import { signPage } from './pages/signPage.js';
import { trackPage } from './pages/trackPage.js';
import { verifyPage, type RegisteredDocument } from './pages/verifyPage.js';

export interface WebDeps {
  signing: SigningService;
  contracts: ContractService;
  templates: TemplateRegistry;
  verification: VerificationService;
  verifyMaxBytes: number;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** A bad or expired link is a page in words with the right status, not the app and not JSON. */
function sendError(res: Response, err: unknown): void {
  if (err instanceof DomainError && (err.kind === 'not_found' || err.kind === 'gone')) {
    res.status(err.kind === 'gone' ? 410 : 404).type('html').send(errorPage(err.code));
    return;
  }
  if (err instanceof DomainError && err.kind === 'unavailable') {
    res.status(503).setHeader('Retry-After', '5');
    res.type('html').send(errorPage('unavailable'));
    return;
  }
  throw err;
}

const sendPage = (res: Response, markup: string) => res.type('html').send(markup);

/** The pages people use: sign with the link, follow the progress, verify a file. */
export function webRoutes(deps: WebDeps): Router {
  const r = Router();
  r.use('/assets', assetRoutes());

  r.get('/sign/:token', pageHeaders, noStore, async (req: Request, res: Response) => {
    const token = String(req.params.token);
    try {
      const view = await deps.signing.view(contextOf(req), token);
      const progress = view.signer.status === 'signed' ? await deps.signing.progress(token) : undefined;
      sendPage(res, signPage(token, view, progress?.next ?? null));
    } catch (err) {
      sendError(res, err);
    }
  });

  r.get('/track/:token', pageHeaders, noStore, async (req: Request, res: Response) => {
    const token = String(req.params.token);
    try {
      sendPage(res, trackPage(token, await deps.signing.progress(token)));
    } catch (err) {
      sendError(res, err);
    }
  });

  r.get('/verify', pageHeaders, async (req: Request, res: Response) => {
    const doc = typeof req.query.doc === 'string' ? req.query.doc : undefined;
    let registered: RegisteredDocument | undefined;
    if (doc && UUID.test(doc)) {
      try {
        // The public page: any organisation's contract, by the id printed in its footer.
        const contract = await deps.contracts.get(ALL_ORGANISATIONS, doc.toLowerCase());
        registered = { contract, title: deps.templates.get(contract.templateId, contract.templateVersion, contract.organisationId)?.title ?? contract.templateId };
      } catch (err) {
        if (!(err instanceof DomainError && err.kind === 'not_found')) throw err;
      }
    }
    res.setHeader('Cache-Control', 'no-cache');
    if (doc && !registered) res.status(404);
    sendPage(res, verifyPage({ registered, unknownDoc: Boolean(doc && !registered), maxMb: Math.round(deps.verifyMaxBytes / 1_048_576) }));
  });

  // The public page has no API key: the same verification, without the /api/v1 guard, PDF body only.
  r.use('/verify/report', noStore, verifyRoutes(deps.verification, deps.verifyMaxBytes, 'public'));
  return r;
}
