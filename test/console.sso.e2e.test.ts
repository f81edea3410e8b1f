// Single sign-on to the console through an OpenID Connect provider the test starts (oidc-provider, with
// its development login and consent pages), driven in Chromium: the provider's subject signs in the staff
// user who has it; a subject nobody was given is refused; a callback without the sign-in's state is refused.
import http from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromium, type Browser } from 'playwright-core';
import Provider from 'oidc-provider';
import { startTestService, type TestService } from './support/harness.js';
import { available, CHROMIUM } from './support/checkers.js';
import { freePort } from './support/childService.js';

const hasChromium = available('chromium');

let svc: TestService;
let browser: Browser;
let provider: http.Server;

beforeAll(async () => {
  if (!hasChromium) return;
  const port = await freePort();
  const issuer = `http://127.0.0.1:${port}`;
  svc = await startTestService({ env: { OIDC_ISSUER: issuer, OIDC_CLIENT_ID: 'water-esign', OIDC_CLIENT_SECRET: 'a-client-secret-of-the-utility-idp' } });
  const oidc = new Provider(issuer, {
    clients: [{ client_id: 'water-esign', client_secret: 'a-client-secret-of-the-utility-idp', redirect_uris: [`${svc.url}/console/sso/callback`], response_types: ['code'], grant_types: ['authorization_code'] }],
    findAccount: async (_ctx: unknown, sub: string) => ({ accountId: sub, claims: async () => ({ sub }) }),
    pkce: { required: () => true },
  });
  provider = http.createServer(oidc.callback());
  await new Promise<void>((resolve) => provider.listen(port, '127.0.0.1', resolve));
  browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking'] });
}, 60_000);

afterAll(async () => {
  await browser?.close();
  provider?.closeAllConnections();
  await new Promise((r) => provider?.close(r));
  await svc?.stop();
});

/** Through the provider's development pages: any password, then consent. */
async function signInAtProvider(login: string) {
  const context = await browser.newContext({ locale: 'zh-CN' });
  const page = await context.newPage();
  await page.goto(`${svc.url}/console/login`);
  await page.click('text=使用单位统一身份认证登录');
  await page.fill('input[name=login]', login);
  await page.fill('input[name=password]', 'anything');
  await page.click('button[type=submit]');
  await page.click('button:has-text("Continue")');
  await page.waitForLoadState('networkidle');
  return { context, page };
}

describe.skipIf(!hasChromium)('single sign-on to the console', () => {
  it('signs in the staff user whose subject the provider vouches for, and nobody else', async () => {
    const created = await svc.call('admin', 'POST', '/api/v1/organisations/default/users', { username: 'sso.clerk', displayName: '统一认证用户', roles: ['clerk'], oidcSubject: 'E1024' });
    expect(created.status).toBe(201);
    const twin = await svc.call('admin', 'POST', '/api/v1/organisations/default/users', { username: 'sso.twin', displayName: '重复', roles: ['clerk'], oidcSubject: 'E1024' });
    expect([twin.status, (await twin.json()).error.code]).toEqual([409, 'oidc_subject_taken']);
    const { context, page } = await signInAtProvider('E1024');
    await page.waitForURL(/\/console$/);
    expect(await page.locator('h1').textContent()).toBe('今日待办');
    expect(await page.locator('.who').textContent()).toContain('统一认证用户');
    const events = (await svc.database.db.query<{ type: string; data: { via?: string } }>(`SELECT type, data FROM contract_events WHERE contract_id = 'organisation:default' AND type = 'staff.signed_in'`)).rows;
    expect(events.map((e) => e.data.via)).toContain('oidc');
    await context.close();

    const stranger = await signInAtProvider('E9999');
    expect(await stranger.page.locator('[role=alert]').textContent()).toContain('未开通电子签约控制台');
    expect((await stranger.context.cookies()).find((c) => c.name === 'esign_console')).toBeUndefined();
    await stranger.context.close();
  });

  it('refuses a callback that did not start here (no state cookie)', async () => {
    const res = await fetch(`${svc.url}/console/sso/callback?code=abc&state=forged`);
    expect(res.status).toBe(403);
    expect(await res.text()).toContain('统一身份认证已超时或不是从本页面发起');
  });
});
