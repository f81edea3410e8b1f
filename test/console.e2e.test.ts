// The staff console driven in a real Chromium against the real service: set-up and sign-in with password
// and TOTP, finding and sealing a contract, sealing twenty at once, issuing 200 agreements from an XLSX
// with three bad rows, and the statistics charts.
import { mkdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import writeXlsxFile from 'write-excel-file/node';
import { startTestService, type TestService } from './support/harness.js';
import { available, CHROMIUM } from './support/checkers.js';
import { totpAt } from './support/consoleClient.js';
import { sheetColumns } from '../src/batches/spreadsheet.js';

const hasChromium = available('chromium');
const SHOTS = path.join(import.meta.dirname, '..', 'test-results');
const AXE = createRequire(import.meta.url).resolve('axe-core/axe.min.js');
const DESKTOP = { width: 1280, height: 900 };
const PASSWORD = 'water seal 2026 console';

let svc: TestService;
let browser: Browser;
let context: BrowserContext;
let page: Page;
let secret: string;
/** The service's clock runs ahead by this much: TOTP steps and step-up windows move with it. */
let shift = 0;
const now = () => new Date(Date.now() + shift);
const hosts = new Set<string>();
const cspViolations: string[] = [];

const shot = (name: string) => page.screenshot({ path: path.join(SHOTS, `console-${name}.png`), fullPage: true });
const poll = <T>(read: () => Promise<T>, timeout = 30_000) => expect.poll(read, { timeout, interval: 100 });

/** A water supply contract the applicant has signed: the utility's seal is next. */
async function awaitingSeal(reference: string) {
  const example = (await (await svc.call('workflow', 'GET', '/api/v1/templates/water-supply-contract')).json()).example;
  const c = await (await svc.call('workflow', 'POST', '/api/v1/contracts', { templateId: 'water-supply-contract', reference, variables: example, autoSign: false })).json();
  const token = c.signers[0].signingUrl.split('/').pop();
  const otp = await (await svc.call(null, 'POST', `/api/v1/signing/${token}/otp`, {})).json();
  expect((await svc.call(null, 'POST', `/api/v1/signing/${token}/sign`, { otp: otp.developmentCode, consent: true })).status).toBe(200);
  return c;
}

/**
 * axe-core on the page the main context shows, in a second context with the same session: axe is injected
 * as a script, which only a context that bypasses the CSP lets in (the main one keeps the CSP and is checked).
 */
async function axeViolations(): Promise<string[]> {
  const checking = await browser.newContext({ viewport: DESKTOP, locale: 'zh-CN', bypassCSP: true, storageState: await context.storageState() });
  const p = await checking.newPage();
  await p.goto(page.url());
  await p.addScriptTag({ path: AXE });
  const found = await p.evaluate(async () => {
    const r = await (window as unknown as { axe: { run(o: unknown): Promise<{ violations: { id: string; nodes: { target: string[] }[] }[] }> } }).axe.run({
      runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] },
    });
    return r.violations.map((v) => `${location.pathname} ${v.id}: ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`);
  });
  await checking.close();
  return found;
}

beforeAll(async () => {
  if (!hasChromium) return;
  mkdirSync(SHOTS, { recursive: true });
  svc = await startTestService({ objectStore: 's3', env: { NODE_ENV: 'development', RATE_LIMIT_API_KEY_PER_MINUTE: '0', RATE_LIMIT_SIGNING_IP_PER_MINUTE: '0' }, overrides: { clock: now } });
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  context = await browser.newContext({ viewport: DESKTOP, locale: 'zh-CN', acceptDownloads: true });
  page = await context.newPage();
  page.on('request', (r) => hosts.add(new URL(r.url()).hostname));
  page.on('console', (m) => {
    if (/Content Security Policy/i.test(m.text())) cspViolations.push(m.text());
  });
}, 60_000);

afterAll(async () => {
  await context?.close().catch(() => undefined);
  await browser?.close();
  await svc?.stop();
});

