import type { ContractView } from '../../contracts/contractView.js';
import { CONTRACT_STATUS_TEXT, chineseDateTime } from '../format.js';
import { html, type SafeHtml } from '../html.js';
import { page } from '../layout.js';

export interface RegisteredDocument {
  contract: ContractView;
  title: string;
}

const VERSION_REASON = (reason: string, labels: Map<string, string>) => {
  if (reason === 'generated') return '生成（未签署）';
  if (reason === 'archive_timestamp') return '文档时间戳续期后';
  const m = /^signed:(.+)$/.exec(reason);
  if (m) return m[1] === 'utility' ? '供水人盖章后' : `${labels.get(m[1]) ?? m[1]}签署后`;
  return reason;
};

/** What the QR code leads to: which contract this is and the fingerprint of each version, no names. */
function registered(doc: RegisteredDocument): SafeHtml {
  const c = doc.contract;
  const labels = new Map(c.signers.map((s) => [s.role, s.label]));
  return html`<section class="card" aria-labelledby="reg-h" id="registered">
  <h2 id="reg-h">本平台登记的合同</h2>
  <dl class="terms">
    <div><dt>合同</dt><dd>${doc.title}</dd></div>
    <div><dt>合同编号</dt><dd>${c.contractNumber}</dd></div>
    <div><dt>状态</dt><dd>${CONTRACT_STATUS_TEXT[c.status] ?? c.status}</dd></div>
  </dl>
  <p class="help">各版本的 SHA-256 指纹如下。您手中文件的指纹与其中一个一致，即为该版本；也可以在下方上传文件自动核验。</p>
  <ol class="versions">
    ${c.versions.map((v) => html`<li${v.version === c.document.version ? html` class="current"` : ''}>
      <span>第 ${v.version} 版 · ${VERSION_REASON(v.reason, labels)} · ${chineseDateTime(v.createdAt)}${v.version === c.document.version ? '（最新）' : ''}</span>
      <code class="hash">${v.sha256}</code>
    </li>`)}
  </ol>
</section>`;
}

export function verifyPage(opts: { registered?: RegisteredDocument; unknownDoc?: boolean; maxMb: number; contact: { name: string; phone: string } }): string {
  const body = html`
<h1>合同验真</h1>
<p class="meta">上传 PDF 合同文件，核验其中每个电子签名是否有效、签署后是否被改动，以及是否为本平台出具的文件。文件仅用于本次核验。</p>
${opts.registered ? registered(opts.registered) : ''}
${opts.unknownDoc ? html`<p class="msg msg-bad" role="status">本平台没有登记二维码所指的合同。请核对链接是否完整；文件仍可在下方核验签名。</p>` : ''}
<section class="card" aria-labelledby="upload-h">
  <h2 id="upload-h">核验文件</h2>
  <div id="drop" class="drop">
    <input id="file" name="file" type="file" accept="application/pdf,.pdf" class="file-input">
    <label for="file" class="button">选择 PDF 文件</label>
    <p class="help">或把文件拖到这里。最大 ${opts.maxMb} MB。</p>
  </div>
  <div id="verify-msg" class="msg" role="status" aria-live="polite" tabindex="-1"></div>
</section>
<section id="report" class="report" aria-labelledby="report-h" tabindex="-1" hidden></section>`;
  return page({ title: '合同验真', body, scripts: ['verify.js'], contact: opts.contact });
}
