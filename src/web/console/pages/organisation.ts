import { html, type SafeHtml } from '../../html.js';
import { chineseDateTime } from '../../format.js';
import type { StaffUser } from '../../../staff/staffAccounts.js';
import { STAFF_ROLES } from '../../../staff/staffAccounts.js';
import { csrfField } from '../consoleLayout.js';
import { roleLabel } from '../consoleAuth.js';
import { barChart } from '../charts.js';
import type { TemplateOption } from './contracts.js';
import type { ApiKeyView } from '../../../organisations/organisationService.js';

/** A share as a percentage with one decimal, or a dash when there is nothing to share. */
const pct = (v: number | null) => (v === null ? '—' : `${(v * 100).toFixed(1)}%`);

export interface StatsFigures {
  created: number;
  completed: number;
  priority: number;
  workingDaysToComplete: { median: number | null; p90: number | null; distribution: Record<string, number> };
  perDay: Array<{ day: string; created: number; completed: number }>;
  eContractUseRate: number | null;
  shareCompletedWithinDeadline: number | null;
  shareDeclined: number | null;
  shareExpired: number | null;
  shareVoided: number | null;
}

export function statsBody(o: { stats: StatsFigures; from: string; to: string; templateId?: string; templates: TemplateOption[]; csvUrl: string; error?: string }): SafeHtml {
  const s = o.stats;
  const option = (value: string, label: string) => html`<option value="${value}"${value === (o.templateId ?? '') ? html` selected` : ''}>${label}</option>`;
  const figure = (label: string, value: string) => html`<div class="figure"><span class="figure-v">${value}</span><span class="figure-l">${label}</span></div>`;
  return html`<form method="get" action="/console/stats" class="card filters">
<div class="field"><label for="from">起始日期</label><input id="from" name="from" type="date" value="${o.from}" required></div>
<div class="field"><label for="to">截止日期（不含）</label><input id="to" name="to" type="date" value="${o.to}" required></div>
<div class="field"><label for="templateId">合同类型</label><select id="templateId" name="templateId">${option('', '全部')}${o.templates.map((t) => option(t.id, t.title))}</select></div>
<div class="field"><button type="submit">统计</button></div>
</form>
${o.error ? html`<p class="msg msg-bad" role="alert">${o.error}</p>` : ''}
<div class="figures">
${figure('新建合同', String(s.created))}${figure('已生效', String(s.completed))}${figure('绿色通道', String(s.priority))}
${figure('电子合同使用率（签署完成/新建）', pct(s.eContractUseRate))}${figure('按时限办结', pct(s.shareCompletedWithinDeadline))}
${figure('办结用时中位数（工作日）', s.workingDaysToComplete.median === null ? '—' : String(s.workingDaysToComplete.median))}
${figure('办结用时 90 分位（工作日）', s.workingDaysToComplete.p90 === null ? '—' : String(s.workingDaysToComplete.p90))}
${figure('拒签', pct(s.shareDeclined))}${figure('过期', pct(s.shareExpired))}${figure('作废', pct(s.shareVoided))}
</div>
${barChart({
    id: 'chart-daily',
    title: '每日新建与生效的合同',
    unit: ' 份',
    categories: s.perDay.map((d) => d.day.slice(5)),
    series: [
      { label: '新建', tone: 'chart-a', values: s.perDay.map((d) => d.created) },
      { label: '生效', tone: 'chart-b', values: s.perDay.map((d) => d.completed) },
    ],
  })}
${barChart({
    id: 'chart-days',
    title: '从创建到生效的工作日数（份数）',
    unit: ' 份',
    categories: Object.keys(s.workingDaysToComplete.distribution).map((k) => `${k} 天`),
    series: [{ label: '合同', tone: 'chart-a', values: Object.values(s.workingDaysToComplete.distribution) }],
  })}
<p><a href="${o.csvUrl}">导出 CSV</a></p>`;
}

export function sealBody(o: { organisation: { name: string; sealNumber: string; creditCode: string }; certificate: { serial: string; subject: string; notBefore: string; notAfter: string; status: string }; daysLeft: number }): SafeHtml {
  const c = o.certificate;
  const warn = o.daysLeft < 60;
  return html`${warn ? html`<p class="msg msg-bad" role="alert">单位证书将在 ${o.daysLeft} 天后到期：请联系平台管理员更换证书。</p>` : ''}
<div class="cols">
<section class="card" aria-labelledby="seal-h"><h2 id="seal-h">电子印章</h2>
<div class="seal-preview" data-pdf="/console/seal.pdf" role="img" aria-label="${o.organisation.name}电子印章"></div>
<p class="hint">印章编号 ${o.organisation.sealNumber}；与合同上加盖的印章为同一图样。</p></section>
<section class="card" aria-labelledby="cert-h"><h2 id="cert-h">单位证书</h2>
<dl class="terms">
<div><dt>主体</dt><dd>${c.subject}</dd></div>
<div><dt>序列号</dt><dd><code>${c.serial}</code></dd></div>
<div><dt>有效期</dt><dd>${chineseDateTime(c.notBefore)} 至 ${chineseDateTime(c.notAfter)}</dd></div>
<div><dt>状态</dt><dd>${c.status === 'good' ? '有效' : '已吊销'}</dd></div>
<div><dt>剩余天数</dt><dd><span class="badge badge-${warn ? 'bad' : 'ok'}">${o.daysLeft} 天</span></dd></div>
</dl></section></div>`;
}

