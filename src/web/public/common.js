// Shared by the pages: calls to the service and error codes in plain Chinese.

export class ApiError extends Error {
  constructor(status, body) {
    super((body && body.error && body.error.message) || `HTTP ${status}`);
    this.status = status;
    this.code = (body && body.error && body.error.code) || (status === 0 ? 'network' : `http_${status}`);
    this.info = (body && body.error) || {};
  }
}

export async function request(method, url, body, contentType = 'application/json') {
  let res;
  try {
    res = await fetch(url, {
      method,
      headers: body === undefined ? { accept: 'application/json' } : { accept: 'application/json', 'content-type': contentType },
      body: body === undefined ? undefined : contentType === 'application/json' ? JSON.stringify(body) : body,
      credentials: 'same-origin',
      cache: 'no-store',
    });
  } catch {
    throw new ApiError(0, null);
  }
  const text = await res.text();
  let json = null;
  try {
    json = text ? JSON.parse(text) : null;
  } catch {
    json = null;
  }
  if (!res.ok) throw new ApiError(res.status, json);
  return json;
}

const minutes = (s) => Math.max(1, Math.ceil(Number(s || 0) / 60));

const MESSAGES = {
  wrong_code: (e) => (e.attemptsLeft > 0 ? `验证码不正确，请核对短信后重新输入。还可以再试 ${e.attemptsLeft} 次。` : '验证码不正确。'),
  signer_locked: (e) => `验证码输错次数过多，签署已暂时锁定。请 ${minutes(e.retryAfterSeconds)} 分钟后再试。`,
  signing_link_expired: () => '签署链接已过期。请联系供水企业重新发送签署链接。',
  signing_link_not_found: () => '签署链接无效。请使用短信中的完整链接，或联系供水企业。',
  already_signed: () => '您已经签署过本合同，无需重复签署。',
  already_declined: () => '您已拒绝签署本合同。',
  out_of_turn: () => '还未轮到您签署，请等待其他签署方先完成签署。',
  code_expired: () => '验证码已过期（有效期 5 分钟），请重新获取。',
  code_not_requested: () => '请先点击“获取验证码”。',
  code_already_used: () => '该验证码已使用过，请重新获取。',
  code_recently_sent: (e) => `验证码刚刚发送过，请 ${e.retryAfterSeconds || 60} 秒后再重新获取。`,
  sms_unavailable: () => '短信暂时无法发送，请稍后再试。',
  contract_not_signable: () => '本合同当前不能签署（可能已拒签、过期或作废）。请刷新页面查看状态。',
  concurrent_signature: () => '合同刚刚有其他更新，请刷新页面后重试。',
  timestamp_unavailable: () => '签署服务暂时繁忙，请稍后重试，您的验证码仍可使用。',
  validation_failed: () => '填写的内容不完整，请检查后重试。',
  handwriting_disabled: () => '供水企业未开通手写签名，请点击“重写”清空后再签署。',
  invalid_signature_drawing: () => '手写签名太小或无法识别，请点击“重写”后重新书写，或清空后不手写直接签署。',
  access_expired: () => '查看权限已过期，请重新获取验证码。',
  payload_too_large: () => '文件太大，超过了允许的大小。',
  not_a_pdf: () => '这不是有效的 PDF 文件。',
  empty_file: () => '文件是空的。',
  truncated_pdf: () => 'PDF 文件不完整（可能下载中断），请重新获取文件。',
  encrypted_pdf: () => 'PDF 文件已加密，无法核验。',
  malformed_pdf: () => 'PDF 文件已损坏，无法读取。',
  pdf_too_complex: () => 'PDF 文件结构过于复杂，无法核验。',
  verifier_busy: () => '核验服务繁忙，请稍后重试。',
  rate_limited: (e) => `操作太频繁，请 ${e.retryAfterSeconds || 60} 秒后再试。`,
  network: () => '网络连接失败，请检查网络后重试。',
};

/** One sentence a person can act on; the English message of the API never reaches the page. */
export function errorText(err) {
  const f = err && MESSAGES[err.code];
  if (f) return f(err.info || {});
  if (err && err.status === 429) return '操作太频繁，请稍后再试。';
  if (err && err.status >= 500) return '服务暂时不可用，请稍后重试。';
  return '操作未成功，请稍后重试。如果问题持续，请联系供水企业。';
}

/** Shows text in a live region and moves focus there, so screen readers and sighted users both notice. */
export function announce(el, text, tone = 'bad', focus = true) {
  el.textContent = text;
  el.className = `msg msg-${tone}`;
  if (focus && text) el.focus();
}

/** What was typed as a code: digits only, full-width ones from some Chinese keyboards counted as digits. */
export const codeDigits = (text) => text.replace(/[０-９]/g, (d) => String.fromCharCode(d.charCodeAt(0) - 0xfee0)).replace(/\D/g, '');

export function clear(el) {
  el.textContent = '';
  el.className = 'msg';
}

/** Same wording and zone as the server-rendered pages: China Standard Time. */
export function chineseDateTime(iso) {
  if (!iso) return '';
  const d = new Date(new Date(iso).getTime() + 8 * 3600000);
  const p = (n) => String(n).padStart(2, '0');
  return `${d.getUTCFullYear()}年${d.getUTCMonth() + 1}月${d.getUTCDate()}日 ${p(d.getUTCHours())}:${p(d.getUTCMinutes())}`;
}
