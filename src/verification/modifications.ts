// Applies the modification policy to each revision and names every change nobody allowed in words
// an auditor understands (page content, font, annotation, …).
import { getName, type PdfValue } from '../pdf/cos.js';
import type { PdfObjects, PdfReader } from '../pdf/pdfReader.js';
import { directRefs, fillsSignedReference, MODIFICATION_POLICY, signatureKind, zeroArea, type Allowance, type AllowedLevel } from './modificationPolicy.js';
import { changedKeys, dictOf, diffRevision, type ObjectChange, type RevisionDiff } from './revisionDiff.js';
import type { Modification } from './types.js';

export interface RevisionVerdict {
  allowed: Modification[];
  disallowed: Modification[];
}

export function analyseRevision(reader: PdfReader, index: number, policy: readonly Allowance[] = MODIFICATION_POLICY): RevisionVerdict {
  const d = diffRevision(reader, index);
  const allowed: Modification[] = [];
  const disallowed: Modification[] = [];
  for (const s of d.structure) disallowed.push({ revision: index, objectNumber: null, what: 'xref_structure', rule: 'not_allowed', detail: s });
  for (const n of d.xrefStreams) allowed.push({ revision: index, objectNumber: n, what: 'xref_stream', rule: 'cross_reference_bookkeeping', level: 'none' });

  const claimed = new Map<number, { rule: string; what: string; detail?: string; level: AllowedLevel; field?: string }>();
  for (const a of policy) {
    for (const c of a.claim(d)) {
      const ch = d.changes.get(c.num);
      // Rules can only explain new or rewritten objects; a repoint or a deletion is never an allowance.
      if (!ch || (ch.kind !== 'added' && ch.kind !== 'changed') || claimed.has(c.num)) continue;
      claimed.set(c.num, { rule: a.rule, what: c.what, detail: c.detail, level: c.level ?? a.level, field: c.field });
    }
  }
  for (const key of d.trailerChanges) {
    const v = d.after.trailer.map.get(key);
    if (key === 'Info' && v?.type === 'ref' && claimed.get(v.num)?.rule === 'document_info') continue;
    disallowed.push({
      revision: index,
      objectNumber: v?.type === 'ref' ? v.num : null,
      what: key === 'Root' ? 'catalog_replaced' : key === 'Info' ? 'document_info_replaced' : 'encryption_changed',
      rule: 'not_allowed',
      detail: `trailer /${key} changed`,
    });
  }
  let roles: Map<number, string> | undefined;
  for (const ch of [...d.changes.values()].sort((x, y) => x.num - y.num)) {
    const c = claimed.get(ch.num);
    if (c && ch.kind === 'added' && fillsSignedReference(d, ch.num)) {
      disallowed.push({ revision: index, objectNumber: ch.num, what: 'signed_reference_filled', rule: 'not_allowed', detail: `the signed revision already referred to object ${ch.num}, which did not exist then: as ${c.what} it now changes what those signed objects show` });
      continue;
    }
    const borrowed = c && ch.kind === 'changed' ? borrowedReferences(d, ch) : [];
    if (c && !borrowed.length) {
      allowed.push({ revision: index, objectNumber: ch.num, what: c.what, rule: c.rule, level: c.level, ...(c.detail ? { detail: c.detail } : {}), ...(c.field !== undefined ? { field: c.field } : {}) });
      continue;
    }
    if (borrowed.length) {
      // No rule justifies pointing a rewritten object at content of the signed revision (e.g. an old appearance).
      disallowed.push({ revision: index, objectNumber: ch.num, what: 'reference_to_signed_object', rule: 'not_allowed', detail: `${c!.what} gains references to objects ${borrowed.join(', ')} of the signed revision` });
      continue;
    }
    roles ??= objectRoles(d.before);
    disallowed.push({ revision: index, objectNumber: ch.num, rule: 'not_allowed', ...describe(d, ch, roles) });
  }
  return { allowed, disallowed };
}

