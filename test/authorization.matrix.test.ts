import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ALL_ROLES, type Role } from '../src/config.js';
import { startTestService, TEST_KEYS, type TestService } from './support/harness.js';
import { mountedRoutes } from './support/mountedRoutes.js';
import { ConsoleClient, totpAt } from './support/consoleClient.js';
import { STAFF_ROLES, type StaffRole } from '../src/staff/staffAccounts.js';

/**
 * Who may call what, stated here and not read from the routers: a policy taken from the code would
 * agree with any bug in it. The app's own route list decides which rows must exist, so a new route
 * fails this file until someone writes down who may call it. Another organisation's key meets real
 * contracts of the first in test/organisations.api.test.ts.
 */

interface Outcome {
  status: number;
  /** The error code, for JSON error answers. */
  code?: string;
}

interface Probe {
  query?: string;
  body?: unknown;
}

/** 'public': nobody needs a key. 'link': no key either, the signing token in the path is the credential. */
type Row =
  | (Probe & {
      access: 'public' | readonly Role[];
      /** What a caller who is let through gets for the made-up ids below. */
      reached: Outcome;
    })
  /** Whoever calls, an unknown token is a 404: the link, not a key, is what lets anyone in. */
  | (Probe & { access: 'link'; code?: string });

const ANY_ROLE = ALL_ROLES;
/** Contract content: an organisation's roles, never the platform admin. */
const CONTENT: readonly Role[] = ['workflow', 'utility', 'auditor'];
const notFound = (code: string): Outcome => ({ status: 404, code });
const unsupportedMedia: Outcome = { status: 415, code: 'unsupported_media_type' };
const invalid: Outcome = { status: 422, code: 'validation_failed' };