describe.skipIf(!hasChromium)('the staff console in Chromium', () => {
  afterEach(() => {
    expect([...hosts].filter((h) => h !== '127.0.0.1')).toEqual([]);
    expect(cspViolations).toEqual([]);
  });

  it('sets an account up from its link and signs in with password and TOTP', async () => {
    const created = await (await svc.call('admin', 'POST', '/api/v1/organisations/default/users', { username: 'chen.seal', displayName: '陈用印', roles: ['clerk', 'sealer'] })).json();
    await page.goto(created.setupUrl);
    await shot('setup');
    secret = (await page.locator('#totp-secret').textContent())!;
    expect(secret).toMatch(/^[A-Z2-7]{16,}$/);
    await page.fill('#password', PASSWORD);
    await page.fill('#confirm', PASSWORD);
    await page.fill('#code', await totpAt(secret, now()));
    await page.click('button[type=submit]');
    await page.waitForURL(/\/console\/login\?done=setup$/);
    await poll(() => page.locator('.msg-ok').textContent()).toContain('设置完成');

    shift += 30_000;
    await page.fill('#username', 'chen.seal');
    await page.fill('#password', PASSWORD);
    await page.fill('#code', '000000');
    await page.click('button[type=submit]');
    await poll(() => page.locator('[role=alert]').textContent()).toContain('用户名、密码或动态码不正确');
    await page.fill('#username', 'chen.seal');
    await page.fill('#password', PASSWORD);
    await page.fill('#code', await totpAt(secret, now()));
    await page.click('button[type=submit]');
    await page.waitForURL(/\/console$/);
    await poll(() => page.locator('h1').textContent()).toBe('今日待办');
    const cookie = (await context.cookies()).find((c) => c.name === 'esign_console')!;
    expect([cookie.httpOnly, cookie.sameSite, cookie.path]).toEqual([true, 'Strict', '/console']);
  });

  it('finds a contract by its reference and seals it, the seal drawn as the contract will show it', async () => {
    const c = await awaitingSeal('CONSOLE-FIND-0001');
    await page.goto(`${svc.url}/console`);
    await poll(() => page.locator('.tile-brand .tile-n').textContent()).toBe('1');
    await page.click('nav >> text=合同');
    await page.fill('#q', 'CONSOLE-FIND');
    await page.click('form[role=search] button[type=submit]');
    await page.waitForURL(/\/console\/contracts\?q=CONSOLE-FIND/);
    await poll(() => page.locator('table.data tbody tr').count()).toBe(1);
    await page.click(`text=${c.contractNumber}`);
    await page.waitForURL(new RegExp(`/console/contracts/${c.id}$`));
    await page.waitForSelector('.seal-preview canvas', { timeout: 30_000 });
    await shot('contract');
    // Signed in with a code a moment ago: no second code for the seal.
    expect(await page.locator('#seal-code').count()).toBe(0);
    await page.click('text=加盖本单位电子印章');
    await page.waitForURL(/\?done=sealed$/);
    await poll(() => page.locator('.msg-ok').textContent()).toContain('已加盖本单位电子印章');
    const view = await (await svc.call('auditor', 'GET', `/api/v1/contracts/${c.id}`)).json();
    expect(view.status).toBe('completed');
    await poll(() => page.locator('.timeline').textContent()).toContain('工作人员 chen.seal');
    expect(await page.locator('.badge-ok', { hasText: '记录链校验通过' }).count()).toBe(1);
  });

  it('seals twenty contracts at once with one TOTP code, with a progress bar and each outcome', async () => {
    const twenty = [];
    for (let i = 0; i < 20; i++) twenty.push(await awaitingSeal(`CONSOLE-BATCH-${String(i).padStart(2, '0')}`));
    // Six minutes on, the seal asks for a fresh code: once for the twenty.
    shift += 6 * 60_000;
    await page.goto(`${svc.url}/console/countersign`);
    await poll(() => page.locator('input[name=ids]:checked').count()).toBe(20);
    await page.fill('#code', await totpAt(secret, now()));
    await shot('countersign');
    await page.click('text=对选中的合同加盖电子印章');
    await page.waitForURL(/\/console\/batches\/[0-9a-f-]{36}$/);
    await expect(page.locator('#batch-progress')).toBeDefined();
    await poll(() => page.locator('[data-count=signed]').textContent(), 60_000).toBe('20');
    await shot('countersign-done');
    const statuses = await Promise.all(twenty.map(async (c) => (await (await svc.call('auditor', 'GET', `/api/v1/contracts/${c.id}`)).json()).status));
    expect(new Set(statuses)).toEqual(new Set(['completed']));
  });

  it('issues 200 reliability agreements from an XLSX: three bad rows named by row and column in the preview, 197 made', async () => {
    const template = await (await svc.call('workflow', 'GET', '/api/v1/templates/reliability-agreement')).json();
    const columns = sheetColumns(template.schema);
    const header = ['reference', 'priority', ...columns.map((c) => c.name)];
    const value = (o: unknown, p: string[]) => p.reduce<any>((v, k) => v?.[k], o);
    const rows = Array.from({ length: 200 }, (_, i) => {
      const variables = { ...template.example, customer: { ...template.example.customer, accountNumber: String(5_000_000 + i), mobile: `1390754${String(i).padStart(4, '0')}` } };
      return [`CUST-${String(i).padStart(4, '0')}`, i === 7 ? '是' : '', ...columns.map((c) => value(variables, c.path) ?? '')];
    });
    // Row 11 (item 9): a word where hours go; row 51: no customer name; row 101: the reference of row 2 again.
    rows[9][header.indexOf('target.annualInterruptionHours')] = '八小时';
    rows[49][header.indexOf('customer.name')] = '';
    rows[99][0] = rows[0][0];
    const file = await writeXlsxFile([header, ...rows].map((r) => r.map((v) => ({ value: typeof v === 'number' ? v : String(v) }))) as never).toBuffer();

    await page.goto(`${svc.url}/console/batches/new`);
    await page.selectOption('#bulk-template', 'reliability-agreement');
    await page.setInputFiles('#bulk-file', { name: 'customers.xlsx', mimeType: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet', buffer: file });
    await page.click('#bulk-preview');
    await poll(() => page.locator('#preview-summary').textContent()).toBe('共 200 行：197 行可以签发，3 行有问题（不会签发，见下表）。');
    const errors = await page.locator('#preview-errors tbody tr').evaluateAll((trs) => trs.map((tr) => [...tr.querySelectorAll('td')].slice(0, 2).map((td) => td.textContent)));
    expect(errors).toEqual([['11', 'target.annualInterruptionHours'], ['51', 'customer.name'], ['101', 'reference']]);
    await shot('bulk-preview');

    await page.click('#bulk-create');
    await page.waitForURL(/\/console\/batches\/[0-9a-f-]{36}$/);
    await poll(() => page.locator('[data-count=created]').textContent(), 90_000).toBe('197');
    await poll(() => page.locator('[data-count=failed]').textContent()).toBe('3');
    await shot('bulk-done');
    const failedRows = await page.locator('table.data tbody tr').evaluateAll((trs) => trs.map((tr) => tr.querySelector('td')!.textContent));
    expect(failedRows).toEqual(['11', '51', '101']);

    const [download] = await Promise.all([page.waitForEvent('download'), page.click('text=下载结果')]);
    const lines = (await (await import('node:fs/promises')).readFile((await download.path())!, 'utf8')).replace(/^\uFEFF/, '').trim().split('\r\n');
    expect(lines).toHaveLength(201);
    const byRow = new Map(lines.slice(1).map((l) => [l.split(',')[1], l]));
    expect(byRow.get('2')).toMatch(/,CUST-0000,created,SYGS-\d{4}-\d{6},[0-9a-f-]{36},partially_signed,http:\/\/127\.0\.0\.1:\d+\/sign\/[\w-]+,,$/);
    expect(byRow.get('101')).toMatch(/,failed,.*duplicate_reference/);
  });

  it('shows the statistics as charts a person can read, and every console page passes axe-core', async () => {
    await page.goto(`${svc.url}/console/stats`);
    await poll(() => page.locator('#chart-daily rect').count()).toBeGreaterThan(0);
    const created = Number(await page.locator('.figure', { hasText: '新建合同' }).locator('.figure-v').textContent());
    expect(created).toBe(1 + 20 + 197);
    expect(await page.locator('#chart-days title').first().textContent()).toBe('从创建到生效的工作日数（份数）');
    await shot('stats');
    const found: string[] = [];
    for (const p of ['/console', '/console/contracts', '/console/stats', '/console/seal', '/console/batches', '/console/countersign']) {
      await page.goto(`${svc.url}${p}`);
      found.push(...(await axeViolations()));
    }
    await page.goto(`${svc.url}/console/seal`);
    await page.waitForSelector('.seal-preview canvas', { timeout: 30_000 });
    await shot('seal');
    expect(found).toEqual([]);
  });
});
