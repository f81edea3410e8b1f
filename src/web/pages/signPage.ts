import type { SigningService } from '../../ceremony/signingService.js';
import { CONTRACT_STATUS_TEXT, chineseDate, chineseDateTime, meterTypeText } from '../format.js';
import { html, type SafeHtml } from '../html.js';
import { page } from '../layout.js';
import { nextStepText } from './steps.js';

export type SigningViewData = Awaited<ReturnType<SigningService['view']>>;
type Summary = SigningViewData['contract']['summary'];

function termText(term: unknown): string {
  const t = (term ?? {}) as { startDate?: string; endDate?: string };
  if (!t.startDate && !t.endDate) return '';
  return `${chineseDate(t.startDate)} 至 ${chineseDate(t.endDate)}`;
}

function keyTerms(s: Summary): SafeHtml {
  const meters = (s.meters ?? []).map((m) => [m.location, m.diameterDN ? `DN${m.diameterDN}` : '', meterTypeText(m.type)].filter(Boolean).join(' · '));
  const rows: [string, string | string[]][] = [
    ['用水地址', s.siteAddress ?? ''],
    ['用水性质', s.usageCategory ?? ''],
    ['水表', meters],
    ['合同期限', termText(s.term)],
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
    <input type="checkbox" id="consent" name="consent" required>
    <label for="consent">${CONSENT}</label>
  </div>
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

/** Why this signer cannot sign now, in words; null when they can. */
function blocked(v: SigningViewData): string | null {
  if (v.signer.status === 'signed') return null;
  if (v.signer.status === 'declined') return '您已拒绝签署本合同。如有疑问，请联系供水企业。';
  if (v.contract.status !== 'awaiting_signatures' && v.contract.status !== 'partially_signed') {
    return `本合同${CONTRACT_STATUS_TEXT[v.contract.status] ?? v.contract.status}，不能再签署。如需办理，请联系供水企业。`;
  }
  if (!v.yourTurn) return '还未轮到您签署：请等待其他签署方先完成签署，届时您会收到通知。';
  return null;
}

export function signedResult(opts: { token: string; contractNumber: string; status: string; next: { role: string; label: string; you: boolean } | null; signedAt?: string | null }): SafeHtml {
  return html`<h2 id="result-h">签署成功</h2>
<p class="ok-text">您已完成电子签名${opts.signedAt ? html`（${chineseDateTime(opts.signedAt)}）` : ''}。</p>
<p><strong>下一步：</strong><span id="next-step">${nextStepText(opts.status, opts.next)}</span></p>
<p class="row">
  <a class="button" id="download-signed" href="/api/v1/signing/${opts.token}/document" download="${opts.contractNumber}.pdf">下载已签署的合同（PDF）</a>
  <a class="button secondary" id="track-link" href="/track/${opts.token}">查看办理进度</a>
</p>`;
}

export function signPage(token: string, v: SigningViewData, next: { role: string; label: string; you: boolean } | null): string {
  const signed = v.signer.status === 'signed';
  const reason = blocked(v);
  const body = html`
<div id="app" data-document-url="${v.contract.documentUrl}" data-contract-number="${v.contract.contractNumber}">
<h1>${v.contract.title}</h1>
<p class="meta">合同编号 ${v.contract.contractNumber} · 签署方：${v.signer.label} ${v.signer.name}</p>
<section class="card" aria-labelledby="terms-h">
  <h2 id="terms-h">合同要点</h2>
  ${keyTerms(v.contract.summary)}
</section>
<section class="card" aria-labelledby="doc-h">
  <h2 id="doc-h">合同全文</h2>
  <p class="help">请完整阅读合同后再签署。<a href="${v.contract.documentUrl}" download="${v.contract.contractNumber}.pdf">下载 PDF</a></p>
  <div id="pdf" class="pdf" aria-busy="true"><p id="pdf-status" class="hint" role="status">正在加载合同…</p></div>
</section>
<section id="act" class="card" aria-labelledby="act-h"${signed ? html` hidden` : ''}>
  <h2 id="act-h">签署</h2>
  ${reason ? html`<p class="msg msg-info" role="status">${reason}</p><p><a href="/track/${token}">查看办理进度</a></p>` : signed ? '' : signForm(v)}
</section>
<section id="result" class="card result" aria-labelledby="result-h" tabindex="-1"${signed ? '' : html` hidden`}>
  ${signed ? signedResult({ token, contractNumber: v.contract.contractNumber, status: v.contract.status, next, signedAt: v.signer.signedAt }) : ''}
</section>
</div>`;
  return page({ title: `${v.contract.title} ${v.contract.contractNumber} - 在线签署`, body, scripts: ['sign.js'] });
}
