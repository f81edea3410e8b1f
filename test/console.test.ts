import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestService, type TestService } from './support/harness.js';
import { ConsoleClient, totpAt } from './support/consoleClient.js';
import { createWorkingCalendar, loadCalendarOverrides } from '../src/contracts/calendar/workingCalendar.js';
import { loadConfig } from '../src/config.js';
import { chinaDay } from '../src/chinaTime.js';

// The staff console over HTTP, as a browser without script uses it: accounts and their set-up links,
// sign-in with password and TOTP, lock-out, sessions that end, CSRF, roles; and the follow-up actions.

let svc: TestService;
/** The service's clock runs this far ahead of the real one: TOTP steps, idle time and deadlines move with it. */
let shift = 0;
const now = () => new Date(Date.now() + shift);
const PASSWORD = 'correct horse battery staple';
const calendar = createWorkingCalendar(loadCalendarOverrides(loadConfig({}).calendarOverrides));
/** The China day a deadline (the next day's midnight) ends. */
const deadlineDay = (iso: string) => chinaDay(new Date(Date.parse(iso) - 1));
const addWorkingDays = (day: string, n: number) => deadlineDay(calendar.deadlineAfter(new Date(Date.parse(`${day}T12:00:00+08:00`)), n).toISOString());

async function newUser(username: string, roles: string[]) {
  const res = await svc.call('admin', 'POST', '/api/v1/organisations/default/users', { username, displayName: `测试 ${username}`, roles });
  expect(res.status, await res.clone().text()).toBe(201);
  return res.json();
}

/** A user set up and signed in; the clock moves past the code used at set-up so the sign-in's code is a new one. */
async function signedIn(username: string, roles: string[]) {
  const created = await newUser(username, roles);
  const client = new ConsoleClient(svc);
  const secret = await client.setup(created.setupUrl, PASSWORD, now);
  shift += 30_000;
  const res = await client.login(username, PASSWORD, secret ? await totpAt(secret, now()) : undefined);
  expect(res.status).toBe(303);
  return { client, secret, user: created.user };
}

async function contractAwaitingUtility() {
  const example = (await (await svc.call('workflow', 'GET', '/api/v1/templates/water-supply-contract')).json()).example;
  const c = await (await svc.call('workflow', 'POST', '/api/v1/contracts', { templateId: 'water-supply-contract', reference: `CON-${Math.random().toString(36).slice(2)}`, variables: example, autoSign: false })).json();
  const token = c.signers[0].signingUrl.split('/').pop();
  const otp = await (await svc.call(null, 'POST', `/api/v1/signing/${token}/otp`, {})).json();
  expect((await svc.call(null, 'POST', `/api/v1/signing/${token}/sign`, { otp: otp.developmentCode, consent: true })).status).toBe(200);
  return c;
}

beforeAll(async () => {
  svc = await startTestService({ env: { NODE_ENV: 'development', RATE_LIMIT_API_KEY_PER_MINUTE: '0', RATE_LIMIT_LOGIN_IP_PER_MINUTE: '0' }, overrides: { clock: now } });
}, 60_000);
afterAll(async () => {
  await svc?.stop();
});

