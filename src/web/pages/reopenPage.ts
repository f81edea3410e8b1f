import { html } from '../html.js';
import { page } from '../layout.js';
import { codeInput } from './codeInput.js';

/**
 * A signed party whose link expired: a fresh code to the mobile number on the contract opens the
 * progress and the signed document again. The number is not asked for: the link names the signer.
 */
export function reopenPage(token: string, contact: { name: string; phone: string }): string {
  const body = html`
<div id="app">
<h1>查看已签署的合同</h1>
<section class="card notice notice-info" aria-labelledby="reopen-h">
  <h2 id="reopen-h">签署链接已过有效期</h2>
  <p>您签署过这份合同，仍可随时查看和下载。为保护您的合同信息，请获取短信验证码，验证码将发送至签署时使用的手机号。</p>
  <form id="reopen-form" class="stack" method="post" novalidate data-token="${token}">
    ${codeInput()}
    <button type="submit" id="reopen-btn" class="primary">验证并查看</button>
  </form>
</section>
</div>`;
  return page({ title: '查看已签署的合同', body, scripts: ['reopen.js'], contact });
}