/** References a rewritten object gains to objects that existed before and are not rewritten now. */
function borrowedReferences(d: RevisionDiff, ch: ObjectChange): number[] {
  const before = directRefs(ch.before?.value);
  const out: number[] = [];
  for (const n of directRefs(ch.after?.value)) {
    if (before.has(n) || !d.before.has(n)) continue;
    const target = d.changes.get(n);
    if (target && (target.kind === 'added' || target.kind === 'changed')) continue;
    out.push(n);
  }
  return out.sort((a, b) => a - b);
}

function describe(d: RevisionDiff, ch: ObjectChange, roles: Map<number, string>): { what: string; detail: string } {
  const role = roles.get(ch.num);
  const stamp = timestampFieldProblem(d, ch);
  if (stamp) return stamp;
  if (ch.kind === 'repointed') {
    return { what: 'xref_repoint', detail: `xref entry points back to an older version of ${role ?? 'the object'} inside earlier bytes (shadow attack)` };
  }
  if (ch.kind === 'deleted') return { what: 'object_deleted', detail: `${role ?? 'object'} removed from the xref` };
  const a = dictOf(ch.after);
  const b = dictOf(ch.before);
  if (ch.kind === 'changed') {
    if (role === 'page' && a && b) {
      const keys = changedKeys(b, a);
      const what = keys.includes('Contents') ? 'page_content' : keys.includes('Resources') ? 'page_resources' : keys.includes('Annots') ? 'annotation' : 'page';
      return { what, detail: `page dictionary changed: ${keys.join(', ')}` };
    }
    if (role === 'catalog' && a && b) return { what: 'catalog_changed', detail: `catalog entries changed: ${changedKeys(b, a).join(', ')}` };
    if (role) return { what: role, detail: `${role.replace(/_/g, ' ')} redefined` };
    return { what: 'object_changed', detail: 'object redefined' };
  }
  // added
  if (a) {
    const type = getName(a, 'Type');
    const subtype = getName(a, 'Subtype');
    if (a.map.has('FT') || (subtype === 'Widget' && a.map.has('Parent'))) {
      return { what: zeroArea(d.after, a) ? 'new_field' : 'new_visible_field', detail: `new form field (${getName(a, 'FT') ?? 'inherited type'})` };
    }
    if (type === 'Annot' || (subtype && ANNOT_SUBTYPES.has(subtype))) return { what: 'annotation', detail: `new ${subtype ?? ''} annotation` };
    if (type === 'Font' || type === 'FontDescriptor') return { what: 'font', detail: 'new font object' };
    if (type === 'Page' || type === 'Pages') return { what: 'page', detail: 'new page object' };
    if (subtype === 'Image' || subtype === 'Form') return { what: 'xobject', detail: 'new XObject' };
  }
  return { what: 'new_object', detail: 'new object no allowed change refers to' };
}

/** A document timestamp where only a party's signature belongs, or showing something on the page. */
function timestampFieldProblem(d: RevisionDiff, ch: ObjectChange): { what: string; detail: string } | undefined {
  const a = dictOf(ch.after);
  const v = a?.map.get('V');
  if (!a || v?.type !== 'ref' || (ch.kind !== 'changed' && ch.kind !== 'added')) return undefined;
  const sig = d.changes.get(v.num);
  if (sig?.kind !== 'added' || signatureKind(dictOf(sig.after)) !== 'document_timestamp') return undefined;
  if (ch.kind === 'changed') {
    return { what: 'timestamp_in_existing_field', detail: 'a document timestamp fills a signature field that existed before: a timestamp proves no one\'s agreement' };
  }
  return { what: 'timestamp_visible_field', detail: 'a document timestamp in a field with a visible widget or an appearance' };
}

