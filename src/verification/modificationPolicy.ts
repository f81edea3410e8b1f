// Which changes a later revision may make without voiding earlier signatures. Reject by default:
// each allowance below is a named rule that claims the specific objects it has checked, and any
// change no rule claims is disallowed (after pyHanko's diff_analysis). Each rule also names the
// modification level it belongs to, so a certification signature's DocMDP permission (ISO 32000-1
// §12.8.2.2) can cap what later revisions may do.
import { getName, isDict, textString, type PdfDict, type PdfValue } from '../pdf/cos.js';
import type { PdfObjects } from '../pdf/pdfReader.js';
import { changedKeys, dictOf, sameValue, type ObjectChange, type RevisionDiff } from './revisionDiff.js';

/** Ordered: each level permits everything the ones before it permit. */
export const MODIFICATION_LEVELS = ['none', 'lta_updates', 'form_filling', 'annotations', 'other'] as const;
export type ModificationLevel = (typeof MODIFICATION_LEVELS)[number];
export type AllowedLevel = Exclude<ModificationLevel, 'other'>;

export const levelRank = (l: ModificationLevel): number => MODIFICATION_LEVELS.indexOf(l);

export interface Claim {
  num: number;
  what: string;
  detail?: string;
  /** Overrides the rule's level (a new field holding a timestamp is an LTA update, one holding a signature form filling). */
  level?: AllowedLevel;
  /** Fully qualified name of the form field the change belongs to, for field locks (FieldMDP). */
  field?: string;
}

export interface Allowance {
  rule: string;
  description: string;
  level: AllowedLevel;
  claim(diff: RevisionDiff): Claim[];
}

/** Entries a signing tool may add or change on the field and on its widget when it fills the field. */
const FIELD_FILL_KEYS = new Set(['V']);
const WIDGET_FILL_KEYS = new Set(['AP', 'F', 'MK']);
const ACROFORM_KEYS = new Set(['SigFlags', 'DA', 'DR']);
const MAX_CLAIM_DEPTH = 16;
const MAX_REACHABLE = 200_000;

export const MODIFICATION_POLICY: readonly Allowance[] = [
  {
    rule: 'fill_existing_signature_field',
    level: 'form_filling',
    description: 'a later signature (never a document timestamp) fills a signature field that already existed, empty, in the signed revision (field /V, widget /AP and flags, the new signature dictionary and its appearance)',
    claim: fillExistingField,
  },
  {
    rule: 'new_signature_field',
    level: 'form_filling',
    description: 'a signature in a new signature field, visible or not, listed in /Fields and its page /Annots',
    claim: (d) => newSignatureFields(d, 'signature'),
  },
  {
    rule: 'document_timestamp_field',
    level: 'lta_updates',
    description: 'a document timestamp in a new invisible field: zero-area widget, no appearance (or an empty one)',
    claim: (d) => newSignatureFields(d, 'document_timestamp'),
  },
  {
    rule: 'acroform_signature_entries',
    level: 'lta_updates',
    description: 'the AcroForm gains or changes /SigFlags, /DA or /DR, or lists new signature fields that another rule accepts',
    claim: acroFormChanges,
  },
  {
    rule: 'page_annotations_appended',
    level: 'lta_updates',
    description: "a page's /Annots gains exactly the new widgets and annotations that another rule accepts",
    claim: pageAnnots,
  },
  {
    rule: 'new_annotation',
    level: 'annotations',
    description: 'a new annotation (not a form field) on a page, with its own new appearance and popup',
    claim: newAnnotations,
  },
  {
    rule: 'dss',
    level: 'lta_updates',
    description: 'the catalog gains or updates /DSS (certificates, CRLs, OCSP responses, /VRI) for long-term validation, its arrays direct or indirect',
    claim: dssChanges,
  },
  {
    rule: 'catalog_entries',
    level: 'lta_updates',
    description: 'the catalog changes only /DSS, /Extensions, /Version, /Metadata or an inline AcroForm in the ways the other rules accept',
    claim: catalogChanges,
  },
  {
    rule: 'document_info',
    level: 'lta_updates',
    description: 'the trailer /Info dictionary is rewritten (ModDate, Producer, …)',
    claim: documentInfo,
  },
  {
    rule: 'xmp_metadata',
    level: 'lta_updates',
    description: 'the catalog /Metadata stream (XMP, /Type /Metadata /Subtype /XML) is replaced or rewritten',
    claim: xmpMetadata,
  },
  {
    rule: 'cross_reference_bookkeeping',
    level: 'none',
    description: 'xref streams and object-stream containers written by the revision itself',
    claim: (d) => {
      const out: Claim[] = [];
      for (const ch of d.changes.values()) {
        const a = dictOf(ch.after);
        if (ch.kind === 'added' && a && getName(a, 'Type') === 'ObjStm' && ch.after?.isStream) out.push({ num: ch.num, what: 'object_stream' });
      }
      return out;
    },
  },
  {
    rule: 'identical_rewrite',
    level: 'none',
    description: 'an object written again with exactly the same content',
    claim: (d) => {
      const out: Claim[] = [];
      for (const ch of d.changes.values()) {
        if (ch.kind !== 'changed' || !ch.before || !ch.after || ch.before.isStream !== ch.after.isStream) continue;
        if (!sameValue(ch.before.value, ch.after.value)) continue;
        if (ch.after.isStream && !d.after.rawStream(ch.after).equals(d.before.rawStream(ch.before))) continue;
        out.push({ num: ch.num, what: 'identical_rewrite' });
      }
      return out;
    },
  },
];

