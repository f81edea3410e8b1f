// What one incremental revision changed, object by object, compared with the table before it.
// Only the xref entries the revision itself wrote are candidates: everything else is, by
// construction, the same object as before.
import { getName, isDict, type PdfDict, type PdfValue } from '../pdf/cos.js';
import type { IndirectObject, PdfObjects, PdfReader, XrefEntry } from '../pdf/pdfReader.js';

export type ChangeKind = 'added' | 'changed' | 'deleted' | 'repointed';

export interface ObjectChange {
  num: number;
  kind: ChangeKind;
  before?: IndirectObject;
  after?: IndirectObject;
}

export interface RevisionDiff {
  revision: number;
  before: PdfObjects;
  after: PdfObjects;
  changes: Map<number, ObjectChange>;
  /** Object numbers of the xref streams this revision wrote (bookkeeping, not content). */
  xrefStreams: Set<number>;
  /** Trailer keys whose value differs from the previous revision's trailer. */
  trailerChanges: string[];
  /** Problems with where the revision's own xref sections lie. */
  structure: string[];
}

export function diffRevision(reader: PdfReader, index: number): RevisionDiff {
  const rev = reader.revisions[index];
  const before = reader.atRevision(index - 1);
  const after = reader.atRevision(index);
  const changes = new Map<number, ObjectChange>();
  const xrefStreams = new Set<number>();
  const structure: string[] = [];
  for (const s of rev.sections) {
    if (s.offset < rev.start) structure.push(`its xref section at byte ${s.offset} lies inside the earlier revision`);
    // An xref stream that takes the number of an object the document used replaces that object:
    // that is a change like any other, not bookkeeping.
    if (s.streamObject !== undefined && !usedOtherwise(before, s.streamObject)) xrefStreams.add(s.streamObject);
  }
  const written = new Set<number>();
  for (const s of rev.sections) for (const n of s.entries.keys()) written.add(n);
  for (const num of written) {
    if (xrefStreams.has(num)) continue;
    const ne = after.entry(num)!;
    const oe = before.entry(num);
    const ch = classifyEntry(after, before, num, ne, oe, rev.start);
    if (ch) changes.set(num, ch);
  }
  const trailerChanges: string[] = [];
  for (const key of ['Root', 'Info', 'Encrypt']) {
    const a = before.trailer.map.get(key);
    const b = after.trailer.map.get(key);
    if (!sameValue(a, b)) trailerChanges.push(key);
  }
  return { revision: index, before, after, changes, xrefStreams, trailerChanges, structure };
}

function classifyEntry(after: PdfObjects, before: PdfObjects, num: number, ne: XrefEntry, oe: XrefEntry | undefined, revStart: number): ObjectChange | undefined {
  const existed = oe !== undefined && oe.kind !== 'free';
  if (ne.kind === 'free') return existed ? { num, kind: 'deleted', before: safeGet(before, num) } : undefined;
  if (sameEntry(ne, oe)) return undefined;
  // An entry that points back into bytes written before this revision can only resurrect an old
  // object version: the shadow attack's "hide" and "replace" variants.
  const location = ne.kind === 'offset' ? ne.offset : after.entry(ne.stream)?.kind === 'offset' ? (after.entry(ne.stream) as { offset: number }).offset : -1;
  if (location < revStart) return { num, kind: 'repointed', before: existed ? safeGet(before, num) : undefined, after: safeGet(after, num) };
  if (!existed) return { num, kind: 'added', after: safeGet(after, num) };
  return { num, kind: 'changed', before: safeGet(before, num), after: safeGet(after, num) };
}

function usedOtherwise(before: PdfObjects, num: number): boolean {
  if (!before.has(num)) return false;
  const o = safeGet(before, num);
  return !(o?.isStream && isDict(o.value) && getName(o.value, 'Type') === 'XRef');
}

function sameEntry(a: XrefEntry, b: XrefEntry | undefined): boolean {
  if (!b || a.kind !== b.kind) return false;
  if (a.kind === 'offset' && b.kind === 'offset') return a.offset === b.offset;
  if (a.kind === 'compressed' && b.kind === 'compressed') return a.stream === b.stream && a.index === b.index;
  return a.kind === 'free';
}

function safeGet(objs: PdfObjects, num: number): IndirectObject | undefined {
  try {
    return objs.getObject(num);
  } catch {
    return undefined;
  }
}

export function sameValue(a: PdfValue | undefined, b: PdfValue | undefined, depth = 0): boolean {
  if (a === b) return true;
  if (!a || !b || a.type !== b.type || depth > 64) return false;
  switch (a.type) {
    case 'dict': {
      const bm = (b as PdfDict).map;
      if (a.map.size !== bm.size) return false;
      for (const [k, v] of a.map) if (!sameValue(v, bm.get(k), depth + 1)) return false;
      return true;
    }
    case 'array': {
      const bi = (b as typeof a).items;
      return a.items.length === bi.length && a.items.every((x, i) => sameValue(x, bi[i], depth + 1));
    }
    case 'name': return a.name === (b as typeof a).name;
    case 'num': return a.value === (b as typeof a).value;
    case 'str': return a.raw === (b as typeof a).raw;
    case 'ref': return a.num === (b as typeof a).num && a.gen === (b as typeof a).gen;
    case 'bool': return a.value === (b as typeof a).value;
    case 'null': return true;
  }
}

/** Keys whose values differ between two dictionaries (added, removed or changed). */
export function changedKeys(a: PdfDict, b: PdfDict): string[] {
  const out: string[] = [];
  for (const [k, v] of a.map) if (!sameValue(v, b.map.get(k))) out.push(k);
  for (const k of b.map.keys()) if (!a.map.has(k)) out.push(k);
  return out;
}

export function dictOf(o: IndirectObject | undefined): PdfDict | undefined {
  return o && isDict(o.value) ? o.value : undefined;
}
