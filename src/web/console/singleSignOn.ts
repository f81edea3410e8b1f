import { Router, type Request } from 'express';
import * as oidc from 'openid-client';
import type { StaffSessions } from '../../staff/staffSessions.js';
import { createSecretBox } from '../../domain/secretBox.js';
import { DomainError } from '../../domain/errors.js';
import { cookieValue } from '../../http/cookies.js';
import { html } from '../html.js';
import { cookieOptions, SESSION_COOKIE } from './consoleAuth.js';

export interface SingleSignOnConfig {
  issuer: string;
  clientId: string;
  clientSecret: string;
}

/** The state of one sign-in at the identity provider, sealed into a cookie that lives ten minutes. */
const STATE_COOKIE = 'esign_console_sso';
const STATE_TTL_MS = 10 * 60_000;

/**
 * Single sign-on with the utility's identity provider (OpenID Connect, authorisation code with PKCE, state
 * and nonce, through openid-client). The provider vouches for a subject; the console signs in the staff
 * user whose oidcSubject it is. A sealer still confirms each seal with their TOTP code.
 */
export function singleSignOn(deps: { config: SingleSignOnConfig; sessions: StaffSessions; masterKey: Buffer; publicUrl: string }): Router {
  const r = Router();
  const secure = deps.publicUrl.startsWith('https:');
  const box = createSecretBox(deps.masterKey, 'water-esign console sso v1');
  const redirectUri = `${deps.publicUrl}/console/sso/callback`;
  const issuer = new URL(deps.config.issuer);
  // Discovered on first use (the provider may start after the service) and kept; a failure is tried again next time.
  let configuration: Promise<oidc.Configuration> | undefined;
  const discovered = () =>
    (configuration ??= oidc
      .discovery(issuer, deps.config.clientId, deps.config.clientSecret, undefined, issuer.protocol === 'http:' ? { execute: [oidc.allowInsecureRequests] } : undefined)
      .catch((err) => {
        configuration = undefined;
        throw new DomainError('unavailable', 'sso_unavailable', `统一身份认证服务暂时无法访问，请稍后重试或使用用户名密码登录（${(err as Error).message}）`);
      }));

  // The provider's answer arrives as a cross-site navigation: a SameSite=Lax cookie is the one that comes back with it.
  const stateCookie = { ...cookieOptions(secure), sameSite: 'lax' as const, path: '/console/sso' };

  r.get('/', async (_req, res) => {
    const config = await discovered();
    const verifier = oidc.randomPKCECodeVerifier();
    const state = oidc.randomState();
    const nonce = oidc.randomNonce();
    res.cookie(STATE_COOKIE, box.seal(JSON.stringify({ verifier, state, nonce, until: Date.now() + STATE_TTL_MS }), 'sso-state'), { ...stateCookie, maxAge: STATE_TTL_MS });
    const url = oidc.buildAuthorizationUrl(config, {
      redirect_uri: redirectUri, scope: 'openid', state, nonce, code_challenge: await oidc.calculatePKCECodeChallenge(verifier), code_challenge_method: 'S256',
    });
    res.redirect(303, url.href);
  });

  const pending = (req: Request): { verifier: string; state: string; nonce: string } => {
    const sealed = cookieValue(req, STATE_COOKIE);
    try {
      const s = JSON.parse(box.open(sealed ?? '', 'sso-state')) as { verifier: string; state: string; nonce: string; until: number };
      if (s.until > Date.now()) return s;
    } catch {
      // Fall through: a missing, forged or stale cookie is the same answer.
    }
    throw new DomainError('forbidden', 'sso_state_missing', '统一身份认证已超时或不是从本页面发起，请重新登录');
  };

  r.get('/callback', async (req, res) => {
    const s = pending(req);
    res.clearCookie(STATE_COOKIE, stateCookie);
    const config = await discovered();
    let subject: string | undefined;
    try {
      const tokens = await oidc.authorizationCodeGrant(config, new URL(req.originalUrl, deps.publicUrl), { pkceCodeVerifier: s.verifier, expectedState: s.state, expectedNonce: s.nonce, idTokenExpected: true });
      subject = tokens.claims()?.sub;
    } catch (err) {
      throw new DomainError('unauthenticated', 'sso_failed', `统一身份认证未通过：${(err as Error).message}`);
    }
    if (!subject) throw new DomainError('unauthenticated', 'sso_failed', '统一身份认证未返回用户标识');
    const { token, session } = await deps.sessions.loginWithSubject(subject, { ip: req.ip, userAgent: req.get('user-agent') });
    res.cookie(SESSION_COOKIE, token, cookieOptions(secure, session.expiresAt));
    // A SameSite=Strict cookie set in a cross-site redirect chain is not sent on the next hop of that chain:
    // this page moves on by itself, as a navigation of our own origin, which sends it.
    res.type('html').send(`<!doctype html>\n${html`<html lang="zh-CN"><head><meta charset="utf-8"><meta http-equiv="refresh" content="0;url=/console"><title>登录成功</title></head><body><p>登录成功，<a href="/console">进入控制台</a>。</p></body></html>`}`);
  });
  return r;
}
