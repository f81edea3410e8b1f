// The signing page: show the contract, send the code, sign or decline.
import { announce, clear, codeDigits, errorText, request } from './common.js';
import { renderPdf } from './pdfView.js';

const app = document.getElementById('app');
const token = decodeURIComponent(location.pathname.split('/').filter(Boolean).pop() || '');
const api = `/api/v1/signing/${encodeURIComponent(token)}`;
const $ = (id) => document.getElementById(id);

/** The consent box opens once the whole contract was shown: the end of the text, or every PDF page. */
function readingDone() {
  const consent = $('consent');
  if (!consent || !consent.disabled) return;
  consent.disabled = false;
  const hint = $('consent-hint');
  if (hint) hint.textContent = '您已阅读至合同末尾。';
}

function readingBlocked() {
  const btn = $('sign-btn');
  if (btn) btn.disabled = true;
  const consent = $('consent');
  if (consent) consent.disabled = true;
  announce($('msg') || $('pdf-status'), '合同未能完整显示，暂时不能签署。请刷新页面重试，或点击“下载 PDF”阅读后联系客服。');
}

let pdfShown = false;
async function showPdf({ forReading }) {
  const box = $('pdf');
  if (pdfShown) return;
  pdfShown = true;
  box.hidden = false;
  box.setAttribute('aria-busy', 'true');
  try {
    const res = await fetch(app.dataset.documentUrl, { cache: 'no-store' });
    if (!res.ok) throw new Error(String(res.status));
    const bytes = new Uint8Array(await res.arrayBuffer());
    await renderPdf(box, bytes, { onProgress: (n, total) => { if (forReading && n === total) readingDone(); } });
    box.setAttribute('aria-busy', 'false');
  } catch {
    pdfShown = false;
    box.setAttribute('aria-busy', 'false');
    box.replaceChildren(el('p', { className: 'msg msg-bad', id: 'pdf-status', role: 'alert' }, '合同预览加载失败。您可以点击“下载 PDF”查看合同。'));
    if (forReading) readingBlocked();
  }
}

function setupReading() {
  const text = $('contract-text');
  if (!text) {
    showPdf({ forReading: true });
    return;
  }
  const sizes = [15, 17, 19, 22, 26];
  let size = Math.max(0, sizes.indexOf(Number(localStorage.getItem('esign.textSize')) || 17));
  const apply = () => {
    text.style.setProperty('--doc-size', `${sizes[size]}px`);
    $('text-smaller').disabled = size === 0;
    $('text-larger').disabled = size === sizes.length - 1;
    try { localStorage.setItem('esign.textSize', String(sizes[size])); } catch { /* private mode */ }
  };
  $('text-smaller').addEventListener('click', () => { size = Math.max(0, size - 1); apply(); });
  $('text-larger').addEventListener('click', () => { size = Math.min(sizes.length - 1, size + 1); apply(); });
  apply();
  const toggle = $('show-pdf');
  toggle.addEventListener('click', () => {
    const open = toggle.getAttribute('aria-expanded') === 'true';
    toggle.setAttribute('aria-expanded', String(!open));
    toggle.textContent = open ? '查看原版 PDF' : '收起 PDF';
    if (open) $('pdf').hidden = true;
    else showPdf({ forReading: false }).then(() => $('pdf').scrollIntoView({ block: 'start' }));
  });
  const end = $('doc-end');
  if (!('IntersectionObserver' in window)) return readingDone();
  const seen = new IntersectionObserver((entries) => {
    if (entries.some((e) => e.isIntersecting)) {
      seen.disconnect();
      readingDone();
    }
  });
  seen.observe(end);
}

/** The sticky "去签署" bar gets out of the way once the signing form itself is on screen. */
function setupActionBar() {
  const bar = $('action-bar');
  const act = $('act');
  if (!bar || !act || !('IntersectionObserver' in window)) return;
  new IntersectionObserver((entries) => { bar.hidden = entries.some((e) => e.isIntersecting); }).observe(act);
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
  if ($('action-bar')) $('action-bar').remove();
  result.hidden = false;
  result.focus();
}