const POLICY: Record<string, Row> = {
  'GET /healthz': { access: 'public', reached: { status: 200 } },
  'GET /readyz': { access: 'public', reached: { status: 200 } },
  'GET /metrics': { access: 'public', reached: { status: 200 } },
  'GET /pki/root.pem': { access: 'public', reached: { status: 200 } },
  'GET /pki/issuing.pem': { access: 'public', reached: { status: 200 } },
  'GET /pki/root.cer': { access: 'public', reached: { status: 200 } },
  'GET /pki/issuing.cer': { access: 'public', reached: { status: 200 } },
  'GET /pki/crl/issuing.crl': { access: 'public', reached: { status: 200 } },
  'GET /pki/crl/root.crl': { access: 'public', reached: { status: 200 } },
  'POST /pki/ocsp': { access: 'public', reached: unsupportedMedia },
  // Its tokens are signed in the utility's name (TSA_PUBLIC=true opens it: test/pki.api.test.ts).
  'POST /pki/tsa': { access: ANY_ROLE, reached: unsupportedMedia },
  'GET /sign/:token': { access: 'link' },
  'GET /track/:token': { access: 'link' },
  // Without JavaScript a form posts to its page, which sends the browser back to it (303).
  'POST /sign/:token': { access: 'link' },
  'POST /track/:token': { access: 'link' },
  'GET /verify': { access: 'public', reached: { status: 200 } },
  'POST /verify/report': { access: 'public', reached: unsupportedMedia },
  'GET /api/v1/openapi.json': { access: 'public', reached: { status: 200 } },
  'GET /api/v1/signing/:token': { access: 'link', code: 'signing_link_not_found' },
  'GET /api/v1/signing/:token/progress': { access: 'link', code: 'signing_link_not_found' },
  'GET /api/v1/signing/:token/document': { access: 'link', code: 'signing_link_not_found' },
  'POST /api/v1/signing/:token/otp': { access: 'link', code: 'signing_link_not_found' },
  'POST /api/v1/signing/:token/sign': { access: 'link', code: 'signing_link_not_found', body: { otp: '123456', consent: true } },
  'POST /api/v1/signing/:token/decline': { access: 'link', code: 'signing_link_not_found', body: { reason: '信息有误', otp: '123456' } },
  'POST /api/v1/signing/:token/correction': { access: 'link', code: 'signing_link_not_found', body: { reason: '姓名有误', otp: '123456' } },
  'POST /api/v1/signing/:token/access/otp': { access: 'link', code: 'signing_link_not_found', body: {} },
  'POST /api/v1/signing/:token/access': { access: 'link', code: 'signing_link_not_found', body: { otp: '123456' } },
  'POST /api/v1/verify': { access: ANY_ROLE, reached: unsupportedMedia },
  'GET /api/v1/templates': { access: ANY_ROLE, reached: { status: 200 } },
  'GET /api/v1/templates/:id': { access: ANY_ROLE, reached: notFound('template_not_found') },
  'POST /api/v1/contracts': { access: ['workflow', 'utility'], reached: invalid, body: {} },
  'GET /api/v1/contracts': { access: CONTENT, reached: { status: 200 } },
  'GET /api/v1/contracts/:id': { access: CONTENT, reached: notFound('contract_not_found') },
  'POST /api/v1/contracts/:id/signers/:signerId/sign': { access: ['utility'], reached: notFound('contract_not_found') },
  'POST /api/v1/contracts/countersign': { access: ['utility'], reached: invalid, body: {} },
  'POST /api/v1/contracts/:id/resend-link': { access: ['workflow', 'utility'], reached: notFound('contract_not_found'), body: {} },
  'POST /api/v1/contracts/:id/deadline': { access: ['workflow', 'utility'], reached: notFound('contract_not_found'), body: { workingDays: 1, reason: '用户申请' } },
  'POST /api/v1/contracts/:id/void': { access: ['workflow', 'utility'], reached: notFound('contract_not_found'), body: { reason: '申请撤回' } },
  'GET /api/v1/contracts/:id/events': { access: ['workflow', 'utility', 'auditor'], reached: notFound('contract_not_found') },
  'GET /api/v1/contracts/:id/verify': { access: CONTENT, reached: notFound('contract_not_found') },
  'GET /api/v1/contracts/:id/evidence': { access: ['workflow', 'utility', 'auditor'], reached: notFound('contract_not_found') },
  'GET /api/v1/contracts/:id/document': { access: CONTENT, reached: notFound('contract_not_found') },
  'POST /api/v1/certificates/:serial/revoke': { access: ['admin'], reached: notFound('certificate_not_found'), body: { reason: 'superseded' } },
  'POST /api/v1/certificates/tsa/rotate': { access: ['admin'], reached: { status: 200 } },
  'POST /api/v1/certificates/ocsp/rotate': { access: ['admin'], reached: { status: 200 } },
  // Batches are an organisation's contracts in bulk: its workflow and utility issue them, the utility seals them.
  'POST /api/v1/batches': { access: ['workflow', 'utility'], reached: invalid, body: {} },
  'POST /api/v1/batches/preview': { access: ['workflow', 'utility'], reached: invalid, body: {} },
  'GET /api/v1/batches': { access: CONTENT, reached: { status: 200 } },
  'GET /api/v1/batches/:id': { access: CONTENT, reached: notFound('batch_not_found') },
  'GET /api/v1/batches/:id/items': { access: CONTENT, reached: notFound('batch_not_found') },
  'POST /api/v1/batches/:id/countersign': { access: ['utility'], reached: notFound('batch_not_found') },
  // The interruption register and the KPI: the utility records, it and the auditor read.
  'POST /api/v1/interruptions': { access: ['utility'], reached: invalid, body: {} },
  'GET /api/v1/interruptions': { access: ['utility', 'auditor'], reached: { status: 200 } },
  'GET /api/v1/interruptions/:id': { access: ['utility', 'auditor'], reached: notFound('interruption_not_found') },
  'PATCH /api/v1/interruptions/:id': { access: ['utility'], reached: notFound('interruption_not_found'), body: { reason: '更正' } },
  'GET /api/v1/contracts/:id/reliability': { access: ['utility', 'auditor'], reached: notFound('contract_not_found') },
  'PUT /api/v1/contracts/:id/reliability/bill': { access: ['utility'], reached: notFound('contract_not_found'), body: { period: 2025, annualBill: 1200 } },
  'GET /api/v1/reliability/kpi': { access: ['utility', 'auditor'], reached: { status: 422, code: 'customers_served_unknown' }, query: '?year=2025' },
  'PUT /api/v1/reliability/customers-served': { access: ['utility'], reached: invalid, body: {} },
  'GET /api/v1/stats': { access: ['utility', 'auditor'], reached: { status: 200 }, query: '?from=2026-01-01&to=2026-02-01' },
  // An organisation's contract events go to its own receivers: its workflow registers them.
  'POST /api/v1/webhooks': { access: ['workflow'], reached: invalid, body: {} },
  'GET /api/v1/webhooks': { access: ['workflow'], reached: { status: 200 } },
  'GET /api/v1/webhooks/:id': { access: ['workflow'], reached: notFound('webhook_not_found') },
  'DELETE /api/v1/webhooks/:id': { access: ['workflow'], reached: notFound('webhook_not_found') },
  'GET /api/v1/webhooks/:id/deliveries': { access: ['workflow'], reached: notFound('webhook_not_found') },
  // The platform admin manages the utilities and their keys, and reads none of their contracts.
  'POST /api/v1/organisations': { access: ['admin'], reached: invalid, body: {} },
  'GET /api/v1/organisations': { access: ['admin'], reached: { status: 200 } },
  'GET /api/v1/organisations/:id': { access: ['admin'], reached: notFound('organisation_not_found') },
  'PATCH /api/v1/organisations/:id': { access: ['admin'], reached: notFound('organisation_not_found'), body: { phone: '0898-12345678' } },
  'GET /api/v1/organisations/:id/certificate': { access: ['admin'], reached: notFound('organisation_not_found') },
  'POST /api/v1/organisations/:id/certificate/rotate': { access: ['admin'], reached: notFound('organisation_not_found') },
  'POST /api/v1/organisations/:id/certificate/import': { access: ['admin'], reached: invalid, body: {} },
  'GET /api/v1/organisations/:id/api-keys': { access: ['admin'], reached: notFound('organisation_not_found') },
  'POST /api/v1/organisations/:id/api-keys': { access: ['admin'], reached: notFound('organisation_not_found'), body: { role: 'workflow' } },
  'DELETE /api/v1/organisations/:id/api-keys/:keyId': { access: ['admin'], reached: notFound('api_key_not_found') },
  // Console users are created by the platform admin (the first org_admin); the organisation's admin adds the others in the console.
  'POST /api/v1/organisations/:id/users': { access: ['admin'], reached: notFound('organisation_not_found'), body: { username: 'a.b', displayName: 'x', roles: ['clerk'] } },
  'GET /api/v1/organisations/:id/users': { access: ['admin'], reached: notFound('organisation_not_found') },
  'POST /api/v1/organisations/:id/users/:userId/setup-link': { access: ['admin'], reached: notFound('organisation_not_found') },
  'DELETE /api/v1/organisations/:id/users/:userId': { access: ['admin'], reached: notFound('organisation_not_found') },
};