// ---------------------------------------------------------------- signature fields

function fillExistingField(d: RevisionDiff): Claim[] {
  const out: Claim[] = [];
  for (const ch of d.changes.values()) {
    if (ch.kind !== 'changed') continue;
    const before = dictOf(ch.before);
    const after = dictOf(ch.after);
    if (!before || !after || ch.after?.isStream) continue;
    if (fieldType(d.before, before) !== 'Sig' || hasValue(before) || !hasValue(after)) continue;
    const v = after.map.get('V');
    const sigCh = v?.type === 'ref' ? d.changes.get(v.num) : undefined;
    // A document timestamp proves only that bytes existed: it never fills a field a party was meant to sign.
    if (!sigCh || sigCh.kind !== 'added' || signatureKind(dictOf(sigCh.after)) !== 'signature') continue;
    const merged = getName(before, 'Subtype') === 'Widget';
    const allowed = merged ? new Set([...FIELD_FILL_KEYS, ...WIDGET_FILL_KEYS]) : FIELD_FILL_KEYS;
    if (!changedKeys(before, after).every((k) => allowed.has(k))) continue;
    const field = fullFieldName(d.after, after);
    const claims: Claim[] = [
      { num: ch.num, what: 'signature_field_filled', field },
      { num: sigCh.num, what: 'signature_dictionary', field },
    ];
    claims.push(...newObjectsBelow(d, sigCh.after!.value, 'signature_dictionary_part'));
    if (merged) {
      claims.push(...appearanceBelow(d, ch.num, before, after));
    } else {
      const kids = d.after.resolve(after.map.get('Kids'));
      let widgetsOk = true;
      for (const k of kids?.type === 'array' ? kids.items : []) {
        if (k.type !== 'ref') continue;
        const kc = d.changes.get(k.num);
        if (!kc) continue;
        const kb = dictOf(kc.before);
        const ka = dictOf(kc.after);
        if (kc.kind !== 'changed' || !kb || !ka || !changedKeys(kb, ka).every((key) => WIDGET_FILL_KEYS.has(key))) {
          widgetsOk = false;
          break;
        }
        claims.push({ num: k.num, what: 'signature_widget', field }, ...appearanceBelow(d, k.num, kb, ka));
      }
      if (!widgetsOk) continue;
    }
    out.push(...claims);
  }
  return out;
}