describe('console accounts', () => {
  it('are created by the platform admin with a one-time set-up link; the link is spent once used', async () => {
    expect((await svc.call('utility', 'POST', '/api/v1/organisations/default/users', { username: 'x.y', displayName: 'x', roles: ['clerk'] })).status).toBe(403);
    const created = await newUser('li.na', ['clerk']);
    expect(created.user).toMatchObject({ username: 'li.na', roles: ['clerk'], status: 'setup_pending', totp: false });
    expect(created.setupUrl).toMatch(new RegExp(`^${svc.url}/console/setup/[\\w-]{43}$`));
    expect((await svc.call('admin', 'POST', '/api/v1/organisations/default/users', { username: 'li.na', displayName: 'again', roles: ['clerk'] })).status).toBe(409);
    const bad = await svc.call('admin', 'POST', '/api/v1/organisations/default/users', { username: 'Li Na', displayName: '', roles: ['boss'] });
    expect(bad.status).toBe(422);

    const client = new ConsoleClient(svc);
    const path = new URL(created.setupUrl).pathname;
    const page = await client.get(path);
    expect(page.text).not.toContain('totp-secret');
    // A weak password and two that differ are refused, and the link still works.
    const weak = await client.post(path, { _login: ConsoleClient.field(page.text, '_login'), password: 'li.na12345678', confirm: 'li.na12345678' });
    expect(weak.res.status).toBe(422);
    const mismatch = await client.post(path, { _login: ConsoleClient.field(weak.text, '_login'), password: PASSWORD, confirm: `${PASSWORD}!` });
    expect(mismatch.text).toContain('两次输入的密码不一致');
    await client.setup(created.setupUrl, PASSWORD, now);
    expect((await client.get(path)).res.status).toBe(404);
    const listed = await (await svc.call('admin', 'GET', '/api/v1/organisations/default/users')).json();
    expect(listed.items.find((u: any) => u.username === 'li.na').status).toBe('active');
    // Nothing secret comes back in the list.
    expect(JSON.stringify(listed)).not.toMatch(/scrypt|password|totp_secret|setup_token/);
    const stored = (await svc.database.db.query<{ password_hash: string }>(`SELECT password_hash FROM staff_users WHERE username = 'li.na'`)).rows[0];
    expect(stored.password_hash).toMatch(/^scrypt\$32768\$8\$1\$/);
  });

  it('for sealers, enrol a TOTP authenticator at set-up: the code is required to sign in and good once', async () => {
    const created = await newUser('zhao.seal', ['sealer']);
    const client = new ConsoleClient(svc);
    const path = new URL(created.setupUrl).pathname;
    const page = await client.get(path);
    expect(page.text).toContain('<svg');
    const wrongCode = await client.post(path, { _login: ConsoleClient.field(page.text, '_login'), password: PASSWORD, confirm: PASSWORD, code: '000000' });
    expect(wrongCode.res.status).toBe(422);
    const secret = (await client.setup(created.setupUrl, PASSWORD, now))!;
    // The set-up's code is spent: the same code again cannot sign in.
    const replay = await client.login('zhao.seal', PASSWORD, await totpAt(secret, now()));
    expect(replay.status).toBe(401);
    shift += 30_000;
    expect((await client.login('zhao.seal', PASSWORD)).status).toBe(401);
    const ok = await client.login('zhao.seal', PASSWORD, await totpAt(secret, now()));
    expect(ok.status).toBe(303);
    const cookie = ok.headers.getSetCookie().find((c) => c.startsWith('esign_console='))!;
    expect(cookie).toMatch(/HttpOnly/);
    expect(cookie).toMatch(/SameSite=Strict/);
    expect(cookie).toMatch(/Path=\/console/);
    expect((await client.get('/console')).text).toContain('今日待办');
  });

  it('lock after five failed sign-ins, say the same for every wrong part, and keep every attempt on the organisation\'s chain', async () => {
    await signedIn('lock.me', ['clerk']);
    const client = new ConsoleClient(svc);
    const answers = new Set<string>();
    for (let i = 0; i < 5; i++) {
      const res = await client.login('lock.me', 'wrong password 123');
      expect(res.status).toBe(401);
    }
    for (const [u, p] of [['lock.me', PASSWORD], ['nobody.here', PASSWORD], ['lock.me', 'wrong password 123']]) {
      const { text } = await client.get('/console/login');
      const r = await client.post('/console/login', { _login: ConsoleClient.field(text, '_login'), username: u, password: p });
      expect(r.res.status).toBe(401);
      answers.add(/role="alert">([^<]*)</.exec(r.text)![1]);
    }
    expect(answers.size).toBe(1);
    const events = (await svc.database.db.query<{ type: string; data: any }>(`SELECT type, data FROM contract_events WHERE contract_id = 'organisation:default' ORDER BY seq`)).rows;
    expect(events.filter((e) => e.type === 'staff.locked')).toHaveLength(1);
    expect(events.map((e) => e.type)).toEqual(expect.arrayContaining(['staff.user_created', 'staff.setup_completed', 'staff.signed_in', 'staff.sign_in_failed']));
    // Fifteen minutes on, one more typo does not lock it again, and the right password works.
    shift += 15 * 60_000 + 1000;
    expect((await client.login('lock.me', 'wrong password 123')).status).toBe(401);
    expect((await client.login('lock.me', PASSWORD)).status).toBe(303);
  });
});