/**
 * The console: a staff session, never an API key. 'public': the sign-in and set-up pages (what a visitor
 * with a session gets is `withSession`); otherwise a visitor is sent to sign in (303) and a user whose roles
 * do not include one of `staff` gets 403. `reached`: what an allowed user gets for the made-up ids below.
 */
type ConsoleRow =
  | { staff: 'public'; reached: number; withSession?: number; query?: string }
  | { staff: 'any' | readonly StaffRole[]; reached: number; query?: string; multipart?: boolean; fresh?: boolean };

const CONSOLE: Record<string, ConsoleRow> = {
  'GET /console/login': { staff: 'public', reached: 200, withSession: 303 },
  'POST /console/login': { staff: 'public', reached: 403 },
  'GET /console/setup/:token': { staff: 'public', reached: 404 },
  'POST /console/setup/:token': { staff: 'public', reached: 404 },
  // fresh: signed in just before (the route ends the session, or asks for a code unless one was given minutes ago).
  'POST /console/logout': { staff: 'any', reached: 303, fresh: true },
  'GET /console': { staff: 'any', reached: 200 },
  'GET /console/contracts': { staff: 'any', reached: 200 },
  'GET /console/contracts/:id': { staff: 'any', reached: 404 },
  'GET /console/contracts/:id/document': { staff: 'any', reached: 404 },
  'GET /console/contracts/:id/evidence': { staff: 'any', reached: 404 },
  'GET /console/contracts/:id/verify': { staff: 'any', reached: 404 },
  'POST /console/contracts/:id/countersign': { staff: ['sealer'], reached: 404 },
  'POST /console/contracts/:id/void': { staff: ['clerk'], reached: 404 },
  'POST /console/contracts/:id/resend': { staff: ['clerk'], reached: 404 },
  'POST /console/contracts/:id/deadline': { staff: ['clerk'], reached: 404 },
  'GET /console/countersign': { staff: ['sealer'], reached: 200 },
  'POST /console/countersign': { staff: ['sealer'], reached: 422 },
  'GET /console/batches': { staff: 'any', reached: 200 },
  'GET /console/batches/new': { staff: ['clerk'], reached: 200 },
  'GET /console/batches/template.:format': { staff: ['clerk'], reached: 200, query: '?templateId=reliability-agreement' },
  'POST /console/batches/preview': { staff: ['clerk'], reached: 400, multipart: true },
  'POST /console/batches': { staff: ['clerk'], reached: 400, multipart: true },
  'GET /console/batches/:id': { staff: 'any', reached: 404 },
  'GET /console/batches/:id/status': { staff: 'any', reached: 404 },
  'GET /console/batches/:id/result.csv': { staff: 'any', reached: 404 },
  'POST /console/batches/:id/countersign': { staff: ['sealer'], reached: 404 },
  'GET /console/stats': { staff: 'any', reached: 200 },
  'GET /console/stats.csv': { staff: 'any', reached: 200 },
  'GET /console/seal': { staff: 'any', reached: 200 },
  'GET /console/seal.pdf': { staff: 'any', reached: 200 },
  'GET /console/users': { staff: ['org_admin'], reached: 200 },
  'POST /console/users': { staff: ['org_admin'], reached: 422, fresh: true },
  'POST /console/users/:userId/setup-link': { staff: ['org_admin'], reached: 404, fresh: true },
  'POST /console/users/:userId/disable': { staff: ['org_admin'], reached: 404, fresh: true },
  'POST /console/api-keys': { staff: ['org_admin'], reached: 422, fresh: true },
  'POST /console/api-keys/:keyId/revoke': { staff: ['org_admin'], reached: 404 },
};

