// Which changes a later revision may make without voiding earlier signatures. Reject by default:
// each allowance below is a named rule that claims the specific objects it has checked, and any
// change no rule claims is disallowed (after pyHanko's diff_analysis, much reduced: we accept only
// what PAdES signing workflows produce).
import { getName, isDict, type PdfDict, type PdfValue } from '../pdf/cos.js';
import type { PdfObjects } from '../pdf/pdfReader.js';
import { changedKeys, dictOf, sameValue, type ObjectChange, type RevisionDiff } from './revisionDiff.js';

export interface Claim {
  num: number;
  what: string;
  detail?: string;
}

export interface Allowance {
  rule: string;
  description: string;
  claim(diff: RevisionDiff): Claim[];
}

/** Entries a signing tool may add or change on the field and on its widget when it fills the field. */
const FIELD_FILL_KEYS = new Set(['V']);
const WIDGET_FILL_KEYS = new Set(['AP', 'F', 'MK']);
const ACROFORM_KEYS = new Set(['SigFlags', 'DA']);
const CATALOG_KEYS = new Set(['DSS', 'Extensions']);
const MAX_CLAIM_DEPTH = 16;

export const MODIFICATION_POLICY: readonly Allowance[] = [
  {
    rule: 'fill_existing_signature_field',
    description: 'a later signature fills a signature field that already existed, empty, in the signed revision (field /V, widget /AP and flags, the new signature dictionary and its appearance)',
    claim: fillExistingField,
  },
  {
    rule: 'acroform_signature_flags',
    description: 'the AcroForm gains /SigFlags or /DA, or lists new invisible signature fields',
    claim: (d) => acroFormChanges(d),
  },
  {
    rule: 'dss',
    description: 'the catalog gains or updates /DSS (certificates, CRLs, OCSP responses for long-term validation) and its extension marker',
    claim: dssChanges,
  },
  {
    rule: 'invisible_signature_field',
    description: 'a document timestamp or signature in a new invisible field (zero-size widget), listed in /Fields and its page /Annots',
    claim: invisibleSignatureFields,
  },
  {
    rule: 'cross_reference_bookkeeping',
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
    if (!sigCh || sigCh.kind !== 'added' || !isSignatureDict(dictOf(sigCh.after))) continue;
    const merged = getName(before, 'Subtype') === 'Widget';
    const allowed = merged ? new Set([...FIELD_FILL_KEYS, ...WIDGET_FILL_KEYS]) : FIELD_FILL_KEYS;
    if (!changedKeys(before, after).every((k) => allowed.has(k))) continue;
    const claims: Claim[] = [
      { num: ch.num, what: 'signature_field_filled' },
      { num: sigCh.num, what: 'signature_dictionary' },
    ];
    claims.push(...newObjectsBelow(d, sigCh.after!.value, 'signature_dictionary_part'));
    if (merged) {
      claims.push(...newObjectsBelow(d, after.map.get('AP'), 'signature_appearance'));
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
        claims.push({ num: k.num, what: 'signature_widget' }, ...newObjectsBelow(d, ka.map.get('AP'), 'signature_appearance'));
      }
      if (!widgetsOk) continue;
    }
    out.push(...claims);
  }
  return out;
}

/** The AcroForm may change only in the allowed keys, plus appended invisible signature fields. */
function acroFormChanges(d: RevisionDiff): Claim[] {
  const catB = d.before.resolveDict(d.before.trailer.map.get('Root'));
  const catA = d.after.resolveDict(d.after.trailer.map.get('Root'));
  const ref = catA?.map.get('AcroForm');
  if (!catB || !catA || ref?.type !== 'ref') return [];
  const ch = d.changes.get(ref.num);
  const b = dictOf(ch?.before);
  const a = dictOf(ch?.after);
  if (!ch || ch.kind !== 'changed' || !a || !b || !acroFormDeltaOk(d, b, a)) return [];
  return [{ num: ref.num, what: 'acroform_signature_flags' }];
}

function acroFormDeltaOk(d: RevisionDiff, b: PdfDict, a: PdfDict): boolean {
  for (const k of changedKeys(b, a)) {
    if (ACROFORM_KEYS.has(k)) continue;
    if (k === 'Fields' && appendsOnly(d, b.map.get('Fields'), a.map.get('Fields'), isNewInvisibleSigField)) continue;
    return false;
  }
  return true;
}

function dssChanges(d: RevisionDiff): Claim[] {
  const out: Claim[] = [];
  const rootRef = d.after.trailer.map.get('Root');
  const catA = d.after.resolveDict(rootRef);
  if (!catA) return out;
  const dss = catA.map.get('DSS');
  if (dss?.type === 'ref') {
    const c = d.changes.get(dss.num);
    if (c && (c.kind === 'added' || c.kind === 'changed') && isDict(c.after?.value)) out.push({ num: dss.num, what: 'dss' });
  }
  if (dss) out.push(...newObjectsBelow(d, dss, 'dss_data'));
  const cc = rootRef?.type === 'ref' ? d.changes.get(rootRef.num) : undefined;
  const catB = dictOf(cc?.before);
  if (cc && cc.kind === 'changed' && catB) {
    const keys = changedKeys(catB, catA);
    const ok = keys.every((k) => {
      if (CATALOG_KEYS.has(k)) return true;
      // An inline AcroForm changes the catalog itself.
      const afB = catB.map.get('AcroForm');
      const afA = catA.map.get('AcroForm');
      return k === 'AcroForm' && isDict(afB) && isDict(afA) && acroFormDeltaOk(d, afB, afA);
    });
    if (ok) out.push({ num: cc.num, what: keys.includes('DSS') ? 'catalog_dss' : 'catalog_acroform', detail: `changed ${keys.join(', ')}` });
  }
  return out;
}

