// analyseRevision / objectRoles on small hand-made files: which change a rule explains, which it
// may not (a filled dangling reference, a borrowed signed object), and the words for the rest.
import { describe, expect, it } from 'vitest';
import { PdfReader } from '../src/pdf/pdfReader.js';
import { numberedPdf } from './helpers/revisionPdf.js';
import type { Allowance, Claim } from '../src/verification/modificationPolicy.js';
import { analyseRevision, objectRoles } from '../src/verification/modifications.js';
import type { RevisionDiff } from '../src/verification/revisionDiff.js';

const STREAM = '<</Length 8>>\nstream\nBT ET q\nendstream';
/** catalog 1, pages 2, page 3 (content 4, resources 5), AcroForm 6, font 7, an orphan 8, a signature field 9. */
const BASE = [
  '<</Type /Catalog /Pages 2 0 R /AcroForm 6 0 R>>',
  '<</Type /Pages /Kids [3 0 R] /Count 1>>',
  '<</Type /Page /Parent 2 0 R /MediaBox [0 0 600 800] /Contents 4 0 R /Resources 5 0 R>>',
  STREAM,
  '<</Font <</F1 7 0 R>>>>',
  '<</Fields [9 0 R]>>',
  '<</Type /Font /Subtype /Type1 /BaseFont /Helvetica>>',
  '<</Note (nobody refers to me)>>',
  '<</FT /Sig /T (sig_applicant) /Rect [0 0 0 0]>>',
];

const original = (bodies: string[] = BASE, trailer?: string): Buffer => numberedPdf(bodies, trailer);

interface Update {
  objects?: Array<[number, string]>;
  /** entries pointing back at an offset inside earlier bytes */
  repoint?: Array<[number, number]>;
  free?: number[];
  trailer?: string;
  /** write the xref subsections in descending object order */
  descending?: boolean;
}
/** One incremental update with a classic xref table. */
function revise(pdf: Buffer, u: Update): Buffer {
  // Read by text, not PdfReader, so an encrypted original can be updated too.
  const tail = pdf.toString('latin1');
  const r = { startxref: Number(/startxref\s+(\d+)\s+%%EOF\s*$/.exec(tail)![1]), size: Number([...tail.matchAll(/\/Size (\d+)/g)].at(-1)![1]) };
  let text = '';
  const entries = new Map<number, string>();
  for (const [num, body] of u.objects ?? []) {
    entries.set(num, `${String(pdf.length + text.length).padStart(10, '0')} 00000 n\r\n`);
    text += `${num} 0 obj\n${body}\nendobj\n`;
  }
  for (const [num, off] of u.repoint ?? []) entries.set(num, `${String(off).padStart(10, '0')} 00000 n\r\n`);
  for (const num of u.free ?? []) entries.set(num, '0000000000 00001 f\r\n');
  const xrefAt = pdf.length + text.length;
  text += 'xref\n';
  for (const n of [...entries.keys()].sort((a, b) => (u.descending ? b - a : a - b))) text += `${n} 1\n${entries.get(n)}`;
  const size = Math.max(r.size, ...[...entries.keys()].map((n) => n + 1));
  text += `trailer\n<</Size ${size} ${u.trailer ?? '/Root 1 0 R'} /Prev ${r.startxref}>>\nstartxref\n${xrefAt}\n%%EOF\n`;
  return Buffer.concat([pdf, Buffer.from(text, 'latin1')]);
}
const offsetOf = (pdf: Buffer, num: number) => pdf.indexOf(`\n${num} 0 obj`) + 1;
const analyse = (pdf: Buffer, policy: readonly Allowance[] = []) => {
  const r = new PdfReader(pdf);
  return analyseRevision(r, r.revisions.length - 1, policy);
};
const rule = (name: string, claim: (d: RevisionDiff) => Claim[], level: Allowance['level'] = 'form_filling'): Allowance => ({ rule: name, description: name, level, claim });
const whats = (v: { disallowed: Array<{ objectNumber: number | null; what: string; detail?: string }> }) => v.disallowed.map((m) => [m.objectNumber, m.what, m.detail]);

