import { randomBytes } from 'node:crypto';
import type { NextFunction, Request, Response } from 'express';
import type { StaffRole } from '../../staff/staffAccounts.js';
import type { StaffSession, StaffSessions } from '../../staff/staffSessions.js';
import { cookieValue } from '../../http/cookies.js';

export const SESSION_COOKIE = 'esign_console';
/** Before sign-in there is no session to bind a form to: a random value in a cookie and in the form must agree. */
export const LOGIN_COOKIE = 'esign_console_login';

declare module 'express-serve-static-core' {
  interface Request {
    staff?: StaffSession;
  }
}

export const cookieOptions = (secure: boolean, expires?: Date) => ({
  httpOnly: true, sameSite: 'strict' as const, secure, path: '/console', ...(expires ? { expires } : {}),
});

/** The session of the console cookie, when it is good; a stale cookie is cleared. */
export function consoleSession(sessions: StaffSessions, secure: boolean) {
  return async (req: Request, res: Response, next: NextFunction) => {
    const token = cookieValue(req, SESSION_COOKIE);
    const session = await sessions.resume(token);
    if (session) req.staff = session;
    else if (token) res.clearCookie(SESSION_COOKIE, cookieOptions(secure));
    next();
  };
}

/** Pages for signed-in staff; a visitor without a session goes to the sign-in page and comes back after. */
export function requireStaff(...roles: StaffRole[]) {
  return (req: Request, res: Response, next: NextFunction) => {
    if (!req.staff) {
      const back = req.method === 'GET' ? `?next=${encodeURIComponent(req.originalUrl)}` : '';
      res.redirect(303, `/console/login${back}`);
      return;
    }
    if (roles.length > 0 && !roles.some((r) => req.staff!.user.roles.includes(r))) {
      res.status(403);
      next(Object.assign(new Error('forbidden'), { consoleMessage: `此操作需要以下角色之一：${roles.map(roleLabel).join('、')}` }));
      return;
    }
    next();
  };
}

export const ROLE_LABELS: Record<StaffRole, string> = { clerk: '业务受理', sealer: '用印', auditor: '审计', org_admin: '单位管理员' };
export const roleLabel = (r: string) => ROLE_LABELS[r as StaffRole] ?? r;

/**
 * Every form that changes something carries the session's token, and the request must come from this
 * origin (the Origin header, when the browser sends one): with SameSite=Strict cookies, that is three locks.
 */
export function csrfProtected(sessions: StaffSessions, publicOrigin: string) {
  return (req: Request, res: Response, next: NextFunction) => {
    const origin = req.get('origin');
    const given = (req.body as Record<string, unknown> | undefined)?._csrf ?? req.get('x-csrf-token');
    if ((origin && origin !== publicOrigin) || !req.staff || !sessions.csrfMatches(req.staff, given)) {
      res.status(403);
      next(Object.assign(new Error('csrf'), { consoleMessage: '页面已过期或请求来源不对：请刷新页面后重试' }));
      return;
    }
    next();
  };
}

export const newLoginNonce = () => randomBytes(24).toString('base64url');
