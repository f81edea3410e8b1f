// The pages people use, driven in a real Chromium against the real service.
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync } from 'node:fs';
import { PDFDocument } from 'pdf-lib';
import http from 'node:http';
import { createRequire } from 'node:module';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { annotsOf, appendRevision, documentObjects, withEntry } from './helpers/attackCorpus.js';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { startTestService, TEST_KEYS, type TestService } from './support/harness.js';
import { startSmsReceiver, type SmsReceiver } from './support/smsReceiver.js';
import { available, CHROMIUM, skipUnless } from './support/checkers.js';
import { pdfText, tempFile } from './support/pdfTools.js';

const hasChromium = available('chromium');

const SHOTS = path.join(import.meta.dirname, '..', 'test-results');
const AXE = createRequire(import.meta.url).resolve('axe-core/axe.min.js');
const PHONE = { width: 390, height: 844 };
const DESKTOP = { width: 1280, height: 900 };

let svc: TestService;
let sms: SmsReceiver;
let browser: Browser;
const contexts: BrowserContext[] = [];
/** Every host any page asked for, and every CSP violation reported on the console (checked after each test). */
const hosts = new Set<string>();
const cspViolations: string[] = [];
const offsite = () => [...hosts].filter((h) => h !== '127.0.0.1' && h !== 'localhost');

async function createContract(extra: Record<string, unknown> = {}) {
  const example = (await (await svc.call('workflow', 'GET', '/api/v1/templates/water-supply-contract')).json()).example;
  const res = await svc.call('workflow', 'POST', '/api/v1/contracts', {
    templateId: 'water-supply-contract', reference: `WEB-${Math.random().toString(36).slice(2)}`, variables: example, autoSign: false, ...extra,
  });
  expect(res.status).toBe(201);
  return res.json();
}

/** The applicant signs through the API (code from the SMS receiver), for the tests about what comes after. */
async function signedByApplicant() {
  const contract = await createContract();
  const applicant = contract.signers[0];
  const token = applicant.signingUrl.split('/').pop() as string;
  expect((await svc.call(null, 'POST', `/api/v1/signing/${token}/otp`, {})).status).toBe(202);
  const signed = await svc.call(null, 'POST', `/api/v1/signing/${token}/sign`, { otp: sms.codeFor(applicant.id), consent: true });
  expect(signed.status).toBe(200);
  return { contract, token };
}

async function completedContract() {
  const { contract, token } = await signedByApplicant();
  const res = await svc.call('utility', 'POST', `/api/v1/contracts/${contract.id}/signers/${contract.signers[1].id}/sign`);
  expect(res.status).toBe(200);
  return { contract, token };
}
let sharedCompleted: ReturnType<typeof completedContract> | undefined;
/** One completed contract for the tests that only read it, built by whichever runs first. */
const completed = () => (sharedCompleted ??= completedContract());

async function openPage(viewport: { width: number; height: number }): Promise<Page> {
  const context = await browser.newContext({ viewport, acceptDownloads: true, locale: 'zh-CN', deviceScaleFactor: 1 });
  contexts.push(context);
  const page = await context.newPage();
  page.on('request', (r) => {
    const u = new URL(r.url());
    if (u.protocol === 'http:' || u.protocol === 'https:') hosts.add(u.hostname);
  });
  page.on('console', (m) => {
    if (/Content Security Policy/i.test(m.text())) cspViolations.push(m.text());
  });
  return page;
}

/** Pages change after network calls: assertions wait for them (locators read the live DOM). */
const poll = <T>(read: () => Promise<T>) => expect.poll(read, { timeout: 20_000, interval: 100 });

const shot = (page: Page, name: string) => page.screenshot({ path: path.join(SHOTS, `${name}.png`), fullPage: true });

/** Waits for pdf.js to finish and counts non-white pixels of the first page's canvas. */
async function inkedPixels(page: Page): Promise<number> {
  await page.waitForSelector('#pdf[aria-busy="false"] canvas', { timeout: 30_000 });
  return page.$eval('#pdf canvas', (c) => {
    const canvas = c as HTMLCanvasElement;
    const data = canvas.getContext('2d')!.getImageData(0, 0, canvas.width, canvas.height).data;
    let n = 0;
    for (let i = 0; i < data.length; i += 4) if (data[i] < 200 && data[i + 3] > 0) n++;
    return n;
  });
}

