import type { BlockDef, Condition, DocumentDef, ResolvedBlock } from './documentModel.js';

const CHINESE_NUMERALS = ['零', '一', '二', '三', '四', '五', '六', '七', '八', '九'];

/** 1 → 一, 12 → 十二, 20 → 二十, 35 → 三十五 (article numbers stay below 100). */
export function chineseNumber(n: number): string {
  if (n < 10) return CHINESE_NUMERALS[n];
  const tens = Math.floor(n / 10);
  const ones = n % 10;
  return (tens > 1 ? CHINESE_NUMERALS[tens] : '') + '十' + (ones > 0 ? CHINESE_NUMERALS[ones] : '');
}

export function lookup(context: unknown, path: string): unknown {
  let value: unknown = context;
  for (const key of path.split('.')) {
    if (value === null || typeof value !== 'object') return undefined;
    value = (value as Record<string, unknown>)[key];
  }
  return value;
}

function isEmpty(value: unknown): boolean {
  return value === undefined || value === null || value === '' || (Array.isArray(value) && value.length === 0);
}

function holds(condition: Condition | undefined, context: unknown): boolean {
  if (!condition) return true;
  const value = lookup(context, condition.path);
  if (condition.present !== undefined && condition.present === isEmpty(value)) return false;
  if ('equals' in condition && value !== condition.equals) return false;
  if (condition.in && !condition.in.includes(value)) return false;
  return true;
}

function formatDate(value: unknown): string {
  const m = /^(\d{4})-(\d{2})-(\d{2})/.exec(String(value));
  return m ? `${Number(m[1])}年${Number(m[2])}月${Number(m[3])}日` : String(value);
}

function stringify(value: unknown): string {
  if (isEmpty(value)) return '';
  if (Array.isArray(value)) return value.map(stringify).join('、');
  return String(value);
}

/**
 * Replaces `{{path}}` and `{{path | filter:arg}}` placeholders. Filters: `label:<map>`
 * (code to text via document.json labels), `date` (ISO date to 2025年1月2日),
 * `default:<text>` (used when the value is empty). Arrays join with 、.
 */
export function interpolate(text: string, context: unknown, labels: DocumentDef['labels'] = {}): string {
  return text.replace(/\{\{\s*([^}|]+?)\s*((?:\|[^}|]+)*)\}\}/g, (_m, path: string, filterChain: string) => {
    let value = lookup(context, path);
    for (const raw of filterChain.split('|').slice(1)) {
      const [name, ...rest] = raw.trim().split(':');
      const arg = rest.join(':');
      if (name === 'label') {
        const map = labels[arg];
        if (!map) throw new Error(`document.json: unknown label map "${arg}"`);
        value = isEmpty(value) ? value : map[String(value)] ?? value;
      } else if (name === 'date') {
        value = isEmpty(value) ? value : formatDate(value);
      } else if (name === 'default') {
        value = isEmpty(value) ? arg : value;
      } else {
        throw new Error(`document.json: unknown filter "${name}"`);
      }
    }
    return stringify(value);
  });
}

function resolveBlock(block: BlockDef, context: Record<string, unknown>, def: DocumentDef, out: ResolvedBlock[], articleNo: { n: number }): void {
  const fill = (t: string, ctx: unknown = context) => interpolate(t, ctx, def.labels);
  switch (block.type) {
    case 'title':
      out.push({ kind: 'title', text: fill(block.text) });
      return;
    case 'paragraph':
      out.push({ kind: 'paragraph', text: fill(block.text), indent: block.indent ?? false, align: block.align ?? 'left', bold: block.bold ?? false });
      return;
    case 'spacer':
      out.push({ kind: 'spacer', heightMm: block.heightMm });
      return;
    case 'article': {
      articleNo.n += 1;
      out.push({ kind: 'heading', text: `第${chineseNumber(articleNo.n)}条　${fill(block.heading)}` });
      let clauseNo = 0;
      for (const clause of block.clauses) {
        const c = typeof clause === 'string' ? { text: clause } : clause;
        if (!holds(c.when, context)) continue;
        clauseNo += 1;
        out.push({
          kind: 'clause', number: `${articleNo.n}.${clauseNo}`, text: fill(c.text),
          ...(c.term ? { term: c.term } : {}), ...(c.termNote ? { termNote: c.termNote } : {}),
        });
      }
      return;
    }
    case 'table': {
      const rows = (block.rows ?? []).filter((r) => holds(r.when, context)).map((r) => r.cells.map((c) => fill(c)));
      if (block.repeat) {
        const items = lookup(context, block.repeat.over);
        const list = Array.isArray(items) ? items : [];
        list.forEach((item, i) => {
          const scope = { ...context, item, index: i + 1 };
          rows.push(block.repeat!.cells.map((c) => fill(c, scope)));
        });
      }
      const header = block.headerRow ? block.columns.map((c) => fill(c.header ?? '')) : undefined;
      out.push({ kind: 'table', widths: block.columns.map((c) => c.width), header, rows, labelColumn: block.labelColumn ?? false });
      return;
    }
    case 'signatures':
      out.push({
        kind: 'signatures',
        parties: block.parties.map((p) => ({ role: p.role, caption: fill(p.caption), lines: p.lines.map((l) => fill(l)), field: p.field })),
      });
      return;
  }
}

/** Evaluates conditions, numbers articles and clauses, and fills placeholders. */
export function composeDocument(def: DocumentDef, context: Record<string, unknown>): ResolvedBlock[] {
  const out: ResolvedBlock[] = [];
  const articleNo = { n: 0 };
  for (const block of def.blocks) {
    if (holds(block.when, context)) resolveBlock(block, context, def, out, articleNo);
  }
  return out;
}
