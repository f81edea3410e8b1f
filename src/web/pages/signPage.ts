import type { SigningService } from '../../ceremony/signingService.js';
import type { SigningProgress } from '../../ceremony/signingProgress.js';
import { chineseDate, chineseDateTime, meterTypeText } from '../format.js';
import { html, type SafeHtml } from '../html.js';
import { page } from '../layout.js';
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

function signForm(v: SigningViewData): SafeHtml {
  return html`<p>点击“获取验证码”，验证码将以短信发送至您的手机 <strong>${v.signer.mobile ?? ''}</strong>。</p>
<form id="sign-form" class="stack" novalidate>
  <div class="row">
    <button type="button" id="otp-btn" class="secondary">获取验证码</button>
    <span id="otp-hint" class="hint" aria-live="polite"></span>
  </div>
  <div id="msg" class="msg" role="alert" aria-live="assertive" tabindex="-1"></div>
  <div class="field">
    <label for="otp">短信验证码</label>
    <input id="otp" name="otp" type="text" inputmode="numeric" autocomplete="one-time-code" pattern="[0-9]{6}" maxlength="6"
      required aria-describedby="otp-help" spellcheck="false">
    <p id="otp-help" class="help">6 位数字，5 分钟内有效。</p>
  </div>
  <div class="check">
    <input type="checkbox" id="consent" name="consent" required disabled aria-describedby="consent-hint">
    <label for="consent">${CONSENT}</label>
  </div>
  <p id="consent-hint" class="help" aria-live="polite">请先阅读至合同末尾，之后可勾选。</p>
  <button type="submit" id="sign-btn" class="primary">同意并签署</button>
</form>
<details id="decline" class="decline">
  <summary>拒绝签署</summary>
  <form id="decline-form" class="stack" novalidate>
    <div class="field">
      <label for="reason">拒绝原因（必填）</label>
      <textarea id="reason" name="reason" rows="3" maxlength="500" required></textarea>
    </div>
    <button type="submit" id="decline-btn" class="danger">确认拒绝签署</button>
  </form>
</details>`;
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
    <button type="button" class="secondary small" id="text-smaller" aria-label="缩小文字">A−</button>
    <button type="button" class="secondary small" id="text-larger" aria-label="放大文字">A+</button>
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

export function signPage(token: string, v: SigningViewData, p: SigningProgress): string {
  const situation = { status: p.contract.status, next: p.next, parties: p.parties, utility: p.utility, voidReason: p.contract.voidReason };
  const notice = statusNotice(situation, v.signer);
  const canSign = v.yourTurn && v.signer.status !== 'signed';
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
<div class="action-bar" id="action-bar"><a class="button primary" href="#act">去签署</a></div>` : ''}
<section id="result" class="card result" aria-labelledby="result-h" tabindex="-1" hidden></section>
</div>`;
  return page({ title: `${v.contract.title} ${v.contract.contractNumber} - 在线签署`, body, scripts: ['sign.js'], contact: p.utility });
}