describe('analyseRevision: what nobody allowed, in words', () => {
  it.each([
    ['/Contents', '<</Type /Page /Parent 2 0 R /MediaBox [0 0 600 800] /Contents [4 0 R 8 0 R] /Resources 5 0 R>>', 'page_content', 'Contents'],
    ['/Resources', '<</Type /Page /Parent 2 0 R /MediaBox [0 0 600 800] /Contents 4 0 R /Resources <<>>>>', 'page_resources', 'Resources'],
    ['/Annots', '<</Type /Page /Parent 2 0 R /MediaBox [0 0 600 800] /Contents 4 0 R /Resources 5 0 R /Annots []>>', 'annotation', 'Annots'],
    ['/MediaBox', '<</Type /Page /Parent 2 0 R /MediaBox [0 0 800 600] /Contents 4 0 R /Resources 5 0 R>>', 'page', 'MediaBox'],
  ])('a page whose %s changed', (_n, page, what, key) => {
    const v = analyse(revise(original(), { objects: [[3, page]] }));
    expect(whats(v)).toEqual([[3, what, `page dictionary changed: ${key}`]]);
    expect(v.allowed).toEqual([]);
    expect(v.disallowed[0]).toMatchObject({ revision: 1, rule: 'not_allowed' });
  });

  it('a page whose /Contents and /Annots changed is named by its content; /Resources before /Annots', () => {
    const both = BASE[2].replace('/Contents 4 0 R', '/Annots [] /Contents 8 0 R');
    expect(whats(analyse(revise(original(), { objects: [[3, both]] })))).toEqual([[3, 'page_content', 'page dictionary changed: Contents, Annots']]);
    const res = BASE[2].replace('/Resources 5 0 R', '/Annots [] /Resources 8 0 R');
    expect(whats(analyse(revise(original(), { objects: [[3, res]] })))).toEqual([[3, 'page_resources', 'page dictionary changed: Resources, Annots']]);
  });

  it('the catalog, a content stream, a font and an orphan redefined', () => {
    const v = analyse(revise(original(), { objects: [[1, BASE[0].replace('>>', ' /Lang (zh)>>')], [4, STREAM.replace('BT ET q', 'BT ET Q')], [7, '<</Type /Font /Subtype /Type1 /BaseFont /Courier>>'], [8, '<<>>']] }));
    expect(whats(v)).toEqual([
      [1, 'catalog_changed', 'catalog entries changed: Lang'],
      [4, 'page_content', 'page content redefined'],
      [7, 'font', 'font redefined'],
      [8, 'object_changed', 'object redefined'],
    ]);
  });

  it('changes are reported in object order whatever order the xref lists them in', () => {
    const v = analyse(revise(original(), { objects: [[8, '<<>>'], [10, '<<>>'], [4, STREAM.replace('q', 'Q')]], descending: true }));
    expect(v.disallowed.map((m) => m.objectNumber)).toEqual([4, 8, 10]);
  });

  it('a catalog with several entries changed lists them all', () => {
    const v = analyse(revise(original(), { objects: [[1, BASE[0].replace('>>', ' /Lang (zh) /PageMode /UseOutlines>>')]] }));
    expect(whats(v)).toEqual([[1, 'catalog_changed', 'catalog entries changed: Lang, PageMode']]);
  });

  it('a page or catalog that is no longer a dictionary is named by its role only', () => {
    const v = analyse(revise(original(), { objects: [[1, '[1 2]'], [3, '42']] }));
    expect(whats(v)).toEqual([[1, 'catalog', 'catalog redefined'], [3, 'page', 'page redefined']]);
  });

  it('deleted objects, named by their role', () => {
    expect(whats(analyse(revise(original(), { free: [7, 8] })))).toEqual([[7, 'object_deleted', 'font removed from the xref'], [8, 'object_deleted', 'object removed from the xref']]);
  });

  it('an entry pointing back at an older version (shadow attack), named by its role', () => {
    const v1 = revise(original(), { objects: [[7, '<</Type /Font /Subtype /Type1 /BaseFont /Courier>>'], [8, '<<>>']] });
    const first = original();
    const v = analyse(revise(v1, { repoint: [[7, offsetOf(first, 7)], [8, offsetOf(first, 8)]] }));
    expect(whats(v)).toEqual([
      [7, 'xref_repoint', 'xref entry points back to an older version of font inside earlier bytes (shadow attack)'],
      [8, 'xref_repoint', 'xref entry points back to an older version of the object inside earlier bytes (shadow attack)'],
    ]);
  });

  it.each([
    ['<</FT /Tx /T (amount) /Rect [0 0 0 0]>>', 'new_field', 'new form field (Tx)'],
    ['<</FT /Sig /T (witness) /Rect [10 10 200 60]>>', 'new_visible_field', 'new form field (Sig)'],
    ['<</Subtype /Widget /Parent 9 0 R /Rect [10 10 200 60]>>', 'new_visible_field', 'new form field (inherited type)'],
    ['<</Subtype /Widget /Rect [10 10 200 60]>>', 'annotation', 'new Widget annotation'],
    ['<</Subtype /Link /Parent 9 0 R /Rect [10 10 200 60]>>', 'annotation', 'new Link annotation'],
    ['<</Type /Annot /Rect [10 10 200 60]>>', 'annotation', 'new  annotation'],
    ['<</Type /Annot /Subtype /Polygon>>', 'annotation', 'new Polygon annotation'],
    ['<</Subtype /Redact>>', 'annotation', 'new Redact annotation'],
    ['<</Subtype /Text>>', 'annotation', 'new Text annotation'],
    ['<</Subtype /Type1>>', 'new_object', 'new object no allowed change refers to'],
    ['<</Type /Font /Subtype /TrueType>>', 'font', 'new font object'],
    ['<</Type /FontDescriptor>>', 'font', 'new font object'],
    ['<</Type /Page>>', 'page', 'new page object'],
    ['<</Type /Pages>>', 'page', 'new page object'],
    ['<</Subtype /Image /Length 0>>\nstream\n\nendstream', 'xobject', 'new XObject'],
    ['<</Type /XObject /Subtype /Form /Length 0>>\nstream\n\nendstream', 'xobject', 'new XObject'],
    ['<</Type /Metadata>>', 'new_object', 'new object no allowed change refers to'],
    ['(just a string)', 'new_object', 'new object no allowed change refers to'],
  ])('an added %s', (body, what, detail) => {
    expect(whats(analyse(revise(original(), { objects: [[10, body]] })))).toEqual([[10, what, detail]]);
  });

  it.each(['Text', 'Link', 'FreeText', 'Line', 'Square', 'Circle', 'Polygon', 'PolyLine', 'Highlight', 'Underline', 'Squiggly', 'StrikeOut', 'Stamp', 'Caret', 'Ink', 'Popup', 'FileAttachment', 'Sound', 'Movie', 'Widget', 'Screen', 'PrinterMark', 'TrapNet', 'Watermark', '3D', 'Redact'])(
    'an added /Subtype /%s without /Type is an annotation',
    (subtype) => {
      expect(whats(analyse(revise(original(), { objects: [[10, `<</Subtype /${subtype}>>`]] })))).toEqual([[10, 'annotation', `new ${subtype} annotation`]]);
    },
  );

  it('a field repointed at an old version that held a document timestamp is a repoint, not a timestamp problem', () => {
    const v1 = revise(original(), { objects: [[9, BASE[8].replace('>>', ' /V 10 0 R>>')]] });
    const v2 = revise(v1, { objects: [[9, BASE[8]]] });
    const ts = '<</Type /DocTimeStamp /ByteRange [0 1 2 3] /Contents <00>>>';
    const v = analyse(revise(v2, { objects: [[10, ts]], repoint: [[9, v1.lastIndexOf('\n9 0 obj') + 1]] }));
    expect(whats(v)[0]).toEqual([9, 'xref_repoint', 'xref entry points back to an older version of the object inside earlier bytes (shadow attack)']);
  });

  it('a document timestamp filling a field that existed, or in a new field: named as such', () => {
    const ts = '<</Type /DocTimeStamp /SubFilter /ETSI.RFC3161 /ByteRange [0 1 2 3] /Contents <00>>>';
    const existing = analyse(revise(original(), { objects: [[9, BASE[8].replace('>>', ' /V 10 0 R>>')], [10, ts]] }));
    expect(whats(existing)).toEqual([
      [9, 'timestamp_in_existing_field', "a document timestamp fills a signature field that existed before: a timestamp proves no one's agreement"],
      [10, 'new_object', 'new object no allowed change refers to'],
    ]);
    const added = analyse(revise(original(), { objects: [[10, ts], [11, '<</FT /Sig /T (ts) /V 10 0 R>>']] }));
    expect(whats(added)[1]).toEqual([11, 'timestamp_visible_field', 'a document timestamp in a field with a visible widget or an appearance']);
  });

  it('a field filled with a signature, or pointing at an existing timestamp, is not a timestamp problem', () => {
    const sig = '<</Type /Sig /ByteRange [0 1 2 3] /Contents <00>>>';
    const v = analyse(revise(original(), { objects: [[9, BASE[8].replace('>>', ' /V 10 0 R>>')], [10, sig]] }));
    expect(whats(v)[0]).toEqual([9, 'object_changed', 'object redefined']);
    const ts = '<</Type /DocTimeStamp /ByteRange [0 1 2 3] /Contents <00>>>';
    const old = analyse(revise(original([...BASE, ts]), { objects: [[9, BASE[8].replace('>>', ' /V 10 0 R>>')]] }));
    expect(whats(old)).toEqual([[9, 'object_changed', 'object redefined']]);
    const notRef = analyse(revise(original(), { objects: [[9, BASE[8].replace('>>', ' /V (x)>>')]] }));
    expect(whats(notRef)).toEqual([[9, 'object_changed', 'object redefined']]);
  });

  it('the trailer /Root, /Info replaced or removed', () => {
    const withInfo = original(BASE, '/Root 1 0 R /Info 8 0 R');
    const v = analyse(revise(withInfo, { objects: [[10, '<</Type /Catalog /Pages 2 0 R>>'], [11, '<</Producer (x)>>']], trailer: '/Root 10 0 R /Info 11 0 R' }));
    expect(v.disallowed.filter((m) => m.detail?.startsWith('trailer'))).toEqual([
      { revision: 1, objectNumber: 10, what: 'catalog_replaced', rule: 'not_allowed', detail: 'trailer /Root changed' },
      { revision: 1, objectNumber: 11, what: 'document_info_replaced', rule: 'not_allowed', detail: 'trailer /Info changed' },
    ]);
    const gone = analyse(revise(withInfo, { trailer: '/Root 1 0 R' }));
    expect(gone.disallowed).toEqual([{ revision: 1, objectNumber: null, what: 'document_info_replaced', rule: 'not_allowed', detail: 'trailer /Info changed' }]);
  });

  it('a removed /Encrypt is an encryption change', () => {
    const enc = original([...BASE, '<</Filter /Standard>>'], '/Root 1 0 R /Encrypt 10 0 R');
    expect(analyse(revise(enc, {})).disallowed).toEqual([{ revision: 1, objectNumber: null, what: 'encryption_changed', rule: 'not_allowed', detail: 'trailer /Encrypt changed' }]);
  });
});