/** Two strokes across the pad, as a finger would write: a wave and a cross bar. */
async function drawSignature(page: Page) {
  const box = (await page.locator('#pad').boundingBox())!;
  const at = (fx: number, fy: number) => [box.x + fx * box.width, box.y + fy * box.height] as const;
  await page.mouse.move(...at(0.1, 0.6));
  await page.mouse.down();
  for (let i = 1; i <= 24; i++) await page.mouse.move(...at(0.1 + i * 0.032, 0.6 - 0.3 * Math.sin(i / 3)));
  await page.mouse.up();
  await page.mouse.move(...at(0.2, 0.45));
  await page.mouse.down();
  for (let i = 1; i <= 10; i++) await page.mouse.move(...at(0.2 + i * 0.05, 0.45));
  await page.mouse.up();
}

/**
 * Dark pixels inside a signature field as poppler draws the page, in the left 60 % and the right 40 %
 * of the part above its legend line.
 */
async function fieldInk(pdf: Buffer, field: string): Promise<{ left: number; right: number }> {
  const doc = await PDFDocument.load(pdf);
  const widget = doc.getForm().getField(field).acroField.getWidgets()[0];
  const r = widget.getRectangle();
  const pages = doc.getPages();
  const index = pages.findIndex((p) => p.node.Annots()?.asArray().some((a) => a === widget.dict || doc.context.lookup(a) === widget.dict)) ;
  const page = index >= 0 ? index : pages.length - 1;
  const file = tempFile(pdf);
  const out = `${file}-p`;
  execFileSync('pdftoppm', ['-f', String(page + 1), '-l', String(page + 1), '-r', '144', '-gray', '-singlefile', file, out]);
  // The field as drawn, for a person to look at.
  const crop = (n: number) => String(Math.round(n * 2));
  execFileSync('pdftoppm', ['-f', String(page + 1), '-l', String(page + 1), '-r', '144', '-png', '-singlefile', '-x', crop(r.x - 10), '-y', crop(pages[page].getHeight() - r.y - r.height - 10),
    '-W', crop(r.width + 20), '-H', crop(r.height + 20), file, path.join(SHOTS, `${field}-appearance`)]);
  const pgm = readFileSync(`${out}.pgm`);
  const header = /^P5\s+(\d+)\s+(\d+)\s+255\s/.exec(pgm.subarray(0, 50).toString('latin1'))!;
  const [width, offset] = [Number(header[1]), header[0].length];
  const k = 2; // 144 dpi: two pixels per point
  const top = (pages[page].getHeight() - (r.y + r.height)) * k;
  const bottom = (pages[page].getHeight() - (r.y + r.height * 0.3)) * k;
  let left = 0;
  let right = 0;
  for (let y = Math.ceil(top); y < bottom; y++) {
    for (let x = Math.ceil(r.x * k); x < (r.x + r.width) * k; x++) {
      if (pgm[offset + y * width + x] >= 128) continue;
      if (x < (r.x + r.width * 0.6) * k) left++;
      else right++;
    }
  }
  return { left, right };
}

async function verifyByApi(pdf: Buffer) {
  const res = await fetch(`${svc.url}/api/v1/verify`, {
    method: 'POST', headers: { authorization: `Bearer ${TEST_KEYS.auditor}`, 'content-type': 'application/pdf' }, body: new Uint8Array(pdf),
  });
  expect(res.status).toBe(200);
  return res.json();
}

beforeAll(async () => {
  if (!hasChromium) return;
  mkdirSync(SHOTS, { recursive: true });
  sms = await startSmsReceiver();
  svc = await startTestService({ objectStore: 'folder', env: { SMS_WEBHOOK_URL: sms.url } });
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
      '--disable-component-update', '--disable-sync'],
  });
});

afterAll(async () => {
  for (const c of contexts) await c.close().catch(() => undefined);
  await browser?.close();
  await svc?.stop();
  await sms?.stop();
});