/**
 * The new appearance of a widget being signed. Besides new objects it may rewrite in place the
 * objects of the widget's own earlier (empty) appearance, as long as nothing else in the signed
 * revision uses them: then they showed nothing but the unsigned field.
 */
function appearanceBelow(d: RevisionDiff, widgetNum: number, before: PdfDict, after: PdfDict): Claim[] {
  let own: Set<number> | undefined;
  const ownOnly = (n: number) => {
    own ??= reachableFrom(d.before, [before.map.get('AP')]);
    return own !== undefined && own.has(n) && onlyThrough(d, n, widgetNum, 'AP');
  };
  return objectsBelow(d, after.map.get('AP'), 'signature_appearance', (ch) => ch.kind === 'changed' && (isOrphanBefore(d, ch.num) || ownOnly(ch.num)));
}

function newSignatureFields(d: RevisionDiff, kind: 'signature' | 'document_timestamp'): Claim[] {
  const out: Claim[] = [];
  for (const ch of d.changes.values()) {
    if (newSignatureField(d, ch) !== kind) continue;
    const a = dictOf(ch.after)!;
    const v = a.map.get('V') as { num: number };
    const field = fullFieldName(d.after, a);
    const what = kind === 'signature' ? 'new_signature_field' : 'document_timestamp_field';
    out.push({ num: ch.num, what, field }, { num: v.num, what: 'signature_dictionary', field });
    out.push(...newObjectsBelow(d, dictOf(d.changes.get(v.num)?.after)?.map.get('Reference'), 'signature_dictionary_part'));
    out.push(...newObjectsBelow(d, a.map.get('AP'), 'signature_appearance'));
  }
  return out;
}

/**
 * What a new signature field (field and widget in one dictionary, holding a new signature
 * dictionary) carries, or undefined when the object is no such field. A document timestamp counts
 * only in an invisible widget: it must not show anything a reader could take for a seal.
 */
function newSignatureField(d: RevisionDiff, ch: ObjectChange | undefined): 'signature' | 'document_timestamp' | undefined {
  if (!ch || ch.kind !== 'added') return undefined;
  const a = dictOf(ch.after);
  if (!a || getName(a, 'FT') !== 'Sig' || getName(a, 'Subtype') !== 'Widget' || a.map.has('Parent')) return undefined;
  const v = a.map.get('V');
  const sig = v?.type === 'ref' ? d.changes.get(v.num) : undefined;
  const kind = sig?.kind === 'added' ? signatureKind(dictOf(sig.after)) : undefined;
  if (kind === 'document_timestamp' && !(zeroArea(d.after, a) && emptyAppearance(d, a.map.get('AP')))) return undefined;
  return kind;
}

function emptyAppearance(d: RevisionDiff, ap: PdfValue | undefined): boolean {
  if (ap === undefined) return true;
  const apd = d.after.resolveDict(ap);
  if (!apd) return false;
  for (const [k, v] of apd.map) {
    if (k !== 'N') return false;
    if (v.type !== 'ref') return false;
    const o = d.changes.get(v.num)?.after;
    if (!o?.isStream || !isDict(o.value)) return false;
    if (d.after.rawStream(o).toString('latin1').trim() !== '') return false;
  }
  return true;
}

// ---------------------------------------------------------------- AcroForm, pages, annotations

function acroFormChanges(d: RevisionDiff): Claim[] {
  const catA = d.after.resolveDict(d.after.trailer.map.get('Root'));
  const ref = catA?.map.get('AcroForm');
  if (ref?.type !== 'ref') return [];
  const ch = d.changes.get(ref.num);
  const b = dictOf(ch?.before);
  const a = dictOf(ch?.after);
  if (!ch || ch.kind !== 'changed' || !a || !b) return [];
  const level = acroFormDeltaLevel(d, b, a);
  return level ? [{ num: ref.num, what: 'acroform_signature_entries', level }] : [];
}

