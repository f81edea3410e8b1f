import { parse as parseCsv } from 'csv-parse/sync';
import readXlsx from 'read-excel-file/node';
import writeXlsxFile from 'write-excel-file/node';
import { DomainError } from '../domain/errors.js';
import { csv } from '../domain/csv.js';

/** One column of a bulk-issuance sheet: a leaf of the template's variables, by its dotted path. */
export interface SheetColumn {
  /** `customer.mobile`: the header cell, and the JSON path of the value. */
  name: string;
  path: string[];
  label: string;
  type: 'string' | 'number' | 'integer' | 'boolean' | 'json';
  enum?: unknown[];
  format?: string;
}

export interface SheetItem {
  /** The row in the file as a spreadsheet numbers it (the header is row 1). */
  row: number;
  reference: string;
  priority?: boolean;
  variables: Record<string, unknown>;
}

export interface SheetError {
  row: number;
  column: string;
  message: string;
}

type JsonSchema = {
  type?: string | string[];
  properties?: Record<string, JsonSchema>;
  items?: JsonSchema;
  title?: string;
  description?: string;
  enum?: unknown[];
  format?: string;
  $ref?: string;
  anyOf?: JsonSchema[];
  oneOf?: JsonSchema[];
  $defs?: Record<string, JsonSchema>;
  definitions?: Record<string, JsonSchema>;
};

/** The columns every sheet starts with, before the template's variables. */
const LEAD = [
  { name: 'reference', label: '业务编号（每行唯一，必填）' },
  { name: 'priority', label: '绿色通道（是/否，可空）' },
];
/** A row whose first cell starts with this is a note for people (the template's second row), not an item. */
const COMMENT = '#';
const MAX_ROWS = 10_000;

/** The columns of a template's variables: objects are walked, every other value is one column (arrays as JSON). */
export function sheetColumns(schema: JsonSchema): SheetColumn[] {
  const defs = { ...schema.definitions, ...schema.$defs };
  const resolve = (s: JsonSchema): JsonSchema => {
    if (s.$ref?.startsWith('#/')) {
      const name = s.$ref.split('/').pop()!;
      return resolve({ ...defs[name], ...s, $ref: undefined, title: s.title ?? defs[name]?.title });
    }
    const alt = (s.anyOf ?? s.oneOf)?.map(resolve).find((a) => a.type && a.type !== 'null');
    return alt ? { ...alt, title: s.title ?? alt.title } : s;
  };
  const out: SheetColumn[] = [];
  const walk = (node: JsonSchema, path: string[], label: string[]) => {
    const s = resolve(node);
    const type = Array.isArray(s.type) ? s.type.find((t) => t !== 'null') : s.type;
    if ((type === 'object' || (!type && s.properties)) && s.properties) {
      for (const [key, child] of Object.entries(s.properties)) walk(child, [...path, key], [...label, resolve(child).title ?? key]);
      return;
    }
    const kind = type === 'number' || type === 'integer' || type === 'boolean' ? type : type === 'array' || type === 'object' ? 'json' : 'string';
    out.push({ name: path.join('.'), path, label: label.join(' / '), type: kind, ...(s.enum ? { enum: s.enum } : {}), ...(s.format ? { format: s.format } : {}) });
  };
  walk(schema, [], []);
  return out;
}

function describe(c: SheetColumn): string {
  const kind = c.type === 'json' ? 'JSON' : c.enum ? `可选：${c.enum.join('/')}` : c.format === 'date' ? '日期 YYYY-MM-DD' : c.type === 'boolean' ? '是/否' : c.type === 'string' ? '' : '数字';
  return kind ? `${c.label}（${kind}）` : c.label;
}

/** The downloadable column template: the header, a note row naming each column, and one example row. */
export async function sheetTemplate(columns: SheetColumn[], example: Record<string, unknown>, format: 'csv' | 'xlsx'): Promise<Buffer> {
  const header = [...LEAD.map((l) => l.name), ...columns.map((c) => c.name)];
  const note = [`${COMMENT} ${LEAD[0].label}`, LEAD[1].label, ...columns.map(describe)];
  const sample = ['EXAMPLE-0001', '否', ...columns.map((c) => cellOf(c, valueAt(example, c.path)))];
  if (format === 'csv') return Buffer.from(csv(header, [note, sample]));
  return writeXlsxFile([header, note, sample].map((r) => r.map((value) => ({ value, type: String }))), { columns: header.map(() => ({ width: 24 })) }).toBuffer();
}

const valueAt = (o: unknown, path: string[]) => path.reduce<unknown>((v, k) => (v && typeof v === 'object' ? (v as Record<string, unknown>)[k] : undefined), o);
const cellOf = (c: SheetColumn, v: unknown): string => (v === undefined || v === null ? '' : c.type === 'json' ? JSON.stringify(v) : c.type === 'boolean' ? (v ? '是' : '否') : String(v));

function setAt(o: Record<string, unknown>, path: string[], value: unknown) {
  let cur = o;
  for (const key of path.slice(0, -1)) cur = (cur[key] ??= {}) as Record<string, unknown>;
  cur[path[path.length - 1]] = value;
}