function invisibleSignatureFields(d: RevisionDiff): Claim[] {
  const out: Claim[] = [];
  const fresh: number[] = [];
  for (const ch of d.changes.values()) {
    if (!isNewInvisibleSigField(d, ch)) continue;
    const a = dictOf(ch.after)!;
    const v = a.map.get('V') as { num: number };
    fresh.push(ch.num);
    out.push({ num: ch.num, what: 'invisible_signature_field' }, { num: v.num, what: 'signature_dictionary' });
    out.push(...newObjectsBelow(d, a.map.get('AP'), 'signature_appearance'));
  }
  if (!fresh.length) return out;
  // Its widget goes into a page's /Annots: that page (or its /Annots array) may gain exactly those.
  const isFresh = (_: RevisionDiff, c: ObjectChange) => fresh.includes(c.num);
  for (const ch of d.changes.values()) {
    if (ch.kind !== 'changed') continue;
    const b = ch.before?.value;
    const a = ch.after?.value;
    if (b?.type === 'array' && a?.type === 'array' && appendsOnly(d, b, a, isFresh)) {
      out.push({ num: ch.num, what: 'annots_invisible_signature_widget' });
    } else if (isDict(b) && isDict(a) && getName(a, 'Type') === 'Page') {
      const keys = changedKeys(b, a);
      if (keys.length === 1 && keys[0] === 'Annots' && appendsOnly(d, b.map.get('Annots'), a.map.get('Annots'), isFresh)) {
        out.push({ num: ch.num, what: 'annots_invisible_signature_widget' });
      }
    }
  }
  return out;
}

function isNewInvisibleSigField(d: RevisionDiff, ch: ObjectChange | undefined): boolean {
  if (!ch || ch.kind !== 'added') return false;
  const a = dictOf(ch.after);
  if (!a || getName(a, 'FT') !== 'Sig' || getName(a, 'Subtype') !== 'Widget') return false;
  const v = a.map.get('V');
  const sig = v?.type === 'ref' ? d.changes.get(v.num) : undefined;
  if (!sig || sig.kind !== 'added' || !isSignatureDict(dictOf(sig.after))) return false;
  return zeroArea(d.after, a) || ((d.after.resolve(a.map.get('F')) as { value?: number } | undefined)?.value ?? 0) & 2 ? true : false;
}

/** `a` equals `b` plus appended references that each satisfy `ok`. */
function appendsOnly(d: RevisionDiff, bv: PdfValue | undefined, av: PdfValue | undefined, ok: (d: RevisionDiff, c: ObjectChange) => boolean): boolean {
  const b = bv?.type === 'ref' ? d.before.resolve(bv) : bv ?? { type: 'array', items: [] };
  const a = av?.type === 'ref' ? d.after.resolve(av) : av;
  if (b?.type !== 'array' || a?.type !== 'array' || a.items.length <= b.items.length) return false;
  if (!b.items.every((x, i) => sameValue(x, a.items[i]))) return false;
  return a.items.slice(b.items.length).every((x) => x.type === 'ref' && ok(d, d.changes.get(x.num)!));
}

/** New objects (and only new ones) reachable from `v`: parts of what the rule is accepting. */
function newObjectsBelow(d: RevisionDiff, v: PdfValue | undefined, what: string): Claim[] {
  const out: Claim[] = [];
  const seen = new Set<number>();
  const visit = (x: PdfValue | undefined, depth: number): void => {
    if (!x || depth > MAX_CLAIM_DEPTH) return;
    if (x.type === 'ref') {
      if (seen.has(x.num)) return;
      seen.add(x.num);
      const ch = d.changes.get(x.num);
      if (!ch || ch.kind !== 'added' || !ch.after) return;
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

function fieldType(objs: PdfObjects, d: PdfDict): string | undefined {
  let cur: PdfDict | undefined = d;
  for (let i = 0; cur && i < 32; i++) {
    const ft = getName(cur, 'FT');
    if (ft) return ft;
    cur = objs.resolveDict(cur.map.get('Parent'));
  }
  return undefined;
}

function hasValue(d: PdfDict): boolean {
  const v = d.map.get('V');
  return v !== undefined && v.type !== 'null';
}

function isSignatureDict(d: PdfDict | undefined): boolean {
  if (!d) return false;
  const t = getName(d, 'Type');
  return (t === undefined || t === 'Sig' || t === 'DocTimeStamp') && d.map.has('ByteRange') && d.map.has('Contents');
}

function zeroArea(objs: PdfObjects, d: PdfDict): boolean {
  const r = objs.resolve(d.map.get('Rect'));
  if (r?.type !== 'array' || r.items.length !== 4) return true;
  const n = r.items.map((x) => (x.type === 'num' ? x.value : 0));
  return Math.abs(n[2] - n[0]) * Math.abs(n[3] - n[1]) === 0;
}
