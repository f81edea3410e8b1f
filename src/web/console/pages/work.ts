import { html, type SafeHtml } from '../../html.js';
import { chineseDateTime } from '../../format.js';
import type { ContractView } from '../../../contracts/contractView.js';
import type { BatchItemView, BatchView } from '../../../batches/batchService.js';
import { csrfField } from '../consoleLayout.js';
import { contractTable, type TemplateOption } from './contracts.js';

const count = (n: number, label: string, href: string, tone: string) =>
  html`<a class="tile tile-${tone}" href="${href}"><span class="tile-n">${n}</span><span class="tile-l">${label}</span></a>`;

/** What waits for the organisation today: its seal, what is due today, what is late; green channel first (the list's order). */
export function todayBody(o: { awaitingSeal: ContractView[]; atRisk: ContractView[]; overdue: ContractView[]; titles: Map<string, string>; canSeal: boolean }): SafeHtml {
  return html`<div class="tiles">
${count(o.awaitingSeal.length, '待本单位用印', '/console/contracts?awaiting=utility', 'brand')}
${count(o.atRisk.length, '今日到期', '/console/contracts?sla=at_risk', 'warn')}
${count(o.overdue.length, '已超时', '/console/contracts?sla=overdue', 'bad')}
</div>
${o.canSeal && o.awaitingSeal.length > 0 ? html`<p><a class="button" href="/console/countersign">批量用印（${o.awaitingSeal.length} 份）</a></p>` : ''}
${contractTable(o.awaitingSeal, { titles: o.titles, caption: '待本单位用印' })}
${contractTable(o.atRisk, { titles: o.titles, caption: '今日到期' })}
${contractTable(o.overdue, { titles: o.titles, caption: '已超时' })}`;
}

/** Contracts waiting for the seal, all selected; one TOTP code for the lot. */
export function countersignBody(o: { awaiting: ContractView[]; titles: Map<string, string>; staff: { csrf: string }; needsCode: boolean; error?: string }): SafeHtml {
  return html`${o.error ? html`<p class="msg msg-bad" role="alert">${o.error}</p>` : ''}
${o.awaiting.length === 0 ? html`<p class="help">没有等待本单位用印的合同。</p>` : html`<form method="post" action="/console/countersign" class="form">${csrfField(o.staff)}
${contractTable(o.awaiting, { titles: o.titles, select: true, caption: '待本单位用印' })}
<div class="narrow">
${o.needsCode ? html`<label for="code">动态码（身份验证器上的 6 位数字，整批输入一次）</label><input id="code" name="code" inputmode="numeric" autocomplete="one-time-code" pattern="\\d{6}" maxlength="6" required>` : ''}
<button type="submit">对选中的合同加盖电子印章</button></div></form>`}`;
}

const KIND_TEXT = { issue: '批量签发', countersign: '批量用印' };
const STATUS_TEXT = { queued: '排队中', running: '处理中', completed: '已完成' };

export function batchListBody(o: { items: BatchView[]; canIssue: boolean }): SafeHtml {
  return html`${o.canIssue ? html`<p><a class="button" href="/console/batches/new">上传表格批量签发</a></p>` : ''}
${o.items.length === 0 ? html`<p class="help">还没有批次。</p>` : html`<div class="table-wrap"><table class="data"><caption>最近的批次</caption>
<thead><tr><th scope="col">创建时间</th><th scope="col">类型</th><th scope="col">合同</th><th scope="col">进度</th><th scope="col">状态</th></tr></thead>
<tbody>${o.items.map((b) => html`<tr><td><a href="/console/batches/${b.id}">${chineseDateTime(b.createdAt)}</a></td><td>${KIND_TEXT[b.kind]}</td><td>${b.templateId ?? ''}</td>
<td>${b.total - b.pending} / ${b.total}${b.failed ? html`，失败 ${b.failed}` : ''}</td><td>${STATUS_TEXT[b.status]}</td></tr>`)}</tbody></table></div>`}`;
}

