import { Router, type NextFunction, type Request, type Response } from 'express';
import type { ContractService } from '../contracts/contractService.js';
import { withoutTrailingPunctuation, type SigningService } from '../ceremony/signingService.js';
import type { TemplateRegistry } from '../documents/index.js';
import type { VerificationService } from '../verify/verificationService.js';
import { DomainError } from '../domain/errors.js';
import { contextOf } from '../http/requestContext.js';
import { ALL_ORGANISATIONS } from '../domain/requestContext.js';
import { DEFAULT_ORGANISATION } from '../organisations/organisationService.js';
import { verifyRoutes } from '../http/routes/verify.js';
import { assetRoutes } from './assets.js';
import { noStore, pageHeaders } from './headers.js';
import { errorPage } from './pages/errorPage.js';
import { signPage } from './pages/signPage.js';
import { trackPage } from './pages/trackPage.js';
import { reopenPage } from './pages/reopenPage.js';
import { accessGrantOf } from '../http/routes/signing.js';
import { verifyPage, type RegisteredDocument } from './pages/verifyPage.js';

export interface WebDeps {
  signing: SigningService;
  contracts: ContractService;
  templates: TemplateRegistry;
  verification: VerificationService;
  verifyMaxBytes: number;
  organisations: { current(id: string): Promise<{ name: string; phone: string }> };
}

/** The service's own customer-service line, for pages that know no contract. */
const defaultContact = async (deps: Pick<WebDeps, 'organisations'>) => {
  const org = await deps.organisations.current(DEFAULT_ORGANISATION);
  return { name: org.name, phone: org.phone };
};

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** A bad or expired link is a page in words with the right status, not the app and not JSON. */
async function sendError(deps: WebDeps, res: Response, err: unknown, token?: string): Promise<void> {
  if (err instanceof DomainError && (err.kind === 'not_found' || err.kind === 'gone')) {
    // An expired link still names its contract's utility; an unknown one gets the service's own line.
    const own = err.kind === 'gone' && token ? await deps.signing.contactOf(token) : undefined;
    const contact = own ? { ...own, ofContract: true } : await defaultContact(deps);
    res.status(err.kind === 'gone' ? 410 : 404).type('html').send(errorPage(err.code, contact));
    return;
  }
  if (err instanceof DomainError && err.kind === 'unavailable') {
    // The database may be what is unavailable: then the page goes without the phone rather than not at all.
    const contact = await defaultContact(deps).catch(() => undefined);
    res.status(503).setHeader('Retry-After', '5');
    res.type('html').send(errorPage('unavailable', contact));
    return;
  }
  throw err;
}

/** Browsers asking for a page that does not exist get a page; API clients keep the JSON answer. */
export function htmlNotFound(deps: Pick<WebDeps, 'organisations'>) {
  return async (req: Request, res: Response, next: NextFunction) => {
    if ((req.method !== 'GET' && req.method !== 'HEAD') || req.path.startsWith('/api/') || !req.accepts('html') || req.accepts(['json', 'html']) === 'json') return next();
    pageHeaders(req, res, () => undefined);
    res.status(404).type('html').send(errorPage('not_found', await defaultContact(deps)));
  };
}

/** A link with the punctuation an SMS app glued on redirects to the link itself, so the page's own links are clean. */
function canonical(req: Request, res: Response, next: NextFunction) {
  const token = String(req.params.token);
  const clean = withoutTrailingPunctuation(token);
  if (clean === token || clean === '') return next();
  res.redirect(301, `${req.baseUrl}${req.path.split('/').slice(0, -1).join('/')}/${encodeURIComponent(clean)}`);
}

const sendPage = (res: Response, markup: string) => res.type('html').send(markup);

/** The pages people use: sign with the link, follow the progress, verify a file. */
export function webRoutes(deps: WebDeps): Router {
  const r = Router();
  r.use('/assets', assetRoutes());

  r.get('/sign/:token', pageHeaders, noStore, canonical, async (req: Request, res: Response) => {
    const token = String(req.params.token);
    try {
      sendPage(res, signPage(token, await deps.signing.view(contextOf(req), token, { page: true })));
    } catch (err) {
      // A signed party's expired link still leads to their contract, through the track page's code check.
      if (err instanceof DomainError && err.code === 'signing_link_expired' && (await deps.signing.signedParty(token))) {
        res.redirect(303, `/track/${encodeURIComponent(token)}`);
        return;
      }
      await sendError(deps, res, err, token);
    }
  });

  // Without JavaScript a form posts to its page: back to the page (whose noscript note says why), and the
  // code never lands in a URL.
  r.post(['/sign/:token', '/track/:token'], (req: Request, res: Response) => {
    res.redirect(303, req.originalUrl.split('?')[0]);
  });

  r.get('/track/:token', pageHeaders, noStore, canonical, async (req: Request, res: Response) => {
    const token = String(req.params.token);
    try {
      sendPage(res, trackPage(token, await deps.signing.progress(token, accessGrantOf(req, token))));
    } catch (err) {
      if (err instanceof DomainError && err.code === 'access_expired') {
        res.status(401).type('html').send(reopenPage(token, (await deps.signing.contactOf(token)) ?? (await defaultContact(deps))));
        return;
      }
      await sendError(deps, res, err, token);
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
    const contact = registered ? await deps.organisations.current(registered.contract.organisationId) : await defaultContact(deps);
    sendPage(res, verifyPage({ registered, unknownDoc: Boolean(doc && !registered), maxMb: Math.round(deps.verifyMaxBytes / 1_048_576), contact: { name: contact.name, phone: contact.phone } }));
  });

  // The public page has no API key: the same verification, without the /api/v1 guard, PDF body only.
  r.use('/verify/report', noStore, verifyRoutes(deps.verification, deps.verifyMaxBytes, 'public'));
  return r;
}