describe('analyseRevision: what the rules claim', () => {
  it('a claimed new object is allowed with the claim words, the rule level unless the claim sets one', () => {
    const pdf = revise(original(), { objects: [[10, '<<>>'], [11, '<<>>'], [8, '<</x 1>>']] });
    const v = analyse(pdf, [
      rule('r_one', () => [{ num: 11, what: 'thing', detail: 'why', field: 'sig_utility' }, { num: 10, what: 'other', level: 'lta_updates' }]),
      rule('r_two', () => [{ num: 8, what: 'rewritten', field: '' }], 'annotations'),
    ]);
    // strict: an absent detail or field is no key at all
    expect(v).toStrictEqual({
      allowed: [
        { revision: 1, objectNumber: 8, what: 'rewritten', rule: 'r_two', level: 'annotations', field: '' },
        { revision: 1, objectNumber: 10, what: 'other', rule: 'r_one', level: 'lta_updates' },
        { revision: 1, objectNumber: 11, what: 'thing', rule: 'r_one', level: 'form_filling', detail: 'why', field: 'sig_utility' },
      ],
      disallowed: [],
    });
  });

  it('the first rule to claim an object wins', () => {
    const pdf = revise(original(), { objects: [[10, '<<>>']] });
    const v = analyse(pdf, [rule('first', () => [{ num: 10, what: 'a' }]), rule('second', () => [{ num: 10, what: 'b' }], 'lta_updates')]);
    expect(v.allowed).toEqual([{ revision: 1, objectNumber: 10, what: 'a', rule: 'first', level: 'form_filling' }]);
  });

  it('a claim on an unchanged, deleted or repointed object explains nothing', () => {
    const v1 = revise(original(), { objects: [[7, '<</Type /Font /Subtype /Type1 /BaseFont /Courier>>']] });
    const pdf = revise(v1, { repoint: [[7, offsetOf(original(), 7)]], free: [8] });
    const v = analyse(pdf, [rule('greedy', () => [7, 8, 3].map((num) => ({ num, what: 'mine' })))]);
    expect(v.allowed).toEqual([]);
    expect(v.disallowed.map((m) => [m.objectNumber, m.what])).toEqual([[7, 'xref_repoint'], [8, 'object_deleted']]);
  });

  it('an /Info replaced by an object the document_info rule claims is no trailer change; another rule is', () => {
    const withInfo = original(BASE, '/Root 1 0 R /Info 8 0 R');
    const pdf = revise(withInfo, { objects: [[10, '<</Producer (x)>>']], trailer: '/Root 1 0 R /Info 10 0 R' });
    expect(analyse(pdf, [rule('document_info', () => [{ num: 10, what: 'document_info' }], 'lta_updates')])).toEqual({
      allowed: [{ revision: 1, objectNumber: 10, what: 'document_info', rule: 'document_info', level: 'lta_updates' }],
      disallowed: [],
    });
    expect(analyse(pdf, [rule('catalog_entries', () => [{ num: 10, what: 'x' }])]).disallowed.map((m) => m.what)).toEqual(['document_info_replaced']);
    // /Root is never excused by the document_info rule
    const root = revise(withInfo, { objects: [[10, '<</Type /Catalog /Pages 2 0 R>>']], trailer: '/Root 10 0 R /Info 8 0 R' });
    expect(analyse(root, [rule('document_info', () => [{ num: 10, what: 'document_info' }])]).disallowed.map((m) => m.what)).toEqual(['catalog_replaced']);
  });

  it('a claimed new object at a number the signed revision already referred to is a filled reference', () => {
    const pdf = revise(original([...BASE.slice(0, 7), '<</Extra 12 0 R>>', BASE[8]].map((b, i) => (i === 0 ? b.replace('>>', ' /Names 8 0 R>>') : b))), { objects: [[12, '<<>>']] });
    const v = analyse(pdf, [rule('r', () => [{ num: 12, what: 'dss' }])]);
    expect(v).toEqual({
      allowed: [],
      disallowed: [{ revision: 1, objectNumber: 12, what: 'signed_reference_filled', rule: 'not_allowed', detail: 'the signed revision already referred to object 12, which did not exist then: as dss it now changes what those signed objects show' }],
    });
    // unclaimed, the same object is simply described
    expect(whats(analyse(pdf))).toEqual([[12, 'new_object', 'new object no allowed change refers to']]);
  });

  it('a claimed rewritten object may not gain references to unchanged objects of the signed revision', () => {
    const pdf = revise(original(), { objects: [[6, '<</Fields [9 0 R] /DR <</F 7 0 R /X 4 0 R /N 10 0 R /C 8 0 R>>>>'], [10, '<<>>'], [8, '<<>>']] });
    const v = analyse(pdf, [rule('acroform', () => [{ num: 6, what: 'acroform_entries' }, { num: 10, what: 'n' }, { num: 8, what: 'c' }])]);
    expect(v.disallowed).toEqual([{ revision: 1, objectNumber: 6, what: 'reference_to_signed_object', rule: 'not_allowed', detail: 'acroform_entries gains references to objects 4, 7 of the signed revision' }]);
    expect(v.allowed.map((m) => m.objectNumber)).toEqual([8, 10]);
  });

  it('references a rewritten object already had, to new objects or to other rewritten ones, are no borrowing', () => {
    const pdf = revise(original(), { objects: [[6, '<</Fields [9 0 R] /DR <</N 10 0 R /C 8 0 R /Missing 20 0 R>>>>'], [10, '<<>>'], [8, '<<>>']] });
    const v = analyse(pdf, [rule('acroform', () => [{ num: 6, what: 'acroform_entries' }, { num: 10, what: 'n' }, { num: 8, what: 'c' }])]);
    expect(v).toEqual({ allowed: [6, 8, 10].map((n) => expect.objectContaining({ objectNumber: n })), disallowed: [] });
  });

  it('a reference to an object this revision deletes is borrowing too', () => {
    const pdf = revise(original(), { objects: [[6, '<</Fields [9 0 R] /DR <</C 8 0 R>>>>']], free: [8] });
    const v = analyse(pdf, [rule('acroform', () => [{ num: 6, what: 'acroform_entries' }])]);
    expect(whats(v)).toEqual([
      [6, 'reference_to_signed_object', 'acroform_entries gains references to objects 8 of the signed revision'],
      [8, 'object_deleted', 'object removed from the xref'],
    ]);
  });

  it('an unreadable old version: every reference of the rewritten one is judged new', () => {
    const first = original();
    const broken = Buffer.from(first.toString('latin1').replace(`${String(offsetOf(first, 8)).padStart(10, '0')} 00000 n`, '0000000001 00000 n'), 'latin1');
    const v = analyse(revise(broken, { objects: [[8, '<</F 7 0 R>>']] }), [rule('r', () => [{ num: 8, what: 'x' }])]);
    expect(whats(v)).toEqual([[8, 'reference_to_signed_object', 'x gains references to objects 7 of the signed revision']]);
  });

  it('a claimed new object referring to old ones is not borrowing (only rewritten objects are judged)', () => {
    const pdf = revise(original(), { objects: [[10, '<</Font 7 0 R>>']] });
    expect(analyse(pdf, [rule('r', () => [{ num: 10, what: 'x' }])]).allowed.map((m) => m.objectNumber)).toEqual([10]);
  });

  it('an unclaimed rewritten object gaining old references is described, not called borrowing', () => {
    const pdf = revise(original(), { objects: [[8, '<</F 7 0 R>>']] });
    expect(whats(analyse(pdf))).toEqual([[8, 'object_changed', 'object redefined']]);
  });
});