/** Well-formed ids of nothing, so an allowed caller gets as far as the lookup. */
const PARAMS: Record<string, string> = {
  id: '0b6b2a0e-8d1c-4c6b-9a51-3f4e2d1c0b9a',
  signerId: '5d3c2b1a-0f9e-4d8c-8b7a-6e5f4d3c2b1a',
  token: 'no-such-link-token-0123456789abcdef',
  serial: '0A1B2C3D4E5F',
  keyId: 'key_000000000000',
  userId: '7e6d5c4b-3a29-4817-9605-f4e3d2c1b0a9',
  format: 'xlsx',
};

function concretePath(path: string): string {
  return path.replace(/:(\w+)/g, (_m, name: string) => {
    const value = PARAMS[name];
    if (!value) throw new Error(`no value for :${name} in ${path}: add one to PARAMS`);
    return value;
  });
}

type Caller = { name: string; authorization?: string; role?: Role };

const CALLERS: Caller[] = [
  { name: 'no key' },
  { name: 'wrong key', authorization: 'Bearer wes_admin_not-a-key-anyone-was-given-0123456789' },
  { name: 'valid key, not as Bearer', authorization: `Basic ${TEST_KEYS.admin}` },
  ...ALL_ROLES.map((role) => ({ name: role, role, authorization: `Bearer ${TEST_KEYS[role]}` })),
];

function expected(row: Row, caller: Caller): Outcome {
  if (row.access === 'link') {
    if (!row.code) return { status: 404 };
    // The API's link routes need no key, but a key that comes along must be one: its holder is recorded.
    if (caller.authorization && !caller.authorization.startsWith('Bearer ')) return { status: 401, code: 'missing_api_key' };
    if (caller.authorization && !caller.role) return { status: 401, code: 'invalid_api_key' };
    return { status: 404, code: row.code };
  }
  const { access, reached } = row;
  if (access === 'public') return reached;
  if (!caller.authorization || !caller.authorization.startsWith('Bearer ')) return { status: 401, code: 'missing_api_key' };
  if (!caller.role) return { status: 401, code: 'invalid_api_key' };
  return access.includes(caller.role) ? reached : { status: 403, code: 'forbidden_role' };
}

function describeAccess(access: Row['access']): string {
  if (access === 'public') return 'public';
  if (access === 'link') return 'signing link, no key';
  return access === ANY_ROLE ? 'any role' : access.join(', ');
}

async function outcome(res: Response): Promise<Outcome> {
  const text = await res.text();
  if (!res.headers.get('content-type')?.startsWith('application/json')) return { status: res.status };
  const code = (JSON.parse(text) as { error?: { code?: string } }).error?.code;
  return code === undefined ? { status: res.status } : { status: res.status, code };
}