const STATUS = { setup_pending: '待设置', active: '正常', locked: '已锁定', disabled: '已停用' };

const KEY_ROLES: Record<string, string> = { workflow: '业务系统（workflow）', utility: '供水单位（utility，可用印）', auditor: '审计（auditor，只读）' };

export function usersBody(o: {
  users: StaffUser[];
  keys: ApiKeyView[];
  staff: { csrf: string };
  needsCode: boolean;
  created?: { username: string; setupUrl: string; setupExpiresAt: string };
  newKey?: { key: string; role: string; label: string };
  error?: string;
}): SafeHtml {
  return html`${o.error ? html`<p class="msg msg-bad" role="alert">${o.error}</p>` : ''}
${o.created ? html`<div class="msg msg-ok" role="status"><p>已为 ${o.created.username} 生成设置链接（${chineseDateTime(o.created.setupExpiresAt)} 前有效，只显示这一次，请当面或通过内部渠道交给本人）：</p><p><code id="setup-url">${o.created.setupUrl}</code></p></div>` : ''}
<div class="table-wrap"><table class="data"><caption>本单位用户</caption>
<thead><tr><th scope="col">用户名</th><th scope="col">姓名</th><th scope="col">角色</th><th scope="col">状态</th><th scope="col">操作</th></tr></thead>
<tbody>${o.users.map((u) => html`<tr><td>${u.username}</td><td>${u.displayName}</td><td>${u.roles.map(roleLabel).join('、')}</td><td>${STATUS[u.status]}${u.totp ? '（已绑定动态码）' : ''}</td>
<td>${u.status === 'disabled' ? '' : o.needsCode ? html`<span class="hint">输入动态码后可操作（见下方新增用户）</span>` : html`<form method="post" action="/console/users/${u.id}/setup-link" class="inline">${csrfField(o.staff)}<button type="submit" class="button-link">重新发送设置链接</button></form>
<form method="post" action="/console/users/${u.id}/disable" class="inline">${csrfField(o.staff)}<button type="submit" class="button-link">停用</button></form>`}</td></tr>`)}</tbody></table></div>
<form method="post" action="/console/users" class="card form narrow">${csrfField(o.staff)}
<h2>新增用户</h2>
<label for="new-username">用户名（小写字母、数字、. _ -）</label><input id="new-username" name="username" required pattern="[a-z0-9][a-z0-9._\\-]{2,39}">
<label for="new-name">姓名</label><input id="new-name" name="displayName" required maxlength="60">
<fieldset><legend>角色</legend>${STAFF_ROLES.map((r) => html`<label class="check"><input type="checkbox" name="roles" value="${r}"> ${roleLabel(r)}</label>`)}</fieldset>
${o.needsCode ? html`<label for="user-code">动态码</label><input id="user-code" name="code" inputmode="numeric" autocomplete="one-time-code" pattern="\\d{6}" maxlength="6" required>` : ''}
<button type="submit">新增并生成设置链接</button></form>
${o.newKey ? html`<div class="msg msg-ok" role="status"><p>已生成接口密钥「${o.newKey.label}」（${KEY_ROLES[o.newKey.role] ?? o.newKey.role}），只显示这一次，请立即保存到业务系统的配置中：</p><p><code id="new-api-key">${o.newKey.key}</code></p></div>` : ''}
<div class="table-wrap"><table class="data"><caption>本单位接口密钥</caption>
<thead><tr><th scope="col">名称</th><th scope="col">角色</th><th scope="col">编号</th><th scope="col">创建时间</th><th scope="col">状态</th></tr></thead>
<tbody>${o.keys.map((k) => html`<tr><td>${k.label}</td><td>${KEY_ROLES[k.role] ?? k.role}</td><td><code>${k.id}</code></td><td>${chineseDateTime(k.createdAt)}</td>
<td>${k.revokedAt ? html`已吊销（${chineseDateTime(k.revokedAt)}）` : html`<form method="post" action="/console/api-keys/${k.id}/revoke" class="inline">${csrfField(o.staff)}<button type="submit" class="button-link">吊销</button></form>`}</td></tr>`)}</tbody></table></div>
<form method="post" action="/console/api-keys" class="card form narrow">${csrfField(o.staff)}
<h2>新增接口密钥</h2>
<label for="key-role">角色</label><select id="key-role" name="role">${Object.entries(KEY_ROLES).map(([v, l]) => html`<option value="${v}">${l}</option>`)}</select>
<label for="key-label">名称</label><input id="key-label" name="label" maxlength="100" required>
${o.needsCode ? html`<label for="key-code">动态码</label><input id="key-code" name="code" inputmode="numeric" autocomplete="one-time-code" pattern="\\d{6}" maxlength="6" required>` : ''}
<button type="submit">生成密钥</button></form>`;
}