describe.skipIf(!hasChromium)('web pages in Chromium', () => {
  afterEach(() => {
    expect(offsite()).toEqual([]);
    expect(cspViolations).toEqual([]);
  });

  it('signs on a phone: contract rendered, code by SMS, wrong code refused, consent, success, download verifies', async () => {
    const contract = await createContract();
    const applicant = contract.signers[0];
    const page = await openPage(PHONE);
    const response = await page.goto(applicant.signingUrl);
    expect(response!.status()).toBe(200);
    const headers = response!.headers();
    expect(headers['content-security-policy']).toContain("script-src 'self'");
    expect(headers['content-security-policy']).not.toContain('unsafe-inline');
    expect(headers['referrer-policy']).toBe('no-referrer');
    expect(headers['cache-control']).toBe('no-store');
    expect(headers['x-content-type-options']).toBe('nosniff');

    await poll(() => page.locator('h1').innerText()).toBe('供用水合同');
    expect(await page.locator('#status h2').innerText()).toBe('请您签署');
    expect(await page.locator('.terms').first().innerText()).toContain('居民生活用水');
    // What costs money or rights, each from its clause and linked to it.
    const keyTerms = await page.locator('.key-terms').innerText();
    for (const label of ['交费期限', '逾期违约金', '欠费停水', '停水补偿', '维护分界', '争议解决', '自动续期']) expect(keyTerms).toContain(label);
    const link = page.locator('.key-terms a', { hasText: '第 3.4 条' });
    expect(await link.getAttribute('href')).toBe('#clause-3-4');
    expect(await page.locator('#clause-3-4').innerText()).toContain('日内交清水费');
    // The contract reads as text on the phone: body text at least 15 px, headings as headings, no sideways scrolling.
    const clauseSize = () => page.$eval('#clause-3-4', (e) => parseFloat(getComputedStyle(e).fontSize));
    expect(await clauseSize()).toBeGreaterThanOrEqual(15);
    expect(await page.locator('#contract-text h4').count()).toBeGreaterThan(5);
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(PHONE.width);
    const before = await clauseSize();
    await page.click('#text-larger');
    expect(await clauseSize()).toBeGreaterThan(before);
    // Consent opens only once the end of the text was on screen.
    expect(await page.locator('#consent').isDisabled()).toBe(true);
    await shot(page, 'sign-before-390');
    await page.locator('#doc-end').scrollIntoViewIfNeeded();
    await poll(() => page.locator('#consent').isDisabled()).toBe(false);
    // The PDF is one tap away and is the same contract.
    await page.click('#show-pdf');
    expect(await inkedPixels(page)).toBeGreaterThan(2000);
    expect(await page.locator('#pdf canvas').count()).toBeGreaterThan(1);
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(PHONE.width);

    await page.click('#otp-btn');
    await poll(() => page.locator('#otp-hint').innerText()).toContain('138****3210');
    await poll(() => page.locator('#otp-btn').innerText()).toContain('秒');
    expect(await page.locator('#otp-btn').isDisabled()).toBe(true);
    const code = sms.codeFor(applicant.id);

    await page.fill('#otp', code === '000000' ? '111111' : '000000');
    await page.check('#consent');
    await drawSignature(page);
    await poll(() => page.locator('#pad-state').innerText()).toContain('已手写');
    // Turned sideways and back, the drawing is still there.
    await page.setViewportSize({ width: 844, height: 390 });
    await page.setViewportSize(PHONE);
    expect(await page.$eval('#pad', (c) => {
      const canvas = c as HTMLCanvasElement;
      const data = canvas.getContext('2d')!.getImageData(0, 0, canvas.width, canvas.height).data;
      let ink = 0;
      for (let i = 3; i < data.length; i += 4) if (data[i] > 0) ink++;
      return ink;
    })).toBeGreaterThan(200);
    await page.click('#sign-btn');
    await poll(() => page.locator('#msg').innerText()).toContain('验证码不正确');
    await poll(() => page.locator('#msg').innerText()).toContain('还可以再试 4 次');
    expect(await page.evaluate(() => document.activeElement?.id)).toBe('msg');
    await shot(page, 'sign-wrong-code-390');

    await page.fill('#otp', code);
    await page.click('#sign-btn');
    // The outcome is at the top of the page: what happened, who acts next (named), the download.
    await poll(() => page.locator('#status h2').innerText()).toBe('签署成功');
    const utilityName = (await (await svc.call(null, 'GET', `/api/v1/signing/${applicant.signingUrl.split('/').pop()}`)).json()).utility.name;
    await poll(() => page.locator('#next-step').innerText()).toContain(`等待${utilityName}盖章，盖章后合同生效`);
    expect(await page.evaluate(() => document.activeElement?.id)).toBe('status');
    expect(await page.locator('#sign-form').count()).toBe(0);
    await shot(page, 'sign-after-390');

    const [download] = await Promise.all([page.waitForEvent('download'), page.click('#download-signed')]);
    const signedPdf = readFileSync((await download.path())!);
    expect(signedPdf.subarray(0, 5).toString()).toBe('%PDF-');
    const report = await verifyByApi(signedPdf);
    expect(report.verdict).toBe('valid');
    expect(report.signatures).toHaveLength(1);
    expect(report.registered.matched).toBe(true);
    // The drawing is in the signed appearance: ink where it was placed (left) and the printed name beside it (right).
    const ink = await fieldInk(signedPdf, 'sig_applicant');
    expect(ink.left, JSON.stringify(ink)).toBeGreaterThan(150);
    expect(ink.right, JSON.stringify(ink)).toBeGreaterThan(150);
    const { events } = await (await svc.call('auditor', 'GET', `/api/v1/contracts/${contract.id}/events`)).json();
    const drawn = events.find((e: any) => e.type === 'signer.signed').data.handwritten;
    expect(drawn.strokes).toBe(2);
    expect(drawn.sha256).toMatch(/^[0-9a-f]{64}$/);
  });

  it('reads a version-1 contract as text too, and shows the PDF itself when the text cannot be proved to match it', async () => {
    const v1 = await createContract({ templateVersion: 1 });
    const page = await openPage(PHONE);
    await page.goto(v1.signers[0].signingUrl);
    expect(await page.locator('#contract-text .clause').count()).toBeGreaterThan(20);
    // A line break in the data is a line break in the reading, as in the PDF.
    const example = (await (await svc.call('workflow', 'GET', '/api/v1/templates/water-supply-contract')).json()).example;
    const withBreak = await createContract({ variables: { ...example, otherTerms: '一、表前阀门由供水人维护。\n二、表后管道由用水人维护。' } });
    await page.goto(withBreak.signers[0].signingUrl);
    expect(await page.locator('#contract-text .clause', { hasText: '表前阀门' }).innerText()).toMatch(/维护。\n二、/);
    // A contract whose template folder no longer hashes as it did at generation: the text is not offered.
    const other = await createContract();
    await svc.service.db.query(`UPDATE contracts SET template_sha256 = $2 WHERE id = $1`, [other.id, 'f'.repeat(64)]);
    await page.goto(other.signers[0].signingUrl);
    expect(await page.locator('#contract-text').count()).toBe(0);
    expect(await page.locator('#consent').isDisabled()).toBe(true);
    expect(await inkedPixels(page)).toBeGreaterThan(2000);
    // Every page drawn: the reader saw the whole contract, so consent opens.
    await poll(() => page.locator('#consent').isDisabled()).toBe(false);
    // A preview that fails blocks signing instead of leaving it open.
    const third = await createContract();
    await svc.service.db.query(`UPDATE contracts SET template_sha256 = $2 WHERE id = $1`, [third.id, 'f'.repeat(64)]);
    await page.route('**/api/v1/signing/*/document', (route) => route.fulfill({ status: 503, body: '' }));
    await page.goto(third.signers[0].signingUrl);
    await poll(() => page.locator('#pdf-status').innerText()).toContain('加载失败');
    expect(await page.locator('#sign-btn').isDisabled()).toBe(true);
    expect(await page.locator('#consent').isDisabled()).toBe(true);
    await poll(() => page.locator('#msg').innerText()).toContain('暂时不能签署');
  });

  it('the utility countersigns and the track page shows the contract completed', async () => {
    const { contract, token } = await signedByApplicant();
    const res = await svc.call('utility', 'POST', `/api/v1/contracts/${contract.id}/signers/${contract.signers[1].id}/sign`);
    expect(res.status).toBe(200);
    expect((await res.json()).status).toBe('completed');

    for (const [viewport, name] of [[PHONE, 'track-390'], [DESKTOP, 'track-1280']] as const) {
      const page = await openPage(viewport);
      const response = await page.goto(`${svc.url}/track/${token}`);
      expect(response!.status()).toBe(200);
      expect(response!.headers()['cache-control']).toBe('no-store');
      await poll(() => page.locator('#contract-status').getAttribute('data-status')).toBe('completed');
      const steps = await page.locator('#steps li').evaluateAll((li) => li.map((l) => (l as HTMLElement).dataset.step));
      expect(steps[0]).toBe('created');
      expect(steps).toContain('code_sent');
      expect(steps.filter((s) => s === 'signed')).toHaveLength(2);
      expect(steps.at(-1)).toBe('completed');
      const text = await page.locator('main').innerText();
      expect(text).toMatch(/供水[^\n]*已盖章签署/);
      expect(text).not.toContain('去签署');
      expect(text).not.toContain('460200198803152423');
      await shot(page, name);
    }

    // Coming back to the link later shows the outcome instead of the form.
    const again = await openPage(PHONE);
    await again.goto(contract.signers[0].signingUrl);
    await poll(() => again.locator('#status h2').innerText()).toBe('合同已生效');
    expect(await again.locator('#next-step').innerText()).toContain('合同已生效');
    expect(await again.locator('#download-signed').count()).toBe(1);
    expect(await again.locator('#sign-form').count()).toBe(0);

    // The seal carries the signing date beside it: the v2 contract has no blank date line under it.
    const final = Buffer.from(await (await svc.call('auditor', 'GET', `/api/v1/contracts/${contract.id}/document`)).arrayBuffer());
    const seal = await fieldInk(final, 'sig_utility');
    expect(seal.right, JSON.stringify(seal)).toBeGreaterThan(100);
    expect(pdfText(tempFile(final))).not.toMatch(/日期：\s*年\s*月\s*日/);

    const progress = await (await svc.call(null, 'GET', `/api/v1/signing/${token}/progress`)).json();
    expect(progress.contract.status).toBe('completed');
    expect(progress.next).toBeNull();
    expect(JSON.stringify(progress)).not.toMatch(/陈冬梅|13876543210|460200198803152423|certificateSerial/);
  });

  it('keeps a signed applicant\'s contract readable after the link expired, behind a fresh SMS code', async () => {
    const { contract, token } = await signedByApplicant();
    const applicant = contract.signers[0];
    // Days later: the link has expired, the signing code is long past its resend wait.
    await svc.service.db.query(`UPDATE signers SET token_expires_at = now() - interval '1 minute' WHERE id = $1`, [applicant.id]);
    await svc.service.db.query(`UPDATE otp_challenges SET created_at = created_at - interval '1 day' WHERE signer_id = $1`, [applicant.id]);
    // Without a fresh code the link shows nothing of the contract.
    const api = await svc.call(null, 'GET', `/api/v1/signing/${token}/document`);
    expect(api.status).toBe(410);
    expect((await api.json()).error.code).toBe('access_expired');
    const page = await openPage(PHONE);
    await page.goto(applicant.signingUrl);
    expect(new URL(page.url()).pathname).toBe(`/track/${token}`);
    await poll(() => page.locator('h1').innerText()).toBe('查看已签署的合同');
    expect(await page.locator('main').innerText()).not.toContain(contract.contractNumber);
    await page.click('#otp-btn');
    await poll(() => page.locator('#otp-hint').innerText()).toContain('138****3210');
    await page.fill('#otp', sms.codeFor(applicant.id));
    await page.click('#reopen-btn');
    await poll(() => page.locator('#contract-status').getAttribute('data-status')).toBe('partially_signed');
    await shot(page, 'track-reopened-390');
    const [download] = await Promise.all([page.waitForEvent('download'), page.click('#download-current')]);
    expect(readFileSync((await download.path())!).subarray(0, 5).toString()).toBe('%PDF-');
    // The grant is an HttpOnly cookie: scripts on the page cannot read it.
    expect(await page.evaluate(() => document.cookie)).not.toContain('esign_read');
    // A party who never signed keeps no such access: their expired link is gone.
    const other = await createContract();
    await svc.service.db.query(`UPDATE signers SET token_expires_at = now() - interval '1 minute' WHERE id = $1`, [other.signers[0].id]);
    const otherToken = other.signers[0].signingUrl.split('/').pop();
    expect((await svc.call(null, 'POST', `/api/v1/signing/${otherToken}/access/otp`, {})).status).toBe(410);
    expect((await page.goto(other.signers[0].signingUrl))!.status()).toBe(410);
    // The gone page still names whom to call: the contract's own utility.
    expect(await page.locator('#contact').innerText()).toContain('客服电话');
    expect(await page.locator('main').innerText()).not.toContain('其他供水企业');
  });

  it('answers links with punctuation an SMS app glued on, unknown pages with a page, and serves the assets compressed', async () => {
    const c = await createContract();
    const page = await openPage(PHONE);
    for (const tail of ['。', '，', ')', '）']) {
      await page.goto(`${c.signers[0].signingUrl}${encodeURIComponent(tail)}`);
      await poll(() => page.locator('h1').innerText()).toBe('供用水合同');
    }
    const missing = await page.goto(`${svc.url}/no/such/page`);
    expect(missing!.status()).toBe(404);
    expect(await page.locator('h1').innerText()).toBe('页面不存在');
    expect(await page.locator('#contact').innerText()).toContain('客服电话');
    const api = await fetch(`${svc.url}/no/such/page`);
    expect(api.headers.get('content-type')).toContain('application/json');
    expect((await fetch(`${svc.url}/assets/favicon.svg`)).status).toBe(200);
    // The page's assets: versioned paths cached for a year, sent brotli-compressed to a browser that accepts it.
    const signPage = await (await fetch(c.signers[0].signingUrl)).text();
    const script = /<script type="module" src="([^"]+sign\.js)"/.exec(signPage)![1];
    expect(script).toMatch(/^\/assets\/v\/[0-9a-f]{12}\/sign\.js$/);
    const worker = script.replace('sign.js', 'pdfjs/pdf.worker.min.mjs');
    const raw = await new Promise<{ status: number; headers: Record<string, string | string[] | undefined>; bytes: number }>((resolve, reject) => {
      http.get(`${svc.url}${worker}`, { headers: { 'accept-encoding': 'br, gzip' } }, (res) => {
        let bytes = 0;
        res.on('data', (d: Buffer) => (bytes += d.length));
        res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, bytes }));
      }).on('error', reject);
    });
    expect(raw.status).toBe(200);
    expect(raw.headers['content-encoding']).toBe('br');
    expect(raw.headers['cache-control']).toContain('immutable');
    expect(raw.bytes).toBeLessThan(500_000);
    expect(raw.bytes).toBe(Number(raw.headers['content-length']));
    // A client that takes no compression gets the file as it is.
    const plain = await fetch(`${svc.url}${worker}`, { headers: { 'accept-encoding': 'identity' } });
    expect(plain.headers.get('content-encoding')).toBeNull();
    expect((await plain.arrayBuffer()).byteLength).toBeGreaterThan(1_000_000);
  });

  it('shows the signing page at desktop width too, and keyboard focus goes code → consent → sign', async () => {
    const c = await createContract();
    const page = await openPage(DESKTOP);
    await page.goto(c.signers[0].signingUrl);
    await page.locator('#doc-end').scrollIntoViewIfNeeded();
    await poll(() => page.locator('#consent').isDisabled()).toBe(false);
    await page.evaluate(() => window.scrollTo(0, 0));
    await shot(page, 'sign-before-1280');
    const order: string[] = [];
    for (let i = 0; i < 30; i++) {
      await page.keyboard.press('Tab');
      order.push(await page.evaluate(() => document.activeElement?.id || document.activeElement?.tagName || ''));
    }
    const [otp, consent, sign] = ['otp', 'consent', 'sign-btn'].map((id) => order.indexOf(id));
    // The focus ring stands out from the card behind it by at least 3:1 (WCAG 2.2 focus appearance).
    await page.focus('#otp');
    const ring = await page.evaluate(() => {
      const rgb = (c: string) => c.match(/\d+(\.\d+)?/g)!.slice(0, 3).map(Number);
      const lum = ([r, g, b]: number[]) => {
        const lin = (v: number) => ((v /= 255) <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4);
        return 0.2126 * lin(r) + 0.7152 * lin(g) + 0.0722 * lin(b);
      };
      const outline = lum(rgb(getComputedStyle(document.activeElement!).outlineColor));
      const card = lum(rgb(getComputedStyle(document.querySelector('#act')!).backgroundColor));
      return (Math.max(outline, card) + 0.05) / (Math.min(outline, card) + 0.05);
    });
    expect(ring).toBeGreaterThanOrEqual(3);
    expect(otp, order.join(' ')).toBeGreaterThan(-1);
    expect(consent).toBeGreaterThan(otp);
    expect(sign).toBeGreaterThan(consent);
    expect(order.indexOf('otp-btn')).toBeLessThan(otp);
  });

  it('verifies a file on /verify: the signed contract is green, a tampered copy red', async () => {
    const { contract } = await completed();
    const completedPdf = Buffer.from(await (await svc.call('auditor', 'GET', `/api/v1/contracts/${contract.id}/document`)).arrayBuffer());
    // A page one hundredth of a point narrower: still a well-formed PDF, no longer what was signed.
    const at = completedPdf.indexOf('595.28');
    expect(at).toBeGreaterThan(0);
    const tampered = Buffer.from(completedPdf);
    tampered.write('595.27', at, 'latin1');

    for (const [viewport, suffix] of [[DESKTOP, '1280'], [PHONE, '390']] as const) {
      const page = await openPage(viewport);
      const response = await page.goto(`${svc.url}/verify`);
      expect(response!.headers()['content-security-policy']).toContain("default-src 'self'");
      await page.setInputFiles('#file', { name: 'contract.pdf', mimeType: 'application/pdf', buffer: completedPdf });
      await poll(() => page.locator('#verdict').getAttribute('data-verdict')).toBe('valid');
      expect(await page.locator('.sig.sig-ok').count()).toBeGreaterThanOrEqual(3);
      await poll(() => page.locator('#registered-result').innerText()).toContain('本平台出具');
      await poll(() => page.locator('#download-json').getAttribute('download')).toMatch(/\.json$/);
      await shot(page, `verify-valid-${suffix}`);

      await page.setInputFiles('#file', { name: 'tampered.pdf', mimeType: 'application/pdf', buffer: tampered });
      await poll(() => page.locator('#verdict').getAttribute('data-verdict')).toBe('invalid');
      expect(await page.locator('.verdict-bad').count()).toBe(1);
      expect(await page.locator('.sig.sig-bad').count()).toBeGreaterThanOrEqual(1);
      await shot(page, `verify-tampered-${suffix}`);
    }
    // The version the applicant alone had signed: valid signatures, but amber, naming who is missing and that a newer version exists.
    const partial = Buffer.from(await (await svc.call('auditor', 'GET', `/api/v1/contracts/${contract.id}/document?version=2`)).arrayBuffer());
    const page = await openPage(PHONE);
    await page.goto(`${svc.url}/verify`);
    await page.setInputFiles('#file', { name: 'partial.pdf', mimeType: 'application/pdf', buffer: partial });
    await poll(() => page.locator('#verdict').getAttribute('data-verdict')).toBe('valid');
    expect(await page.locator('.verdict-warn .verdict-title').innerText()).toBe('签名有效，但尚未全部签署');
    expect(await page.locator('#verdict-title').evaluate((e) => e.tagName)).toBe('H3');
    expect(await page.locator('#verdict').innerText()).toContain('尚待供水人签署');
    expect(await page.locator('#parties').innerText()).toContain('已签署 1 / 2 方');
    expect(await page.locator('#newer-version').count()).toBe(1);
    await shot(page, 'verify-partial-390');

    // An annotation added after signing is allowed by PDF's rules, but the page must not show a plain pass.
    const doc = documentObjects(completedPdf);
    const n = doc.reader.size;
    const annotated = appendRevision(completedPdf, [
      [n, '<</Type /Annot /Subtype /FreeText /Rect [100 100 400 200] /Contents (0.00) /DA (/Helv 12 Tf 0 g)>>'],
      [doc.pageNum, withEntry(doc.page, 'Annots', `[${annotsOf(doc)} ${n} 0 R]`)],
    ]);
    await page.setInputFiles('#file', { name: 'annotated.pdf', mimeType: 'application/pdf', buffer: annotated });
    await poll(() => page.locator('.verdict-warn .verdict-title').innerText()).toBe('签名有效，但签署后添加了批注');
    expect(await page.locator('#verdict').getAttribute('data-verdict')).toBe('valid');
  });

  it('shows a registered document from the footer QR link, with version fingerprints and no personal data', async (ctx) => {
    const { contract } = await completed();
    const view = await (await svc.call('auditor', 'GET', `/api/v1/contracts/${contract.id}`)).json();
    const page = await openPage(PHONE);
    await page.goto(`${svc.url}/verify?doc=${contract.id}`);
    const text = await page.locator('#registered').innerText();
    expect(text).toContain(contract.contractNumber);
    for (const v of view.versions) expect(text).toContain(v.sha256);
    expect(text).not.toMatch(/陈冬梅|13876543210|460200198803152423/);
    await shot(page, 'verify-doc-390');
    // The QR and the link in the footer lead here.
    skipUnless(ctx, 'pdftotext');
    const signedPdf = Buffer.from(await (await svc.call('auditor', 'GET', `/api/v1/contracts/${contract.id}/document`)).arrayBuffer());
    expect(pdfText(tempFile(signedPdf))).toContain(`${svc.url}/verify?doc=${contract.id}`);
  });

  it('answers an unknown or malformed signing link with a page, not the app', async () => {
    const page = await openPage(PHONE);
    const res = await page.goto(`${svc.url}/sign/${'x'.repeat(43)}`);
    expect(res!.status()).toBe(404);
    await poll(() => page.locator('h1').innerText()).toBe('链接无效');
    expect(await page.locator('#sign-form').count()).toBe(0);
    const track = await page.goto(`${svc.url}/track/not-a-token`);
    expect(track!.status()).toBe(404);
  });

  it('every page an applicant meets passes axe-core (WCAG 2.1 A and AA) at phone width', async () => {
    const fresh = await createContract();
    const { contract, token } = await signedByApplicant();
    const expiredSigned = await signedByApplicant();
    await svc.service.db.query(`UPDATE signers SET token_expires_at = now() - interval '1 minute' WHERE id = $1`, [expiredSigned.contract.signers[0].id]);
    // axe is injected as a script: only this context lets the page's CSP allow it.
    const context = await browser.newContext({ viewport: PHONE, locale: 'zh-CN', bypassCSP: true });
    contexts.push(context);
    const page = await context.newPage();
    const pages = [
      fresh.signers[0].signingUrl, `${svc.url}/sign/${token}`, `${svc.url}/track/${token}`, `${svc.url}/track/${expiredSigned.token}`,
      `${svc.url}/sign/${'x'.repeat(43)}`, `${svc.url}/no/such/page`, `${svc.url}/verify`, `${svc.url}/verify?doc=${contract.id}`,
    ];
    const found: string[] = [];
    for (const url of pages) {
      await page.goto(url);
      await page.addScriptTag({ path: AXE });
      const violations = await page.evaluate(async () => {
        const r = await (window as unknown as { axe: { run(o: unknown): Promise<{ violations: { id: string; nodes: { target: string[] }[] }[] }> } }).axe.run({
          runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] },
        });
        return r.violations.map((v) => `${v.id}: ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`);
      });
      found.push(...violations.map((v) => `${new URL(url).pathname.slice(0, 20)} ${v}`));
    }
    expect(found).toEqual([]);
  });

  // Every test is held to this after it (afterEach); this one visits each kind of page itself.
  it('never leaves localhost and never breaks its CSP', async () => {
    const { contract, token } = await completed();
    const page = await openPage(PHONE);
    const asked = new Set<string>();
    page.on('request', (r) => asked.add(new URL(r.url()).host));
    await page.goto(`${svc.url}/sign/${token}`);
    await poll(() => page.locator('#status h2').innerText()).toBe('合同已生效');
    await page.goto(`${svc.url}/track/${token}`);
    await poll(() => page.locator('#contract-status').getAttribute('data-status')).toBe('completed');
    await page.goto(`${svc.url}/verify?doc=${contract.id}`);
    await poll(() => page.locator('#registered').innerText()).toContain(contract.contractNumber);
    expect([...asked]).toEqual([new URL(svc.url).host]);
    expect(offsite()).toEqual([]);
    expect(cspViolations).toEqual([]);
  });
});
