import { cookieValue } from '../cookies.js';
import { Router, type Request, type Response } from 'express';
import { withoutTrailingPunctuation, type SigningService } from '../../ceremony/signingService.js';
import type { Database } from '../../storage/db/database.js';
import { idempotentAction } from '../../domain/idempotency.js';
import { contextOf } from '../requestContext.js';
import type { RequestContext } from '../../domain/requestContext.js';
import { createHash } from 'node:crypto';
import { authenticate, type ApiKeyDirectory } from '../auth.js';

const linkPrincipal = (token: string) => `link:${createHash('sha256').update(withoutTrailingPunctuation(token)).digest('hex')}`;

/**
 * The read-access grant of a signed party whose link expired: an HttpOnly cookie, never in a URL, one
 * per link, so reopening a second contract keeps the first open.
 */
export const accessCookieName = (token: string) => `esign_read_${createHash('sha256').update(withoutTrailingPunctuation(token)).digest('hex').slice(0, 16)}`;

export const accessGrantOf = (req: Request, token: string): string | undefined => cookieValue(req, accessCookieName(token));

/** Reached through the signing link alone, without an API key: the token is the credential. */
/** `secureCookies`: the service is reached over HTTPS (its PUBLIC_URL), whatever a proxy in front says. */
export function signingRoutes(db: Database, signing: SigningService, apiKeys: ApiKeyDirectory, secureCookies: boolean): Router {
  const r = Router();
  // The link is the credential; a request that also brings an API key is recorded as that key.
  const keyHolder = authenticate(apiKeys);
  r.use((req, res, next) => (req.headers.authorization ? keyHolder(req, res, next) : next()));
  /**
   * Idempotency scoped to the link: the key space belongs to whoever holds the token. The answer is the
   * link holder's own view of the progress, never the full contract with the other parties' data.
   */
  const action = (operation: string, run: (ctx: RequestContext, req: Request) => Promise<{ id: string }>) => async (req: Request, res: Response) => {
    const token = String(req.params.token);
    await idempotentAction(
      db,
      { principal: linkPrincipal(token), key: req.get('Idempotency-Key'), operation, body: req.body },
      async (commit) => {
        const result = await run({ ...contextOf(req), commit }, req);
        return { resourceId: result.id, result: undefined };
      },
      async () => undefined,
    );
    res.setHeader('Cache-Control', 'no-store');
    res.json(await signing.progress(token, accessGrantOf(req, token)));
  };
  r.get('/:token', async (req, res) => {
    res.json(await signing.view(contextOf(req), req.params.token));
  });
  r.get('/:token/progress', async (req, res) => {
    res.setHeader('Cache-Control', 'no-store');
    res.json(await signing.progress(req.params.token, accessGrantOf(req, req.params.token)));
  });
  r.get('/:token/document', async (req, res) => {
    const doc = await signing.document(contextOf(req), req.params.token, accessGrantOf(req, req.params.token));
    res.setHeader('Content-Type', 'application/pdf');
    res.setHeader('ETag', `"${doc.sha256}"`);
    res.setHeader('Cache-Control', 'no-store');
    res.setHeader('Content-Disposition', `inline; filename="${doc.contractNumber}.pdf"`);
    res.send(doc.bytes);
  });
  r.post('/:token/otp', async (req, res) => {
    const token = String(req.params.token);
    const sent = await idempotentAction(
      db,
      { principal: linkPrincipal(token), key: req.get('Idempotency-Key'), operation: 'signing.otp', body: req.body },
      // The link, not the raw token, is the resource: tokens are credentials and are never stored.
      async () => ({ resourceId: linkPrincipal(token), result: await signing.sendCode(contextOf(req), token) }),
      () => signing.lastCode(token),
    );
    res.status(202).json(sent);
  });
  r.post('/:token/sign', action('signing.sign', (ctx, req) => signing.signWithCode(ctx, String(req.params.token), req.body)));
  r.post('/:token/decline', action('signing.decline', (ctx, req) => signing.decline(ctx, String(req.params.token), req.body)));
  r.post('/:token/correction', action('signing.correction', (ctx, req) => signing.requestCorrection(ctx, String(req.params.token), req.body)));
  r.post('/:token/access/otp', async (req, res) => {
    res.status(202).json(await signing.sendAccessCode(contextOf(req), String(req.params.token)));
  });
  r.post('/:token/access', async (req, res) => {
    const { grant, expiresAt } = await signing.grantAccess(contextOf(req), String(req.params.token), req.body);
    res.cookie(accessCookieName(String(req.params.token)), grant, {
      httpOnly: true, sameSite: 'strict', secure: secureCookies || req.secure, path: '/', expires: new Date(expiresAt),
    });
    res.setHeader('Cache-Control', 'no-store');
    res.json({ expiresAt });
  });
  return r;
}
