import type { SigningProgress } from '../../ceremony/signingProgress.js';
import { chineseDeadline, CONTRACT_STATUS_TEXT, SIGNER_STATUS_TEXT, slaText, chineseDateTime } from '../format.js';
import { html } from '../html.js';
import { page } from '../layout.js';
import { statusNotice, stepText } from './steps.js';

export function trackPage(token: string, p: SigningProgress): string {
  const sla = slaText(p.contract.status, p.deadline.sla);
  const closed = !['awaiting_signatures', 'partially_signed'].includes(p.contract.status);
  const tone = p.contract.status === 'completed' ? 'ok' : closed ? 'bad' : 'warn';
  const notice = statusNotice({ status: p.contract.status, next: p.next, parties: p.parties, utility: p.utility, voidReason: p.contract.voidReason }, p.you);
  const yourTurn = !closed && p.next?.you === true;
  const body = html`
<h1>办理进度</h1>
<p class="meta">${p.contract.title} · 合同编号 ${p.contract.contractNumber}</p>
<section class="card notice notice-${notice.tone}" aria-labelledby="status-h">
  <h2 id="status-h">${notice.title}</h2>
  <p><span id="contract-status" class="badge badge-${tone}" data-status="${p.contract.status}">${CONTRACT_STATUS_TEXT[p.contract.status] ?? p.contract.status}</span></p>
  <p id="next-step"><strong>下一步：</strong>${notice.text}</p>
  <p class="row">
    ${yourTurn ? html`<a class="button" id="go-sign" href="/sign/${token}">去签署</a>` : ''}
    <a class="button${yourTurn ? ' secondary' : ''}" id="download-current" href="${p.document.url}" download="${p.contract.contractNumber}.pdf">${p.contract.status === 'completed' ? '下载已签署的合同（PDF）' : '下载当前合同（PDF）'}</a>
    <a class="button secondary" href="/track/${token}">刷新</a>
  </p>
</section>
<section class="card" aria-labelledby="deadline-h">
  <h2 id="deadline-h">办理时限</h2>
  <dl class="terms">
    <div><dt>办理时限</dt><dd>${p.deadline.workingDays} 个工作日，截至 <time datetime="${p.deadline.at}">${chineseDeadline(p.deadline.at)}</time></dd></div>
    <div><dt>已用时</dt><dd>${p.deadline.workingDaysElapsed} 个工作日</dd></div>
    <div><dt>时限情况</dt><dd><span id="sla" class="badge badge-${sla.tone}" data-sla="${p.deadline.sla}">${sla.text}</span></dd></div>
  </dl>
</section>
<section class="card" aria-labelledby="parties-h">
  <h2 id="parties-h">签署方</h2>
  <ol class="parties">
    ${p.parties.map((s) => html`<li${p.next?.role === s.role ? html` aria-current="step"` : ''}>
      <span class="party">${s.role === 'utility' ? p.utility.name : s.label}${s.you ? '（您）' : ''}</span>
      <span class="badge badge-${s.status === 'signed' ? 'ok' : s.status === 'declined' ? 'bad' : 'muted'}">${SIGNER_STATUS_TEXT[s.status] ?? s.status}</span>
      ${s.signedAt ? html`<time datetime="${s.signedAt}">${chineseDateTime(s.signedAt)}</time>` : ''}
      ${s.declinedAt ? html`<time datetime="${s.declinedAt}">${chineseDateTime(s.declinedAt)}</time>` : ''}
    </li>`)}
  </ol>
</section>
<section class="card" aria-labelledby="steps-h">
  <h2 id="steps-h">办理过程</h2>
  <ol class="timeline" id="steps">
    ${p.steps.map((s) => html`<li data-step="${s.type}"><span>${stepText(s, p.utility.name)}</span> <time datetime="${s.at}">${chineseDateTime(s.at)}</time></li>`)}
  </ol>
</section>`;
  return page({ title: `办理进度 ${p.contract.contractNumber}`, body, contact: p.utility });
}
