import { html } from '../html.js';
import { page } from '../layout.js';

const MESSAGES: Record<string, { title: string; text: string }> = {
  signing_link_not_found: { title: '链接无效', text: '这个签署链接无效，可能复制不完整。请使用短信中的完整链接，或联系供水企业重新发送。' },
  signing_link_expired: { title: '链接已过期', text: '这个签署链接已过期。请联系供水企业重新发送签署链接。' },
  contract_not_found: { title: '未找到合同', text: '本平台没有登记这份合同。请核对二维码或链接是否完整。' },
  not_found: { title: '页面不存在', text: '您访问的页面不存在。' },
  unavailable: { title: '服务暂时不可用', text: '服务暂时不可用，请稍后刷新重试。' },
};

/** `contact.ofContract`: the link's own utility; otherwise the service's, and other utilities' lines are in their SMS. */
export function errorPage(code: string, contact?: { name: string; phone: string; ofContract?: boolean }): string {
  const m = MESSAGES[code] ?? MESSAGES.unavailable;
  return page({
    title: m.title,
    contact,
    body: html`<section class="card" aria-labelledby="err-h"><h1 id="err-h">${m.title}</h1><p class="msg msg-info" data-error="${code}">${m.text}</p>
<p>${contact ? html`如需帮助，请拨打${contact.name}客服电话 <a href="tel:${contact.phone.replace(/[^\d+]/g, '')}">${contact.phone}</a>${contact.ofContract ? '' : '；其他供水企业的客服电话见您收到的短信'}。` : '供水企业客服电话请见您收到的短信或营业厅公告。'}</p>
<p><a href="/verify">合同验真</a></p></section>`,
  });
}
