// The contract as reflowed HTML, from the blocks its PDF was typeset from: readable on a phone at any
// text size, headings as headings, every clause addressable so the key terms can link to it.
import type { ResolvedBlock } from '../../documents/documentModel.js';
import type { ContractText } from '../../contracts/contractText.js';
import { html, type SafeHtml } from '../html.js';

export const clauseId = (number: string) => `clause-${number.replace(/\./g, '-')}`;

type Block<K extends ResolvedBlock['kind']> = Extract<ResolvedBlock, { kind: K }>;

function table(b: Block<'table'>, caption: string): SafeHtml {
  const body = b.rows.map((row) => html`<tr>${row.map((cell, i) => (b.labelColumn && i === 0 ? html`<th scope="row">${cell}</th>` : html`<td>${cell}</td>`))}</tr>`);
  // Wide tables scroll inside their own region instead of widening the page.
  return html`<div class="table-scroll" role="region" aria-label="${caption}" tabindex="0"><table class="doc-table">
${b.header ? html`<thead><tr>${b.header.map((h) => html`<th scope="col">${h}</th>`)}</tr></thead>` : ''}<tbody>${body}</tbody></table></div>`;
}

function block(b: ResolvedBlock, lastHeading: string): SafeHtml | '' {
  switch (b.kind) {
    case 'title': return html`<h3 class="doc-title">${b.text}</h3>`;
    case 'heading': return html`<h4 class="doc-heading">${b.text}</h4>`;
    case 'paragraph': return html`<p class="doc-p${b.indent ? ' indent' : ''}${b.align !== 'left' ? ` align-${b.align}` : ''}${b.bold ? ' bold' : ''}">${b.text}</p>`;
    case 'clause': return html`<p class="clause" id="${clauseId(b.number)}"><span class="clause-no">${b.number}</span> ${b.text}</p>`;
    case 'table': return table(b, lastHeading || '合同表格');
    case 'signatures':
      return html`<div class="doc-signatures">${b.parties.map((p) => html`<p><strong>${p.caption}</strong>${p.lines.map((l) => html`<span class="line">${l}</span>`)}</p>`)}</div>`;
    case 'spacer': return '';
  }
}

/** The whole text; the end marker tells the page the reader got to the end. */
export function contractReading(text: ContractText): SafeHtml {
  let lastHeading = '';
  const parts = text.blocks.map((b) => {
    if (b.kind === 'heading') lastHeading = b.text;
    return block(b, lastHeading);
  });
  return html`<article id="contract-text" class="contract-text" aria-label="合同全文">${parts}
<p id="doc-end" class="doc-end">— 合同全文完 —</p></article>`;
}

export interface KeyTerm { label: string; text: string; href: string; clause: string; note?: string }

/** The clauses a template marks as costing the applicant money or rights, in the template's order. */
export function keyTermsOf(text: ContractText): KeyTerm[] {
  const clauses = text.blocks.filter((b): b is Block<'clause'> => b.kind === 'clause' && Boolean(b.term));
  return Object.entries(text.keyTerms).flatMap(([key, label]) =>
    clauses.filter((c) => c.term === key).map((c) => ({ label, text: c.text, href: `#${clauseId(c.number)}`, clause: c.number, ...(c.termNote ? { note: c.termNote } : {}) })),
  );
}