/** The level of an AcroForm change, undefined when some change is not one the policy knows. */
function acroFormDeltaLevel(d: RevisionDiff, b: PdfDict, a: PdfDict): AllowedLevel | undefined {
  let level: AllowedLevel = 'lta_updates';
  for (const k of changedKeys(b, a)) {
    if (ACROFORM_KEYS.has(k)) continue;
    if (k !== 'Fields') return undefined;
    const kinds = appended(d, b.map.get('Fields'), a.map.get('Fields'), (c) => newSignatureField(d, c));
    if (!kinds) return undefined;
    if (kinds.includes('signature')) level = 'form_filling';
  }
  return level;
}

function pageAnnots(d: RevisionDiff): Claim[] {
  const out: Claim[] = [];
  const annotLevel = (c: ObjectChange | undefined): AllowedLevel | undefined => {
    const kind = newSignatureField(d, c);
    if (kind) return kind === 'signature' ? 'form_filling' : 'lta_updates';
    return isNewAnnotation(c) ? 'annotations' : undefined;
  };
  const top = (levels: AllowedLevel[]) => levels.reduce<AllowedLevel>((m, l) => (levelRank(l) > levelRank(m) ? l : m), 'lta_updates');
  for (const ch of d.changes.values()) {
    if (ch.kind !== 'changed') continue;
    const b = ch.before?.value;
    const a = ch.after?.value;
    if (b?.type === 'array' && a?.type === 'array' && isAnnotsArrayOfSomePage(d, ch.num)) {
      const levels = appended(d, b, a, annotLevel);
      if (levels) out.push({ num: ch.num, what: 'page_annotations_appended', level: top(levels) });
    } else if (isDict(b) && isDict(a) && getName(a, 'Type') === 'Page') {
      const keys = changedKeys(b, a);
      const levels = keys.length === 1 && keys[0] === 'Annots' ? appended(d, b.map.get('Annots'), a.map.get('Annots'), annotLevel) : undefined;
      if (levels) out.push({ num: ch.num, what: 'page_annotations_appended', level: top(levels) });
    }
  }
  return out;
}

function isAnnotsArrayOfSomePage(d: RevisionDiff, num: number): boolean {
  for (const ch of d.changes.values()) {
    const v = ch.after ? dictOf(ch.after)?.map.get('Annots') : undefined;
    if (v?.type === 'ref' && v.num === num) return true;
  }
  // The page itself is unchanged, so find it among the pages as of the revision.
  return pageAnnotsRefs(d.after).has(num);
}

const pageAnnotsCache = new WeakMap<PdfObjects, Set<number>>();
function pageAnnotsRefs(objs: PdfObjects): Set<number> {
  let s = pageAnnotsCache.get(objs);
  if (s) return s;
  s = new Set();
  for (const page of pagesOf(objs)) {
    const v = page.map.get('Annots');
    if (v?.type === 'ref') s.add(v.num);
  }
  pageAnnotsCache.set(objs, s);
  return s;
}

function newAnnotations(d: RevisionDiff): Claim[] {
  const out: Claim[] = [];
  for (const ch of d.changes.values()) {
    if (!isNewAnnotation(ch)) continue;
    const a = dictOf(ch.after)!;
    out.push({ num: ch.num, what: 'annotation', detail: `new ${getName(a, 'Subtype')} annotation` });
    out.push(...newObjectsBelow(d, a.map.get('AP'), 'annotation_appearance'));
    out.push(...newObjectsBelow(d, a.map.get('Popup'), 'annotation_popup'));
  }
  return out;
}

const ANNOTATION_SUBTYPES = new Set(['Text', 'Link', 'FreeText', 'Line', 'Square', 'Circle', 'Polygon', 'PolyLine', 'Highlight', 'Underline', 'Squiggly', 'StrikeOut', 'Stamp', 'Caret', 'Ink', 'Popup', 'FileAttachment', 'Redact']);

