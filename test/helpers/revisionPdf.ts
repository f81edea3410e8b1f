// Tiny hand-written PDFs with incremental revisions, for unit tests of the modification policy:
// each object is given as its source text, keyed by object number.
import { PdfReader } from '../../src/pdf/pdfReader.js';
import { analyseRevision } from '../../src/verification/modifications.js';

export type Objs = Record<number, string | undefined>;

export const stream = (dict: string, data: string) => `<< ${dict} /Length ${Buffer.byteLength(data, 'latin1')} >>\nstream\n${data}\nendstream`;

function writeObjects(start: number, objs: Objs): { text: string; offsets: Map<number, number> } {
  let text = '';
  const offsets = new Map<number, number>();
  for (const [k, body] of Object.entries(objs)) {
    if (body === undefined) continue;
    const num = Number(k);
    offsets.set(num, start + Buffer.byteLength(text, 'latin1'));
    text += `${num} 0 obj\n${body}\nendobj\n`;
  }
  return { text, offsets };
}

const entryLine = (offset: number) => `${String(offset).padStart(10, '0')} 00000 n\r\n`;

/** The signed revision: the given objects, a classic xref table, and `trailer` (without /Size). */
export function basePdf(objs: Objs, trailer = '/Root 1 0 R'): Buffer {
  const header = '%PDF-1.7\n';
  const { text, offsets } = writeObjects(header.length, objs);
  const xrefAt = header.length + Buffer.byteLength(text, 'latin1');
  let x = 'xref\n0 1\n0000000000 65535 f\r\n';
  for (const [n, o] of [...offsets].sort((a, b) => a[0] - b[0])) x += `${n} 1\n${entryLine(o)}`;
  const size = Math.max(0, ...offsets.keys()) + 1;
  return Buffer.from(`${header}${text}${x}trailer\n<< /Size ${size} ${trailer} >>\nstartxref\n${xrefAt}\n%%EOF\n`, 'latin1');
}

/** An incremental update writing `objs`, freeing `free` and pointing `repoint` entries at given offsets. */
export function updatePdf(prev: Buffer, objs: Objs, opts: { trailer?: string; free?: number[]; repoint?: Array<[num: number, offset: number]> } = {}): Buffer {
  const r = new PdfReader(prev);
  const { text, offsets } = writeObjects(prev.length, objs);
  const xrefAt = prev.length + Buffer.byteLength(text, 'latin1');
  const lines = new Map<number, string>();
  for (const [n, o] of offsets) lines.set(n, entryLine(o));
  for (const n of opts.free ?? []) lines.set(n, '0000000000 00001 f\r\n');
  for (const [n, o] of opts.repoint ?? []) lines.set(n, entryLine(o));
  let x = 'xref\n';
  for (const n of [...lines.keys()].sort((a, b) => a - b)) x += `${n} 1\n${lines.get(n)}`;
  const size = Math.max(r.size, ...[...lines.keys()].map((n) => n + 1));
  const trailer = `<< /Size ${size} ${opts.trailer ?? '/Root 1 0 R'} /Prev ${r.startxref} >>`;
  return Buffer.concat([prev, Buffer.from(`${text}${x}trailer\n${trailer}\nstartxref\n${xrefAt}\n%%EOF\n`, 'latin1')]);
}

export type AllowedRow = [num: number | null, rule: string, what: string, level: string | undefined, field: string | null];
export type DisallowedRow = [num: number | null, what: string];

/** What the policy says about revision `index`, as compact rows in object order. */
export function judge(pdf: Buffer, index = 1): { allowed: AllowedRow[]; disallowed: DisallowedRow[] } {
  const v = analyseRevision(new PdfReader(pdf), index);
  return {
    allowed: v.allowed.map((m) => [m.objectNumber, m.rule, m.what, m.level, m.field ?? null]),
    disallowed: v.disallowed.map((m) => [m.objectNumber, m.what]),
  };
}

/** Details of the allowed changes, by object number. */
export function allowedDetails(pdf: Buffer, index = 1): Array<[number | null, string | undefined]> {
  return analyseRevision(new PdfReader(pdf), index).allowed.map((m) => [m.objectNumber, m.detail]);
}

/** A one-revision PDF of numbered object bodies (object i+1 is bodies[i]) and the given trailer entries. */
export function numberedPdf(bodies: string[], trailer = '/Root 1 0 R'): Buffer {
  let text = '%PDF-1.7\n';
  const offsets: number[] = [];
  bodies.forEach((body, i) => {
    offsets.push(text.length);
    text += `${i + 1} 0 obj\n${body}\nendobj\n`;
  });
  const xrefAt = text.length;
  text += `xref\n0 ${bodies.length + 1}\n0000000000 65535 f\r\n${offsets.map((o) => `${String(o).padStart(10, '0')} 00000 n\r\n`).join('')}`;
  text += `trailer\n<</Size ${bodies.length + 1} ${trailer}>>\nstartxref\n${xrefAt}\n%%EOF\n`;
  return Buffer.from(text, 'latin1');
}