describe('console sessions', () => {
  it('end after 30 idle minutes, at their absolute lifetime, and at sign-out', async () => {
    const { client } = await signedIn('idle.one', ['auditor']);
    shift += 29 * 60_000;
    expect((await client.get('/console')).res.status).toBe(200);
    shift += 31 * 60_000;
    const idle = await client.get('/console/contracts');
    expect([idle.res.status, idle.res.headers.get('location')]).toEqual([303, '/console/login?next=%2Fconsole%2Fcontracts']);

    const again = await signedIn('busy.one', ['auditor']);
    // Used every 20 minutes, it lasts until 12 hours after sign-in, and not a minute more.
    for (let t = 0; t < 35; t++) {
      shift += 20 * 60_000;
      expect((await again.client.get('/console')).res.status).toBe(200);
    }
    shift += 20 * 60_000;
    expect((await again.client.get('/console')).res.status).toBe(303);

    const third = await signedIn('leave.one', ['auditor']);
    const page = await third.client.get('/console');
    const out = await third.client.post('/console/logout', { _csrf: ConsoleClient.field(page.text, '_csrf') });
    expect(out.res.headers.get('location')).toBe('/console/login?done=logout');
    expect((await third.client.get('/console')).res.status).toBe(303);
  });

  it('refuses a form without its token, with another session\'s token, or from another origin', async () => {
    const a = await signedIn('csrf.a', ['clerk']);
    const b = await signedIn('csrf.b', ['clerk']);
    const c = await contractAwaitingUtility();
    const tokenA = ConsoleClient.field((await a.client.get('/console')).text, '_csrf');
    const tokenB = ConsoleClient.field((await b.client.get('/console')).text, '_csrf');
    const resend = (client: ConsoleClient, form: Record<string, string>, headers?: Record<string, string>) => client.post(`/console/contracts/${c.id}/void`, { reason: '测试', ...form }, headers);
    expect((await resend(a.client, {})).res.status).toBe(403);
    expect((await resend(a.client, { _csrf: tokenB })).res.status).toBe(403);
    expect((await resend(a.client, { _csrf: tokenA }, { origin: 'https://evil.example' })).res.status).toBe(403);
    const view = await (await svc.call('auditor', 'GET', `/api/v1/contracts/${c.id}`)).json();
    expect(view.status).toBe('partially_signed');
    const ok = await resend(a.client, { _csrf: tokenA }, { origin: svc.url });
    expect(ok.res.headers.get('location')).toBe(`/console/contracts/${c.id}?done=voided`);
    const events = await (await svc.call('auditor', 'GET', `/api/v1/contracts/${c.id}/events`)).json();
    expect(events.events.at(-1)).toMatchObject({ type: 'contract.voided', actor: { type: 'staff', id: 'csrf.a' } });
  });

  it('let each role do its own work only; a sealer confirms the seal with a fresh code after five minutes', async () => {
    const auditor = await signedIn('only.reads', ['auditor']);
    const sealer = await signedIn('seals.it', ['sealer']);
    const c = await contractAwaitingUtility();
    const token = ConsoleClient.field((await auditor.client.get(`/console/contracts/${c.id}`)).text, '_csrf');
    expect((await auditor.client.post(`/console/contracts/${c.id}/countersign`, { _csrf: token })).res.status).toBe(403);
    expect((await auditor.client.post(`/console/contracts/${c.id}/void`, { _csrf: token, reason: 'x' })).res.status).toBe(403);
    expect((await auditor.client.get('/console/users')).res.status).toBe(403);

    shift += 6 * 60_000;
    const page = await sealer.client.get(`/console/contracts/${c.id}`);
    expect(page.text).toContain('name="code"');
    const csrf = ConsoleClient.field(page.text, '_csrf');
    const wrong = await sealer.client.post(`/console/contracts/${c.id}/countersign`, { _csrf: csrf, code: '123456' });
    expect(wrong.res.status).toBe(401);
    const sealed = await sealer.client.post(`/console/contracts/${c.id}/countersign`, { _csrf: csrf, code: await totpAt(sealer.secret!, now()) });
    expect(sealed.res.headers.get('location')).toBe(`/console/contracts/${c.id}?done=sealed`);
    const view = await (await svc.call('auditor', 'GET', `/api/v1/contracts/${c.id}`)).json();
    expect(view.status).toBe('completed');
    const events = await (await svc.call('auditor', 'GET', `/api/v1/contracts/${c.id}/events`)).json();
    expect(events.events.find((e: any) => e.type === 'signer.signed' && e.actor.type === 'staff')).toMatchObject({ actor: { id: 'seals.it' } });

    // A selection that names another organisation's contract (or none): that one is not found, never linked to the batch.
    const other = await contractAwaitingUtility();
    const stranger = '4d3c2b1a-0f9e-4d8c-8b7a-6e5f4d3c2b1a';
    const picked = await sealer.client.post('/console/countersign', { _csrf: csrf, ids: [other.id, stranger] });
    const batchId = picked.res.headers.get('location')!.split('/').pop()!;
    await expect.poll(async () => (await (await svc.call('utility', 'GET', `/api/v1/batches/${batchId}`)).json()).status, { timeout: 20_000 }).toBe('completed');
    const batch = await (await svc.call('utility', 'GET', `/api/v1/batches/${batchId}`)).json();
    expect(batch).toMatchObject({ signed: 1, failed: 1, errors: [{ index: 1, reference: stranger, code: 'contract_not_found' }] });
  });

  it('lets the organisation\'s administrator add users and take them away: a disabled user\'s session ends at once', async () => {
    const admin = await signedIn('org.boss', ['org_admin']);
    const page = await admin.client.get('/console/users');
    const added = await admin.client.post('/console/users', { _csrf: ConsoleClient.field(page.text, '_csrf'), username: 'new.clerk', displayName: '新同事', roles: ['clerk'] });
    expect(added.res.status).toBe(200);
    const setupUrl = /id="setup-url">([^<]+)</.exec(added.text)![1];
    const clerk = new ConsoleClient(svc);
    await clerk.setup(setupUrl, PASSWORD, now);
    expect((await clerk.login('new.clerk', PASSWORD)).status).toBe(303);
    const userId = (await (await svc.call('admin', 'GET', '/api/v1/organisations/default/users')).json()).items.find((u: any) => u.username === 'new.clerk').id;
    await admin.client.post(`/console/users/${userId}/disable`, { _csrf: ConsoleClient.field(added.text, '_csrf') });
    expect((await clerk.get('/console')).res.status).toBe(303);
    expect((await clerk.login('new.clerk', PASSWORD)).status).toBe(401);

    // An API key for the workflow: minted after a fresh code, shown once, working at once; revoked, refused at once.
    shift += 6 * 60_000;
    const keysPage = await admin.client.get('/console/users');
    const csrf = ConsoleClient.field(keysPage.text, '_csrf');
    expect((await admin.client.post('/console/api-keys', { _csrf: csrf, role: 'workflow', label: '报装系统' })).res.status).toBe(401);
    const minted = await admin.client.post('/console/api-keys', { _csrf: csrf, role: 'workflow', label: '报装系统', code: await totpAt(admin.secret!, now()) });
    const key = /id="new-api-key">([^<]+)</.exec(minted.text)![1];
    const withKey = (k: string) => fetch(`${svc.url}/api/v1/templates`, { headers: { authorization: `Bearer ${k}` } });
    expect((await withKey(key)).status).toBe(200);
    expect((await admin.client.get('/console/users')).text).not.toContain(key);
    const keyId = (await (await svc.call('admin', 'GET', '/api/v1/organisations/default/api-keys')).json()).items.find((k: any) => k.label === '报装系统').id;
    await admin.client.post(`/console/api-keys/${keyId}/revoke`, { _csrf: csrf });
    expect((await withKey(key)).status).toBe(401);
    const chain = (await svc.database.db.query<{ type: string; actor_id: string }>(`SELECT type, actor_id FROM contract_events WHERE contract_id = 'organisation:default' AND type LIKE 'organisation.api_key_%' ORDER BY seq`)).rows;
    expect(chain).toEqual([{ type: 'organisation.api_key_created', actor_id: 'org.boss' }, { type: 'organisation.api_key_revoked', actor_id: 'org.boss' }]);
  });
});

