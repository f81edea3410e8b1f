import type { SigningService } from '../../ceremony/signingService.js';
import { chineseDate, chineseDateTime, meterTypeText } from '../format.js';
import { html, type SafeHtml } from '../html.js';
import { page } from '../layout.js';
import { codeInput } from './codeInput.js';
import { contractReading, keyTermsOf } from './contractReading.js';
import { statusNotice, type StatusNotice } from './steps.js';

export type SigningViewData = Awaited<ReturnType<SigningService['view']>>;
type Summary = SigningViewData['contract']['summary'];

function termText(term: unknown): string {
  const t = (term ?? {}) as { startDate?: string; endDate?: string };
  if (!t.startDate && !t.endDate) return '';
  return `${chineseDate(t.startDate)} 至 ${chineseDate(t.endDate)}`;
}

function keyTerms(s: Summary, termInClauses: boolean): SafeHtml {
  const meters = (s.meters ?? []).map((m) => [m.location, m.diameterDN ? `DN${m.diameterDN}` : '', meterTypeText(m.type)].filter(Boolean).join(' · '));
  const rows: [string, string | string[]][] = [
    ['用水地址', s.siteAddress ?? ''],
    ['用水性质', s.usageCategory ?? ''],
    ['水表', meters],
    ...(termInClauses ? [] : [['合同期限', termText(s.term)] as [string, string]]),
  ];
  return html`<dl class="terms">${rows
    .filter(([, v]) => (Array.isArray(v) ? v.length > 0 : v !== ''))
    .map(([k, v]) => html`<div><dt>${k}</dt><dd>${Array.isArray(v) ? v.map((x) => html`<span class="line">${x}</span>`) : v}</dd></div>`)}</dl>`;
}

const CONSENT =
  '我已阅读并理解本合同全部条款，同意依据《中华人民共和国电子签名法》以电子签名方式签署本合同；' +
  '该电子签名与手写签名或者盖章具有同等的法律效力。';

/** The code field every action on the contract needs: signing, declining, asking for a correction. */
function codeFields(v: SigningViewData): SafeHtml {
  return html`<p>点击“获取验证码”，验证码将以短信发送至您的手机 <strong>${v.signer.mobile ?? ''}</strong>。</p>
  ${codeInput()}`;
}

/** Declining ends the contract; a correction request leaves it open. Both need the code above. */
function otherActions(open: boolean): SafeHtml {
  return html`<details id="other-actions" class="decline"${open ? html` open` : ''}>
  <summary>信息有误或不同意签署</summary>
  <p class="help">以下操作也需要先获取并填写上方的短信验证码。</p>
  <form id="correction-form" class="stack" method="post" novalidate>
    <div class="field">
      <label for="correction-reason">需要修改的内容（必填）</label>
      <textarea id="correction-reason" name="reason" rows="3" maxlength="500" required aria-describedby="correction-help"></textarea>
      <p id="correction-help" class="help">例如姓名、证件号码或用水地址有误。合同保留，供水企业核实后会联系您。</p>
    </div>
    <button type="submit" id="correction-btn" class="secondary">信息有误，申请修改</button>
  </form>
  <form id="decline-form" class="stack" method="post" novalidate>
    <div class="field">
      <label for="reason">拒绝原因（必填）</label>
      <textarea id="reason" name="reason" rows="3" maxlength="500" required aria-describedby="decline-help"></textarea>
      <p id="decline-help" class="help">拒绝后合同终止、不会生效；如需办理，需要供水企业重新发起。</p>
    </div>
    <button type="submit" id="decline-btn" class="danger">确认拒绝签署</button>
  </form>
</details>`;
}

/** Optional: a signature drawn with a finger, placed beside the printed name in the signed PDF. */
function handwritingField(): SafeHtml {
  return html`<fieldset class="field handwriting" id="handwriting">
    <legend>手写签名（可选）</legend>
    <p class="help" id="pad-help">在框内用手指或鼠标写下您的姓名，它会和打印的姓名、签署时间一起显示在合同的签名处。不写也可以签署。</p>
    <canvas id="pad" class="pad" role="img" aria-label="手写签名框" aria-describedby="pad-help"></canvas>
    <p class="row"><button type="button" id="pad-clear" class="secondary small">重写</button><span id="pad-state" class="hint" aria-live="polite">尚未手写</span></p>
  </fieldset>`;
}

function signForm(v: SigningViewData): SafeHtml {
  return html`${codeFields(v)}
<form id="sign-form" class="stack" method="post" novalidate>
  ${v.handwriting ? handwritingField() : ''}
  <div class="check">
    <input type="checkbox" id="consent" name="consent" required disabled aria-describedby="consent-hint">
    <label for="consent">${CONSENT}</label>
  </div>
  <p id="consent-hint" class="help" aria-live="polite">请先阅读至合同末尾，之后可勾选。</p>
  <button type="submit" id="sign-btn" class="primary">同意并签署</button>
</form>
${otherActions(false)}`;
}