describe('analyseRevision: xref bookkeeping', () => {
  /** An update whose cross-reference is an uncompressed xref stream (object `streamNum`). */
  function xrefStreamUpdate(pdf: Buffer, streamNum: number, objects: Array<[number, string]>): Buffer {
    const r = new PdfReader(pdf);
    let text = '';
    const offs = new Map<number, number>();
    for (const [num, body] of objects) {
      offs.set(num, pdf.length + text.length);
      text += `${num} 0 obj\n${body}\nendobj\n`;
    }
    const at = pdf.length + text.length;
    offs.set(streamNum, at);
    const nums = [...offs.keys()].sort((a, b) => a - b);
    const rows = Buffer.concat(nums.map((n) => Buffer.from([1, (offs.get(n)! >> 24) & 255, (offs.get(n)! >> 16) & 255, (offs.get(n)! >> 8) & 255, offs.get(n)! & 255, 0])));
    const size = Math.max(r.size, ...nums.map((n) => n + 1));
    const head = `${streamNum} 0 obj\n<</Type /XRef /Size ${size} /W [1 4 1] /Index [${nums.map((n) => `${n} 1`).join(' ')}] /Root 1 0 R /Prev ${r.startxref} /Length ${rows.length}>>\nstream\n`;
    return Buffer.concat([pdf, Buffer.from(text + head, 'latin1'), rows, Buffer.from(`\nendstream\nendobj\nstartxref\n${at}\n%%EOF\n`, 'latin1')]);
  }

  it('the xref stream of an update is bookkeeping, at level none', () => {
    const v = analyse(xrefStreamUpdate(original(), 10, [[11, '<<>>']]));
    expect(v.allowed).toEqual([{ revision: 1, objectNumber: 10, what: 'xref_stream', rule: 'cross_reference_bookkeeping', level: 'none' }]);
    expect(whats(v)).toEqual([[11, 'new_object', 'new object no allowed change refers to']]);
  });
});

