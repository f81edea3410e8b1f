// Locates a signature field by fully qualified name (§12.7.3.2: parent names joined with ".")
// and the widget that shows it.
import { getName, getNumber, isDict, textString, type PdfDict, type PdfValue } from '../pdf/cos.js';
import { SigningError } from './errors.js';
import type { PdfReader } from '../pdf/pdfReader.js';

export interface LocatedField {
  catalogNum: number;
  catalog: PdfDict;
  /** Set when /AcroForm is an indirect object; otherwise it lives inline in the catalog. */
  acroFormNum?: number;
  acroForm: PdfDict;
  fieldNum: number;
  field: PdfDict;
  /** Equal to fieldNum when field and widget are merged into one dictionary. */
  widgetNum: number;
  widget: PdfDict;
}

export function locateSignatureField(reader: PdfReader, fieldName: string): LocatedField {
  const rootRef = reader.trailer.map.get('Root');
  if (!rootRef || rootRef.type !== 'ref') throw new SigningError('malformed_pdf', 'trailer has no /Root reference');
  const catalog = reader.resolveDict(rootRef);
  if (!catalog) throw new SigningError('malformed_pdf', 'catalog is not a dictionary');

  const afValue = catalog.map.get('AcroForm');
  const acroForm = reader.resolveDict(afValue);
  if (!acroForm) throw new SigningError('field_not_found', `no AcroForm, so no field "${fieldName}"`);
  const acroFormNum = afValue?.type === 'ref' ? afValue.num : undefined;

  const found = findField(reader, acroForm.map.get('Fields'), '', fieldName, new Set());
  if (!found) throw new SigningError('field_not_found', `no field named "${fieldName}"`);
  const { num: fieldNum, dict: field, inheritedFT } = found;

  if ((getName(field, 'FT') ?? inheritedFT) !== 'Sig') {
    throw new SigningError('field_not_signature', `field "${fieldName}" is not a signature field`);
  }
  const v = field.map.get('V');
  if (v && v.type !== 'null') throw new SigningError('field_already_signed', `field "${fieldName}" is already signed`);

  let widgetNum: number | undefined;
  let widget: PdfDict | undefined;
  if (getName(field, 'Subtype') === 'Widget') {
    widgetNum = fieldNum;
    widget = field;
  } else {
    const kids = reader.resolve(field.map.get('Kids'));
    if (kids?.type === 'array') {
      for (const k of kids.items) {
        const kd = reader.resolveDict(k);
        if (k.type === 'ref' && kd && getName(kd, 'Subtype') === 'Widget') {
          widgetNum = k.num;
          widget = kd;
          break;
        }
      }
    }
  }
  if (widgetNum === undefined || !widget) throw new SigningError('widget_missing', `field "${fieldName}" has no widget annotation`);

  for (const n of [fieldNum, widgetNum, acroFormNum ?? rootRef.num]) {
    if (reader.getObject(n).isStream) throw new SigningError('malformed_pdf', `object ${n} should be a dictionary, not a stream`);
  }
  return { catalogNum: rootRef.num, catalog, acroFormNum, acroForm, fieldNum, field, widgetNum, widget };
}

function findField(
  reader: PdfReader,
  fields: PdfValue | undefined,
  prefix: string,
  wanted: string,
  seen: Set<number>,
  inheritedFT?: string,
): { num: number; dict: PdfDict; inheritedFT?: string } | undefined {
  const list = reader.resolve(fields);
  if (!list || list.type !== 'array') return undefined;
  for (const item of list.items) {
    if (item.type !== 'ref') continue; // fields are always indirect (§12.7.3.1)
    if (seen.has(item.num)) continue;
    seen.add(item.num);
    const d = reader.resolveDict(item);
    if (!isDict(d)) continue;
    const t = d.map.get('T');
    const partial = t?.type === 'str' ? textString(t) : undefined;
    const full = partial === undefined ? prefix : prefix ? `${prefix}.${partial}` : partial;
    const ft = getName(d, 'FT') ?? inheritedFT;
    if (partial !== undefined && full === wanted) return { num: item.num, dict: d, inheritedFT: ft };
    // Descend only into non-terminal fields; widget kids carry no /T.
    if (partial !== undefined && wanted.startsWith(full + '.')) {
      const r = findField(reader, d.map.get('Kids'), full, wanted, seen, ft);
      if (r) return r;
    }
  }
  return undefined;
}

export function widgetSize(widget: PdfDict, reader: PdfReader): { width: number; height: number } {
  const rect = reader.resolve(widget.map.get('Rect'));
  if (!rect || rect.type !== 'array' || rect.items.length !== 4) return { width: 0, height: 0 };
  const n = rect.items.map((x) => {
    const r = reader.resolve(x);
    return r?.type === 'num' ? r.value : 0;
  });
  return { width: Math.abs(n[2] - n[0]), height: Math.abs(n[3] - n[1]) };
}

export function sigFlags(acroForm: PdfDict): number {
  return getNumber(acroForm, 'SigFlags') ?? 0;
}