function isNewAnnotation(ch: ObjectChange | undefined): boolean {
  if (!ch || ch.kind !== 'added' || ch.after?.isStream) return false;
  const a = dictOf(ch.after);
  const subtype = a && getName(a, 'Subtype');
  return !!a && !!subtype && ANNOTATION_SUBTYPES.has(subtype) && !a.map.has('FT');
}

// ---------------------------------------------------------------- DSS, catalog, metadata

function dssChanges(d: RevisionDiff): Claim[] {
  const catA = d.after.resolveDict(d.after.trailer.map.get('Root'));
  const dss = catA?.map.get('DSS');
  if (!dss) return [];
  const out: Claim[] = [];
  const catNum = catalogNumber(d.before);
  // What the signed revision used other than as its DSS (a page, a content array) is never DSS data.
  const dssOnly = (n: number) => onlyThrough(d, n, catNum, 'DSS');
  if (dss.type === 'ref') {
    const c = d.changes.get(dss.num);
    if (c && (c.kind === 'added' || (c.kind === 'changed' && dssOnly(dss.num))) && isDict(c.after?.value) && !c.after.isStream) out.push({ num: dss.num, what: 'dss' });
  }
  // Indirect /Certs, /OCSPs, /CRLs arrays and /VRI dictionaries of the earlier DSS may grow in place.
  const catB = d.before.resolveDict(d.before.trailer.map.get('Root'));
  const earlier = containersBelow(d.before, catB?.map.get('DSS'));
  out.push(...objectsBelow(d, dss, 'dss_data', (ch) => ch.kind === 'changed' && earlier.has(ch.num) && !ch.after?.isStream && dssOnly(ch.num), true));
  return out;
}

function catalogChanges(d: RevisionDiff): Claim[] {
  const rootRef = d.after.trailer.map.get('Root');
  const cc = rootRef?.type === 'ref' ? d.changes.get(rootRef.num) : undefined;
  const catB = dictOf(cc?.before);
  const catA = dictOf(cc?.after);
  if (!cc || cc.kind !== 'changed' || !catB || !catA) return [];
  const keys = changedKeys(catB, catA);
  let level: AllowedLevel = 'lta_updates';
  for (const k of keys) {
    if (k === 'Version' && catA.map.get('Version')?.type === 'name') continue;
    if (k === 'Extensions' && isDict(d.after.resolve(catA.map.get('Extensions')))) continue;
    if (k === 'DSS' || k === 'Metadata') continue; // the target itself is judged by its own rule
    if (k === 'AcroForm') {
      // An inline AcroForm changes the catalog itself.
      const afB = catB.map.get('AcroForm');
      const afA = catA.map.get('AcroForm');
      const l = isDict(afB) && isDict(afA) ? acroFormDeltaLevel(d, afB, afA) : undefined;
      if (!l) return [];
      // Keys are unique, so this is the only level above the catalog's own.
      level = l;
      continue;
    }
    return [];
  }
  return [
    { num: cc.num, what: 'catalog_entries', detail: `changed ${keys.join(', ')}`, level },
    ...newObjectsBelow(d, catA.map.get('Extensions'), 'catalog_extensions'),
  ];
}

function documentInfo(d: RevisionDiff): Claim[] {
  const v = d.after.trailer.map.get('Info');
  if (v?.type !== 'ref') return [];
  const ch = d.changes.get(v.num);
  if (!ch || (ch.kind !== 'added' && ch.kind !== 'changed') || ch.after?.isStream || !isDict(ch.after?.value)) return [];
  // Repointing /Info at a page (or any object the signed revision uses) does not make it metadata.
  if (ch.kind === 'changed' && !onlyThrough(d, v.num, TRAILER, 'Info')) return [];
  for (const x of ch.after.value.map.values()) if (x.type !== 'str' && x.type !== 'name' && x.type !== 'num' && x.type !== 'bool') return [];
  return [{ num: v.num, what: 'document_info' }];
}

