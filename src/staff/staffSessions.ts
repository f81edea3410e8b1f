import { createHash, createHmac, hkdfSync, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Database } from '../storage/db/database.js';
import { staffRepository, type StaffSessionRow, type StaffUserRow } from '../storage/db/staffRepository.js';
import { organisationChain, type AuditTrail, type EventType } from '../audit/auditTrail.js';
import { DomainError } from '../domain/errors.js';
import type { RequestContext } from '../domain/requestContext.js';
import { DECOY_HASH, passwordMatches } from './passwords.js';
import { totp } from './totp.js';
import { staffUserView, type StaffAccounts, type StaffUser } from './staffAccounts.js';

export interface SessionPolicy {
  /** A session nobody used for this long is over (30 min). */
  idleMs: number;
  /** A session ends this long after sign-in, used or not (12 h: a working day). */
  absoluteMs: number;
  /** A TOTP confirmation covers the seals of the next few minutes (5 min). */
  stepUpMs: number;
  /** Failed sign-ins in a row before the account locks, and for how long. */
  lockAfter: number;
  lockMs: number;
}

export const DEFAULT_SESSION_POLICY: SessionPolicy = { idleMs: 30 * 60_000, absoluteMs: 12 * 3600_000, stepUpMs: 5 * 60_000, lockAfter: 5, lockMs: 15 * 60_000 };

/** Sessions are touched at most this often: an active user does not cost a write per page. */
const TOUCH_EVERY_MS = 60_000;

export interface StaffSession {
  user: StaffUser;
  /** The SHA-256 of the cookie's token: what the session is known by, in the database and the CSRF token. */
  id: string;
  steppedUp: boolean;
  expiresAt: Date;
}

type Origin = Pick<RequestContext, 'ip' | 'userAgent'>;

const hashToken = (token: string) => createHash('sha256').update(token).digest('hex');

/** The same words for every failure, so a sign-in form never tells which of name, password or code was wrong. */
const loginFailed = () => new DomainError('unauthenticated', 'login_failed', '用户名、密码或动态码不正确（连续输错 5 次将锁定 15 分钟）');

/**
 * Console sign-in and sessions: password (scrypt) and, for sealers and administrators, a TOTP code;
 * sessions as random tokens of which only the hash is stored, ending after idle time and at an absolute
 * lifetime; lock-out after repeated failures; every sign-in, failure and lock on the organisation's chain.
 */
