import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { z } from 'zod';
import type { Database } from '../storage/db/database.js';
import { staffRepository, type StaffUserRow } from '../storage/db/staffRepository.js';
import { organisationChain, type AuditTrail } from '../audit/auditTrail.js';
import { DomainError } from '../domain/errors.js';
import { invalidBody } from '../domain/validation.js';
import type { RequestContext } from '../domain/requestContext.js';
import { createSecretBox } from '../domain/secretBox.js';
import { hashPassword, passwordProblem } from './passwords.js';
import { totp } from './totp.js';

/**
 * clerk: issue contracts and batches, resend links, void, extend deadlines. sealer: countersign with the
 * organisation's seal. auditor: read, verify, evidence. org_admin: the organisation's users.
 */
export const STAFF_ROLES = ['clerk', 'sealer', 'auditor', 'org_admin'] as const;
export type StaffRole = (typeof STAFF_ROLES)[number];

/** Sealing and managing users are what a stolen password must not be enough for. */
export const needsTotp = (roles: readonly string[]) => roles.includes('sealer') || roles.includes('org_admin');

/** A set-up link is good for three days; a lost one is replaced by a new one (which also resets the account). */
const SETUP_TTL_MS = 72 * 3600_000;

export interface StaffUser {
  id: string;
  organisationId: string;
  username: string;
  displayName: string;
  roles: StaffRole[];
  status: 'setup_pending' | 'active' | 'locked' | 'disabled';
  totp: boolean;
  singleSignOn: boolean;
  createdAt: string;
}

const createInput = z.object({
  username: z
    .string({ message: 'username is required' })
    .regex(/^[a-z0-9][a-z0-9._-]{2,39}$/, 'username must be 3 to 40 lower-case letters, digits, dots, dashes or underscores, starting with a letter or digit'),
  displayName: z.string({ message: 'displayName is required' }).trim().min(1, 'displayName must not be empty').max(60),
  roles: z
    .array(z.enum(STAFF_ROLES, { message: `each role must be one of ${STAFF_ROLES.join(', ')}` }), { message: 'roles must be a list' })
    .min(1, 'roles must name at least one role')
    .refine((r) => new Set(r).size === r.length, 'roles must not repeat'),
  /** The identity provider's subject ("sub") for single sign-on, when the utility has one. */
  oidcSubject: z.string().min(1).max(255).optional(),
});

const hashToken = (token: string) => createHash('sha256').update(token).digest('hex');

export function staffUserView(row: StaffUserRow, now: Date): StaffUser {
  const status = row.disabled_at
    ? 'disabled'
    : !row.password_hash && !row.oidc_subject
      ? 'setup_pending'
      : row.locked_until && new Date(row.locked_until) > now
        ? 'locked'
        : 'active';
  return {
    id: row.id,
    organisationId: row.organisation_id,
    username: row.username,
    displayName: row.display_name,
    roles: row.roles as StaffRole[],
    status,
    totp: Boolean(row.totp_secret && row.password_hash),
    singleSignOn: Boolean(row.oidc_subject),
    createdAt: new Date(row.created_at).toISOString(),
  };
}