function xmpMetadata(d: RevisionDiff): Claim[] {
  const catA = d.after.resolveDict(d.after.trailer.map.get('Root'));
  const v = catA?.map.get('Metadata');
  if (v?.type !== 'ref') return [];
  const ch = d.changes.get(v.num);
  const a = dictOf(ch?.after);
  if (!ch || (ch.kind !== 'added' && ch.kind !== 'changed') || !ch.after?.isStream || !a) return [];
  if (ch.kind === 'changed' && !onlyThrough(d, v.num, catalogNumber(d.before), 'Metadata')) return [];
  if (getName(a, 'Type') !== 'Metadata' || getName(a, 'Subtype') !== 'XML') return [];
  return [{ num: v.num, what: 'xmp_metadata' }];
}

// ---------------------------------------------------------------- helpers

/** The kinds of `a`'s items after `b`'s (which `a` must start with), each judged by `kindOf`; undefined otherwise. */
function appended<T>(d: RevisionDiff, bv: PdfValue | undefined, av: PdfValue | undefined, kindOf: (c: ObjectChange | undefined) => T | undefined): T[] | undefined {
  const b = bv?.type === 'ref' ? d.before.resolve(bv) : bv ?? { type: 'array', items: [] };
  const a = av?.type === 'ref' ? d.after.resolve(av) : av;
  if (b?.type !== 'array' || a?.type !== 'array' || a.items.length <= b.items.length) return undefined;
  if (!b.items.every((x, i) => sameValue(x, a.items[i]))) return undefined;
  const out: T[] = [];
  for (const x of a.items.slice(b.items.length)) {
    const k = x.type === 'ref' ? kindOf(d.changes.get(x.num)) : undefined;
    if (k === undefined) return undefined;
    out.push(k);
  }
  return out;
}

/** New objects reachable from `v` (and objects an earlier orphan held that are rewritten now): parts of what the rule accepts. */
function newObjectsBelow(d: RevisionDiff, v: PdfValue | undefined, what: string): Claim[] {
  return objectsBelow(d, v, what, (ch) => ch.kind === 'changed' && isOrphanBefore(d, ch.num));
}

function objectsBelow(d: RevisionDiff, v: PdfValue | undefined, what: string, alsoChanged: (ch: ObjectChange) => boolean, throughUnchanged = false): Claim[] {
  const out: Claim[] = [];
  const seen = new Set<number>();
  const visit = (x: PdfValue | undefined, depth: number): void => {
    if (!x || depth > MAX_CLAIM_DEPTH) return;
    if (x.type === 'ref') {
      if (seen.has(x.num)) return;
      seen.add(x.num);
      const ch = d.changes.get(x.num);
      if (!ch && throughUnchanged) {
        const o = safe(() => d.after.getObject(x.num));
        if (o && !o.isStream) visit(o.value, depth + 1);
        return;
      }
      if (!ch || !ch.after || !(ch.kind === 'added' || alsoChanged(ch))) return;
      out.push({ num: x.num, what });
      visit(ch.after.value, depth + 1);
    } else if (x.type === 'array') {
      for (const i of x.items) visit(i, depth + 1);
    } else if (x.type === 'dict') {
      for (const [k, i] of x.map) if (k !== 'Parent' && k !== 'P') visit(i, depth + 1);
    }
  };
  visit(v, 0);
  return out;
}

