import { html, type SafeHtml } from '../../html.js';
import { CONTRACT_STATUS_TEXT, SIGNER_STATUS_TEXT, chineseDateTime, chineseDeadline, slaText } from '../../format.js';
import type { ContractView } from '../../../contracts/contractView.js';
import type { EventView } from '../../../audit/auditTrail.js';
import type { VerificationReport } from '../../../verification/index.js';
import { csrfField } from '../consoleLayout.js';

export interface TemplateOption {
  id: string;
  title: string;
}

const badge = (c: Pick<ContractView, 'status' | 'sla'>) => {
  const s = slaText(c.status, c.sla);
  return html`<span class="badge badge-${s.tone}">${s.text}</span>`;
};

const applicants = (c: ContractView) => c.signers.filter((s) => s.kind === 'person').map((s) => s.name).join('、');

/** Whose turn it is, in words. */
export function nextParty(c: ContractView): string {
  if (c.status !== 'awaiting_signatures' && c.status !== 'partially_signed') return CONTRACT_STATUS_TEXT[c.status] ?? c.status;
  const next = [...c.signers].sort((a, b) => a.order - b.order).find((s) => s.status !== 'signed');
  return next ? `待${next.kind === 'organisation' ? '本单位用印' : `${next.label}签署`}` : '';
}

/** Contracts as a table: green channel marked, the deadline and its state, whose turn it is; optionally a checkbox per row. */
export function contractTable(items: ContractView[], o: { titles: Map<string, string>; select?: boolean; caption: string }): SafeHtml {
  if (items.length === 0) return html`<p class="help">${o.caption}：暂无。</p>`;
  return html`<div class="table-wrap"><table class="data">
<caption>${o.caption}（${items.length}）</caption>
<thead><tr>${o.select ? html`<th scope="col"><span class="sr-only">选择</span></th>` : ''}<th scope="col">合同编号</th><th scope="col">合同</th><th scope="col">用户</th><th scope="col">业务编号</th><th scope="col">办理时限</th><th scope="col">状态</th></tr></thead>
<tbody>${items.map(
    (c) => html`<tr>${o.select ? html`<td><input type="checkbox" name="ids" value="${c.id}" aria-label="选择 ${c.contractNumber}" checked></td>` : ''}
<td><a href="/console/contracts/${c.id}">${c.contractNumber}</a>${c.priority ? html` <span class="badge badge-warn">绿色通道</span>` : ''}</td>
<td>${o.titles.get(c.templateId) ?? c.templateId}</td><td>${applicants(c)}</td><td>${c.reference}</td>
<td>${chineseDeadline(c.deadline)} ${badge(c)}</td><td>${nextParty(c)}</td></tr>`,
  )}</tbody></table></div>`;
}

export function contractListBody(o: {
  items: ContractView[];
  query: Record<string, string | undefined>;
  templates: TemplateOption[];
  nextCursor: string | null;
  error?: string;
}): SafeHtml {
  const q = o.query;
  const option = (value: string, label: string, current?: string) => html`<option value="${value}"${value === (current ?? '') ? html` selected` : ''}>${label}</option>`;
  const next = new URLSearchParams(Object.entries({ ...q, cursor: o.nextCursor ?? undefined }).filter((e): e is [string, string] => Boolean(e[1])));
  return html`<form method="get" action="/console/contracts" class="card filters" role="search">
<div class="field"><label for="q">查找</label><input id="q" name="q" value="${q.q ?? ''}" placeholder="业务编号、合同编号、用户名称或手机号"></div>
<div class="field"><label for="templateId">合同类型</label><select id="templateId" name="templateId">${option('', '全部')}${o.templates.map((t) => option(t.id, t.title, q.templateId))}</select></div>
<div class="field"><label for="status">状态</label><select id="status" name="status">${option('', '全部')}${Object.entries(CONTRACT_STATUS_TEXT).map(([k, v]) => option(k, v, q.status))}</select></div>
<div class="field"><label for="sla">时限</label><select id="sla" name="sla">${option('', '全部')}${option('on_track', '按期进行中', q.sla)}${option('at_risk', '今日到期', q.sla)}${option('overdue', '已超时', q.sla)}${option('met', '按期办结', q.sla)}${option('missed', '未按期办结', q.sla)}</select></div>
<div class="field"><label for="priority">绿色通道</label><select id="priority" name="priority">${option('', '全部')}${option('true', '是', q.priority)}${option('false', '否', q.priority)}</select></div>
<div class="field"><label for="createdFrom">创建日期自</label><input id="createdFrom" name="createdFrom" type="date" value="${q.createdFrom ?? ''}"></div>
<div class="field"><label for="createdTo">至</label><input id="createdTo" name="createdTo" type="date" value="${q.createdTo ?? ''}"></div>
<div class="field"><button type="submit">查询</button></div>
</form>
${o.error ? html`<p class="msg msg-bad" role="alert">${o.error}</p>` : ''}
${contractTable(o.items, { titles: new Map(o.templates.map((t) => [t.id, t.title])), caption: '查询结果' })}
${o.nextCursor ? html`<p><a href="/console/contracts?${next.toString()}">下一页</a></p>` : ''}`;
}

