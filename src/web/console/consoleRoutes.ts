import express, { Router, type NextFunction, type Request, type Response } from 'express';
import multer from 'multer';
import QRCode from 'qrcode';
import type { Database } from '../../storage/db/database.js';
import type { ContractService } from '../../contracts/contractService.js';
import type { FollowUp } from '../../contracts/followUp.js';
import type { EvidenceService } from '../../contracts/evidence.js';
import type { WorkingCalendar } from '../../contracts/calendar/workingCalendar.js';
import { contractStatistics } from '../../contracts/statistics.js';
import type { Countersign } from '../../ceremony/countersign.js';
import type { BatchService } from '../../batches/batchService.js';
import { readSheet, sheetColumns, sheetTemplate } from '../../batches/spreadsheet.js';
import type { TemplateRegistry } from '../../documents/index.js';
import type { VerificationService } from '../../verify/verificationService.js';
import type { OrganisationService } from '../../organisations/organisationService.js';
import type { CertificateInfo } from '../../pki/index.js';
import type { StaffAccounts } from '../../staff/staffAccounts.js';
import type { StaffSessions } from '../../staff/staffSessions.js';
import { DomainError } from '../../domain/errors.js';
import type { RequestContext, Scope } from '../../domain/requestContext.js';
import { csv } from '../../domain/csv.js';
import { chinaDay } from '../../chinaTime.js';
import { sealPreviewPdf } from '../../signing/index.js';
import { STATUS } from '../../http/errors.js';
import { clientRateLimit } from '../../http/rateLimit.js';
import { sendBatchCsv } from '../../http/csv.js';
import { cookieValue } from '../../http/cookies.js';
import { html } from '../html.js';
import { noStore, pageHeaders } from '../headers.js';
import { consolePage, type ConsolePage } from './consoleLayout.js';
import { consoleSession, cookieOptions, csrfProtected, LOGIN_COOKIE, newLoginNonce, requireStaff, SESSION_COOKIE } from './consoleAuth.js';
import { loginBody, setupBody } from './pages/signIn.js';
import { contractDetailBody, contractListBody, verificationBody } from './pages/contracts.js';
import { batchBody, batchListBody, countersignBody, newBatchBody, todayBody } from './pages/work.js';
import { sealBody, statsBody, usersBody } from './pages/organisation.js';

export interface ConsoleDeps {
  db: Database;
  publicUrl: string;
  staffAccounts: StaffAccounts;
  staffSessions: StaffSessions;
  contracts: ContractService;
  countersign: Countersign;
  followUp: FollowUp;
  batches: BatchService;
  templates: TemplateRegistry;
  evidence: EvidenceService;
  verification: VerificationService;
  calendar: WorkingCalendar;
  organisations: Pick<OrganisationService, 'current' | 'apiKeys' | 'createApiKey' | 'revokeApiKey'>;
  pki: { currentCertificate(org: { id: string; name: string; creditCode: string }): Promise<CertificateInfo> };
  /** Sign-in attempts per client address per minute. */
  loginPerMinute: number;
  /** Single sign-on through the utility's identity provider, when it is configured. */
  sso?: Router;
}

/** Fixed notices after a redirect: a query parameter picks one, it never carries text. */
const DONE: Record<string, string> = {
  setup: '设置完成，请登录。',
  logout: '已退出登录。',
  sealed: '已加盖本单位电子印章。',
  voided: '合同已作废。',
  resent: '签署短信已重新发送。',
  extended: '办理时限已延长。',
  user: '用户已更新。',
};

const SHEET_LIMIT_BYTES = 8 * 1024 * 1024;

/** Only a path inside the console is a place to return to after sign-in. */
const safeNext = (next: unknown) => (typeof next === 'string' && /^\/console(\/|$|\?)/.test(next) && !next.startsWith('//') ? next : '/console');