describe('following up a waiting contract', () => {
  it('resends the signing link once in two minutes, and extends the deadline with a reason that the statistics do not count', async () => {
    const example = (await (await svc.call('workflow', 'GET', '/api/v1/templates/water-supply-contract')).json()).example;
    const c = await (await svc.call('workflow', 'POST', '/api/v1/contracts', { templateId: 'water-supply-contract', reference: `FU-${Date.now()}`, variables: example })).json();
    const resend = () => svc.call('utility', 'POST', `/api/v1/contracts/${c.id}/resend-link`, {});
    // The link went out with the contract a moment ago; three minutes later it may go again, once.
    expect([(await resend()).status]).toEqual([429]);
    await svc.database.db.query(`UPDATE sms_notifications SET created_at = created_at - interval '3 minutes' WHERE contract_id = $1`, [c.id]);
    expect((await resend()).status).toBe(200);
    const again = await resend();
    expect([again.status, (await again.json()).error.code]).toEqual([429, 'link_sent_recently']);
    const queued = await svc.database.db.query(`SELECT kind FROM sms_notifications WHERE contract_id = $1 AND kind = 'signing_link'`, [c.id]);
    expect(queued.rows).toHaveLength(2);

    const linkWorks = async () => (await svc.call(null, 'GET', `/api/v1/signing/${c.signers[0].signingUrl.split('/').pop()}`)).status;
    expect((await svc.call('utility', 'POST', `/api/v1/contracts/${c.id}/deadline`, { workingDays: 3 })).status).toBe(422);
    const extended = await (await svc.call('utility', 'POST', `/api/v1/contracts/${c.id}/deadline`, { workingDays: 3, reason: '用户出差，申请延期' })).json();
    expect(Date.parse(extended.deadline)).toBeGreaterThan(Date.parse(c.deadline));
    expect(extended.deadlineWorkingDays).toBe(c.deadlineWorkingDays + 3);
    const events = await (await svc.call('auditor', 'GET', `/api/v1/contracts/${c.id}/events`)).json();
    expect(events.events.at(-1)).toMatchObject({ type: 'contract.deadline_extended', data: { workingDays: 3, reason: '用户出差，申请延期', from: c.deadline, linksReplaced: [] } });
    // A period that starts at an odd hour still counts every China day it touches (its contracts included).
    const from = new Date(Date.parse(`${chinaDay(new Date(c.createdAt))}T00:00:00+08:00`) - 3600_000).toISOString();
    const to = new Date(Date.parse(from) + 86_400_000).toISOString();
    const stats = await svc.call('utility', 'GET', `/api/v1/stats?from=${encodeURIComponent(from)}&to=${encodeURIComponent(to)}`);
    expect(stats.status).toBe(200);
    const figures = await stats.json();
    expect(figures.perDay.reduce((n: number, d: { created: number }) => n + d.created, 0)).toBe(figures.created);
    const [row] = (await svc.database.db.query<{ first_deadline: Date }>('SELECT first_deadline FROM contracts WHERE id = $1', [c.id])).rows;
    expect(new Date(row.first_deadline).toISOString()).toBe(c.deadline);
    // Three working days after the deadline's own day; the link, good for longer, is kept.
    expect(deadlineDay(extended.deadline)).toBe(addWorkingDays(deadlineDay(c.deadline), 3));
    expect(extended.signers[0].signingUrl).toBe(c.signers[0].signingUrl);
    expect(await linkWorks()).toBe(200);
    const voided = await svc.call('utility', 'POST', `/api/v1/contracts/${c.id}/void`, { reason: '测试' });
    expect(voided.status).toBe(200);
    expect((await (await svc.call('utility', 'POST', `/api/v1/contracts/${c.id}/resend-link`, {})).json()).error.code).toBe('contract_not_open');
  });
});

