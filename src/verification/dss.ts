// The Document Security Store (ISO 32000-2 §12.8.4.3, PAdES B-LT): certificates and revocation data
// added after signing so the signatures can be validated once the CA's services are gone.
import { isDict, type PdfDict, type PdfValue } from '../pdf/cos.js';
import type { PdfObjects, XrefEntry } from '../pdf/pdfReader.js';

/** A hostile DSS could list thousands of streams; real ones list a handful. */
const MAX_ITEMS = 200;
const KEYS = ['Certs', 'CRLs', 'OCSPs'] as const;

export interface Dss {
  certs: Buffer[];
  crls: Buffer[];
  ocsps: Buffer[];
  warnings: string[];
}

/**
 * Every revision that did not rewrite the DSS sees the same parsed dictionary, arrays and stream
 * locations, so its DSS is read once however many revisions ask (the verifier asks for each).
 */
const read = new WeakMap<PdfDict, { arrays: Array<PdfValue | undefined>; locations: string; dss: Dss }>();

export function readDss(objs: PdfObjects): Dss | undefined {
  const cat = objs.resolveDict(objs.trailer.map.get('Root'));
  const dss = cat && objs.resolveDict(cat.map.get('DSS'));
  if (!dss) return undefined;
  const arrays = KEYS.map((k) => objs.resolve(dss.map.get(k)));
  const items = arrays.map((a) => (a?.type === 'array' ? a.items.slice(0, MAX_ITEMS) : []));
  const locations = items.map((list) => list.map((v) => (v.type === 'ref' ? location(objs.entry(v.num)) : '')).join(',')).join(';');
  const seen = read.get(dss);
  if (seen && seen.locations === locations && seen.arrays.every((a, i) => a === arrays[i])) return seen.dss;

  const out: Dss = { certs: [], crls: [], ocsps: [], warnings: [] };
  KEYS.forEach((key, i) => {
    const into = key === 'Certs' ? out.certs : key === 'CRLs' ? out.crls : out.ocsps;
    const listed = new Set<number>();
    let repeats = 0;
    for (const item of items[i]) {
      // The same stream listed again adds nothing but its cost.
      if (item.type === 'ref' && listed.has(item.num)) {
        repeats++;
        continue;
      }
      if (item.type === 'ref') listed.add(item.num);
      const data = streamBytes(objs, item);
      if (data) into.push(data);
      else out.warnings.push(`DSS /${key} entry is not a readable stream`);
    }
    if (repeats) out.warnings.push(`DSS /${key} lists the same objects again ${repeats} times; each was read once`);
  });
  read.set(dss, { arrays, locations, dss: out });
  return out;
}

function location(e: XrefEntry | undefined): string {
  return !e || e.kind === 'free' ? '-' : e.kind === 'offset' ? String(e.offset) : `${e.stream}.${e.index}`;
}

function streamBytes(objs: PdfObjects, v: PdfValue): Buffer | undefined {
  if (v.type !== 'ref') return undefined;
  try {
    const o = objs.getObject(v.num);
    return o.isStream && isDict(o.value) ? objs.streamData(o.value, o.streamStart) : undefined;
  } catch {
    return undefined;
  }
}

/** Index of the first revision whose catalog has a DSS with revocation data, or -1. */
export function firstRevisionWithDss(revisionsWithDss: boolean[]): number {
  return revisionsWithDss.findIndex((x) => x);
}
