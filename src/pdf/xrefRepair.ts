// A file whose xref offsets are a few bytes off (a CRLF → LF conversion, a careless writer) or whose
// xref table is empty can still be read by finding the "N G obj" headers themselves. What a scan
// finds is a guess that other readers may not share, so the reader says it repaired the file and the
// verifier never calls such a file more than indeterminate.
import type { Revision, XrefEntry } from './pdfReader.js';

interface Header {
  offset: number;
  gen: number;
}

const WS = '[\\0\\t\\n\\f\\r ]';
const HEADER = new RegExp(`(?<![0-9])(\\d{1,10})${WS}+(\\d{1,5})${WS}+obj(?![^\\0\\t\\n\\f\\r ()<>\\[\\]{}/%])`, 'g');
const HEADER_AT = new RegExp(`^${WS}*(\\d{1,10})${WS}+\\d{1,5}${WS}+obj(?![^\\0\\t\\n\\f\\r ()<>\\[\\]{}/%])`);

/** Fixes the sections' entries in place; true when anything was repaired. */
export function repairXref(buf: Buffer, revisions: Revision[], warnings: string[]): boolean {
  let headers: Map<number, Header[]> | undefined;
  const scan = () => (headers ??= scanHeaders(buf));
  // Hybrid files repeat the same entries in every section: each location is looked at once.
  const numberAt = new Map<number, number>();
  const objectAt = (offset: number) => {
    let n = numberAt.get(offset);
    if (n === undefined) numberAt.set(offset, (n = headerNumber(buf, offset)));
    return n;
  };
  let moved = 0;
  let found = 0;
  for (const rev of revisions) {
    for (const s of rev.sections) {
      const entries = s.entries as Map<number, XrefEntry>;
      let inUse = 0;
      for (const [num, e] of entries) {
        if (e.kind === 'free' || num === 0) continue;
        inUse++;
        if (e.kind !== 'offset' || objectAt(e.offset) === num) continue;
        const around = revisions.find((r) => e.offset >= r.start && e.offset < r.end) ?? rev;
        const h = nearest(scan().get(num), e.offset, around);
        if (h) {
          entries.set(num, { kind: 'offset', offset: h.offset, gen: h.gen });
          moved++;
        }
      }
      if (inUse === 0 && !s.isStream) {
        // An empty table: the objects this revision wrote are those between its start and its xref.
        for (const [num, list] of scan()) {
          const mine = list.filter((h) => h.offset >= rev.start && h.offset < s.offset);
          const h = mine[mine.length - 1];
          if (h && num !== 0) {
            entries.set(num, { kind: 'offset', offset: h.offset, gen: h.gen });
            found++;
          }
        }
      }
    }
  }
  if (moved) warnings.push(`structure_repaired: ${moved} xref entries did not point at their object and were moved to the nearest "N G obj" header`);
  if (found) warnings.push(`structure_repaired: ${found} objects of an empty xref section were found by scanning the file`);
  return moved + found > 0;
}

function headerNumber(buf: Buffer, offset: number): number {
  const m = HEADER_AT.exec(buf.toString('latin1', offset, offset + 48));
  // "2 0 obj" inside "12 0 obj" is no header of object 2.
  if (!m || (m[0][0] === m[1][0] && buf[offset - 1] >= 0x30 && buf[offset - 1] <= 0x39)) return -1;
  return Number(m[1]);
}

function scanHeaders(buf: Buffer): Map<number, Header[]> {
  const out = new Map<number, Header[]>();
  for (const m of buf.toString('latin1').matchAll(HEADER)) {
    const num = Number(m[1]);
    let list = out.get(num);
    if (!list) out.set(num, (list = []));
    list.push({ offset: m.index, gen: Number(m[2]) });
  }
  return out;
}

function nearest(list: Header[] | undefined, offset: number, within: Revision): Header | undefined {
  let best: Header | undefined;
  for (const h of list ?? []) {
    if (h.offset < within.start || h.offset >= within.end) continue;
    if (!best || Math.abs(h.offset - offset) < Math.abs(best.offset - offset)) best = h;
  }
  return best;
}
