// A file whose xref offsets are a few bytes off (a CRLF → LF conversion, a careless writer) or whose
// xref table is empty can still be read by finding the "N G obj" headers themselves. What a scan
// finds is a guess that other readers may not share, so the reader says it repaired the file and the
// verifier never calls such a file more than indeterminate.
import { PdfFormatError } from './errors.js';
import type { Revision, XrefEntry } from './pdfReader.js';

interface Header {
  offset: number;
  gen: number;
}

const WS = '[\\0\\t\\n\\f\\r ]';
const HEADER = new RegExp(`(?<![0-9])(\\d{1,10})${WS}+(\\d{1,5})${WS}+obj(?![^\\0\\t\\n\\f\\r ()<>\\[\\]{}/%])`, 'g');
const HEADER_AT = new RegExp(`^${WS}*(\\d{1,10})${WS}+\\d{1,5}${WS}+obj(?![^\\0\\t\\n\\f\\r ()<>\\[\\]{}/%])`);

/** Fixes the sections' entries in place; true when anything was repaired. At most `maxFound` entries are added. */
export function repairXref(buf: Buffer, revisions: Revision[], warnings: string[], maxFound: number): boolean {
  let headers: { byNumber: Map<number, Header[]>; all: Array<Header & { num: number }> } | undefined;
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
        // Only a header that existed when this section was written can be what it meant.
        const h = nearest(scan().byNumber.get(num), e.offset, rev.end);
        if (h) {
          entries.set(num, { kind: 'offset', offset: h.offset, gen: h.gen });
          moved++;
        }
      }
      if (inUse === 0 && !s.isStream) {
        // An empty table: the objects this revision wrote are those between its start and its xref (the last of a number wins).
        const all = scan().all;
        for (let i = firstAfter(all, rev.start - 1); i < all.length && all[i].offset < s.offset; i++) {
          if (all[i].num === 0) continue;
          entries.set(all[i].num, { kind: 'offset', offset: all[i].offset, gen: all[i].gen });
          if (++found > maxFound) throw new PdfFormatError('too_complex', `more than ${maxFound} objects found while repairing the xref`);
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

/** Every header in file order, and by object number (each list in file order too). */
function scanHeaders(buf: Buffer): { byNumber: Map<number, Header[]>; all: Array<Header & { num: number }> } {
  const byNumber = new Map<number, Header[]>();
  const all: Array<Header & { num: number }> = [];
  for (const m of buf.toString('latin1').matchAll(HEADER)) {
    const h = { num: Number(m[1]), offset: m.index, gen: Number(m[2]) };
    all.push(h);
    let list = byNumber.get(h.num);
    if (!list) byNumber.set(h.num, (list = []));
    list.push(h);
  }
  return { byNumber, all };
}

/** Index of the first header after `offset` (binary search: hundreds of sections may ask). */
function firstAfter(list: readonly Header[], offset: number): number {
  let lo = 0;
  let hi = list.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (list[mid].offset <= offset) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** The header closest to `offset` among those before `end`. */
function nearest(list: Header[] | undefined, offset: number, end: number): Header | undefined {
  if (!list) return undefined;
  const i = firstAfter(list, Math.min(offset, end - 1));
  const below = list[i - 1];
  const above = list[i] && list[i].offset < end ? list[i] : undefined;
  if (!below || !above) return below ?? above;
  return offset - below.offset <= above.offset - offset ? below : above;
}
