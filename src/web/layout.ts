import { assetUrl } from './assets.js';
import { html, type SafeHtml } from './html.js';

export interface PageOptions {
  title: string;
  body: SafeHtml;
  /** ES modules from src/web/public, loaded with the asset version. */
  scripts?: string[];
  /** The customer-service line in the footer: the contract's organisation, else the service's default one. */
  contact?: { name: string; phone: string };
}

/** The head of every page, the public ones and the console's: Chinese, mobile viewport, one stylesheet, modules only. */
export const documentHead = (title: string, scripts: string[], referrer: 'no-referrer' | 'same-origin' = 'no-referrer') => html`<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="${referrer}">
<meta name="robots" content="noindex, nofollow">
<title>${title}</title>
<link rel="stylesheet" href="${assetUrl('app.css')}">
<link rel="icon" href="${assetUrl('favicon.svg')}" type="image/svg+xml">
${scripts.map((s) => html`<script type="module" src="${assetUrl(s)}"></script>\n`)}
</head>`;

/** The shell every page shares: Chinese, mobile viewport, one stylesheet, no inline script or style. */
export function page({ title, body, scripts = [], contact }: PageOptions): string {
  return '<!doctype html>\n' + html`<html lang="zh-CN">
${documentHead(title, scripts)}
<body>
<a class="skip" href="#main">跳到主要内容</a>
<header class="site"><div class="wrap"><span class="brand">供水业务电子签约</span></div></header>
<main id="main" class="wrap" tabindex="-1">
${scripts.length > 0 ? html`<noscript><p class="msg msg-bad">本页需要启用浏览器的 JavaScript 才能查看和签署合同。请在浏览器设置中启用 JavaScript 后刷新，或联系客服办理。</p></noscript>` : ''}
${body}
</main>
<footer class="site"><div class="wrap row">${contact ? html`<span id="contact">${contact.name}客服电话 <a href="tel:${contact.phone.replace(/[^\d+]/g, '')}">${contact.phone}</a></span>` : ''}<a href="/verify">合同验真</a></div></footer>
</body>
</html>`.value;
}