describe('analyseRevision: structure', () => {
  it('an update whose xref table lies inside the earlier revision is a structural defect', () => {
    // The newest xref table sits between the objects of the original; only the update's startxref points at it.
    const head = '%PDF-1.7\n1 0 obj\n<</Type /Catalog>>\nendobj\n';
    const tableA = (prev: number) => `xref\n0 1\n0000000000 65535 f\r\ntrailer\n<</Size 2 /Root 1 0 R /Prev ${String(prev).padStart(10, '0')}>>\n`;
    const a = head.length;
    const b = a + tableA(0).length;
    const text = `${head}${tableA(b)}xref\n0 2\n0000000000 65535 f\r\n0000000009 00000 n\r\ntrailer\n<</Size 2 /Root 1 0 R>>\nstartxref\n${b}\n%%EOF\nstartxref\n${a}\n%%EOF\n`;
    expect(analyse(Buffer.from(text, 'latin1'))).toEqual({
      allowed: [],
      disallowed: [{ revision: 1, objectNumber: null, what: 'xref_structure', rule: 'not_allowed', detail: `its xref section at byte ${a} lies inside the earlier revision` }],
    });
  });
});

describe('objectRoles', () => {
  const rolesOf = (bodies: string[], trailer?: string) => Object.fromEntries(objectRoles(new PdfReader(original(bodies, trailer))));

  it('catalog, form, page tree, page, content, resources, fonts, XObjects and annotations', () => {
    const roles = rolesOf([
      '<</Type /Catalog /Pages 2 0 R /AcroForm 6 0 R>>',
      '<</Type /Pages /Kids [3 0 R] /Count 1 /Resources <</Font 12 0 R>>>>',
      '<</Type /Page /Parent 2 0 R /Contents [4 0 R 16 0 R] /Resources 5 0 R /Annots 14 0 R>>',
      STREAM,
      '<</Font 7 0 R /XObject <</Im1 11 0 R>>>>',
      '<</Fields []>>',
      '<</F1 8 0 R /F2 17 0 R>>',
      '<</Type /Font /Subtype /Type0 /DescendantFonts 24 0 R /ToUnicode 18 0 R /Encoding 19 0 R /FontDescriptor 20 0 R>>',
      '<</Type /Font /Subtype /CIDFontType2 /FontDescriptor 10 0 R>>',
      '<</Type /FontDescriptor /FontFile 25 0 R /FontFile2 21 0 R /FontFile3 26 0 R>>',
      '<</Subtype /Image>>',
      '<</F9 13 0 R>>',
      '<</Type /Font>>',
      '[15 0 R]',
      '<</Subtype /Link>>',
      STREAM,
      '<</Type /Font>>',
      STREAM,
      '<<>>',
      '<</Type /FontDescriptor /FontFile 22 0 R /FontFile2 27 0 R /FontFile3 23 0 R>>',
      STREAM,
      STREAM,
      STREAM,
      '[9 0 R]',
      STREAM,
      STREAM,
      STREAM,
    ]);
    expect(roles).toEqual({
      1: 'catalog', 2: 'page_tree', 3: 'page', 4: 'page_content', 5: 'page_resources', 6: 'acroform',
      7: 'font', 8: 'font', 9: 'font', 10: 'font', 11: 'xobject', 12: 'font', 13: 'font', 14: 'annotation', 15: 'annotation',
      16: 'page_content', 17: 'font', 18: 'font', 19: 'font', 20: 'font', 21: 'font', 22: 'font', 23: 'font', 24: 'font', 25: 'font', 26: 'font', 27: 'font',
    });
  });

  it('the first role found wins, except that a page is a page', () => {
    // object 4 is both the page content and (afterwards) named as a font; object 2 both the tree and the AcroForm
    const roles = rolesOf([
      '<</Type /Catalog /Pages 2 0 R /AcroForm 2 0 R>>',
      '<</Type /Pages /Kids [3 0 R 4 0 R] /Count 2>>',
      '<</Type /Page /Contents 5 0 R /Resources <</Font <</F1 5 0 R>>>>>>',
      '<</Type /Page /Annots [3 0 R]>>',
      STREAM,
    ]);
    expect(roles).toEqual({ 1: 'catalog', 2: 'acroform', 3: 'page', 4: 'page', 5: 'page_content' });
  });

  it('a missing or unreadable catalog leaves only its number', () => {
    expect(rolesOf(['<</Type /Pages>>'], '/Root 5 0 R')).toEqual({ 5: 'catalog' });
    expect(rolesOf(['1 0 R'])).toEqual({ 1: 'catalog' });
    expect(rolesOf(['<<>>'], '')).toEqual({});
    expect(rolesOf(['<</Type /Catalog>>'])).toEqual({ 1: 'catalog' });
    // a /Pages naming no object is still the page tree's number
    expect(rolesOf(['<</Type /Catalog /Pages 5 0 R>>'])).toEqual({ 1: 'catalog', 5: 'page_tree' });
  });

  it('fonts and resources that are not dictionaries, and a page tree node without /Kids', () => {
    const roles = rolesOf([
      '<</Type /Catalog /Pages 2 0 R>>',
      '<</Type /Pages /Kids [3 0 R 4 0 R 6 0 R]>>',
      '<</Type /Page /Resources <</XObject <</I 9 0 R>>>>>>',
      '<</Type /Page /Resources <</Font <</F1 20 0 R /F2 5 0 R /F3 7 0 R>>>>>>',
      '<</Type /Font /Subtype /Type0 /DescendantFonts [21 0 R 8 0 R]>>',
      '<</Type /Pages>>',
      '<</Type /Font /FontDescriptor 22 0 R>>',
      '<</Type /Font /Subtype /CIDFontType0>>',
      STREAM,
    ]);
    expect(roles).toEqual({ 1: 'catalog', 2: 'page_tree', 3: 'page', 4: 'page', 5: 'font', 6: 'page_tree', 7: 'font', 8: 'font', 9: 'xobject', 20: 'font', 21: 'font', 22: 'font' });
  });

  it('at most 10 000 page tree nodes are read', () => {
    const n = 10_001;
    const kids = Array.from({ length: n }, (_, i) => `${i + 3} 0 R`).join(' ');
    const roles = objectRoles(new PdfReader(original(['<</Type /Catalog /Pages 2 0 R>>', `<</Type /Pages /Kids [${kids}]>>`, ...Array.from({ length: n }, () => '<</Type /Page>>')])));
    // the tree node and 9 999 pages make 10 000
    expect([...roles.values()].filter((r) => r === 'page').length).toBe(9_999);
  });

  it('page tree loops, non-reference kids and unreadable nodes are survived', () => {
    const roles = rolesOf([
      '<</Type /Catalog /Pages 2 0 R>>',
      '<</Type /Pages /Kids [2 0 R 3 0 R <</Type /Page>> 4 0 R 9 0 R] /Resources 5 0 R>>',
      '<</Type /Page /Contents 6 0 R /Annots 7 0 R /Resources 8 0 R>>',
      '4 0 R',
      '5 0 R',
      '6 0 R',
      '7 0 R',
      '<</Font 8 0 R /XObject 8 0 R>>',
    ]);
    expect(roles).toEqual({ 1: 'catalog', 2: 'page_tree', 3: 'page', 6: 'page_content', 7: 'annotation', 8: 'page_resources' });
  });

  it('a page tree deeper than 64 levels is not followed further', () => {
    const chain = (pagesNodes: number) => {
      const bodies = ['<</Type /Catalog /Pages 2 0 R>>'];
      for (let i = 2; i < pagesNodes + 2; i++) bodies.push(`<</Type /Pages /Kids [${i + 1} 0 R]>>`);
      bodies.push('<</Type /Page>>');
      return rolesOf(bodies);
    };
    // the root /Pages is depth 0: a page at depth 64 is read, one at depth 65 is not
    expect(chain(64)[66]).toBe('page');
    expect(chain(64)[65]).toBe('page_tree');
    expect(chain(65)[66]).toBe('page_tree');
    expect(chain(65)[67]).toBe(undefined);
  });
});
