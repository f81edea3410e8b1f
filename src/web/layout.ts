import { assetUrl, ASSET_VERSION } from './assets.js';
import { html, type SafeHtml } from './html.js';

export interface PageOptions {
  title: string;
  body: SafeHtml;
  /** ES modules from src/web/public, loaded with the asset version. */
  scripts?: string[];
}

/** The shell every page shares: Chinese, mobile viewport, one stylesheet, no inline script or style. */
export function page({ title, body, scripts = [] }: PageOptions): string {
  return '<!doctype html>\n' + html`<html lang="zh-CN" data-assets="${ASSET_VERSION}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<meta name="robots" content="noindex, nofollow">
<title>${title}</title>
<link rel="stylesheet" href="${assetUrl('app.css')}">
${scripts.map((s) => html`<script type="module" src="${assetUrl(s)}"></script>\n`)}
</head>
<body>
<a class="skip" href="#main">跳到主要内容</a>
<header class="site"><div class="wrap"><span class="brand">供水业务电子签约</span></div></header>
<main id="main" class="wrap" tabindex="-1">
${body}
</main>
<footer class="site"><div class="wrap"><a href="/verify">合同验真</a></div></footer>
</body>
</html>`.value;
}