const YES = new Set(['是', 'true', 'yes', 'y', '1', 'TRUE']);
const NO = new Set(['否', 'false', 'no', 'n', '0', 'FALSE', '']);

/** A cell as the variable's type wants it; an error message when it cannot be. */
function valueOf(c: Pick<SheetColumn, 'type' | 'format'>, cell: unknown): { value?: unknown; error?: string } {
  if (cell instanceof Date) {
    // Excel stores a date cell as a day with no time zone; read-excel-file gives it as UTC midnight.
    return { value: cell.toISOString().slice(0, 10) };
  }
  const text = typeof cell === 'number' ? String(cell) : String(cell ?? '').trim();
  if (text === '') return {};
  switch (c.type) {
    case 'number':
    case 'integer': {
      const n = Number(text.replace(/,/g, ''));
      if (!Number.isFinite(n) || (c.type === 'integer' && !Number.isInteger(n))) return { error: `"${text}" 不是${c.type === 'integer' ? '整数' : '数字'}` };
      return { value: n };
    }
    case 'boolean':
      if (YES.has(text)) return { value: true };
      if (NO.has(text)) return { value: false };
      return { error: `"${text}" 应为 是 或 否` };
    case 'json':
      try {
        return { value: JSON.parse(text) };
      } catch {
        return { error: '应为 JSON，例如 [{"serialNumber": "…"}]' };
      }
    default:
      return { value: text };
  }
}

/** Rows of the file: CSV (UTF-8, with or without BOM) or XLSX (its first sheet). */
async function rowsOf(file: Buffer, format: 'csv' | 'xlsx'): Promise<unknown[][]> {
  try {
    if (format === 'csv') return parseCsv(file, { bom: true, relax_column_count: true, skip_empty_lines: false }) as unknown[][];
    return (await readXlsx(file))[0]?.data ?? [];
  } catch (err) {
    throw new DomainError('unprocessable', 'unreadable_sheet', `The file is not a readable ${format.toUpperCase()} file: ${(err as Error).message}`);
  }
}

/**
 * The items of a bulk-issuance sheet, each with the row it came from, and the cells that could not be
 * read (a letter where a number goes) by row and column. Unknown columns are refused: a misspelt header
 * would otherwise drop a field silently.
 */
export async function readSheet(file: Buffer, format: 'csv' | 'xlsx', columns: SheetColumn[]): Promise<{ items: SheetItem[]; errors: SheetError[] }> {
  const rows = await rowsOf(file, format);
  const header = (rows[0] ?? []).map((h) => String(h ?? '').trim());
  const known = new Map(columns.map((c) => [c.name, c]));
  const unknown = header.filter((h) => h && !known.has(h) && !LEAD.some((l) => l.name === h));
  if (!header.includes('reference')) throw new DomainError('unprocessable', 'invalid_sheet', 'The first row must name the columns, starting with "reference"; download the column template');
  if (unknown.length > 0) throw new DomainError('unprocessable', 'invalid_sheet', `Unknown columns: ${unknown.join(', ')}; download the column template`, unknown.map((h) => ({ path: h, message: 'not a field of this template' })));
  const items: SheetItem[] = [];
  const errors: SheetError[] = [];
  rows.slice(1).forEach((cells, i) => {
    const row = i + 2;
    const at = (name: string) => cells[header.indexOf(name)];
    const reference = String(at('reference') ?? '').trim();
    if (reference.startsWith(COMMENT) || cells.every((c) => String(c ?? '').trim() === '')) return;
    if (!reference) errors.push({ row, column: 'reference', message: '业务编号不能为空' });
    const variables: Record<string, unknown> = {};
    for (const name of header) {
      const c = known.get(name);
      if (!c) continue;
      const { value, error } = valueOf(c, at(name));
      if (error) errors.push({ row, column: name, message: error });
      else if (value !== undefined) setAt(variables, c.path, value);
    }
    const priority = valueOf({ type: 'boolean' }, at('priority'));
    if (priority.error) errors.push({ row, column: 'priority', message: priority.error });
    items.push({ row, reference, variables, ...(priority.value !== undefined ? { priority: priority.value as boolean } : {}) });
  });
  if (items.length > MAX_ROWS) throw new DomainError('unprocessable', 'sheet_too_large', `At most ${MAX_ROWS} rows per file; split it`);
  return { items, errors };
}

/** The column a JSON Pointer into an item names (`/variables/meters/0/size` → `meters`), or the pointer itself. */
export function columnOfPath(path: string | undefined, columns: SheetColumn[]): string {
  const parts = (path ?? '').split('/').filter(Boolean);
  const inVariables = parts[0] === 'variables' ? parts.slice(1) : parts;
  const match = columns
    .filter((c) => c.path.every((k, i) => inVariables[i] === k))
    .sort((a, b) => b.path.length - a.path.length)[0];
  return match?.name ?? inVariables.join('.');
}