function readingSection(v: SigningViewData): SafeHtml {
  const pdfLink = html`<a href="${v.contract.documentUrl}" download="${v.contract.contractNumber}.pdf">下载 PDF</a>`;
  if (!v.text) {
    // The text could not be checked against the generated PDF: the PDF itself is what is read.
    return html`<p class="help">请完整阅读合同后再签署。${pdfLink}</p>
<div id="pdf" class="pdf" data-autoload aria-busy="true"><p id="pdf-status" class="hint" role="status">正在加载合同…</p></div>`;
  }
  return html`<div class="doc-tools row">
  <span class="hint" id="size-label">文字大小</span>
  <div class="row" role="group" aria-labelledby="size-label">
    <button type="button" class="secondary small" id="text-smaller">A−<span class="sr-only">（缩小文字）</span></button>
    <button type="button" class="secondary small" id="text-larger">A+<span class="sr-only">（放大文字）</span></button>
  </div>
  <button type="button" class="secondary small" id="show-pdf" aria-controls="pdf" aria-expanded="false">查看原版 PDF</button>
  ${pdfLink}
</div>
<p class="help">下方文字与 PDF 原版由同一份合同数据生成，内容一致。请阅读至“合同全文完”。</p>
${contractReading(v.text)}
<div id="pdf" class="pdf" hidden aria-busy="false"></div>`;
}

function termsSection(v: SigningViewData): SafeHtml {
  const terms = v.text ? keyTermsOf(v.text) : [];
  return html`<section class="card" aria-labelledby="terms-h">
  <h2 id="terms-h">合同要点</h2>
  ${keyTerms(v.contract.summary, terms.length > 0)}
  ${terms.length > 0 ? html`<h3 class="terms-sub">涉及费用和权利的条款</h3><dl class="terms key-terms">${terms.map((t) => html`<div><dt>${t.label}</dt><dd>${t.text} <a href="${t.href}">（第 ${t.clause} 条）</a>${t.note ? html`<span class="note">${t.note}</span>` : ''}</dd></div>`)}</dl>` : ''}
</section>`;
}

function statusActions(token: string, v: SigningViewData, notice: StatusNotice): SafeHtml {
  const tel = html`<a class="button secondary" href="tel:${v.utility.phone.replace(/[^\d+]/g, '')}">拨打客服电话 ${v.utility.phone}</a>`;
  const track = html`<a class="button secondary" id="track-link" href="/track/${token}">查看办理进度</a>`;
  if (v.signer.status === 'signed') {
    return html`<p class="row"><a class="button" id="download-signed" href="/api/v1/signing/${token}/document" download="${v.contract.contractNumber}.pdf">下载已签署的合同（PDF）</a>${track}</p>`;
  }
  if (notice.tone === 'bad') return html`<p class="row">${tel}${track}</p>`;
  if (v.yourTurn) return html`<p class="row"><a class="button" href="#act">去签署</a></p>`;
  return html`<p class="row">${track}</p>`;
}

const open = (status: string) => status === 'awaiting_signatures' || status === 'partially_signed';

/** `v` read with { page: true }: it carries the progress and, where it can be proved, the text. */
export function signPage(token: string, v: SigningViewData): string {
  const p = v.progress!;
  const situation = { status: p.contract.status, next: p.next, parties: p.parties, utility: p.utility, voidReason: p.contract.voidReason };
  const notice = statusNotice(situation, v.signer);
  const canSign = v.yourTurn && v.signer.status !== 'signed';
  // Before their turn a party can already refuse the terms or point out a mistake, not sign.
  const canObject = !canSign && open(p.contract.status) && v.signer.status !== 'signed' && v.signer.status !== 'declined';
  const body = html`
<div id="app" data-document-url="${v.contract.documentUrl}" data-contract-number="${v.contract.contractNumber}">
<h1>${v.contract.title}</h1>
<p class="meta">合同编号 ${v.contract.contractNumber} · 签署方：${v.signer.label} ${v.signer.name}</p>
<section id="status" class="card notice notice-${notice.tone}" aria-labelledby="status-h" tabindex="-1" data-status="${p.contract.status}">
  <h2 id="status-h">${v.signer.status === 'signed' && p.contract.status !== 'completed' ? '签署成功' : notice.title}</h2>
  <p id="next-step">${v.signer.status === 'signed' && v.signer.signedAt ? html`您已于 ${chineseDateTime(v.signer.signedAt)} 完成电子签名。` : ''}${notice.text}</p>
  ${statusActions(token, v, notice)}
</section>
${termsSection(v)}
<section class="card" aria-labelledby="doc-h">
  <h2 id="doc-h">合同全文</h2>
  ${readingSection(v)}
</section>
${canSign ? html`<section id="act" class="card" aria-labelledby="act-h">
  <h2 id="act-h">签署</h2>
  ${signForm(v)}
</section>
<div class="action-bar" id="action-bar"><a class="button primary" href="#act">去签署</a></div>` : canObject ? html`<section id="act" class="card" aria-labelledby="act-h">
  <h2 id="act-h">信息有误或不同意</h2>
  ${codeFields(v)}
  ${otherActions(true)}
</section>` : ''}
<section id="result" class="card result" aria-labelledby="result-h" tabindex="-1" hidden></section>
</div>`;
  return page({ title: `${v.contract.title} ${v.contract.contractNumber} - 在线签署`, body, scripts: ['sign.js'], contact: p.utility });
}