/** The upload form: the column template to download, the file, a preview of its errors (script) before anything is made. */
export function newBatchBody(o: { templates: TemplateOption[]; staff: { csrf: string }; error?: string; errors?: Array<{ row: number; column: string; message: string }> }): SafeHtml {
  return html`${o.error ? html`<p class="msg msg-bad" role="alert">${o.error}</p>` : ''}
<form method="post" action="/console/batches" enctype="multipart/form-data" class="card form" id="bulk-form">
${csrfField(o.staff)}
<label for="bulk-template">合同模板</label>
<select id="bulk-template" name="templateId">${o.templates.map((t) => html`<option value="${t.id}">${t.title}</option>`)}</select>
<p class="hint">先下载列模板填写，每行一份合同：${o.templates.map((t) => html`${t.title} <a href="/console/batches/template.xlsx?templateId=${t.id}">XLSX</a> / <a href="/console/batches/template.csv?templateId=${t.id}">CSV</a>　`)}</p>
<label for="bulk-file">表格文件（XLSX 或 UTF-8 CSV，最多 10 000 行）</label>
<input id="bulk-file" name="file" type="file" accept=".xlsx,.csv,application/vnd.openxmlformats-officedocument.spreadsheetml.sheet,text/csv" required>
<label class="check"><input type="checkbox" name="notify" value="false"> 不由本系统发送签署短信（由业务系统通知用户）</label>
<div class="row"><button type="button" id="bulk-preview" class="secondary" hidden>预览校验</button><button type="submit" id="bulk-create">创建批次</button></div>
<div id="bulk-result" aria-live="polite"></div>
</form>
${o.errors ? sheetErrorsTable(o.errors) : ''}`;
}

export function sheetErrorsTable(errors: Array<{ row: number; column: string; message: string }>): SafeHtml {
  return html`<div class="table-wrap"><table class="data" id="sheet-errors"><caption>有问题的行（${new Set(errors.map((e) => e.row)).size} 行）</caption>
<thead><tr><th scope="col">行</th><th scope="col">列</th><th scope="col">问题</th></tr></thead>
<tbody>${errors.map((e) => html`<tr><td>${e.row}</td><td>${e.column}</td><td>${e.message}</td></tr>`)}</tbody></table></div>`;
}

/** A batch's progress (updated by script while it runs) and its result, with the countersign step for a sealer. */
export function batchBody(o: { batch: BatchView; failedItems: BatchItemView[]; staff: { csrf: string }; canSeal: boolean; needsCode: boolean; notice?: string; error?: string }): SafeHtml {
  const b = o.batch;
  const done = b.total - b.pending;
  const pct = b.total === 0 ? 100 : Math.floor((done / b.total) * 100);
  return html`${o.notice ? html`<p class="msg msg-ok" role="status">${o.notice}</p>` : ''}${o.error ? html`<p class="msg msg-bad" role="alert">${o.error}</p>` : ''}
<section class="card" id="batch" data-status-url="/console/batches/${b.id}/status" data-status="${b.status}">
<h2>${KIND_TEXT[b.kind]}${b.templateId ? html` · ${b.templateId}` : ''}</h2>
<label for="batch-progress">进度</label>
<progress id="batch-progress" max="${b.total}" value="${done}">${pct}%</progress>
<p id="batch-counts" aria-live="polite">${STATUS_TEXT[b.status]}：已处理 <span data-count="done">${done}</span> / ${b.total}，${b.kind === 'issue' ? html`新建 <span data-count="created">${b.created}</span>，已存在 <span data-count="existing">${b.existing}</span>` : html`已用印 <span data-count="signed">${b.signed}</span>，跳过 <span data-count="skipped">${b.skipped}</span>`}，失败 <span data-count="failed">${b.failed}</span></p>
<p><a href="/console/batches/${b.id}/result.csv">下载结果（行 → 合同编号、签署链接或错误）</a></p>
</section>
${o.failedItems.length > 0 ? html`<div class="table-wrap"><table class="data"><caption>未成功的项目</caption>
<thead><tr><th scope="col">行</th><th scope="col">业务编号</th><th scope="col">原因</th></tr></thead>
<tbody>${o.failedItems.map((i) => html`<tr><td>${i.row ?? i.index + 1}</td><td>${i.reference ?? i.contractNumber ?? ''}</td><td>${i.message ?? i.code}</td></tr>`)}</tbody></table></div>` : ''}
${o.canSeal && b.kind === 'issue' && b.status === 'completed' && b.created + b.existing > 0 ? html`<form method="post" action="/console/batches/${b.id}/countersign" class="card form narrow">${csrfField(o.staff)}
<h2>对本批合同用印</h2>
${o.needsCode ? html`<label for="code">动态码</label><input id="code" name="code" inputmode="numeric" autocomplete="one-time-code" pattern="\\d{6}" maxlength="6" required>` : ''}
<button type="submit">对本批等待用印的合同加盖电子印章</button></form>` : ''}`;
}
