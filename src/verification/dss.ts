// The Document Security Store (ISO 32000-2 §12.8.4.3, PAdES B-LT): certificates and revocation data
// added after signing so the signatures can be validated once the CA's services are gone.
import { isDict, type PdfValue } from '../pdf/cos.js';
import type { PdfObjects } from '../pdf/pdfReader.js';

/** A hostile DSS could list thousands of streams; real ones list a handful. */
const MAX_ITEMS = 200;

export interface Dss {
  certs: Buffer[];
  crls: Buffer[];
  ocsps: Buffer[];
  warnings: string[];
}

export function readDss(objs: PdfObjects): Dss | undefined {
  const cat = objs.resolveDict(objs.trailer.map.get('Root'));
  const dss = cat && objs.resolveDict(cat.map.get('DSS'));
  if (!dss) return undefined;
  const out: Dss = { certs: [], crls: [], ocsps: [], warnings: [] };
  const read = (key: string, into: Buffer[]) => {
    const arr = objs.resolve(dss.map.get(key));
    if (arr?.type !== 'array') return;
    for (const item of arr.items.slice(0, MAX_ITEMS)) {
      const data = streamBytes(objs, item);
      if (data) into.push(data);
      else out.warnings.push(`DSS /${key} entry is not a readable stream`);
    }
  };
  read('Certs', out.certs);
  read('CRLs', out.crls);
  read('OCSPs', out.ocsps);
  return out;
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