/** The console's user accounts: created by an administrator, set up by their holder through a one-time link. */
export function createStaffAccounts(deps: { db: Database; audit: AuditTrail; masterKey: Buffer; publicUrl: string; clock?: () => Date }) {
  const { db, audit } = deps;
  const now = deps.clock ?? (() => new Date());
  const box = createSecretBox(deps.masterKey, 'water-esign staff totp v1');
  const sealTotp = (userId: string, secret: string) => box.seal(secret, `staff:${userId}:totp`);
  const openTotp = (row: StaffUserRow) => (row.totp_secret ? box.open(row.totp_secret, `staff:${row.id}:totp`) : undefined);

  /** The account of a set-up link that is still good. */
  async function pendingSetup(token: string): Promise<StaffUserRow> {
    const row = await staffRepository.bySetupToken(db, hashToken(token));
    if (!row || row.disabled_at || !row.setup_expires_at || new Date(row.setup_expires_at) <= now()) {
      throw new DomainError('not_found', 'setup_link_not_found', '设置链接无效或已过期，请联系本单位管理员重新发送');
    }
    return row;
  }

  /** A fresh set-up link, and for a user who needs one, a fresh TOTP secret to enrol with it. */
  function setupMaterial(userId: string, roles: readonly string[]) {
    const token = randomBytes(32).toString('base64url');
    return {
      token,
      set: {
        setup_token_hash: hashToken(token),
        setup_expires_at: new Date(now().getTime() + SETUP_TTL_MS),
        totp_secret: needsTotp(roles) ? sealTotp(userId, totp.newSecret()) : null,
      },
    };
  }

  const setupUrl = (token: string) => `${deps.publicUrl}/console/setup/${token}`;

  async function scoped(organisationId: string, userId: string): Promise<StaffUserRow> {
    const row = await staffRepository.byId(db, userId);
    if (!row || row.organisation_id !== organisationId) throw new DomainError('not_found', 'user_not_found', `No user ${userId} in organisation ${organisationId}`);
    return row;
  }

  const record = (tx: Parameters<AuditTrail['append']>[0], ctx: RequestContext, organisationId: string, type: Parameters<AuditTrail['append']>[1]['type'], data: Record<string, unknown>) =>
    audit.append(tx, { contractId: organisationChain(organisationId), type, ctx, at: now(), data });

  return {
    openTotpSecret: openTotp,

    async create(ctx: RequestContext, organisationId: string, body: unknown): Promise<{ user: StaffUser; setupUrl?: string; setupExpiresAt?: string }> {
      const parsed = createInput.safeParse(body ?? {});
      if (!parsed.success) throw invalidBody(parsed.error);
      const input = parsed.data;
      const id = randomUUID();
      // A user who signs in through the utility's identity provider has no password to choose (but still a TOTP to enrol when sealing).
      const material = setupMaterial(id, input.roles);
      await db.transaction(async (tx) => {
        const inserted = await staffRepository
          .insert(tx, {
            id, organisation_id: organisationId, username: input.username, display_name: input.displayName, roles: input.roles,
            setup_token_hash: material.set.setup_token_hash, setup_expires_at: material.set.setup_expires_at,
            totp_secret: material.set.totp_secret, oidc_subject: input.oidcSubject ?? null, created_by: ctx.actor.id,
          })
          .catch((err: { code?: string }) => {
            if (err.code === '23505') throw new DomainError('conflict', 'oidc_subject_taken', `Another user has the single sign-on subject ${input.oidcSubject}`);
            throw err;
          });
        if (!inserted) throw new DomainError('conflict', 'username_taken', `The user name ${input.username} is taken; choose another`);
        await record(tx, ctx, organisationId, 'staff.user_created', { userId: id, username: input.username, roles: input.roles });
      });
      const user = staffUserView((await staffRepository.byId(db, id))!, now());
      return { user, setupUrl: setupUrl(material.token), setupExpiresAt: material.set.setup_expires_at.toISOString() };
    },

    async list(organisationId: string): Promise<StaffUser[]> {
      return (await staffRepository.list(db, organisationId)).map((r) => staffUserView(r, now()));
    },

    /** A new set-up link: the password and TOTP are reset and every session ends (a lost phone, a forgotten password). */
    async reissueSetup(ctx: RequestContext, organisationId: string, userId: string): Promise<{ user: StaffUser; setupUrl: string; setupExpiresAt: string }> {
      const row = await scoped(organisationId, userId);
      if (row.disabled_at) throw new DomainError('conflict', 'user_disabled', 'The user is disabled');
      const material = setupMaterial(row.id, row.roles);
      await db.transaction(async (tx) => {
        await staffRepository.update(tx, row.id, { ...material.set, password_hash: null, totp_last_step: null, failed_logins: 0, locked_until: null });
        await staffRepository.endSessionsOf(tx, row.id, now());
        await record(tx, ctx, organisationId, 'staff.setup_link_issued', { userId: row.id, username: row.username });
      });
      return { user: staffUserView((await staffRepository.byId(db, row.id))!, now()), setupUrl: setupUrl(material.token), setupExpiresAt: material.set.setup_expires_at.toISOString() };
    },

    async disable(ctx: RequestContext, organisationId: string, userId: string): Promise<StaffUser> {
      const row = await scoped(organisationId, userId);
      await db.transaction(async (tx) => {
        await staffRepository.update(tx, row.id, { disabled_at: now(), setup_token_hash: null });
        await staffRepository.endSessionsOf(tx, row.id, now());
        await record(tx, ctx, organisationId, 'staff.user_disabled', { userId: row.id, username: row.username });
      });
      return staffUserView((await staffRepository.byId(db, row.id))!, now());
    },

    /** The account a set-up link is for, while it is good; with the TOTP secret to enrol and its otpauth URI. */
    async setupFor(token: string, issuer: string): Promise<{ user: StaffUser; totpSecret?: string; totpUri?: string }> {
      const row = await pendingSetup(token);
      const secret = openTotp(row);
      return { user: staffUserView(row, now()), ...(secret ? { totpSecret: secret, totpUri: totp.uri(secret, row.username, issuer) } : {}) };
    },

    /** Sets the password (unless the user signs on through the identity provider) and enrols the TOTP code; the link is spent. */
    async completeSetup(token: string, input: { password?: string; confirm?: string; code?: string }, origin: Pick<RequestContext, 'ip' | 'userAgent'>): Promise<StaffUser> {
      const row = await pendingSetup(token);
      const set: Parameters<typeof staffRepository.update>[2] = { setup_token_hash: null, setup_expires_at: null, failed_logins: 0, locked_until: null };
      if (!row.oidc_subject) {
        const password = input.password ?? '';
        const problem = passwordProblem(password, row.username);
        if (problem) throw new DomainError('unprocessable', 'weak_password', problem, [{ path: '/password', message: problem }]);
        if (password !== input.confirm) throw new DomainError('unprocessable', 'password_mismatch', '两次输入的密码不一致', [{ path: '/confirm', message: '两次输入的密码不一致' }]);
        set.password_hash = await hashPassword(password);
      }
      if (row.totp_secret) {
        const step = await totp.check(openTotp(row)!, (input.code ?? '').trim(), null, now().getTime());
        if (step === undefined) throw new DomainError('unprocessable', 'invalid_totp', '动态码不正确：请用身份验证器扫描二维码后输入当前显示的 6 位数字', [{ path: '/code', message: '动态码不正确' }]);
        set.totp_last_step = String(step);
      }
      const ctx: RequestContext = { actor: { type: 'staff', id: row.username }, organisationId: row.organisation_id, ...origin };
      await db.transaction(async (tx) => {
        if (!(await staffRepository.update(tx, row.id, set, row.setup_token_hash!))) {
          throw new DomainError('not_found', 'setup_link_not_found', '设置链接已使用，请直接登录');
        }
        await record(tx, ctx, row.organisation_id, 'staff.setup_completed', { userId: row.id, totp: Boolean(row.totp_secret) });
      });
      return staffUserView((await staffRepository.byId(db, row.id))!, now());
    },
  };
}

export type StaffAccounts = ReturnType<typeof createStaffAccounts>;
