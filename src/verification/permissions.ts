// What a signature lets later revisions do (ISO 32000-1 §12.8.2.2–12.8.2.4, ISO 32000-2 §12.7.5.5):
// a certification signature's DocMDP permission P caps every later change, and a FieldMDP transform
// or the field's /Lock dictionary freezes named fields. The allowed changes found by the
// modification policy are then re-judged against those permissions, one signature at a time.
import { getName, getNumber, textString, type PdfDict, type PdfValue } from '../pdf/cos.js';
import type { PdfObjects } from '../pdf/pdfReader.js';
import { levelRank, type AllowedLevel, type ModificationLevel } from './modificationPolicy.js';
import type { Modification } from './types.js';

export type DocMdpP = 1 | 2 | 3;

export interface FieldLock {
  action: 'All' | 'Include' | 'Exclude';
  fields: string[];
}

export interface Permissions {
  /** The DocMDP P in force for changes after this signature, null when the document is not certified. */
  docMdp: DocMdpP | null;
  /** This signature is the certification (author) signature. */
  certification: boolean;
  fieldLock: FieldLock | null;
}

const P_LEVEL: Record<DocMdpP, AllowedLevel> = { 1: 'lta_updates', 2: 'form_filling', 3: 'annotations' };

/**
 * The permissions a signature is bound by. `asOf` is the object table of the revision the signature
 * signed: a certification made only later does not bind an earlier signature.
 */
export function permissionsOf(asOf: PdfObjects, sigNum: number | null, sig: PdfDict, field: PdfDict | undefined): Permissions {
  const catalog = asOf.resolveDict(asOf.trailer.map.get('Root'));
  const perms = catalog && asOf.resolveDict(catalog.map.get('Perms'));
  const certRef = perms?.map.get('DocMDP');
  const certification = certRef?.type === 'ref' && certRef.num === sigNum;
  let docMdp: DocMdpP | null = null;
  const certSig = certRef?.type === 'ref' ? safe(() => asOf.resolveDict(certRef)) : undefined;
  if (certSig) docMdp = docMdpP(asOf, certSig);
  let fieldLock: FieldLock | null = null;
  for (const t of transforms(asOf, sig)) {
    if (t.method === 'FieldMDP') fieldLock = lockFrom(asOf, t.params);
  }
  const lock = field && asOf.resolveDict(field.map.get('Lock'));
  if (lock) {
    fieldLock = lockFrom(asOf, lock) ?? fieldLock;
    const p = getNumber(lock, 'P');
    if (p === 1 || p === 2 || p === 3) docMdp = docMdp === null ? p : (Math.min(docMdp, p) as DocMdpP);
  }
  return { docMdp, certification, fieldLock };
}

function docMdpP(objs: PdfObjects, certSig: PdfDict): DocMdpP {
  for (const t of transforms(objs, certSig)) {
    if (t.method !== 'DocMDP') continue;
    const p = t.params ? getNumber(t.params, 'P') : undefined;
    // §12.8.2.2: P defaults to 2; anything else is not a defined permission, so take the strictest.
    return p === undefined ? 2 : p === 2 || p === 3 ? p : 1;
  }
  return 2;
}

function transforms(objs: PdfObjects, sig: PdfDict): Array<{ method: string | undefined; params: PdfDict | undefined }> {
  const refs = safe(() => objs.resolve(sig.map.get('Reference')));
  const out: Array<{ method: string | undefined; params: PdfDict | undefined }> = [];
  for (const r of refs?.type === 'array' ? refs.items.slice(0, 16) : []) {
    const d = safe(() => objs.resolveDict(r));
    if (d) out.push({ method: getName(d, 'TransformMethod'), params: safe(() => objs.resolveDict(d.map.get('TransformParams'))) });
  }
  return out;
}

function lockFrom(objs: PdfObjects, d: PdfDict | undefined): FieldLock | null {
  const action = d && getName(d, 'Action');
  if (action !== 'All' && action !== 'Include' && action !== 'Exclude') return null;
  const list = safe(() => objs.resolve(d!.map.get('Fields')));
  const fields = list?.type === 'array' ? list.items.filter((x): x is Extract<PdfValue, { type: 'str' }> => x.type === 'str').map((x) => textString(x)) : [];
  return { action, fields };
}

function isLocked(lock: FieldLock | null, field: string): boolean {
  if (!lock) return false;
  if (lock.action === 'All') return true;
  const named = lock.fields.some((f) => f === field || field.startsWith(`${f}.`));
  return lock.action === 'Include' ? named : !named;
}

/** Moves the allowed changes the permissions forbid to the disallowed list, and names the overall level. */
export function applyPermissions(
  mods: { allowed: Modification[]; disallowed: Modification[] },
  p: Permissions,
): { allowed: Modification[]; disallowed: Modification[]; level: ModificationLevel } {
  const allowed: Modification[] = [];
  const disallowed = [...mods.disallowed];
  const cap = p.docMdp === null ? null : P_LEVEL[p.docMdp];
  for (const m of mods.allowed) {
    const level = m.level ?? 'other';
    if (cap && levelRank(level) > levelRank(cap)) {
      disallowed.push({ ...m, rule: `docmdp_p${p.docMdp}`, detail: `${m.what} is ${level}, which DocMDP P=${p.docMdp} of the certification signature does not permit` });
    } else if (m.field !== undefined && isLocked(p.fieldLock, m.field)) {
      disallowed.push({ ...m, rule: 'field_locked', detail: `field "${m.field}" is locked by this signature (FieldMDP)` });
    } else {
      allowed.push(m);
    }
  }
  let level: ModificationLevel = 'none';
  for (const m of allowed) if (m.level && levelRank(m.level) > levelRank(level)) level = m.level;
  return { allowed, disallowed, level: disallowed.length ? 'other' : level };
}

function safe<T>(f: () => T): T | undefined {
  try {
    return f();
  } catch {
    return undefined;
  }
}
