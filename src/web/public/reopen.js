// An expired link of a party who signed: a fresh SMS code reopens the contract for half an hour.
import { announce, clear, codeDigits, errorText, request } from './common.js';

const $ = (id) => document.getElementById(id);
const token = decodeURIComponent(location.pathname.split('/').filter(Boolean).pop() || '');
const api = `/api/v1/signing/${encodeURIComponent(token)}/access`;
const msg = $('msg');

$('otp-btn').addEventListener('click', async () => {
  clear(msg);
  $('otp-btn').disabled = true;
  try {
    const sent = await request('POST', `${api}/otp`, {});
    $('otp-hint').textContent = `验证码已发送至 ${sent.sentTo}，5 分钟内有效。`;
    $('otp').focus();
    setTimeout(() => { $('otp-btn').disabled = false; }, (sent.resendAfterSeconds || 60) * 1000);
  } catch (err) {
    $('otp-btn').disabled = false;
    announce(msg, errorText(err));
  }
});

$('reopen-form').addEventListener('submit', async (event) => {
  event.preventDefault();
  clear(msg);
  const otp = codeDigits($('otp').value);
  if (!/^\d{6}$/.test(otp)) return announce(msg, '请输入短信中的 6 位数字验证码。');
  try {
    await request('POST', api, { otp });
    location.replace(location.pathname);
  } catch (err) {
    announce(msg, errorText(err));
  }
});
