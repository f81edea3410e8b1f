// The signing page: show the contract, send the code, sign or decline.
import { announce, chineseDateTime, clear, errorText, request } from './common.js';
import { renderPdf } from './pdfView.js';

const app = document.getElementById('app');
const token = decodeURIComponent(location.pathname.split('/').filter(Boolean).pop() || '');
const api = `/api/v1/signing/${encodeURIComponent(token)}`;
const $ = (id) => document.getElementById(id);

async function showContract() {
  const box = $('pdf');
  const status = $('pdf-status');
  try {
    const res = await fetch(app.dataset.documentUrl, { cache: 'no-store' });
    if (!res.ok) throw new Error(String(res.status));
    const bytes = new Uint8Array(await res.arrayBuffer());
    await renderPdf(box, bytes);
    box.setAttribute('aria-busy', 'false');
  } catch {
    box.setAttribute('aria-busy', 'false');
    if (status && status.isConnected) status.textContent = '合同预览加载失败。您可以点击“下载 PDF”查看合同。';
    else box.replaceChildren(Object.assign(document.createElement('p'), { className: 'hint', textContent: '合同预览加载失败。您可以点击“下载 PDF”查看合同。' }));
  }
}

function nextStepText(status, next) {
  if (status === 'completed') return '各方均已签署，合同已生效。';
  if (!next) return '等待处理。';
  if (next.role === 'utility') return '等待供水企业盖章，盖章后合同生效。';
  return `等待${next.label}签署。`;
}

function el(tag, props = {}, ...children) {
  const node = Object.assign(document.createElement(tag), props);
  node.append(...children);
  return node;
}

/** The outcome replaces the form; built from text nodes only, never from markup. */
function showResult(title, lines, links) {
  const result = $('result');
  result.replaceChildren(
    el('h2', { id: 'result-h' }, title),
    ...lines.map((l) => (typeof l === 'string' ? el('p', {}, l) : l)),
    el('p', { className: 'row' }, ...links),
  );
  $('act').hidden = true;
  result.hidden = false;
  result.focus();
}

async function onSigned() {
  let progress = null;
  try {
    progress = await request('GET', `${api}/progress`);
  } catch {
    progress = null;
  }
  const you = progress && progress.parties.find((p) => p.you);
  const number = app.dataset.contractNumber;
  showResult(
    '签署成功',
    [
      el('p', { className: 'ok-text' }, `您已完成电子签名${you && you.signedAt ? `（${chineseDateTime(you.signedAt)}）` : ''}。`),
      el('p', {}, el('strong', {}, '下一步：'), el('span', { id: 'next-step' }, progress ? nextStepText(progress.contract.status, progress.next) : '等待处理。')),
    ],
    [
      el('a', { className: 'button', id: 'download-signed', href: `${api}/document`, download: `${number}.pdf` }, '下载已签署的合同（PDF）'),
      el('a', { className: 'button secondary', id: 'track-link', href: `/track/${encodeURIComponent(token)}` }, '查看办理进度'),
    ],
  );
  // The preview now shows the signed revision, signature appearance included.
  showContract();
}

function setupCodeButton() {
  const btn = $('otp-btn');
  const hint = $('otp-hint');
  const msg = $('msg');
  let timer = null;
  const countdown = (seconds) => {
    clearInterval(timer);
    let left = seconds;
    btn.disabled = true;
    const tick = () => {
      if (left <= 0) {
        clearInterval(timer);
        btn.disabled = false;
        btn.textContent = '重新获取验证码';
        return;
      }
      btn.textContent = `重新获取（${left} 秒）`;
      left--;
    };
    tick();
    timer = setInterval(tick, 1000);
  };
  btn.addEventListener('click', async () => {
    clear(msg);
    btn.disabled = true;
    try {
      const sent = await request('POST', `${api}/otp`, {});
      hint.textContent = `验证码已发送至 ${sent.sentTo}，5 分钟内有效。`;
      countdown(sent.resendAfterSeconds || 60);
      $('otp').focus();
    } catch (err) {
      if (err.code === 'code_recently_sent' && err.info.retryAfterSeconds) countdown(err.info.retryAfterSeconds);
      else btn.disabled = false;
      announce(msg, errorText(err));
    }
  });
}

function setupSignForm() {
  const form = $('sign-form');
  const msg = $('msg');
  const otp = $('otp');
  const consent = $('consent');
  const btn = $('sign-btn');
  otp.addEventListener('input', () => {
    // Full-width digits from some Chinese keyboards are digits too.
    const v = otp.value.replace(/[０-９]/g, (d) => String.fromCharCode(d.charCodeAt(0) - 0xfee0)).replace(/\D/g, '').slice(0, 6);
    if (v !== otp.value) otp.value = v;
    otp.removeAttribute('aria-invalid');
  });
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    clear(msg);
    if (!/^\d{6}$/.test(otp.value)) {
      otp.setAttribute('aria-invalid', 'true');
      return announce(msg, '请输入短信中的 6 位数字验证码。');
    }
    if (!consent.checked) return announce(msg, '请先阅读合同，并勾选同意以电子签名方式签署。');
    btn.disabled = true;
    btn.textContent = '正在签署…';
    try {
      await request('POST', `${api}/sign`, { otp: otp.value, consent: true });
      await onSigned();
    } catch (err) {
      if (err.code === 'wrong_code' || err.code === 'code_expired') otp.setAttribute('aria-invalid', 'true');
      if (err.code === 'already_signed') return onSigned();
      announce(msg, errorText(err));
    } finally {
      btn.disabled = false;
      btn.textContent = '同意并签署';
    }
  });
}

function setupDecline() {
  const form = $('decline-form');
  const reason = $('reason');
  const msg = $('msg');
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    if (!reason.value.trim()) {
      reason.setAttribute('aria-invalid', 'true');
      return announce(msg, '请填写拒绝签署的原因。');
    }
    const btn = $('decline-btn');
    btn.disabled = true;
    try {
      await request('POST', `${api}/decline`, { reason: reason.value.trim() });
      showResult('您已拒绝签署', ['合同已终止，不会生效。供水企业会收到您的拒签原因。'], [
        el('a', { className: 'button secondary', href: `/track/${encodeURIComponent(token)}` }, '查看办理进度'),
      ]);
    } catch (err) {
      announce(msg, errorText(err));
    } finally {
      btn.disabled = false;
    }
  });
}

showContract();
if ($('sign-form')) {
  setupCodeButton();
  setupSignForm();
  setupDecline();
}