/** Non-stream objects reachable from `v` through arrays and dictionaries (the DSS's containers). */
function containersBelow(objs: PdfObjects, v: PdfValue | undefined): Set<number> {
  const out = new Set<number>();
  const visit = (x: PdfValue | undefined, depth: number): void => {
    if (!x || depth > MAX_CLAIM_DEPTH) return;
    if (x.type === 'ref') {
      if (out.has(x.num) || !objs.has(x.num)) return;
      const o = safe(() => objs.getObject(x.num));
      if (!o || o.isStream) return;
      out.add(x.num);
      visit(o.value, depth + 1);
    } else if (x.type === 'array') for (const i of x.items) visit(i, depth + 1);
    else if (x.type === 'dict') for (const i of x.map.values()) visit(i, depth + 1);
  };
  visit(v, 0);
  return out;
}

const reachableCache = new WeakMap<RevisionDiff, { used: Set<number>; dangling: Set<number> } | undefined>();
/** The signed revision's object graph from the trailer down, and the numbers it names that held no object. */
function signedGraph(d: RevisionDiff): { used: Set<number>; dangling: Set<number> } | undefined {
  if (!reachableCache.has(d)) {
    const dangling = new Set<number>();
    const used = reachableFrom(d.before, [...d.before.trailer.map.values()], undefined, dangling);
    reachableCache.set(d, used && { used, dangling });
  }
  return reachableCache.get(d);
}

/**
 * Whether the earlier revision's document (from the trailer down) did not use this object. Only
 * such an orphan may be rewritten as part of something new: it is not part of what was signed.
 */
function isOrphanBefore(d: RevisionDiff, num: number): boolean {
  const g = signedGraph(d);
  return g !== undefined && !g.used.has(num);
}

/**
 * Whether the signed revision already referred to this object number while it held no object (a
 * null, showing nothing): a new object there changes what signed objects mean, e.g. a page's
 * content array, whatever rule the new object seems to belong to. Fails closed past the walk's bound.
 */
export function fillsSignedReference(d: RevisionDiff, num: number): boolean {
  const g = signedGraph(d);
  return g === undefined || g.dangling.has(num);
}

/** Stands for the trailer as the owner of an edge (object numbers are never negative). */
const TRAILER = -2;

const catalogNumber = (objs: PdfObjects): number => {
  const r = objs.trailer.map.get('Root');
  return r?.type === 'ref' ? r.num : TRAILER;
};

const usedWithoutCache = new WeakMap<RevisionDiff, Map<string, Set<number> | undefined>>();
/**
 * Whether the signed revision reaches object `num` only through the entry `key` of object `owner`
 * (or of the trailer), if at all: only then may a rule for that entry rewrite it in place. An
 * object also used as something else (a page, its content) would change that too.
 */
function onlyThrough(d: RevisionDiff, num: number, owner: number, key: string): boolean {
  let byEdge = usedWithoutCache.get(d);
  if (!byEdge) usedWithoutCache.set(d, (byEdge = new Map()));
  const edge = `${owner}/${key}`;
  if (!byEdge.has(edge)) {
    const roots = [...d.before.trailer.map].filter(([k]) => owner !== TRAILER || k !== key).map(([, v]) => v);
    byEdge.set(edge, reachableFrom(d.before, roots, (n, k) => n === owner && k === key));
  }
  const used = byEdge.get(edge);
  return used !== undefined && !used.has(num);
}

/**
 * Objects reachable from `roots`, optionally not following one key of one object; undefined when
 * the walk hit its bound, so callers fail closed rather than take unvisited objects for orphans.
 */
function reachableFrom(objs: PdfObjects, roots: Array<PdfValue | undefined>, skip?: (num: number, key: string) => boolean, dangling?: Set<number>): Set<number> | undefined {
  const s = new Set<number>();
  const stack: Array<{ v: PdfValue; owner: number }> = roots.filter((v): v is PdfValue => v !== undefined).map((v) => ({ v, owner: -1 }));
  while (stack.length) {
    if (s.size >= MAX_REACHABLE) return undefined;
    const { v: x, owner } = stack.pop()!;
    if (x.type === 'ref') {
      if (s.has(x.num)) continue;
      if (!objs.has(x.num)) {
        dangling?.add(x.num);
        continue;
      }
      s.add(x.num);
      const o = safe(() => objs.getObject(x.num));
      if (o) stack.push({ v: o.value, owner: x.num });
    } else if (x.type === 'array') for (const i of x.items) stack.push({ v: i, owner: -1 });
    else if (x.type === 'dict') for (const [k, i] of x.map) if (!skip?.(owner, k)) stack.push({ v: i, owner: -1 });
  }
  return s;
}

