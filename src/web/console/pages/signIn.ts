import { html, raw, type SafeHtml } from '../../html.js';
import type { StaffUser } from '../../../staff/staffAccounts.js';

const message = (text?: string, tone: 'bad' | 'ok' = 'bad') => (text ? html`<p class="msg msg-${tone}" role="${tone === 'bad' ? 'alert' : 'status'}">${text}</p>` : '');

/** Name, password and the authenticator's code in one form; which part was wrong is never said. */
export function loginBody(o: { nonce: string; next?: string; error?: string; notice?: string; sso: boolean }): SafeHtml {
  return html`${message(o.error)}${message(o.notice, 'ok')}
<form method="post" action="/console/login" class="card form narrow">
<input type="hidden" name="_login" value="${o.nonce}">
${o.next ? html`<input type="hidden" name="next" value="${o.next}">` : ''}
<label for="username">用户名</label>
<input id="username" name="username" autocomplete="username" autocapitalize="none" spellcheck="false" required>
<label for="password">密码</label>
<input id="password" name="password" type="password" autocomplete="current-password" required>
<label for="code">动态码 <span class="hint">（用印和管理员账户必填：身份验证器上的 6 位数字）</span></label>
<input id="code" name="code" inputmode="numeric" autocomplete="one-time-code" pattern="\\d{6}" maxlength="6">
<button type="submit">登录</button>
</form>
${o.sso ? html`<p><a class="button secondary" href="/console/sso">使用单位统一身份认证登录</a></p>` : ''}
<p class="help">账户由本单位管理员开通；忘记密码或更换手机时，请管理员重新发送设置链接。</p>`;
}

/** The one-time set-up: a password (unless the user signs on through the identity provider) and, for sealers and administrators, the authenticator. */
export function setupBody(o: { user: StaffUser; nonce: string; qrSvg?: string; totpSecret?: string; error?: string }): SafeHtml {
  return html`${message(o.error)}
<p class="meta">${o.user.displayName}（用户名 <strong>${o.user.username}</strong>）</p>
<form method="post" class="card form narrow">
<input type="hidden" name="_login" value="${o.nonce}">
${o.user.singleSignOn ? html`<p>您通过单位统一身份认证登录，无需设置密码。</p>` : html`
<label for="password">设置密码 <span class="hint">（至少 10 个字符，不含用户名）</span></label>
<input id="password" name="password" type="password" autocomplete="new-password" minlength="10" required>
<label for="confirm">再次输入密码</label>
<input id="confirm" name="confirm" type="password" autocomplete="new-password" minlength="10" required>`}
${o.totpSecret ? html`<h2>绑定身份验证器</h2>
<p>用身份验证器 App（如 Microsoft Authenticator、Google Authenticator、FreeOTP）扫描二维码，或手动输入密钥，然后填写 App 显示的 6 位动态码。用单位印章签署和管理用户时都需要它。</p>
<div class="qr">${raw(o.qrSvg ?? '')}</div>
<p class="hint">密钥：<code id="totp-secret">${o.totpSecret}</code></p>
<label for="code">动态码</label>
<input id="code" name="code" inputmode="numeric" autocomplete="one-time-code" pattern="\\d{6}" maxlength="6" required>` : ''}
<button type="submit">完成设置</button>
</form>`;
}
