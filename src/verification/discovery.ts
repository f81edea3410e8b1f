// Signatures are found only through the AcroForm field tree (§12.7.3): a /Sig dictionary elsewhere is
// not a signature of this document, however convincing it looks to a text search.
import { getName, isDict, textString, type PdfDict, type PdfValue } from '../pdf/cos.js';
import type { PdfObjects } from '../pdf/pdfReader.js';

const MAX_FIELDS = 10_000;
const MAX_FIELD_DEPTH = 32;

export interface SignatureField {
  fieldName: string;
  fieldNum: number;
  /** Object number of /V; null when /V is not an indirect reference. */
  sigNum: number | null;
  sig: PdfDict;
  type: 'signature' | 'document_timestamp';
  /** Set when /V exists but cannot be read: still a signature, and a failed one. */
  error?: string;
}

export interface FieldScan {
  signatures: SignatureField[];
  /** Signature fields without a value, by name. */
  emptyFields: string[];
  warnings: string[];
}

export function findSignatureFields(objs: PdfObjects): FieldScan {
  const out: FieldScan = { signatures: [], emptyFields: [], warnings: [] };
  const catalog = objs.resolveDict(objs.trailer.map.get('Root'));
  if (!catalog) {
    out.warnings.push('the trailer has no catalog dictionary');
    return out;
  }
  const acroForm = objs.resolveDict(catalog.map.get('AcroForm'));
  if (!acroForm) return out;
  const seen = new Set<number>();
  const walk = (fields: PdfValue | undefined, prefix: string, inheritedFT: string | undefined, depth: number): void => {
    if (depth > MAX_FIELD_DEPTH) {
      out.warnings.push(`field tree deeper than ${MAX_FIELD_DEPTH} levels: the rest was not searched`);
      return;
    }
    const list = objs.resolve(fields);
    if (!list || list.type !== 'array') return;
    for (const item of list.items) {
      if (item.type !== 'ref') continue; // fields are always indirect (§12.7.3.1)
      if (seen.has(item.num)) continue;
      if (seen.size >= MAX_FIELDS) {
        out.warnings.push(`more than ${MAX_FIELDS} form fields: the rest was not searched`);
        return;
      }
      seen.add(item.num);
      const d = safe(() => objs.resolveDict(item));
      if (!d) continue;
      const t = d.map.get('T');
      const partial = t?.type === 'str' ? textString(t) : undefined;
      // Widgets carry no /T; they belong to their parent field.
      if (partial === undefined && prefix !== '' && d.map.has('Parent')) continue;
      const full = partial === undefined ? prefix : prefix ? `${prefix}.${partial}` : partial;
      const ft = getName(d, 'FT') ?? inheritedFT;
      const v = d.map.get('V');
      if (ft === 'Sig' && v && v.type !== 'null') {
        let sig: PdfDict | undefined;
        let error: string | undefined;
        try {
          sig = objs.resolveDict(v);
          if (!sig) error = 'signature_unreadable: /V is not a dictionary';
        } catch (e) {
          error = `signature_unreadable: ${(e as Error).message}`;
        }
        if (error) {
          out.signatures.push({ fieldName: full, fieldNum: item.num, sigNum: v.type === 'ref' ? v.num : null, sig: { type: 'dict', map: new Map() }, type: 'signature', error });
        } else if (sig) {
          out.signatures.push({
            fieldName: full,
            fieldNum: item.num,
            sigNum: v.type === 'ref' ? v.num : null,
            sig,
            type: getName(sig, 'Type') === 'DocTimeStamp' || getName(sig, 'SubFilter') === 'ETSI.RFC3161' ? 'document_timestamp' : 'signature',
          });
        }
      } else if (ft === 'Sig' && partial !== undefined) {
        out.emptyFields.push(full);
      }
      if (d.map.has('Kids')) walk(d.map.get('Kids'), full, ft, depth + 1);
    }
  };
  walk(acroForm.map.get('Fields'), '', undefined, 0);
  return out;
}

/**
 * Signature dictionaries in the object table that no field points at: harmless to the verdict
 * (they sign nothing) but a sign of a tampered or sloppily edited file, so they are reported.
 */
export function unreachableSignatureDictionaries(objs: PdfObjects, reachable: Set<number>): number[] {
  const out: number[] = [];
  for (const n of objs.objectNumbers()) {
    if (reachable.has(n)) continue;
    const v = safe(() => objs.getObject(n).value);
    if (!isDict(v)) continue;
    const type = getName(v, 'Type');
    if (type === 'Sig' || type === 'DocTimeStamp' || (v.map.has('ByteRange') && v.map.has('Contents'))) out.push(n);
  }
  return out.sort((a, b) => a - b);
}

function safe<T>(f: () => T): T | undefined {
  try {
    return f();
  } catch {
    return undefined;
  }
}