/** Object numbers referenced directly (not through other objects) by a value. */
export function directRefs(v: PdfValue | undefined, into = new Set<number>(), depth = 0): Set<number> {
  if (!v || depth > 64) return into;
  if (v.type === 'ref') into.add(v.num);
  else if (v.type === 'array') for (const i of v.items) directRefs(i, into, depth + 1);
  else if (v.type === 'dict') for (const i of v.map.values()) directRefs(i, into, depth + 1);
  return into;
}

function* pagesOf(objs: PdfObjects): Generator<PdfDict> {
  const cat = safe(() => objs.resolveDict(objs.trailer.map.get('Root')));
  const stack: Array<{ v: PdfValue | undefined; depth: number }> = [{ v: cat?.map.get('Pages'), depth: 0 }];
  const seen = new Set<number>();
  while (stack.length && seen.size < 10_000) {
    const { v, depth } = stack.pop()!;
    if (v?.type !== 'ref' || seen.has(v.num) || depth > 64) continue;
    seen.add(v.num);
    const node = safe(() => objs.resolveDict(v));
    if (!node) continue;
    if (getName(node, 'Type') === 'Page') yield node;
    const kids = safe(() => objs.resolve(node.map.get('Kids')));
    for (const k of kids?.type === 'array' ? kids.items : []) stack.push({ v: k, depth: depth + 1 });
  }
}

export function signatureKind(d: PdfDict | undefined): 'signature' | 'document_timestamp' | undefined {
  if (!d || !d.map.has('ByteRange') || !d.map.has('Contents')) return undefined;
  const t = getName(d, 'Type');
  if (t === 'DocTimeStamp' || getName(d, 'SubFilter') === 'ETSI.RFC3161') return 'document_timestamp';
  return t === undefined || t === 'Sig' ? 'signature' : undefined;
}

function fieldType(objs: PdfObjects, d: PdfDict): string | undefined {
  let cur: PdfDict | undefined = d;
  for (let i = 0; cur && i < 32; i++) {
    const ft = getName(cur, 'FT');
    if (ft) return ft;
    cur = objs.resolveDict(cur.map.get('Parent'));
  }
  return undefined;
}

/** Parent names joined with "." (§12.7.3.2). */
export function fullFieldName(objs: PdfObjects, d: PdfDict): string {
  const parts: string[] = [];
  let cur: PdfDict | undefined = d;
  for (let i = 0; cur && i < 32; i++) {
    const t = cur.map.get('T');
    if (t?.type === 'str') parts.unshift(textString(t));
    cur = safe(() => objs.resolveDict(cur!.map.get('Parent')));
  }
  return parts.join('.');
}

function hasValue(d: PdfDict): boolean {
  const v = d.map.get('V');
  return v !== undefined && v.type !== 'null';
}

export function zeroArea(objs: PdfObjects, d: PdfDict): boolean {
  const r = safe(() => objs.resolve(d.map.get('Rect')));
  if (r?.type !== 'array' || r.items.length !== 4) return true;
  // Viewers resolve indirect coordinates; one that is not a number may not count as zero either.
  const n = r.items.map((x) => safe(() => objs.resolve(x)));
  if (!n.every((x) => x?.type === 'num')) return false;
  const [x1, y1, x2, y2] = n.map((x) => (x as { value: number }).value);
  return Math.abs(x2 - x1) * Math.abs(y2 - y1) === 0;
}

function safe<T>(f: () => T): T | undefined {
  try {
    return f();
  } catch {
    return undefined;
  }
}