export function createStaffSessions(deps: { db: Database; audit: AuditTrail; accounts: StaffAccounts; masterKey: Buffer; policy?: Partial<SessionPolicy>; clock?: () => Date }) {
  const { db, audit } = deps;
  const policy = { ...DEFAULT_SESSION_POLICY, ...deps.policy };
  const now = deps.clock ?? (() => new Date());
  const csrfKey = Buffer.from(hkdfSync('sha256', deps.masterKey, Buffer.alloc(0), 'water-esign console csrf v1', 32));

  /** The form token of a session: derived from it, so nothing more is stored, and useless without its cookie. */
  const csrfToken = (session: Pick<StaffSession, 'id'>) => createHmac('sha256', csrfKey).update(session.id).digest('base64url');

  const contextOf = (user: Pick<StaffUser, 'username' | 'roles' | 'organisationId'>, origin: Origin): RequestContext => ({
    actor: { type: 'staff', id: user.username, role: user.roles.join(',') },
    organisationId: user.organisationId,
    ...origin,
  });

  async function record(row: StaffUserRow, type: EventType, origin: Origin, data: Record<string, unknown> = {}) {
    await db.transaction((tx) =>
      audit.append(tx, { contractId: organisationChain(row.organisation_id), type, ctx: contextOf(staffUserView(row, now()), origin), at: now(), data: { userId: row.id, ...data } }),
    );
  }

  /** Checks a code against the user's secret and spends its time step; false for a wrong or replayed code. */
  async function codeIsGood(row: StaffUserRow, code: string): Promise<boolean> {
    const secret = deps.accounts.openTotpSecret(row);
    if (!secret) return false;
    const step = await totp.check(secret, code.trim(), row.totp_last_step === null ? null : Number(row.totp_last_step), now().getTime());
    return step !== undefined && (await staffRepository.useTotpStep(db, row.id, step));
  }

  async function open(row: StaffUserRow, origin: Origin, steppedUp: boolean, via: 'password' | 'oidc'): Promise<{ token: string; session: StaffSession }> {
    const token = randomBytes(32).toString('base64url');
    const at = now();
    const expiresAt = new Date(at.getTime() + policy.absoluteMs);
    await db.transaction(async (tx) => {
      await staffRepository.insertSession(tx, {
        token_hash: hashToken(token), user_id: row.id, created_at: at, expires_at: expiresAt, stepped_up_at: steppedUp ? at : null,
        ip: origin.ip ?? null, user_agent: origin.userAgent?.slice(0, 300) ?? null,
      });
      // Only a password (and code) proves the holder: a sign-on through the identity provider leaves the count of failed codes alone.
      if (via === 'password') await staffRepository.update(tx, row.id, { failed_logins: 0, locked_until: null });
      await audit.append(tx, { contractId: organisationChain(row.organisation_id), type: 'staff.signed_in', ctx: contextOf(staffUserView(row, at), origin), at, data: { userId: row.id, via, totp: steppedUp } });
    });
    return { token, session: { user: staffUserView(row, at), id: hashToken(token), steppedUp, expiresAt } };
  }

  return {
    contextOf,

    /** Name, password and (for an account with TOTP) the current code; the same error for every wrong part. */
    async login(input: { username?: string; password?: string; code?: string }, origin: Origin): Promise<{ token: string; session: StaffSession }> {
      const username = (input.username ?? '').trim().toLowerCase();
      const row = username ? await staffRepository.byUsername(db, username) : undefined;
      // The hash is computed whether or not the user exists: the answer takes as long either way.
      const passwordOk = await passwordMatches(input.password ?? '', row?.password_hash ?? DECOY_HASH);
      if (!row || row.disabled_at || !row.password_hash) throw loginFailed();
      if (row.locked_until && new Date(row.locked_until) > now()) {
        await record(row, 'staff.sign_in_failed', origin, { reason: 'locked' });
        throw loginFailed();
      }
      const codeOk = passwordOk && (!row.totp_secret || (await codeIsGood(row, input.code ?? '')));
      if (!codeOk) {
        const locked = await staffRepository.failedLogin(db, row.id, policy.lockAfter, new Date(now().getTime() + policy.lockMs), now());
        await record(row, locked ? 'staff.locked' : 'staff.sign_in_failed', origin, { reason: passwordOk ? 'totp' : 'password' });
        throw loginFailed();
      }
      return open(row, origin, Boolean(row.totp_secret), 'password');
    },

    /** Single sign-on: the identity provider vouched for this subject; the TOTP still applies to sealers. */
    async loginWithSubject(subject: string, origin: Origin): Promise<{ token: string; session: StaffSession }> {
      const row = await staffRepository.byOidcSubject(db, subject);
      if (!row || row.disabled_at) throw new DomainError('forbidden', 'sso_user_unknown', '该统一身份账号未开通电子签约控制台，请联系本单位管理员');
      if (row.locked_until && new Date(row.locked_until) > now()) throw loginFailed();
      return open(row, origin, false, 'oidc');
    },

    /** The session this cookie holds, if it is still good; touches it so that use keeps it alive. */
    async resume(token: string | undefined): Promise<StaffSession | undefined> {
      if (!token) return undefined;
      const id = hashToken(token);
      const s: StaffSessionRow | undefined = await staffRepository.session(db, id);
      const at = now();
      if (!s || s.ended_at || new Date(s.expires_at) <= at || at.getTime() - new Date(s.last_seen_at).getTime() > policy.idleMs) return undefined;
      const row = await staffRepository.byId(db, s.user_id);
      if (!row || row.disabled_at) return undefined;
      if (at.getTime() - new Date(s.last_seen_at).getTime() > TOUCH_EVERY_MS) await staffRepository.touchSession(db, id, at);
      const steppedUp = s.stepped_up_at !== null && at.getTime() - new Date(s.stepped_up_at).getTime() < policy.stepUpMs;
      return { user: staffUserView(row, at), id, steppedUp, expiresAt: new Date(s.expires_at) };
    },

    /** A fresh TOTP confirmation for sealing; a wrong code counts towards the lock-out like a wrong sign-in. */
    async stepUp(session: StaffSession, code: string, origin: Origin): Promise<void> {
      const row = (await staffRepository.byId(db, session.user.id))!;
      if (!row.totp_secret) throw new DomainError('forbidden', 'totp_not_enrolled', '该账户未绑定动态码，不能用单位印章签署；请联系管理员重新发送设置链接');
      if (!(await codeIsGood(row, code))) {
        const locked = await staffRepository.failedLogin(db, row.id, policy.lockAfter, new Date(now().getTime() + policy.lockMs), now());
        await record(row, locked ? 'staff.locked' : 'staff.sign_in_failed', origin, { reason: 'step_up' });
        if (locked) await staffRepository.endSessionsOf(db, row.id, now());
        throw new DomainError('unauthenticated', 'invalid_totp', '动态码不正确或已使用，请输入身份验证器上的新动态码', [{ path: '/code', message: '动态码不正确' }]);
      }
      await staffRepository.stepUp(db, session.id, now());
      await staffRepository.update(db, row.id, { failed_logins: 0, locked_until: null });
      await record(row, 'staff.stepped_up', origin);
    },

    async logout(session: StaffSession, origin: Origin): Promise<void> {
      await staffRepository.endSession(db, session.id, now());
      await record((await staffRepository.byId(db, session.user.id))!, 'staff.signed_out', origin);
    },

    csrfToken,

    csrfMatches(session: Pick<StaffSession, 'id'>, given: unknown): boolean {
      const expected = Buffer.from(csrfToken(session));
      const actual = Buffer.from(typeof given === 'string' ? given : '');
      return actual.length === expected.length && timingSafeEqual(actual, expected);
    },
  };
}

export type StaffSessions = ReturnType<typeof createStaffSessions>;