const ANNOT_SUBTYPES = new Set(['Text', 'Link', 'FreeText', 'Line', 'Square', 'Circle', 'Polygon', 'PolyLine', 'Highlight', 'Underline', 'Squiggly', 'StrikeOut', 'Stamp', 'Caret', 'Ink', 'Popup', 'FileAttachment', 'Sound', 'Movie', 'Widget', 'Screen', 'PrinterMark', 'TrapNet', 'Watermark', '3D', 'Redact']);


const MAX_PAGES = 10_000;

/** What each object is to the document as of a revision: only computed when something was disallowed. */
export function objectRoles(objs: PdfObjects): Map<number, string> {
  const roles = new Map<number, string>();
  const set = (v: PdfValue | undefined, role: string) => {
    if (v?.type === 'ref' && !roles.has(v.num)) roles.set(v.num, role);
  };
  const rootRef = objs.trailer.map.get('Root');
  set(rootRef, 'catalog');
  const safe = <T>(f: () => T): T | undefined => {
    try {
      return f();
    } catch {
      return undefined;
    }
  };
  const cat = safe(() => objs.resolveDict(rootRef));
  if (!cat) return roles;
  set(cat.map.get('AcroForm'), 'acroform');
  set(cat.map.get('Pages'), 'page_tree');
  const fonts = (res: PdfValue | undefined) => {
    const r = safe(() => objs.resolveDict(res));
    if (!r) return;
    const f = safe(() => objs.resolveDict(r.map.get('Font')));
    set(r.map.get('Font'), 'font');
    for (const v of f?.map.values() ?? []) {
      set(v, 'font');
      const fd = safe(() => objs.resolveDict(v));
      for (const k of ['FontDescriptor', 'DescendantFonts', 'ToUnicode', 'Encoding']) set(fd?.map.get(k), 'font');
      const desc = safe(() => objs.resolve(fd?.map.get('DescendantFonts')));
      for (const dv of desc?.type === 'array' ? desc.items : []) {
        set(dv, 'font');
        const dd = safe(() => objs.resolveDict(dv));
        set(dd?.map.get('FontDescriptor'), 'font');
        const fdd = safe(() => objs.resolveDict(dd?.map.get('FontDescriptor')));
        for (const k of ['FontFile', 'FontFile2', 'FontFile3']) set(fdd?.map.get(k), 'font');
      }
      const fdd = safe(() => objs.resolveDict(fd?.map.get('FontDescriptor')));
      for (const k of ['FontFile', 'FontFile2', 'FontFile3']) set(fdd?.map.get(k), 'font');
    }
    const x = safe(() => objs.resolveDict(r.map.get('XObject')));
    for (const v of x?.map.values() ?? []) set(v, 'xobject');
  };
  const stack: Array<{ v: PdfValue | undefined; depth: number }> = [{ v: cat.map.get('Pages'), depth: 0 }];
  const seen = new Set<number>();
  while (stack.length && seen.size < MAX_PAGES) {
    const { v, depth } = stack.pop()!;
    if (v?.type !== 'ref' || seen.has(v.num) || depth > 64) continue;
    seen.add(v.num);
    const node = safe(() => objs.resolveDict(v));
    if (!node) continue;
    if (getName(node, 'Type') === 'Page') {
      roles.set(v.num, 'page');
      const contents = node.map.get('Contents');
      set(contents, 'page_content');
      const arr = safe(() => objs.resolve(contents));
      for (const c of arr?.type === 'array' ? arr.items : []) set(c, 'page_content');
      set(node.map.get('Resources'), 'page_resources');
      fonts(node.map.get('Resources'));
      set(node.map.get('Annots'), 'annotation');
      const annots = safe(() => objs.resolve(node.map.get('Annots')));
      for (const a of annots?.type === 'array' ? annots.items : []) set(a, 'annotation');
    } else {
      if (!roles.has(v.num)) roles.set(v.num, 'page_tree');
      fonts(node.map.get('Resources'));
      const kids = safe(() => objs.resolve(node.map.get('Kids')));
      for (const k of kids?.type === 'array' ? kids.items : []) stack.push({ v: k, depth: depth + 1 });
    }
  }
  return roles;
}