export function consoleRoutes(deps: ConsoleDeps): Router {
  const secure = deps.publicUrl.startsWith('https:');
  const origin = new URL(deps.publicUrl).origin;
  const r = Router();
  const forms = express.urlencoded({ extended: false, limit: '256kb', parameterLimit: 1000 });
  const upload = multer({ storage: multer.memoryStorage(), limits: { fileSize: SHEET_LIMIT_BYTES, files: 1, fields: 20 } }).single('file');
  const csrf = csrfProtected(deps.staffSessions, origin);
  const originOf = (req: Request): Pick<RequestContext, 'ip' | 'userAgent'> => ({ ip: req.ip, userAgent: req.get('user-agent') });
  const ctxOf = (req: Request) => deps.staffSessions.contextOf(req.staff!.user, originOf(req));
  const scopeOf = (req: Request): Scope => ({ organisationId: req.staff!.user.organisationId });
  const has = (req: Request, ...roles: string[]) => roles.some((x) => req.staff!.user.roles.includes(x as never));
  const titles = (organisationId: string) => new Map(deps.templates.list(organisationId).map((t) => [t.id, t.title]));
  const templateOptions = (organisationId: string) => [...new Map(deps.templates.list(organisationId).map((t) => [t.id, { id: t.id, title: t.title }])).values()];

  async function send(req: Request, res: Response, p: Omit<ConsolePage, 'staff'>, status = 200) {
    const staff = req.staff
      ? { ...req.staff, csrf: deps.staffSessions.csrfToken(req.staff), organisationName: (await deps.organisations.current(req.staff.user.organisationId)).name }
      : undefined;
    res.status(status).type('html').send(consolePage({ ...p, staff }));
  }

  /** A form's domain error is shown on the page it came from, with the status its kind maps to. */
  const failed = (err: unknown) => {
    if (err instanceof DomainError) return { status: STATUS[err.kind], message: err.details?.[0]?.message && err.code !== 'invalid_totp' ? `${err.message}（${err.details[0].message}）` : err.message };
    throw err;
  };

  /** The TOTP step-up for sealing and minting keys: asked for once in a while (a session confirmed it in the last minutes is trusted). */
  async function confirmSeal(req: Request): Promise<void> {
    if (req.staff!.steppedUp) return;
    await deps.staffSessions.stepUp(req.staff!, String(req.body?.code ?? ''), originOf(req));
  }

  r.use(pageHeaders, noStore, (_req: Request, res: Response, next: NextFunction) => {
    // Same-origin, not no-referrer: under no-referrer a browser sends "Origin: null" with every form, and the
    // console checks that its forms come from its own origin. No console URL carries a token but the set-up
    // link, whose Referer then goes only to this origin.
    res.setHeader('Referrer-Policy', 'same-origin');
    next();
  });
  r.use(consoleSession(deps.staffSessions, secure));

  // --- sign-in, set-up, sign-out ---
  const loginNonce = (res: Response) => {
    const nonce = newLoginNonce();
    res.cookie(LOGIN_COOKIE, nonce, cookieOptions(secure));
    return nonce;
  };
  const loginFormIsOurs = (req: Request) => {
    const given = cookieValue(req, LOGIN_COOKIE);
    const o = req.get('origin');
    return Boolean(given) && given === req.body?._login && (!o || o === origin);
  };
  const renderLogin = (req: Request, res: Response, status: number, extra: { error?: string; notice?: string } = {}) =>
    send(req, res, { title: '登录', body: loginBody({ nonce: loginNonce(res), next: typeof req.query.next === 'string' ? safeNext(req.query.next) : (req.body?.next as string | undefined), sso: Boolean(deps.sso), ...extra }) }, status);

  r.get('/login', async (req, res) => {
    if (req.staff) return res.redirect(303, '/console');
    await renderLogin(req, res, 200, { notice: DONE[String(req.query.done)] });
  });
  r.post('/login', clientRateLimit(deps.loginPerMinute), forms, async (req, res) => {
    if (!loginFormIsOurs(req)) return renderLogin(req, res, 403, { error: '登录页面已过期，请重新输入' });
    try {
      const { token, session } = await deps.staffSessions.login(req.body, originOf(req));
      res.cookie(SESSION_COOKIE, token, cookieOptions(secure, session.expiresAt));
      res.clearCookie(LOGIN_COOKIE, cookieOptions(secure));
      res.redirect(303, safeNext(req.body.next));
    } catch (err) {
      const { status, message } = failed(err);
      await renderLogin(req, res, status, { error: message });
    }
  });
  if (deps.sso) r.use('/sso', deps.sso);

  const setupPage = async (req: Request, res: Response, status: number, error?: string) => {
    const { user, totpSecret, totpUri } = await deps.staffAccounts.setupFor(String(req.params.token), '供水电子签约');
    const qrSvg = totpUri ? await QRCode.toString(totpUri, { type: 'svg', margin: 1, width: 200 }) : undefined;
    await send(req, res, { title: '设置账户', body: setupBody({ user, nonce: loginNonce(res), qrSvg, totpSecret, error }) }, status);
  };
  r.get('/setup/:token', (req, res) => setupPage(req, res, 200));
  r.post('/setup/:token', clientRateLimit(deps.loginPerMinute), forms, async (req, res) => {
    if (!loginFormIsOurs(req)) return setupPage(req, res, 403, '页面已过期，请重新输入');
    try {
      await deps.staffAccounts.completeSetup(String(req.params.token), req.body, originOf(req));
      res.redirect(303, '/console/login?done=setup');
    } catch (err) {
      const { status, message } = failed(err);
      await setupPage(req, res, status, message);
    }
  });

  r.post('/logout', forms, requireStaff(), csrf, async (req, res) => {
    await deps.staffSessions.logout(req.staff!, originOf(req));
    res.clearCookie(SESSION_COOKIE, cookieOptions(secure));
    res.redirect(303, '/console/login?done=logout');
  });

  // --- what waits ---
  r.get('/', requireStaff(), async (req, res) => {
    const scope = scopeOf(req);
    const list = async (q: Record<string, string>) => (await deps.contracts.list(scope, { limit: '100', ...q })).items;
    const [awaitingSeal, atRisk, overdue] = await Promise.all([list({ awaiting: 'utility' }), list({ sla: 'at_risk' }), list({ sla: 'overdue' })]);
    await send(req, res, { title: '今日待办', active: 'today', body: todayBody({ awaitingSeal, atRisk, overdue, titles: titles(scope.organisationId!), canSeal: has(req, 'sealer') }) });
  });

  // --- contracts ---
  const LIST_KEYS = ['q', 'templateId', 'status', 'sla', 'priority', 'createdFrom', 'createdTo', 'awaiting', 'cursor'];
  r.get('/contracts', requireStaff(), async (req, res) => {
    const query = Object.fromEntries(LIST_KEYS.flatMap((k) => (typeof req.query[k] === 'string' && req.query[k] !== '' ? [[k, req.query[k] as string]] : [])));
    let page: Awaited<ReturnType<ContractService['list']>> = { items: [], nextCursor: null };
    let error: string | undefined;
    try {
      page = await deps.contracts.list(scopeOf(req), { ...query, limit: '50' });
    } catch (err) {
      error = failed(err).message;
    }
    await send(req, res, { title: '合同', active: 'contracts', body: contractListBody({ items: page.items, nextCursor: page.nextCursor, query, templates: templateOptions(req.staff!.user.organisationId), error }) }, error ? 400 : 200);
  });

  const detail = async (req: Request, res: Response, status = 200, error?: string) => {
    const contract = await deps.contracts.get(scopeOf(req), String(req.params.id));
    const events = await deps.contracts.events(scopeOf(req), contract.id);
    const staff = { csrf: deps.staffSessions.csrfToken(req.staff!) };
    const actions = { countersign: has(req, 'sealer'), needsCode: !req.staff!.steppedUp, void: has(req, 'clerk'), resend: has(req, 'clerk'), extend: has(req, 'clerk') };
    await send(req, res, {
      title: '合同详情', active: 'contracts', scripts: actions.countersign ? ['console.js'] : [],
      body: contractDetailBody({ contract, title: titles(contract.organisationId).get(contract.templateId) ?? contract.templateId, events, actions, staff, notice: DONE[String(req.query.done)], error }),
    }, status);
  };
  r.get('/contracts/:id', requireStaff(), (req, res) => detail(req, res));

  /** A form on the contract page: done, back to the page with a notice; refused, the page again with the reason. */
  const contractAction = (done: string, act: (req: Request, ctx: RequestContext) => Promise<unknown>) => async (req: Request, res: Response) => {
    try {
      await act(req, ctxOf(req));
      res.redirect(303, `/console/contracts/${String(req.params.id)}?done=${done}`);
    } catch (err) {
      const { status, message } = failed(err);
      await detail(req, res, status, message);
    }
  };
  r.post('/contracts/:id/countersign', forms, requireStaff('sealer'), csrf, contractAction('sealed', async (req, ctx) => {
    await confirmSeal(req);
    const outcome = await deps.countersign.one(ctx, String(req.params.id));
    if (outcome.outcome !== 'signed') throw new DomainError('conflict', outcome.code ?? 'not_signed', outcome.message ?? '未能用印');
  }));
  r.post('/contracts/:id/void', forms, requireStaff('clerk'), csrf, contractAction('voided', (req, ctx) => deps.contracts.void(ctx, String(req.params.id), { reason: req.body.reason })));
  r.post('/contracts/:id/resend', forms, requireStaff('clerk'), csrf, contractAction('resent', (req, ctx) => deps.followUp.resendLink(ctx, String(req.params.id))));
  r.post('/contracts/:id/deadline', forms, requireStaff('clerk'), csrf, contractAction('extended', (req, ctx) =>
    deps.followUp.extendDeadline(ctx, String(req.params.id), { workingDays: Number(req.body.workingDays), reason: req.body.reason })));

  r.get('/contracts/:id/document', requireStaff(), async (req, res) => {
    const version = typeof req.query.version === 'string' ? Number(req.query.version) : undefined;
    const doc = await deps.contracts.document(scopeOf(req), String(req.params.id), Number.isInteger(version) ? version : undefined);
    await deps.contracts.recordDownload(ctxOf(req), String(req.params.id), doc);
    res.type('application/pdf').setHeader('Content-Disposition', `attachment; filename="${doc.contractNumber}-v${doc.version}.pdf"`);
    res.send(doc.bytes);
  });
  r.get('/contracts/:id/evidence', requireStaff(), async (req, res) => {
    const pdf = await deps.evidence.report(scopeOf(req), String(req.params.id));
    res.type('application/pdf').setHeader('Content-Disposition', `attachment; filename="evidence-${String(req.params.id)}.pdf"`);
    res.send(pdf);
  });
  r.get('/contracts/:id/verify', requireStaff(), async (req, res) => {
    const contract = await deps.contracts.get(scopeOf(req), String(req.params.id));
    const report = await deps.verification.verifyStored(ctxOf(req), contract.id);
    await send(req, res, { title: `验证 ${contract.contractNumber}`, active: 'contracts', body: verificationBody({ contract, report }) });
  });

  // --- countersigning many ---
  const countersignPage = async (req: Request, res: Response, status = 200, error?: string) => {
    const awaiting = (await deps.contracts.list(scopeOf(req), { awaiting: 'utility', limit: '100' })).items;
    await send(req, res, {
      title: '批量用印', active: 'countersign',
      body: countersignBody({ awaiting, titles: titles(req.staff!.user.organisationId), staff: { csrf: deps.staffSessions.csrfToken(req.staff!) }, needsCode: !req.staff!.steppedUp, error }),
    }, status);
  };
  r.get('/countersign', requireStaff('sealer'), (req, res) => countersignPage(req, res));
  r.post('/countersign', forms, requireStaff('sealer'), csrf, async (req, res) => {
    try {
      await confirmSeal(req);
      const ids = ([] as unknown[]).concat(req.body.ids ?? []);
      const batch = await deps.batches.countersignContracts(ctxOf(req), { ids });
      res.redirect(303, `/console/batches/${batch.id}`);
    } catch (err) {
      const { status, message } = failed(err);
      await countersignPage(req, res, status, message);
    }
  });

  // --- batches ---
  r.get('/batches', requireStaff(), async (req, res) => {
    const { items } = await deps.batches.list(scopeOf(req), { limit: '50' });
    await send(req, res, { title: '批次', active: 'batches', body: batchListBody({ items, canIssue: has(req, 'clerk') }) });
  });
  const newBatchPage = async (req: Request, res: Response, status = 200, extra: { error?: string; errors?: Array<{ row: number; column: string; message: string }> } = {}) =>
    send(req, res, { title: '批量签发', active: 'batches', scripts: ['console.js'], body: newBatchBody({ templates: templateOptions(req.staff!.user.organisationId), staff: { csrf: deps.staffSessions.csrfToken(req.staff!) }, ...extra }) }, status);
  r.get('/batches/new', requireStaff('clerk'), (req, res) => newBatchPage(req, res));
  r.get('/batches/template.:format', requireStaff('clerk'), async (req, res) => {
    const format = req.params.format === 'csv' ? 'csv' : req.params.format === 'xlsx' ? 'xlsx' : undefined;
    const template = deps.templates.get(String(req.query.templateId ?? ''), undefined, req.staff!.user.organisationId);
    if (!format || !template) throw new DomainError('not_found', 'template_not_found', '没有这个合同模板');
    const file = await sheetTemplate(sheetColumns(template.schema as never), template.example as Record<string, unknown>, format);
    res.type(format === 'csv' ? 'text/csv; charset=utf-8' : 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet');
    res.setHeader('Content-Disposition', `attachment; filename="${template.id}-v${template.version}.${format}"`);
    res.send(file);
  });

  /** The uploaded sheet read into rows, with the template it is for. */
  async function sheetOf(req: Request) {
    const file = req.file;
    if (!file) throw new DomainError('invalid', 'file_missing', '请选择要上传的表格文件');
    const format = /\.csv$/i.test(file.originalname) ? 'csv' : /\.xlsx$/i.test(file.originalname) ? 'xlsx' : undefined;
    if (!format) throw new DomainError('unsupported_media', 'unsupported_sheet', '只支持 XLSX 或 CSV 文件');
    const templateId = String(req.body.templateId ?? '');
    const template = deps.templates.get(templateId, undefined, req.staff!.user.organisationId);
    if (!template) throw new DomainError('not_found', 'template_not_found', '没有这个合同模板');
    const { items, errors } = await readSheet(file.buffer, format, sheetColumns(template.schema as never));
    return { templateId, items, cellErrors: errors, options: req.body.notify === 'false' ? { notify: false } : {} };
  }
  const uploaded = (req: Request, res: Response, next: NextFunction) =>
    upload(req, res, (err: unknown) => {
      if (err) return next(new DomainError('too_large', 'sheet_too_large', `表格文件不能超过 ${SHEET_LIMIT_BYTES / 1024 / 1024} MB`));
      next();
    });
  r.post('/batches/preview', requireStaff('clerk'), uploaded, csrf, async (req, res) => {
    try {
      const plan = await deps.batches.previewSheet(ctxOf(req), await sheetOf(req));
      res.json({ total: plan.total, valid: plan.valid, errors: plan.errors.map(({ row, column, code, message }) => ({ row, column, code, message })) });
    } catch (err) {
      const { status, message } = failed(err);
      res.status(status).json({ error: { message } });
    }
  });
  r.post('/batches', requireStaff('clerk'), uploaded, csrf, async (req, res) => {
    try {
      const { batch } = await deps.batches.submitSheet(ctxOf(req), await sheetOf(req));
      res.redirect(303, `/console/batches/${batch.id}`);
    } catch (err) {
      const { status, message } = failed(err);
      await newBatchPage(req, res, status, { error: message });
    }
  });

  const batchPage = async (req: Request, res: Response, status = 200, error?: string) => {
    const batch = await deps.batches.get(scopeOf(req), String(req.params.id));
    const unsuccessful = async (status: 'failed' | 'skipped', n: number) => (n > 0 ? (await deps.batches.items(scopeOf(req), batch.id, { status, limit: '200' }, false)).items : []);
    const failedItems = [...(await unsuccessful('failed', batch.failed)), ...(await unsuccessful('skipped', batch.skipped))].sort((a, b) => a.index - b.index);
    await send(req, res, {
      title: '批次', active: 'batches', scripts: ['console.js'],
      body: batchBody({ batch, failedItems, staff: { csrf: deps.staffSessions.csrfToken(req.staff!) }, canSeal: has(req, 'sealer'), needsCode: !req.staff!.steppedUp, error }),
    }, status);
  };
  r.get('/batches/:id', requireStaff(), (req, res) => batchPage(req, res));
  r.get('/batches/:id/status', requireStaff(), async (req, res) => {
    res.json(await deps.batches.get(scopeOf(req), String(req.params.id)));
  });
  r.get('/batches/:id/result.csv', requireStaff(), async (req, res) => {
    // Signing links are credentials: the staff who send them (clerks) get them, auditors do not.
    const { items } = await deps.batches.items(scopeOf(req), String(req.params.id), { limit: '10000' }, has(req, 'clerk'));
    sendBatchCsv(res, String(req.params.id), items);
  });
  r.post('/batches/:id/countersign', forms, requireStaff('sealer'), csrf, async (req, res) => {
    try {
      await confirmSeal(req);
      const batch = await deps.batches.countersign(ctxOf(req), String(req.params.id));
      res.redirect(303, `/console/batches/${batch.id}`);
    } catch (err) {
      const { status, message } = failed(err);
      await batchPage(req, res, status, message);
    }
  });

  // --- statistics ---
  const period = (req: Request) => {
    const today = chinaDay(new Date());
    const monthAgo = chinaDay(new Date(Date.now() - 29 * 86_400_000));
    const day = (v: unknown, fallback: string) => (typeof v === 'string' && /^\d{4}-\d{2}-\d{2}$/.test(v) ? v : fallback);
    const tomorrow = chinaDay(new Date(Date.parse(`${today}T12:00:00Z`) + 86_400_000));
    return { from: day(req.query.from, monthAgo), to: day(req.query.to, tomorrow), templateId: typeof req.query.templateId === 'string' && req.query.templateId ? req.query.templateId : undefined };
  };
  const statsOf = (req: Request, p: ReturnType<typeof period>) => contractStatistics(deps.db, deps.calendar, req.staff!.user.organisationId, p);
  r.get('/stats', requireStaff(), async (req, res) => {
    const p = period(req);
    const query = new URLSearchParams(Object.entries(p).filter((e): e is [string, string] => Boolean(e[1]))).toString();
    try {
      const stats = await statsOf(req, p);
      await send(req, res, { title: '统计', active: 'stats', body: statsBody({ stats, ...p, templates: templateOptions(req.staff!.user.organisationId), csvUrl: `/console/stats.csv?${query}` }) });
    } catch (err) {
      const { status, message } = failed(err);
      await send(req, res, { title: '统计', active: 'stats', body: html`<p class="msg msg-bad" role="alert">${message}</p><p><a href="/console/stats">返回</a></p>` }, status);
    }
  });
  r.get('/stats.csv', requireStaff(), async (req, res) => {
    const s = await statsOf(req, period(req));
    res.type('text/csv; charset=utf-8').setHeader('Content-Disposition', `attachment; filename="statistics-${s.from.slice(0, 10)}.csv"`);
    res.send(csv(
      ['day', 'created', 'completed'],
      [
        ...s.perDay.map((d) => [d.day, d.created, d.completed]),
        ['total', s.created, s.completed],
        ['eContractUseRate', s.eContractUseRate, ''],
        ['shareCompletedWithinDeadline', s.shareCompletedWithinDeadline, ''],
        ['workingDaysToCompleteMedian', s.workingDaysToComplete.median, ''],
        ['workingDaysToCompleteP90', s.workingDaysToComplete.p90, ''],
        ['shareDeclined', s.shareDeclined, ''],
        ['shareExpired', s.shareExpired, ''],
      ],
    ));
  });

  // --- seal and certificate ---
  const orgOf = (req: Request) => deps.organisations.current(req.staff!.user.organisationId);
  r.get('/seal', requireStaff(), async (req, res) => {
    const org = await orgOf(req);
    const certificate = await deps.pki.currentCertificate(org);
    const daysLeft = Math.floor((Date.parse(certificate.notAfter) - Date.now()) / 86_400_000);
    await send(req, res, { title: '印章与证书', active: 'seal', scripts: ['console.js'], body: sealBody({ organisation: org, certificate, daysLeft }) });
  });
  r.get('/seal.pdf', requireStaff(), async (req, res) => {
    const org = await orgOf(req);
    res.type('application/pdf').send(await sealPreviewPdf(org.name, org.sealNumber));
  });

  // --- users (the organisation's administrator) ---
  const usersPage = async (req: Request, res: Response, status = 200, extra: { created?: { username: string; setupUrl: string; setupExpiresAt: string }; newKey?: { key: string; role: string; label: string }; error?: string } = {}) => {
    const organisationId = req.staff!.user.organisationId;
    const [users, keys] = await Promise.all([deps.staffAccounts.list(organisationId), deps.organisations.apiKeys(organisationId)]);
    await send(req, res, { title: '用户与接口密钥', active: 'users', body: usersBody({ users, keys, staff: { csrf: deps.staffSessions.csrfToken(req.staff!) }, needsCode: !req.staff!.steppedUp, ...extra }) }, status);
  };
  r.get('/users', requireStaff('org_admin'), (req, res) => usersPage(req, res));
  const userAction = (act: (req: Request) => Promise<{ user: { username: string }; setupUrl?: string; setupExpiresAt?: string } | void>) => async (req: Request, res: Response) => {
    try {
      const done = await act(req);
      res.setHeader('Cache-Control', 'no-store');
      await usersPage(req, res, 200, done && done.setupUrl ? { created: { username: done.user.username, setupUrl: done.setupUrl, setupExpiresAt: done.setupExpiresAt! } } : {});
    } catch (err) {
      const { status, message } = failed(err);
      await usersPage(req, res, status, { error: message });
    }
  };
  // Managing users is as strong as sealing (a new sealer can be made): it too asks for a fresh code, also after single sign-on.
  r.post('/users', forms, requireStaff('org_admin'), csrf, userAction(async (req) => {
    await confirmSeal(req);
    return deps.staffAccounts.create(ctxOf(req), req.staff!.user.organisationId, { username: req.body.username, displayName: req.body.displayName, roles: ([] as unknown[]).concat(req.body.roles ?? []) });
  }));
  r.post('/users/:userId/setup-link', forms, requireStaff('org_admin'), csrf, userAction(async (req) => {
    await confirmSeal(req);
    return deps.staffAccounts.reissueSetup(ctxOf(req), req.staff!.user.organisationId, String(req.params.userId));
  }));
  r.post('/users/:userId/disable', forms, requireStaff('org_admin'), csrf, userAction(async (req) => {
    if (req.params.userId === req.staff!.user.id) throw new DomainError('conflict', 'cannot_disable_self', '不能停用自己的账户');
    await confirmSeal(req);
    await deps.staffAccounts.disable(ctxOf(req), req.staff!.user.organisationId, String(req.params.userId));
  }));

  // An API key acts for the organisation without a person: minting one asks for a fresh code, like a seal.
  r.post('/api-keys', forms, requireStaff('org_admin'), csrf, async (req, res) => {
    try {
      await confirmSeal(req);
      const key = await deps.organisations.createApiKey(ctxOf(req), req.staff!.user.organisationId, { role: req.body.role, label: req.body.label });
      res.setHeader('Cache-Control', 'no-store');
      await usersPage(req, res, 200, { newKey: { key: key.key, role: key.role, label: key.label } });
    } catch (err) {
      const { status, message } = failed(err);
      await usersPage(req, res, status, { error: message });
    }
  });
  r.post('/api-keys/:keyId/revoke', forms, requireStaff('org_admin'), csrf, userAction(async (req) => {
    await deps.organisations.revokeApiKey(ctxOf(req), req.staff!.user.organisationId, String(req.params.keyId));
  }));

  // Whatever else went wrong under /console is a page, not JSON.
  r.use('/', async (err: unknown, req: Request, res: Response, next: NextFunction) => {
    if (res.headersSent) return next(err);
    const known = err instanceof DomainError;
    const status = known ? STATUS[err.kind] : res.statusCode >= 400 ? res.statusCode : 500;
    if (!known && status === 500) return next(err);
    const message = known ? err.message : ((err as { consoleMessage?: string }).consoleMessage ?? '请求无法处理');
    await send(req, res, { title: status === 404 ? '未找到' : status === 403 ? '没有权限' : '无法完成', body: html`<p class="msg msg-bad" role="alert">${message}</p><p><a href="/console">返回今日待办</a></p>` }, status);
  });
  return r;
}

