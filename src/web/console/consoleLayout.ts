import { documentHead } from '../layout.js';
import { html, type SafeHtml } from '../html.js';
import type { StaffSession } from '../../staff/staffSessions.js';
import { roleLabel } from './consoleAuth.js';

export interface ConsolePage {
  title: string;
  body: SafeHtml;
  /** The signed-in user and the form token every form of the page carries; none on the sign-in pages. */
  staff?: StaffSession & { csrf: string; organisationName: string };
  /** The navigation entry to mark as current. */
  active?: 'today' | 'contracts' | 'countersign' | 'batches' | 'stats' | 'seal' | 'users';
  scripts?: string[];
}

const NAV: Array<{ key: NonNullable<ConsolePage['active']>; href: string; label: string; roles?: string[] }> = [
  { key: 'today', href: '/console', label: '今日待办' },
  { key: 'contracts', href: '/console/contracts', label: '合同' },
  { key: 'countersign', href: '/console/countersign', label: '批量用印', roles: ['sealer'] },
  { key: 'batches', href: '/console/batches', label: '批量签发', roles: ['clerk', 'sealer'] },
  { key: 'stats', href: '/console/stats', label: '统计' },
  { key: 'seal', href: '/console/seal', label: '印章与证书' },
  { key: 'users', href: '/console/users', label: '用户与密钥', roles: ['org_admin'] },
];

/** The hidden field every state-changing form of a page carries. */
export const csrfField = (staff: { csrf: string }) => html`<input type="hidden" name="_csrf" value="${staff.csrf}">`;

/** The console's shell: wide, Chinese, the same stylesheet and no inline script or style as the public pages. */
export function consolePage({ title, body, staff, active, scripts = [] }: ConsolePage): string {
  const nav = staff
    ? html`<nav class="console-nav" aria-label="控制台"><ul>${NAV.filter((n) => !n.roles || n.roles.some((r) => staff.user.roles.includes(r as never))).map(
        (n) => html`<li><a href="${n.href}"${n.key === active ? html` aria-current="page"` : ''}>${n.label}</a></li>`,
      )}</ul>
      <form method="post" action="/console/logout" class="who">${csrfField(staff)}<span>${staff.user.displayName}（${staff.user.roles.map(roleLabel).join('、')}）</span><button type="submit" class="button-link">退出</button></form></nav>`
    : '';
  return '<!doctype html>\n' + html`<html lang="zh-CN">
${documentHead(`${title} · 电子签约控制台`, scripts, 'same-origin')}
<body class="console">
<a class="skip" href="#main">跳到主要内容</a>
<header class="site"><div class="wrap wide row"><span class="brand">供水业务电子签约 · 控制台</span>${staff ? html`<span class="org">${staff.organisationName}</span>` : ''}</div></header>
<div class="wrap wide">${nav}</div>
<main id="main" class="wrap wide" tabindex="-1">
<h1>${title}</h1>
${body}
</main>
</body>
</html>`.value;
}
