import { html, type SafeHtml } from '../html.js';

/** The button that sends the SMS code, the message line, and the field it is typed into. */
export function codeInput(): SafeHtml {
  return html`<div class="row">
    <button type="button" id="otp-btn" class="secondary">获取验证码</button>
    <span id="otp-hint" class="hint" aria-live="polite"></span>
  </div>
  <div id="msg" class="msg" role="alert" aria-live="assertive" tabindex="-1"></div>
  <div class="field">
    <label for="otp">短信验证码</label>
    <input id="otp" name="otp" type="text" inputmode="numeric" autocomplete="one-time-code" pattern="[0-9]{6}" maxlength="6"
      required aria-describedby="otp-help" spellcheck="false">
    <p id="otp-help" class="help">6 位数字，5 分钟内有效。</p>
  </div>`;
}