describe('authorisation matrix: every route × every caller', () => {
  let svc: TestService;
  /** The service's clock runs ahead by this much: a user's sign-in code is a later one than their set-up code. */
  let shift = 0;
  const now = () => new Date(Date.now() + shift);
  beforeAll(async () => {
    // One made-up token from one address is called more often than the default budgets allow; rate
    // limits have their own tests.
    svc = await startTestService({
      env: {
        RATE_LIMIT_API_KEY_PER_MINUTE: '0',
        RATE_LIMIT_SIGNING_TOKEN_PER_MINUTE: '0',
        RATE_LIMIT_SIGNING_IP_PER_MINUTE: '0',
        RATE_LIMIT_PKI_IP_PER_MINUTE: '0',
        RATE_LIMIT_LOGIN_IP_PER_MINUTE: '0',
      },
      overrides: { clock: now },
    });
  });
  afterAll(async () => {
    await svc?.stop();
  });

  it('declares who may call every route the app mounts, and no route it does not', () => {
    const mounted = mountedRoutes(svc.service.app).map((r) => `${r.method} ${r.path}`);
    expect(new Set(mounted).size).toBe(mounted.length);
    expect([...mounted].sort()).toEqual([...Object.keys(POLICY), ...Object.keys(CONSOLE)].sort());
  });

  it('documents every /api/v1 route it mounts in its OpenAPI document', async () => {
    const spec = await (await fetch(`${svc.url}/api/v1/openapi.json`)).json();
    const documented = new Set(
      Object.entries(spec.paths as Record<string, object>).flatMap(([p, ops]) => Object.keys(ops).map((m) => `${m.toUpperCase()} /api/v1${p.replace(/\{(\w+)\}/g, ':$1')}`)),
    );
    const mounted = mountedRoutes(svc.service.app).map((r) => `${r.method} ${r.path}`).filter((r) => r.includes(' /api/v1/') && !r.endsWith('/openapi.json'));
    expect(mounted.filter((r) => !documented.has(r))).toEqual([]);
  });

  for (const [route, row] of Object.entries(POLICY)) {
    it(`${route} (${describeAccess(row.access)})`, async () => {
      const [method, path] = route.split(' ');
      const url = `${svc.url}${concretePath(path)}${row.query ?? ''}`;
      const answers = await Promise.all(
        CALLERS.map(async (caller) => {
          const headers: Record<string, string> = caller.authorization ? { authorization: caller.authorization } : {};
          if (row.body !== undefined) headers['content-type'] = 'application/json';
          const res = await fetch(url, { method, headers, body: row.body === undefined ? undefined : JSON.stringify(row.body) });
          return [caller.name, await outcome(res)] as const;
        }),
      );
      expect(Object.fromEntries(answers)).toEqual(Object.fromEntries(CALLERS.map((c) => [c.name, expected(row, c)])));
    });
  }

  describe('the console: every page × no session and each staff role', () => {
    let sequence = 0;
    const signedIn = new Map<StaffRole, Promise<ConsoleClient>>();
    /** One signed-in user per role (sealers and administrators with their TOTP); a fresh one where the route ends the session. */
    const sessionFor = (role: StaffRole, fresh: boolean) => {
      if (fresh) return sessionAs(role);
      if (!signedIn.has(role)) signedIn.set(role, sessionAs(role));
      return signedIn.get(role)!;
    };
    async function sessionAs(role: StaffRole): Promise<ConsoleClient> {
      const username = `matrix.${role.replace('_', '-')}.${sequence++}`;
      const created = await (await svc.call('admin', 'POST', '/api/v1/organisations/default/users', { username, displayName: username, roles: [role] })).json();
      const client = new ConsoleClient(svc);
      const secret = await client.setup(created.setupUrl, 'matrix password 0123', now);
      shift += 30_000;
      const res = await client.login(username, 'matrix password 0123', secret ? await totpAt(secret, now()) : undefined);
      expect(res.status).toBe(303);
      return client;
    }

    for (const [route, row] of Object.entries(CONSOLE)) {
      it(`${route} (${row.staff === 'public' ? 'public' : row.staff === 'any' ? 'any staff' : row.staff.join(', ')})`, async () => {
        const [method, path] = route.split(' ');
        const url = `${concretePath(path)}${row.query ?? ''}`;
        const call = async (client: ConsoleClient) => {
          if (method === 'GET') return (await client.get(url)).res.status;
          const page = client.cookies.has('esign_console') ? (await client.get('/console')).text : '';
          const csrf = page ? ConsoleClient.field(page, '_csrf') : '';
          return (await client.post(url, { _csrf: csrf }, 'multipart' in row && row.multipart ? { 'x-csrf-token': csrf } : {})).res.status;
        };
        const answers: Record<string, number> = { 'no session': await call(new ConsoleClient(svc)) };
        for (const role of STAFF_ROLES) answers[role] = await call(await sessionFor(role, 'fresh' in row && row.fresh === true));
        const expected: Record<string, number> = {
          'no session': row.staff === 'public' ? row.reached : 303,
          ...Object.fromEntries(STAFF_ROLES.map((role) => [
            role,
            row.staff === 'public' ? (row.withSession ?? row.reached) : row.staff === 'any' || row.staff.includes(role) ? row.reached : 403,
          ])),
        };
        expect(answers).toEqual(expected);
      });
    }
  });
});