describe('bulk issuance sheets', () => {
  it('give a column template (XLSX and CSV) that, filled with its own example row, previews clean and issues one contract', async () => {
    const { client } = await signedIn('sheet.clerk', ['clerk']);
    const csrf = ConsoleClient.field((await client.get('/console/batches/new')).text, '_csrf');
    for (const format of ['xlsx', 'csv'] as const) {
      const template = await fetch(`${svc.url}/console/batches/template.${format}?templateId=reliability-agreement`, { headers: { cookie: client.cookieHeader } });
      expect(template.status).toBe(200);
      expect(template.headers.get('content-disposition')).toContain(`reliability-agreement-v2.${format}`);
      const file = Buffer.from(await template.arrayBuffer());
      const upload = (path: string) => {
        const form = new FormData();
        form.set('_csrf', csrf);
        form.set('templateId', 'reliability-agreement');
        form.set('file', new Blob([file]), `filled.${format}`);
        return fetch(`${svc.url}${path}`, { method: 'POST', body: form, headers: { cookie: client.cookieHeader }, redirect: 'manual' });
      };
      const preview = await (await upload('/console/batches/preview')).json();
      expect(preview).toEqual({ total: 1, valid: 1, errors: [] });
      if (format === 'csv') {
        const created = await upload('/console/batches');
        expect(created.status).toBe(303);
        const id = created.headers.get('location')!.split('/').pop()!;
        await expect.poll(async () => (await (await svc.call('workflow', 'GET', `/api/v1/batches/${id}`)).json()).created, { timeout: 20_000 }).toBe(1);
        const items = await (await svc.call('workflow', 'GET', `/api/v1/batches/${id}/items`)).json();
        expect(items.items[0]).toMatchObject({ row: 3, reference: 'EXAMPLE-0001', status: 'created' });
      }
    }
  });

  it('refuse a sheet whose columns the template does not have, naming them', async () => {
    const { client } = await signedIn('sheet.clerk2', ['clerk']);
    const csrf = ConsoleClient.field((await client.get('/console/batches/new')).text, '_csrf');
    const form = new FormData();
    form.set('_csrf', csrf);
    form.set('templateId', 'reliability-agreement');
    form.set('file', new Blob(['reference,customer.nmae\nA,张三\n']), 'typo.csv');
    const res = await fetch(`${svc.url}/console/batches/preview`, { method: 'POST', body: form, headers: { cookie: client.cookieHeader } });
    expect(res.status).toBe(422);
    expect((await res.json()).error.message).toContain('customer.nmae');
  });
});