/** The page as the server now renders it tells the outcome first (status, download, next step). */
function onSigned() {
  sessionStorage.setItem('esign.justSigned', '1');
  location.replace(location.pathname);
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

/** Full-width digits from some Chinese keyboards are digits too. */
function setupCodeInput() {
  const otp = $('otp');
  otp.addEventListener('input', () => {
    const v = codeDigits(otp.value).slice(0, 6);
    if (v !== otp.value) otp.value = v;
    otp.removeAttribute('aria-invalid');
  });
}

/** The code typed above, or null after saying what is missing. */
function typedCode(msg) {
  const otp = $('otp');
  if (/^\d{6}$/.test(otp.value)) return otp.value;
  otp.setAttribute('aria-invalid', 'true');
  announce(msg, '请先获取短信验证码，并输入 6 位数字验证码。');
  otp.focus();
  return null;
}

function codeProblem(err) {
  if (err.code === 'wrong_code' || err.code === 'code_expired' || err.code === 'code_not_requested') $('otp').setAttribute('aria-invalid', 'true');
}

/** The drawing pad, when the utility takes drawn signatures; resolves to a reader of its strokes. */
async function setupPad() {
  const canvas = $('pad');
  if (!canvas) return () => undefined;
  const { default: SignaturePad } = await import('./vendor/signature_pad.min.mjs');
  const pad = new SignaturePad(canvas, { penColor: '#0d0d26', minWidth: 1, maxWidth: 2.8 });
  // The canvas follows its box (a phone turned sideways): resized, the drawing is redrawn from its
  // points, never stretched and never lost.
  let drawnWidth = 0;
  const fit = () => {
    const width = canvas.offsetWidth;
    if (!width || width === drawnWidth) return;
    const ratio = Math.max(window.devicePixelRatio || 1, 1);
    const data = pad.toData();
    // Narrower: the drawing shrinks to fit; wider: it keeps its size (the height does not grow).
    const k = drawnWidth ? Math.min(1, width / drawnWidth) : 1;
    canvas.width = width * ratio;
    canvas.height = canvas.offsetHeight * ratio;
    canvas.getContext('2d').scale(ratio, ratio);
    pad.clear();
    if (data.length > 0) pad.fromData(data.map((g) => ({ ...g, points: g.points.map((p) => ({ ...p, x: p.x * k, y: p.y * k })) })));
    drawnWidth = width;
  };
  fit();
  window.addEventListener('resize', fit);
  const state = $('pad-state');
  pad.addEventListener('endStroke', () => { state.textContent = '已手写，签署时会放入合同的签名处。'; });
  $('pad-clear').addEventListener('click', () => {
    pad.clear();
    state.textContent = '尚未手写';
  });
  return () => (pad.isEmpty() ? undefined : {
    width: canvas.offsetWidth,
    height: canvas.offsetHeight,
    strokes: pad.toData().map((group) => group.points.map((p) => [Math.round(p.x * 10) / 10, Math.round(p.y * 10) / 10])),
  });
}

function setupSignForm() {
  const drawing = setupPad();
  const form = $('sign-form');
  const msg = $('msg');
  const consent = $('consent');
  const btn = $('sign-btn');
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    clear(msg);
    const otp = typedCode(msg);
    if (!otp) return;
    if (!consent.checked) return announce(msg, consent.disabled ? '请先阅读合同至末尾，再勾选同意。' : '请先阅读合同，并勾选同意以电子签名方式签署。');
    btn.disabled = true;
    btn.textContent = '正在签署…';
    try {
      const signature = (await drawing)();
      await request('POST', `${api}/sign`, { otp, consent: true, ...(signature ? { signature } : {}) });
      onSigned();
    } catch (err) {
      codeProblem(err);
      if (err.code === 'already_signed') return onSigned();
      announce(msg, errorText(err));
      btn.disabled = false;
      btn.textContent = '同意并签署';
    }
  });
}

/** Decline (final) and correction request (the contract stays open): a reason and the code. */
function setupReasonForm(formId, fieldId, buttonId, path, done) {
  const form = $(formId);
  const reason = $(fieldId);
  const msg = $('msg');
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    clear(msg);
    if (!reason.value.trim()) {
      reason.setAttribute('aria-invalid', 'true');
      reason.focus();
      return announce(msg, '请填写原因。');
    }
    reason.removeAttribute('aria-invalid');
    const otp = typedCode(msg);
    if (!otp) return;
    const btn = $(buttonId);
    btn.disabled = true;
    try {
      await request('POST', `${api}/${path}`, { otp, reason: reason.value.trim() });
      done();
    } catch (err) {
      codeProblem(err);
      announce(msg, errorText(err));
    } finally {
      btn.disabled = false;
    }
  });
}

if (sessionStorage.getItem('esign.justSigned')) {
  sessionStorage.removeItem('esign.justSigned');
  $('status').focus();
}
setupReading();
setupActionBar();
if ($('otp-btn')) {
  setupCodeButton();
  setupCodeInput();
}
if ($('sign-form')) setupSignForm();
if ($('decline-form')) {
  const track = () => el('a', { className: 'button secondary', href: `/track/${encodeURIComponent(token)}` }, '查看办理进度');
  setupReasonForm('decline-form', 'reason', 'decline-btn', 'decline', () =>
    showResult('您已拒绝签署', ['合同已终止，不会生效。供水企业会收到您的拒签原因。'], [track()]));
  setupReasonForm('correction-form', 'correction-reason', 'correction-btn', 'correction', () =>
    showResult('修改申请已提交', ['供水企业会核实您指出的问题，修改后重新发送签署链接。您会收到短信通知；本合同暂不签署。'], [track()]));
}