const EVENT_TEXT: Record<string, string> = {
  'contract.created': '合同生成', 'signer.notified': '通知签署', 'signer.viewed': '查看合同', 'signer.signed': '签署',
  'signer.declined': '拒签', 'signer.correction_requested': '申请修改信息', 'contract.completed': '合同生效', 'contract.declined': '合同被拒签',
  'contract.expired': '合同过期', 'contract.voided': '合同作废', 'signer.code_sent': '发送验证码', 'signer.code_failed': '验证码错误',
  'signer.locked': '签署方锁定', 'document.downloaded': '下载文件', 'document.verified': '验证文件', 'certificate.issued': '签发证书',
  'contract.deadline_extended': '延长办理时限', 'signer.link_resent': '重发签署链接', 'signing_link.read': '读取签署链接',
};

export interface DetailActions {
  countersign: boolean;
  /** The seal needs a fresh TOTP code (none given in the last minutes). */
  needsCode: boolean;
  void: boolean;
  resend: boolean;
  extend: boolean;
}

export function contractDetailBody(o: {
  contract: ContractView;
  title: string;
  events: { chain: { valid: boolean }; events: EventView[] };
  actions: DetailActions;
  staff: { csrf: string };
  notice?: string;
  error?: string;
}): SafeHtml {
  const c = o.contract;
  const open = c.status === 'awaiting_signatures' || c.status === 'partially_signed';
  const a = o.actions;
  return html`${o.notice ? html`<p class="msg msg-ok" role="status">${o.notice}</p>` : ''}${o.error ? html`<p class="msg msg-bad" role="alert">${o.error}</p>` : ''}
<section class="card" aria-labelledby="summary-h"><h2 id="summary-h">${o.title} ${c.contractNumber}</h2>
<dl class="terms">
<div><dt>状态</dt><dd>${CONTRACT_STATUS_TEXT[c.status] ?? c.status}；${nextParty(c)}</dd></div>
<div><dt>办理时限</dt><dd>${chineseDeadline(c.deadline)}（${c.deadlineWorkingDays} 个工作日，已用 ${c.workingDaysElapsed} 个）${badge(c)}${c.priority ? html` <span class="badge badge-warn">绿色通道</span>` : ''}</dd></div>
<div><dt>业务编号</dt><dd>${c.reference}</dd></div>
<div><dt>创建时间</dt><dd>${chineseDateTime(c.createdAt)}</dd></div>
${c.closeReason ? html`<div><dt>终止原因</dt><dd>${c.closeReason}</dd></div>` : ''}
</dl></section>
<section class="card" aria-labelledby="parties-h"><h2 id="parties-h">签署方</h2>
<ol class="parties">${c.signers.map((s) => html`<li><strong>${s.label}</strong> ${s.name}：${SIGNER_STATUS_TEXT[s.status] ?? s.status}${s.signedAt ? html`（${chineseDateTime(s.signedAt)}）` : ''}${s.declineReason ? html`：${s.declineReason}` : ''}</li>`)}</ol></section>
${a.countersign && open ? html`<section class="card" aria-labelledby="seal-h"><h2 id="seal-h">用印</h2>
<div class="seal-preview" data-pdf="/console/seal.pdf" role="img" aria-label="本单位电子印章"></div>
<form method="post" action="/console/contracts/${c.id}/countersign" class="form narrow">${csrfField(o.staff)}
${a.needsCode ? html`<label for="seal-code">动态码（身份验证器上的 6 位数字）</label><input id="seal-code" name="code" inputmode="numeric" autocomplete="one-time-code" pattern="\\d{6}" maxlength="6" required>` : html`<p class="hint">已验证动态码，5 分钟内用印无需再次输入。</p>`}
<button type="submit">加盖本单位电子印章</button></form></section>` : ''}
${open && (a.void || a.resend || a.extend) ? html`<section class="card" aria-labelledby="act-h"><h2 id="act-h">办理</h2>
${a.resend ? html`<form method="post" action="/console/contracts/${c.id}/resend" class="inline">${csrfField(o.staff)}<button type="submit" class="secondary">重发签署短信</button></form>` : ''}
${a.extend ? html`<form method="post" action="/console/contracts/${c.id}/deadline" class="form narrow">${csrfField(o.staff)}
<label for="workingDays">延长办理时限（工作日）</label><input id="workingDays" name="workingDays" type="number" min="1" max="30" value="1" required>
<label for="extend-reason">原因</label><input id="extend-reason" name="reason" maxlength="500" required>
<button type="submit" class="secondary">延长时限</button></form>` : ''}
${a.void ? html`<form method="post" action="/console/contracts/${c.id}/void" class="form narrow">${csrfField(o.staff)}
<label for="void-reason">作废原因</label><input id="void-reason" name="reason" maxlength="500" required>
<button type="submit" class="danger">作废合同</button></form>` : ''}
</section>` : ''}
<section class="card" aria-labelledby="versions-h"><h2 id="versions-h">文件版本</h2>
<div class="table-wrap"><table class="data"><thead><tr><th scope="col">版本</th><th scope="col">原因</th><th scope="col">时间</th><th scope="col">SHA-256</th><th scope="col">下载</th></tr></thead>
<tbody>${c.versions.map((v) => html`<tr><td>第 ${v.version} 版</td><td>${v.reason}</td><td>${chineseDateTime(v.createdAt)}</td><td><code class="hash">${v.sha256}</code></td><td><a href="/console/contracts/${c.id}/document?version=${v.version}">PDF</a></td></tr>`)}</tbody></table></div>
<p><a href="/console/contracts/${c.id}/verify">验证最新版本的签名</a> · <a href="/console/contracts/${c.id}/evidence">下载存证报告</a></p></section>
<section class="card" aria-labelledby="events-h"><h2 id="events-h">办理记录</h2>
<p>${o.events.chain.valid ? html`<span class="badge badge-ok">记录链校验通过</span>` : html`<span class="badge badge-bad">记录链校验失败：记录可能被篡改</span>`}</p>
<ol class="timeline">${o.events.events.map((e) => html`<li><time>${chineseDateTime(e.at)}</time> ${EVENT_TEXT[e.type] ?? e.type}<span class="hint"> · ${e.actor.type === 'staff' ? `工作人员 ${e.actor.id}` : e.actor.type === 'signer' ? '签署方' : e.actor.type === 'system' ? '系统' : `接口 ${e.actor.id}`}</span></li>`)}</ol></section>`;
}

const VERDICT_TEXT: Record<string, string> = { valid: '有效', invalid: '无效', indeterminate: '无法确定', no_signatures: '没有签名' };

export function verificationBody(o: { contract: ContractView; report: VerificationReport }): SafeHtml {
  const tone = o.report.verdict === 'valid' ? 'ok' : 'bad';
  return html`<p class="msg msg-${tone}" role="status">第 ${o.contract.document.version} 版：${o.report.verdict === 'valid' ? '所有签名有效，文件签署后未被修改' : `验证结果：${VERDICT_TEXT[o.report.verdict] ?? o.report.verdict}`}</p>
<ol class="parties">${o.report.signatures.map((s) => html`<li>${s.type === 'document_timestamp' ? '文档时间戳' : (s.signer?.organisation ?? s.signer?.commonName ?? '签名')}：${VERDICT_TEXT[s.verdict] ?? s.verdict}${s.signingTime.value ? html`（${chineseDateTime(s.signingTime.value)}）` : ''}${s.reasons.length ? html`<span class="hint"> · ${s.reasons.join('；')}</span>` : ''}</li>`)}</ol>
<p><a href="/console/contracts/${o.contract.id}">返回合同</a></p>`;
}
