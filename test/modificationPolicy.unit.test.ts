import { describe, expect, it } from 'vitest';
import { arr, dict, name, num, ref, type PdfValue } from '../src/pdf/cos.js';
import { PdfReader } from '../src/pdf/pdfReader.js';
import {
  directRefs,
  fillsSignedReference,
  fullFieldName,
  levelRank,
  MODIFICATION_LEVELS,
  MODIFICATION_POLICY,
  signatureKind,
  zeroArea,
} from '../src/verification/modificationPolicy.js';
import { diffRevision } from '../src/verification/revisionDiff.js';
import { allowedDetails, basePdf, judge, stream, updatePdf, type Objs } from './helpers/revisionPdf.js';

// The modification policy on small hand-written revisions: one signed page with an empty signature
// field (object 6), then one incremental update per test. The rows are what a verification report
// lists: [object, rule, what, level, field] for allowed changes, [object, what] for the others.

const CATALOG = '<< /Type /Catalog /Pages 2 0 R /AcroForm 4 0 R >>';
const PAGES = '<< /Type /Pages /Kids [3 0 R] /Count 1 >>';
const page = (annots = '/Annots [6 0 R]', extra = '') => `<< /Type /Page /Parent 2 0 R /MediaBox [0 0 200 200] /Contents 5 0 R ${annots}${extra} >>`;
const acroForm = (fields = '[6 0 R]', extra = '') => `<< /Fields ${fields}${extra} >>`;
const CONTENT = stream('', 'BT /F1 12 Tf 20 100 Td (I agree) Tj ET');
const sigField = (extra = '', rect = '[10 10 110 40]', t = 'sig_a') => `<< /FT /Sig /T (${t}) /Type /Annot /Subtype /Widget /Rect ${rect} /P 3 0 R /F 4${extra} >>`;
const SIG = '<< /Type /Sig /Filter /Adobe.PPKLite /SubFilter /ETSI.CAdES.detached /ByteRange [0 0 0 0] /Contents <00> >>';
const TIMESTAMP = '<< /Type /DocTimeStamp /Filter /Adobe.PPKLite /SubFilter /ETSI.RFC3161 /ByteRange [0 0 0 0] /Contents <00> >>';
const APPEARANCE = stream('/Type /XObject /Subtype /Form /BBox [0 0 100 30]', 'q 0 0 1 rg 0 0 100 30 re f Q');
const FREETEXT = '<< /Type /Annot /Subtype /FreeText /Rect [20 150 180 180] /Contents (reviewed) /DA (/Helv 12 Tf 0 g) >>';

const BASE: Objs = { 1: CATALOG, 2: PAGES, 3: page(), 4: acroForm(), 5: CONTENT, 6: sigField() };
const base = (over: Objs = {}, trailer?: string) => basePdf({ ...BASE, ...over }, trailer);

const F = 'fill_existing_signature_field';
const NSF = 'new_signature_field';
const DTS = 'document_timestamp_field';
const PAA = 'page_annotations_appended';
const AFE = 'acroform_signature_entries';
const NA = 'new_annotation';
const CAT = 'catalog_entries';

/** What one rule claims in revision 1, before the verdict combines the rules. */
const claimsOf = (pdf: Buffer, rule: string, index = 1) => MODIFICATION_POLICY.find((r) => r.rule === rule)!.claim(diffRevision(new PdfReader(pdf), index));

describe('the policy table', () => {
  it('lists its rules in order, each with its level and what it accepts', () => {
    expect(MODIFICATION_POLICY.map((r) => [r.rule, r.level, r.description])).toEqual([
      [F, 'form_filling', 'a later signature (never a document timestamp) fills a signature field that already existed, empty, in the signed revision (field /V, widget /AP and flags, the new signature dictionary and its appearance)'],
      [NSF, 'form_filling', 'a signature in a new signature field, visible or not, listed in /Fields and its page /Annots'],
      [DTS, 'lta_updates', 'a document timestamp in a new invisible field: zero-area widget, no appearance (or an empty one)'],
      [AFE, 'lta_updates', 'the AcroForm gains or changes /SigFlags, /DA or /DR, or lists new signature fields that another rule accepts'],
      [PAA, 'lta_updates', "a page's /Annots gains exactly the new widgets and annotations that another rule accepts"],
      [NA, 'annotations', 'a new annotation (not a form field) on a page, with its own new appearance and popup'],
      ['dss', 'lta_updates', 'the catalog gains or updates /DSS (certificates, CRLs, OCSP responses, /VRI) for long-term validation, its arrays direct or indirect'],
      [CAT, 'lta_updates', 'the catalog changes only /DSS, /Extensions, /Version, /Metadata or an inline AcroForm in the ways the other rules accept'],
      ['document_info', 'lta_updates', 'the trailer /Info dictionary is rewritten (ModDate, Producer, …)'],
      ['xmp_metadata', 'lta_updates', 'the catalog /Metadata stream (XMP, /Type /Metadata /Subtype /XML) is replaced or rewritten'],
      ['cross_reference_bookkeeping', 'none', 'xref streams and object-stream containers written by the revision itself'],
      ['identical_rewrite', 'none', 'an object written again with exactly the same content'],
    ]);
  });

  it('orders the levels so that each permits what the ones before it permit', () => {
    expect(MODIFICATION_LEVELS).toEqual(['none', 'lta_updates', 'form_filling', 'annotations', 'other']);
    expect(MODIFICATION_LEVELS.map(levelRank)).toEqual([0, 1, 2, 3, 4]);
  });
});

describe('each rule on its own', () => {
  it('claims nothing of a revision that only rewrites the page content', () => {
    const pdf = updatePdf(base(), { 5: stream('', 'BT /F1 12 Tf 20 100 Td (No deal) Tj ET') });
    expect(MODIFICATION_POLICY.map((r) => [r.rule, claimsOf(pdf, r.rule)])).toEqual(MODIFICATION_POLICY.map((r) => [r.rule, []]));
  });
});

describe('fill_existing_signature_field: a merged field/widget', () => {
  const filled = (extra = ' /V 8 0 R /AP << /N 9 0 R >>') => sigField(extra);

  it('the field gains /V, /AP, /MK and new flags; the signature, its /Reference and the appearance are new', () => {
    const pdf = updatePdf(base(), {
      6: sigField(' /V 8 0 R /AP << /N 9 0 R >> /MK << /BG [1 1 1] >>').replace('/F 4', '/F 132'),
      8: SIG.replace('>>', ' /Reference [10 0 R] >>'),
      9: APPEARANCE,
      10: '<< /Type /SigRef /TransformMethod /FieldMDP /TransformParams << /Type /TransformParams /Action /All /V /1.2 >> >>',
    });
    expect(judge(pdf)).toEqual({
      allowed: [
        [6, F, 'signature_field_filled', 'form_filling', 'sig_a'],
        [8, F, 'signature_dictionary', 'form_filling', 'sig_a'],
        [9, F, 'signature_appearance', 'form_filling', null],
        [10, F, 'signature_dictionary_part', 'form_filling', null],
      ],
      disallowed: [],
    });
  });

  it('a field whose /V was null counts as empty', () => {
    const pdf = updatePdf(base({ 6: sigField(' /V null') }), { 6: filled(), 8: SIG, 9: APPEARANCE });
    expect(judge(pdf).allowed.map((r) => [r[0], r[2]])).toEqual([[6, 'signature_field_filled'], [8, 'signature_dictionary'], [9, 'signature_appearance']]);
  });

  it('a field that was already signed may not be signed over', () => {
    const pdf = updatePdf(base({ 6: sigField(' /V 7 0 R'), 7: SIG }), { 6: filled(), 8: SIG, 9: APPEARANCE });
    expect(judge(pdf)).toEqual({ allowed: [], disallowed: [[6, 'annotation'], [8, 'new_object'], [9, 'xobject']] });
  });

  it('a document timestamp never fills a party signature field', () => {
    const pdf = updatePdf(base(), { 6: filled(), 8: TIMESTAMP, 9: APPEARANCE });
    expect(judge(pdf)).toEqual({ allowed: [], disallowed: [[6, 'timestamp_in_existing_field'], [8, 'new_object'], [9, 'xobject']] });
  });

  it('/V must name a signature dictionary this revision adds, not one the file already held', () => {
    const unchanged = updatePdf(base({ 7: SIG }), { 6: sigField(' /V 7 0 R /AP << /N 9 0 R >>'), 9: APPEARANCE });
    expect(judge(unchanged)).toEqual({ allowed: [], disallowed: [[6, 'annotation'], [9, 'xobject']] });
    const rewritten = updatePdf(base({ 7: SIG }), { 6: sigField(' /V 7 0 R /AP << /N 9 0 R >>'), 7: SIG.replace('<00>', '<01>'), 9: APPEARANCE });
    expect(judge(rewritten)).toEqual({ allowed: [], disallowed: [[6, 'annotation'], [7, 'object_changed'], [9, 'xobject']] });
  });

  it('/V naming a new object that is not a signature dictionary fills nothing', () => {
    const pdf = updatePdf(base(), { 6: filled(), 8: '<< /Type /Annot /ByteRange [0 0 0 0] /Contents <00> >>', 9: APPEARANCE });
    expect(judge(pdf).allowed).toEqual([]);
  });

  it('only signature fields: a text field given a /V is not this rule', () => {
    const tx = sigField().replace('/FT /Sig', '/FT /Tx');
    const pdf = updatePdf(base({ 6: tx }), { 6: tx.replace('>>', ' /V 8 0 R /AP << /N 9 0 R >> >>'), 8: SIG, 9: APPEARANCE });
    expect(judge(pdf)).toEqual({ allowed: [], disallowed: [[6, 'annotation'], [8, 'new_object'], [9, 'xobject']] });
  });

  it('filling may not move the widget', () => {
    const pdf = updatePdf(base(), { 6: filled().replace('[10 10 110 40]', '[10 10 190 190]'), 8: SIG, 9: APPEARANCE });
    expect(judge(pdf)).toEqual({ allowed: [], disallowed: [[6, 'annotation'], [8, 'new_object'], [9, 'xobject']] });
  });

  it('a rewritten field that is a stream is no field filling', () => {
    const pdf = updatePdf(base({ 6: stream(sigField().slice(3, -3), '') }), { 6: stream(filled().slice(3, -3), ''), 8: SIG, 9: APPEARANCE });
    expect(judge(pdf).allowed).toEqual([]);
  });

  it('a field whose /Parent chain loops without a field type is no signature field', () => {
    const loop = (extra: string) => sigField(`${extra} /Parent 6 0 R`).replace('/FT /Sig ', '');
    const pdf = updatePdf(base({ 6: loop('') }), { 6: loop(' /V 8 0 R /AP << /N 9 0 R >>'), 8: SIG, 9: APPEARANCE });
    expect(judge(pdf).allowed).toEqual([]);
  });

  it('the field type is looked for 32 levels up the /Parent chain, no further', () => {
    const chain = (levels: number): Objs => {
      const o: Objs = {};
      for (let i = 0; i < levels; i++) o[40 + i] = i === levels - 1 ? '<< /FT /Sig >>' : `<< /Parent ${41 + i} 0 R >>`;
      return o;
    };
    const kid = (extra: string) => sigField(`${extra} /Parent 40 0 R`).replace('/FT /Sig ', '');
    const fill = (levels: number) => judge(updatePdf(base({ 6: kid(''), ...chain(levels) }), { 6: kid(' /V 8 0 R /AP << /N 9 0 R >>'), 8: SIG, 9: APPEARANCE })).allowed.length;
    expect([fill(31), fill(32)]).toEqual([3, 0]);
  });
});

describe('fill_existing_signature_field: a field with separate widgets', () => {
  const FIELD = '<< /FT /Sig /T (sig_a) /Kids [12 0 R 7 0 R] >>';
  const widget = (extra = '', rect = '[10 10 110 40]') => `<< /Type /Annot /Subtype /Widget /Parent 6 0 R /Rect ${rect} /P 3 0 R /F 4${extra} >>`;
  const split = () => base({ 3: page('/Annots [7 0 R 12 0 R]'), 6: FIELD, 7: widget(), 12: widget('', '[0 0 0 0]') });

  it('the field gains /V, its widget the appearance; a widget left alone is no obstacle', () => {
    const pdf = updatePdf(split(), { 6: FIELD.replace('>>', '/V 8 0 R >>'), 7: widget(' /AP << /N 9 0 R >>').replace('/F 4', '/F 132'), 8: SIG, 9: APPEARANCE });
    expect(judge(pdf)).toEqual({
      allowed: [
        [6, F, 'signature_field_filled', 'form_filling', 'sig_a'],
        [7, F, 'signature_widget', 'form_filling', 'sig_a'],
        [8, F, 'signature_dictionary', 'form_filling', 'sig_a'],
        [9, F, 'signature_appearance', 'form_filling', null],
      ],
      disallowed: [],
    });
  });

  it('the field dictionary itself may gain only /V, not an appearance', () => {
    const pdf = updatePdf(split(), { 6: FIELD.replace('>>', '/V 8 0 R /AP << /N 9 0 R >> >>'), 8: SIG, 9: APPEARANCE });
    expect(judge(pdf)).toEqual({ allowed: [], disallowed: [[6, 'object_changed'], [8, 'new_object'], [9, 'xobject']] });
  });

  it('a widget that moves spoils the whole filling', () => {
    const pdf = updatePdf(split(), { 6: FIELD.replace('>>', '/V 8 0 R >>'), 7: widget(' /AP << /N 9 0 R >>', '[10 10 190 190]'), 8: SIG, 9: APPEARANCE });
    expect(judge(pdf)).toEqual({ allowed: [], disallowed: [[6, 'object_changed'], [7, 'annotation'], [8, 'new_object'], [9, 'xobject']] });
  });

  it('a widget the signed field named before it existed spoils the filling', () => {
    const dangling = '<< /FT /Sig /T (sig_a) /Kids [7 0 R 20 0 R] >>';
    const signed = base({ 3: page('/Annots [7 0 R]'), 6: dangling, 7: widget() });
    const pdf = updatePdf(signed, { 6: dangling.replace('>>', '/V 8 0 R >>'), 20: widget(' /AP << /N 9 0 R >>'), 8: SIG, 9: APPEARANCE });
    expect(claimsOf(pdf, F)).toEqual([]);
    expect(judge(pdf).disallowed.map((r) => r[0])).toEqual([6, 8, 9, 20]);
  });

  it('a field with no widget at all may be filled', () => {
    const bare = '<< /FT /Sig /T (sig_a) >>';
    const pdf = updatePdf(base({ 3: page(''), 6: bare }), { 6: bare.replace('>>', '/V 8 0 R >>'), 8: SIG });
    expect(judge(pdf).allowed).toEqual([[6, F, 'signature_field_filled', 'form_filling', 'sig_a'], [8, F, 'signature_dictionary', 'form_filling', 'sig_a']]);
  });

  it('the field type and the name may come from the parent field', () => {
    const kid = (extra: string) => `<< /T (utility) /Parent 6 0 R /Type /Annot /Subtype /Widget /Rect [10 10 110 40] /P 3 0 R /F 4${extra} >>`;
    const signed = base({ 3: page('/Annots [7 0 R]'), 6: '<< /FT /Sig /T (approvals) /Kids [7 0 R] >>', 7: kid('') });
    const pdf = updatePdf(signed, { 7: kid(' /V 8 0 R /AP << /N 9 0 R >>'), 8: SIG, 9: APPEARANCE });
    expect(judge(pdf).allowed).toEqual([
      [7, F, 'signature_field_filled', 'form_filling', 'approvals.utility'],
      [8, F, 'signature_dictionary', 'form_filling', 'approvals.utility'],
      [9, F, 'signature_appearance', 'form_filling', null],
    ]);
  });
});

describe("fill_existing_signature_field: the widget's earlier appearance", () => {
  const EMPTY_AP = stream('/Type /XObject /Subtype /Form /BBox [0 0 100 30]', '');
  const withAp = (n: number) => sigField(` /AP << /N ${n} 0 R >>`);
  const signedWith = (n: number) => sigField(` /V 8 0 R /AP << /N ${n} 0 R >>`);

  it('may be rewritten in place when only the widget used it', () => {
    const pdf = updatePdf(base({ 6: withAp(9), 9: EMPTY_AP }), { 6: signedWith(9), 8: SIG, 9: APPEARANCE });
    expect(judge(pdf).allowed).toEqual([
      [6, F, 'signature_field_filled', 'form_filling', 'sig_a'],
      [8, F, 'signature_dictionary', 'form_filling', 'sig_a'],
      [9, F, 'signature_appearance', 'form_filling', null],
    ]);
  });

  it('may not be rewritten when the page shows the same object', () => {
    const pdf = updatePdf(base({ 3: page('/Annots [6 0 R]', ' /Resources << /XObject << /Fm0 9 0 R >> >>'), 6: withAp(9), 9: EMPTY_AP }), { 6: signedWith(9), 8: SIG, 9: APPEARANCE });
    expect(judge(pdf)).toEqual({
      allowed: [
        [6, F, 'signature_field_filled', 'form_filling', 'sig_a'],
        [8, F, 'signature_dictionary', 'form_filling', 'sig_a'],
      ],
      disallowed: [[9, 'xobject']],
    });
  });

  it('an object nothing used may be reused for the new appearance; the page content may not', () => {
    const orphan = updatePdf(base({ 20: EMPTY_AP }), { 6: signedWith(20), 8: SIG, 20: APPEARANCE });
    expect(judge(orphan).allowed.map((r) => [r[0], r[2]])).toEqual([[6, 'signature_field_filled'], [8, 'signature_dictionary'], [20, 'signature_appearance']]);
    const content = updatePdf(base(), { 5: APPEARANCE, 6: signedWith(5), 8: SIG });
    expect(judge(content)).toEqual({
      allowed: [
        [6, F, 'signature_field_filled', 'form_filling', 'sig_a'],
        [8, F, 'signature_dictionary', 'form_filling', 'sig_a'],
      ],
      disallowed: [[5, 'page_content']],
    });
  });
});

// A new field and widget in one dictionary (object 10) holding a new signature dictionary (11),
// listed in the AcroForm (4) and on the page (3).
const newField = (opts: { rect?: string; ap?: string; extra?: string; t?: string } = {}) =>
  `<< /FT /Sig /T (${opts.t ?? 'witness'}) /Type /Annot /Subtype /Widget /Rect ${opts.rect ?? '[10 50 110 80]'} /P 3 0 R /V 11 0 R${opts.ap === undefined ? ' /AP << /N 12 0 R >>' : opts.ap}${opts.extra ?? ''} >>`;
const listed: Objs = { 3: page('/Annots [6 0 R 10 0 R]'), 4: acroForm('[6 0 R 10 0 R]') };

describe('new_signature_field and document_timestamp_field', () => {
  it('a signature in a new visible field: field, signature, its /Reference, appearance, /Fields and /Annots', () => {
    const pdf = updatePdf(base(), { ...listed, 10: newField(), 11: SIG.replace('>>', ' /Reference [13 0 R] >>'), 12: APPEARANCE, 13: '<< /Type /SigRef /TransformMethod /DocMDP >>' });
    expect(judge(pdf)).toEqual({
      allowed: [
        [3, PAA, 'page_annotations_appended', 'form_filling', null],
        [4, AFE, 'acroform_signature_entries', 'form_filling', null],
        [10, NSF, 'new_signature_field', 'form_filling', 'witness'],
        [11, NSF, 'signature_dictionary', 'form_filling', 'witness'],
        [12, NSF, 'signature_appearance', 'form_filling', null],
        [13, NSF, 'signature_dictionary_part', 'form_filling', null],
      ],
      disallowed: [],
    });
  });

  it('a document timestamp in a new zero-area field without appearance is an LTA update', () => {
    const pdf = updatePdf(base(), { ...listed, 10: newField({ rect: '[0 0 0 0]', ap: '', t: 'ts' }), 11: TIMESTAMP });
    expect(judge(pdf)).toEqual({
      allowed: [
        [3, PAA, 'page_annotations_appended', 'lta_updates', null],
        [4, AFE, 'acroform_signature_entries', 'lta_updates', null],
        [10, DTS, 'document_timestamp_field', 'lta_updates', 'ts'],
        [11, DTS, 'signature_dictionary', 'lta_updates', 'ts'],
      ],
      disallowed: [],
    });
  });

  it('a document timestamp may carry an appearance whose only stream is blank', () => {
    const pdf = updatePdf(base(), { ...listed, 10: newField({ rect: '[0 0 0 0]' }), 11: TIMESTAMP, 12: stream('/Type /XObject /Subtype /Form /BBox [0 0 0 0]', ' \n ') });
    expect(judge(pdf).allowed.map((r) => [r[0], r[2], r[3]])).toEqual([
      [3, 'page_annotations_appended', 'lta_updates'],
      [4, 'acroform_signature_entries', 'lta_updates'],
      [10, 'document_timestamp_field', 'lta_updates'],
      [11, 'signature_dictionary', 'lta_updates'],
      [12, 'signature_appearance', 'lta_updates'],
    ]);
  });

  const refused = { allowed: [], disallowed: [[3, 'annotation'], [4, 'acroform'], [10, 'timestamp_visible_field'], [11, 'new_object']] };
  it.each<[string, string, string, Objs]>([
    ['a visible widget', '[10 50 110 80]', '', {}],
    ['an appearance that draws', '[0 0 0 0]', ' /AP << /N 12 0 R >>', { 12: APPEARANCE }],
    ['a down appearance besides the blank one', '[0 0 0 0]', ' /AP << /N 12 0 R /D 12 0 R >>', { 12: stream('', '') }],
    ['appearance states instead of a stream', '[0 0 0 0]', ' /AP << /N << /On 12 0 R >> >>', { 12: stream('', '') }],
    ['an appearance that is a dictionary, not a stream', '[0 0 0 0]', ' /AP << /N 12 0 R >>', { 12: '<< /BBox [0 0 0 0] >>' }],
    ['an appearance that is not a dictionary', '[0 0 0 0]', ' /AP 7', {}],
  ])('a document timestamp with %s is refused', (_name, rect, ap, more) => {
    const pdf = updatePdf(base(), { ...listed, 10: newField({ rect, ap, t: 'ts' }), 11: TIMESTAMP, ...more });
    const r = judge(pdf);
    expect({ allowed: r.allowed, disallowed: r.disallowed.filter(([n]) => n !== 12) }).toEqual(refused);
  });

  it('a document timestamp may not borrow a blank stream the signed revision already held', () => {
    const pdf = updatePdf(base({ 20: stream('', '') }), { ...listed, 10: newField({ rect: '[0 0 0 0]', ap: ' /AP << /N 20 0 R >>', t: 'ts' }), 11: TIMESTAMP });
    expect(judge(pdf)).toEqual(refused);
  });

  it.each<[string, string]>([
    ['a kid of an existing field (/Parent)', newField({ extra: ' /Parent 6 0 R' })],
    ['not a signature field', newField().replace('/FT /Sig', '/FT /Tx')],
    ['not a widget', newField().replace('/Subtype /Widget', '/Subtype /Square')],
    ['without a value (/V)', newField().replace(' /V 11 0 R', '')],
  ])('a new field that is %s is not a new signature field', (_name, body) => {
    const pdf = updatePdf(base(), { ...listed, 10: body, 11: SIG, 12: APPEARANCE });
    expect(judge(pdf).allowed).toEqual([]);
  });

  it('a new field whose /V is a signature the signed revision already held is not a new signature', () => {
    const pdf = updatePdf(base({ 11: SIG }), { ...listed, 10: newField(), 12: APPEARANCE });
    expect(judge(pdf).allowed).toEqual([]);
  });

  it('a new field whose /V is no object is not a new signature', () => {
    const pdf = updatePdf(base(), { ...listed, 10: newField().replace('/V 11 0 R', '/V (x)'), 12: APPEARANCE });
    expect(judge(pdf).allowed).toEqual([]);
  });
});

describe('acroform_signature_entries', () => {
  it.each([
    ['/SigFlags', ' /SigFlags 3'],
    ['/DA', ' /DA (/Helv 0 Tf 0 g)'],
    ['/DR', ' /DR << /Font << /Helv << /Type /Font /Subtype /Type1 /BaseFont /Helvetica >> >> >>'],
  ])('the AcroForm gaining %s is an LTA update', (_k, extra) => {
    const pdf = updatePdf(base(), { 4: acroForm('[6 0 R]', extra) });
    expect(judge(pdf)).toEqual({ allowed: [[4, AFE, 'acroform_signature_entries', 'lta_updates', null]], disallowed: [] });
  });

  it('any other AcroForm entry is a disallowed change', () => {
    const pdf = updatePdf(base(), { 4: acroForm('[6 0 R]', ' /SigFlags 3 /NeedAppearances true') });
    expect(judge(pdf)).toEqual({ allowed: [], disallowed: [[4, 'acroform']] });
    expect(claimsOf(pdf, AFE)).toEqual([]);
  });

  it('/Fields may only gain new signature fields', () => {
    const text = '<< /FT /Tx /T (amount) /Type /Annot /Subtype /Widget /Rect [10 50 110 80] /P 3 0 R /V (1000) >>';
    const pdf = updatePdf(base(), { 4: acroForm('[6 0 R 10 0 R]'), 10: text });
    expect(judge(pdf)).toEqual({ allowed: [], disallowed: [[4, 'acroform'], [10, 'new_visible_field']] });
  });

  it('only /Fields may list the new fields: another array of the AcroForm (/CO) may not', () => {
    const pdf = updatePdf(base(), { ...listed, 4: acroForm('[6 0 R 10 0 R]', ' /CO [10 0 R]'), 10: newField(), 11: SIG, 12: APPEARANCE });
    expect(judge(pdf).disallowed).toEqual([[4, 'acroform']]);
  });

  it('an AcroForm that drops /Fields, or whose signed /Fields named no object, is disallowed', () => {
    expect(judge(updatePdf(base(), { 4: '<< /SigFlags 3 >>' }))).toEqual({ allowed: [], disallowed: [[4, 'acroform']] });
    const dangling = updatePdf(base({ 4: acroForm('9 0 R') }), { ...listed, 10: newField(), 11: SIG, 12: APPEARANCE });
    expect(judge(dangling).disallowed).toEqual([[4, 'acroform']]);
  });

  it('/Fields may not drop or reorder the signed fields', () => {
    const pdf = updatePdf(base(), { 3: page('/Annots [6 0 R 10 0 R]'), 4: acroForm('[10 0 R]'), 10: newField(), 11: SIG, 12: APPEARANCE });
    expect(judge(pdf).disallowed).toEqual([[4, 'acroform']]);
  });

  it('a new AcroForm object in place of the signed one is not an update of it', () => {
    const pdf = updatePdf(base(), { 1: CATALOG.replace('4 0 R', '14 0 R'), 14: acroForm('[6 0 R]', ' /SigFlags 3') });
    expect(judge(pdf)).toEqual({ allowed: [], disallowed: [[1, 'catalog_changed'], [14, 'new_object']] });
  });

  it('an AcroForm rewritten as something that is not a dictionary is disallowed', () => {
    const pdf = updatePdf(base(), { 4: '[6 0 R]' });
    expect(judge(pdf)).toEqual({ allowed: [], disallowed: [[4, 'acroform']] });
  });
});

describe('catalog_entries: an AcroForm inside the catalog', () => {
  const inline = (fields: string, extra = '') => `<< /Type /Catalog /Pages 2 0 R /AcroForm << /Fields ${fields}${extra} >> >>`;
  const signed = () => base({ 1: inline('[6 0 R]'), 4: undefined });

  it('gaining /SigFlags is an LTA update of the catalog', () => {
    const pdf = updatePdf(signed(), { 1: inline('[6 0 R]', ' /SigFlags 3') });
    expect(judge(pdf)).toEqual({ allowed: [[1, CAT, 'catalog_entries', 'lta_updates', null]], disallowed: [] });
    expect(allowedDetails(pdf)).toEqual([[1, 'changed AcroForm']]);
  });

  it('listing a new signature field is form filling, a new document timestamp an LTA update', () => {
    const sig = updatePdf(signed(), { 1: inline('[6 0 R 10 0 R]', ' /SigFlags 3'), 3: listed[3], 10: newField(), 11: SIG, 12: APPEARANCE });
    expect(judge(sig).allowed.map((r) => [r[0], r[2], r[3]])).toEqual([
      [1, 'catalog_entries', 'form_filling'],
      [3, 'page_annotations_appended', 'form_filling'],
      [10, 'new_signature_field', 'form_filling'],
      [11, 'signature_dictionary', 'form_filling'],
      [12, 'signature_appearance', 'form_filling'],
    ]);
    const ts = updatePdf(signed(), { 1: inline('[6 0 R 10 0 R]'), 3: listed[3], 10: newField({ rect: '[0 0 0 0]', ap: '' }), 11: TIMESTAMP });
    expect(judge(ts).allowed.map((r) => [r[0], r[3]])).toEqual([[1, 'lta_updates'], [3, 'lta_updates'], [10, 'lta_updates'], [11, 'lta_updates']]);
  });

  it('any other AcroForm entry, or an AcroForm moved out of the catalog, is a catalog change', () => {
    const other = updatePdf(signed(), { 1: inline('[6 0 R]', ' /NeedAppearances true') });
    expect(judge(other)).toEqual({ allowed: [], disallowed: [[1, 'catalog_changed']] });
    expect([claimsOf(other, CAT), claimsOf(other, AFE)]).toEqual([[], []]);
    const beside = updatePdf(signed(), { 1: inline('[6 0 R]').replace('>> >>', '>> /OpenAction [3 0 R /Fit] >>') });
    expect(judge(beside)).toEqual({ allowed: [], disallowed: [[1, 'catalog_changed']] });
    const moved = updatePdf(signed(), { 1: CATALOG.replace('4 0 R', '14 0 R'), 14: acroForm('[6 0 R]') });
    expect(judge(moved)).toEqual({ allowed: [], disallowed: [[1, 'catalog_changed'], [14, 'new_object']] });
  });
});

describe('page_annotations_appended and new_annotation', () => {
  it('a page gaining a FreeText annotation: the page at level annotations, the annotation with its appearance and popup', () => {
    const pdf = updatePdf(base(), {
      3: page('/Annots [6 0 R 10 0 R]'),
      10: FREETEXT.replace('>>', ' /AP << /N 12 0 R >> /Popup 13 0 R >>'),
      12: APPEARANCE,
      13: '<< /Type /Annot /Subtype /Popup /Parent 10 0 R /Rect [0 0 0 0] >>',
    });
    expect(judge(pdf)).toEqual({
      allowed: [
        [3, PAA, 'page_annotations_appended', 'annotations', null],
        [10, NA, 'annotation', 'annotations', null],
        [12, NA, 'annotation_appearance', 'annotations', null],
        [13, NA, 'annotation_popup', 'annotations', null],
      ],
      disallowed: [],
    });
    expect(allowedDetails(pdf)).toEqual([[3, undefined], [10, 'new FreeText annotation'], [12, undefined], [13, undefined]]);
  });

  it('a page without /Annots may gain them', () => {
    const pdf = updatePdf(base({ 3: page(''), 4: acroForm('[]') }), { 3: page('/Annots [10 0 R]'), 10: FREETEXT });
    expect(judge(pdf).allowed).toEqual([
      [3, PAA, 'page_annotations_appended', 'annotations', null],
      [10, NA, 'annotation', 'annotations', null],
    ]);
  });

  it('the page takes the highest level among what it gains, in either order', () => {
    const both = (annots: string) => updatePdf(base(), { 3: page(annots), 4: acroForm('[6 0 R 10 0 R]'), 10: newField(), 11: SIG, 12: APPEARANCE, 14: FREETEXT });
    expect(judge(both('/Annots [6 0 R 14 0 R 10 0 R]')).allowed[0]).toEqual([3, PAA, 'page_annotations_appended', 'annotations', null]);
    expect(judge(both('/Annots [6 0 R 10 0 R 14 0 R]')).allowed[0]).toEqual([3, PAA, 'page_annotations_appended', 'annotations', null]);
  });

  it('an indirect /Annots array may grow in place, even on a page deep in the page tree', () => {
    const signed = base({ 2: '<< /Type /Pages /Kids [15 0 R] /Count 1 >>', 15: '<< /Type /Pages /Parent 2 0 R /Kids [3 0 R] /Count 1 >>', 3: page('/Annots 14 0 R'), 14: '[6 0 R]' });
    const pdf = updatePdf(signed, { 14: '[6 0 R 10 0 R]', 10: FREETEXT });
    expect(judge(pdf)).toEqual({ allowed: [[10, NA, 'annotation', 'annotations', null], [14, PAA, 'page_annotations_appended', 'annotations', null]], disallowed: [] });
  });

  it('an indirect /Annots array of a page without /Type, rewritten with the page, may grow', () => {
    const typeless = page('/Annots 14 0 R').replace('/Type /Page ', '');
    const pdf = updatePdf(base({ 3: typeless, 14: '[6 0 R]' }), { 3: typeless, 14: '[6 0 R 10 0 R]', 10: FREETEXT });
    expect(judge(pdf)).toEqual({
      allowed: [[3, 'identical_rewrite', 'identical_rewrite', 'none', null], [10, NA, 'annotation', 'annotations', null], [14, PAA, 'page_annotations_appended', 'annotations', null]],
      disallowed: [],
    });
  });

  it('an array that is no page /Annots may not grow, whatever it gains', () => {
    const signed = base({ 2: '<< /Type /Pages /Kids 15 0 R /Count 1 >>', 15: '[3 0 R]', 3: page('/Annots 14 0 R'), 14: '[6 0 R]' });
    const pdf = updatePdf(signed, { 3: page('/Annots 14 0 R'), 15: '[3 0 R 10 0 R]', 10: FREETEXT });
    expect(judge(pdf)).toEqual({
      allowed: [[3, 'identical_rewrite', 'identical_rewrite', 'none', null], [10, NA, 'annotation', 'annotations', null]],
      disallowed: [[15, 'object_changed']],
    });
  });

  it('an array may not grow in a document whose pages have no /Annots at all', () => {
    const pdf = updatePdf(base({ 3: page(''), 4: acroForm('[]'), 14: '[1 2]' }), { 14: '[1 2 10 0 R]', 10: FREETEXT });
    expect(judge(pdf)).toEqual({ allowed: [[10, NA, 'annotation', 'annotations', null]], disallowed: [[14, 'object_changed']] });
  });

  it('/Annots turned from an indirect array into a longer direct one', () => {
    const pdf = updatePdf(base({ 3: page('/Annots 14 0 R'), 14: '[6 0 R]' }), { 3: page('/Annots [6 0 R 10 0 R]'), 10: FREETEXT });
    // The rule accepts the page; the verdict still refuses it for pointing straight at a signed widget.
    expect(claimsOf(pdf, PAA)).toEqual([{ num: 3, what: 'page_annotations_appended', level: 'annotations' }]);
    expect(judge(pdf).disallowed).toEqual([[3, 'reference_to_signed_object']]);
  });

  it('/Annots pointed at a new longer array: the page is explained, the new array object is not', () => {
    const pdf = updatePdf(base(), { 3: page('/Annots 14 0 R'), 14: '[6 0 R 10 0 R]', 10: FREETEXT });
    expect(judge(pdf)).toEqual({ allowed: [[3, PAA, 'page_annotations_appended', 'annotations', null], [10, NA, 'annotation', 'annotations', null]], disallowed: [[14, 'new_object']] });
  });

  it.each([
    ['drops a signed annotation for new ones', '/Annots [10 0 R 14 0 R]', { 10: FREETEXT, 14: FREETEXT }],
    ['was no array before', '/Annots [10 0 R]', { 10: FREETEXT }, page('/Annots 7')],
    ['is no array now', '/Annots 10 0 R', { 10: FREETEXT }],
    ['puts a new annotation before the signed ones', '/Annots [10 0 R 6 0 R]', { 10: FREETEXT }],
    ['gains nothing new but lists the same widget twice', '/Annots [6 0 R 6 0 R]', {}],
    ['gains a direct annotation dictionary', `/Annots [6 0 R ${FREETEXT}]`, {}],
    ['gains an object the signed revision already held', '/Annots [6 0 R 20 0 R]', {}],
  ])('a page whose /Annots %s is a disallowed annotation change', (_name, annots, more, signedPage?: string) => {
    const pdf = updatePdf(base({ 20: FREETEXT, ...(signedPage ? { 3: signedPage } : {}) }), { 3: page(annots), ...more });
    expect(judge(pdf).disallowed[0]).toEqual([3, 'annotation']);
  });

  it('a page that gains annotations and anything else is a disallowed page change', () => {
    const pdf = updatePdf(base(), { 3: page('/Annots [6 0 R 10 0 R]', ' /Rotate 90'), 10: FREETEXT });
    expect(judge(pdf)).toEqual({ allowed: [[10, NA, 'annotation', 'annotations', null]], disallowed: [[3, 'annotation']] });
  });

  it('an indirect /Annots array written again unchanged is an identical rewrite, nothing appended', () => {
    const pdf = updatePdf(base({ 3: page('/Annots 14 0 R'), 14: '[6 0 R]' }), { 14: '[6 0 R]' });
    expect(judge(pdf)).toEqual({ allowed: [[14, 'identical_rewrite', 'identical_rewrite', 'none', null]], disallowed: [] });
  });

  it('/Annots made direct with the same items appends nothing', () => {
    const pdf = updatePdf(base({ 3: page('/Annots 14 0 R'), 14: '[6 0 R]' }), { 3: page('/Annots [6 0 R]') });
    expect(claimsOf(pdf, PAA)).toEqual([]);
  });

  it('annotations on a page tree node are not on a page', () => {
    const direct = updatePdf(base(), { 2: PAGES.replace('>>', '/Annots [10 0 R] >>'), 10: FREETEXT });
    expect(judge(direct)).toEqual({ allowed: [[10, NA, 'annotation', 'annotations', null]], disallowed: [[2, 'page_tree']] });
    const indirect = updatePdf(base({ 2: PAGES.replace('>>', '/Annots 16 0 R >>'), 16: '[]' }), { 16: '[10 0 R]', 10: FREETEXT });
    expect(judge(indirect)).toEqual({ allowed: [[10, NA, 'annotation', 'annotations', null]], disallowed: [[16, 'object_changed']] });
  });

  it('a page tree that loops or names a missing kid is still searched', () => {
    const signed = base({ 2: '<< /Type /Pages /Kids [99 0 R 2 0 R 3 0 R] /Count 1 >>', 3: page('/Annots 14 0 R'), 14: '[6 0 R]' });
    const pdf = updatePdf(signed, { 14: '[6 0 R 10 0 R]', 10: FREETEXT });
    expect(judge(pdf).allowed).toEqual([[10, NA, 'annotation', 'annotations', null], [14, PAA, 'page_annotations_appended', 'annotations', null]]);
  });

  it('a page more than 64 levels down the page tree is not searched for', () => {
    const tree = (levels: number): Objs => {
      const o: Objs = { 2: '<< /Type /Pages /Kids [40 0 R] /Count 1 >>' };
      for (let i = 0; i < levels; i++) o[40 + i] = `<< /Type /Pages /Kids [${i === levels - 1 ? 3 : 41 + i} 0 R] /Count 1 >>`;
      return o;
    };
    const grows = (levels: number) => {
      const pdf = updatePdf(base({ ...tree(levels), 3: page('/Annots 14 0 R'), 14: '[6 0 R]' }), { 14: '[6 0 R 10 0 R]', 10: FREETEXT });
      return judge(pdf).disallowed;
    };
    expect([grows(63), grows(64)]).toEqual([[], [[14, 'object_changed']]]);
  });

  it('an annotation the signed revision showed may not be rewritten', () => {
    const prev = base({ 3: page('/Annots [6 0 R 10 0 R]'), 10: FREETEXT });
    expect(judge(updatePdf(prev, { 10: FREETEXT.replace('(reviewed)', '(rejected)') }))).toEqual({ allowed: [], disallowed: [[10, 'annotation']] });
  });

  it("a new annotation's appearance may reuse an object nothing used, not one the page uses", () => {
    const orphan = updatePdf(base({ 20: stream('', '') }), { 3: page('/Annots [6 0 R 10 0 R]'), 10: FREETEXT.replace('>>', ' /AP << /N 20 0 R >> >>'), 20: APPEARANCE });
    expect(judge(orphan).allowed).toEqual([
      [3, PAA, 'page_annotations_appended', 'annotations', null],
      [10, NA, 'annotation', 'annotations', null],
      [20, NA, 'annotation_appearance', 'annotations', null],
    ]);
    const used = updatePdf(base(), { 3: page('/Annots [6 0 R 10 0 R]'), 5: APPEARANCE, 10: FREETEXT.replace('>>', ' /AP << /N 5 0 R >> >>') });
    expect(judge(used)).toEqual({
      allowed: [[3, PAA, 'page_annotations_appended', 'annotations', null], [10, NA, 'annotation', 'annotations', null]],
      disallowed: [[5, 'page_content']],
    });
  });

  it('an indirect /Annots array may not shrink', () => {
    const pdf = updatePdf(base({ 3: page('/Annots 14 0 R'), 14: '[6 0 R]' }), { 14: '[]' });
    expect(judge(pdf)).toEqual({ allowed: [], disallowed: [[14, 'annotation']] });
  });

  it.each(['Text', 'Link', 'FreeText', 'Line', 'Square', 'Circle', 'Polygon', 'PolyLine', 'Highlight', 'Underline', 'Squiggly', 'StrikeOut', 'Stamp', 'Caret', 'Ink', 'Popup', 'FileAttachment', 'Redact'])(
    'a new /%s annotation is allowed at level annotations',
    (subtype) => {
      const pdf = updatePdf(base(), { 3: page('/Annots [6 0 R 10 0 R]'), 10: `<< /Type /Annot /Subtype /${subtype} /Rect [20 150 180 180] >>` });
      expect(judge(pdf).allowed).toEqual([[3, PAA, 'page_annotations_appended', 'annotations', null], [10, NA, 'annotation', 'annotations', null]]);
      expect(allowedDetails(pdf)[1]).toEqual([10, `new ${subtype} annotation`]);
    },
  );

  it.each([
    ['a widget', '<< /Type /Annot /Subtype /Widget /Rect [20 150 180 180] >>', 'annotation'],
    ['a form field', '<< /Type /Annot /Subtype /Square /FT /Btn /Rect [20 150 180 180] >>', 'new_visible_field'],
    ['a stream', stream('/Type /Annot /Subtype /Square /Rect [20 150 180 180]', ''), 'annotation'],
    ['without a subtype', '<< /Type /Annot /Rect [20 150 180 180] >>', 'annotation'],
    ['of an unknown subtype', '<< /Type /Annot /Subtype /Movie /Rect [20 150 180 180] >>', 'annotation'],
  ])('a new annotation that is %s is not a new_annotation', (_name, body, what) => {
    const pdf = updatePdf(base(), { 3: page('/Annots [6 0 R 10 0 R]'), 10: body });
    expect(judge(pdf)).toEqual({ allowed: [], disallowed: [[3, 'annotation'], [10, what]] });
  });
});

describe('dss', () => {
  const CERT = stream('', '0\x82cert');
  const withDss = (dss: string) => CATALOG.replace('>>', `/DSS ${dss} >>`);

  it('a new DSS with direct arrays of new streams', () => {
    const pdf = updatePdf(base(), { 1: withDss('20 0 R'), 20: '<< /Certs [21 0 R] /OCSPs [22 0 R] /CRLs [23 0 R] >>', 21: CERT, 22: stream('', 'ocsp'), 23: stream('', 'crl') });
    expect(judge(pdf)).toEqual({
      allowed: [
        [1, CAT, 'catalog_entries', 'lta_updates', null],
        [20, 'dss', 'dss', 'lta_updates', null],
        [21, 'dss', 'dss_data', 'lta_updates', null],
        [22, 'dss', 'dss_data', 'lta_updates', null],
        [23, 'dss', 'dss_data', 'lta_updates', null],
      ],
      disallowed: [],
    });
    expect(allowedDetails(pdf)[0]).toEqual([1, 'changed DSS']);
    // The DSS dictionary is also the root of its data walk; the verdict keeps the first claim.
    expect(claimsOf(pdf, 'dss')).toEqual([
      { num: 20, what: 'dss' },
      { num: 20, what: 'dss_data' },
      { num: 21, what: 'dss_data' },
      { num: 22, what: 'dss_data' },
      { num: 23, what: 'dss_data' },
    ]);
  });

  it('a DSS naming an object that does not exist is still the DSS', () => {
    const pdf = updatePdf(base(), { 1: withDss('20 0 R'), 20: '<< /Certs [21 0 R 99 0 R] >>', 21: CERT });
    expect(judge(pdf)).toEqual({
      allowed: [[1, CAT, 'catalog_entries', 'lta_updates', null], [20, 'dss', 'dss', 'lta_updates', null], [21, 'dss', 'dss_data', 'lta_updates', null]],
      disallowed: [],
    });
  });

  it('a DSS written directly in the catalog', () => {
    const pdf = updatePdf(base(), { 1: withDss('<< /Certs [21 0 R] >>'), 21: CERT });
    expect(judge(pdf).allowed).toEqual([[1, CAT, 'catalog_entries', 'lta_updates', null], [21, 'dss', 'dss_data', 'lta_updates', null]]);
  });

  it("the signed revision's indirect arrays and /VRI may grow in place", () => {
    const signed = base({ 1: withDss('20 0 R'), 20: '<< /Certs 24 0 R /VRI 25 0 R >>', 24: '[21 0 R]', 25: '<< >>', 21: CERT });
    const pdf = updatePdf(signed, { 24: '[21 0 R 26 0 R]', 25: '<< /ABCD 27 0 R >>', 26: CERT, 27: '<< /Cert [26 0 R] >>' });
    expect(judge(pdf)).toEqual({
      allowed: [
        [24, 'dss', 'dss_data', 'lta_updates', null],
        [25, 'dss', 'dss_data', 'lta_updates', null],
        [26, 'dss', 'dss_data', 'lta_updates', null],
        [27, 'dss', 'dss_data', 'lta_updates', null],
      ],
      disallowed: [],
    });
  });

  it('the DSS dictionary itself may be rewritten', () => {
    const signed = base({ 1: withDss('20 0 R'), 20: '<< /Certs [21 0 R] >>', 21: CERT });
    const pdf = updatePdf(signed, { 20: '<< /Certs [21 0 R] /OCSPs [22 0 R] >>', 22: stream('', 'ocsp') });
    expect(judge(pdf).allowed).toEqual([[20, 'dss', 'dss', 'lta_updates', null], [22, 'dss', 'dss_data', 'lta_updates', null]]);
  });

  it('a certificate the signed DSS held may not be rewritten', () => {
    const signed = base({ 1: withDss('20 0 R'), 20: '<< /Certs [21 0 R] >>', 21: CERT });
    expect(judge(updatePdf(signed, { 21: stream('', 'other') }))).toEqual({ allowed: [], disallowed: [[21, 'object_changed']] });
  });

  it('a certificate stream of the signed DSS rewritten as a dictionary, or a /VRI dictionary as a stream, is not DSS data', () => {
    const signed = base({ 1: withDss('20 0 R'), 20: '<< /Certs [21 0 R] /VRI 25 0 R >>', 21: CERT, 25: '<< >>' });
    expect(judge(updatePdf(signed, { 21: '<< /Certs [] >>' }))).toEqual({ allowed: [], disallowed: [[21, 'object_changed']] });
    expect(judge(updatePdf(signed, { 25: stream('', '') }))).toEqual({ allowed: [], disallowed: [[25, 'object_changed']] });
  });

  it('an object nothing used may not be pulled into the DSS by rewriting it', () => {
    const signed = base({ 1: withDss('20 0 R'), 20: '<< /Certs [21 0 R] >>', 21: CERT, 30: '<< >>' });
    const pdf = updatePdf(signed, { 20: '<< /Certs [21 0 R] /VRI 30 0 R >>', 30: '<< /ABCD << >> >>' });
    expect(judge(pdf)).toEqual({ allowed: [[20, 'dss', 'dss', 'lta_updates', null]], disallowed: [[30, 'object_changed']] });
  });

  it('a DSS that is a stream is not the DSS dictionary', () => {
    const pdf = updatePdf(base(), { 1: withDss('20 0 R'), 20: stream('/Certs [21 0 R]', ''), 21: CERT });
    // Not the DSS dictionary, but as a new object under /DSS it counts only as DSS data.
    expect(judge(pdf)).toEqual({
      allowed: [[1, CAT, 'catalog_entries', 'lta_updates', null], [20, 'dss', 'dss_data', 'lta_updates', null], [21, 'dss', 'dss_data', 'lta_updates', null]],
      disallowed: [],
    });
  });

  it('/DSS pointed at the page may not rewrite the page', () => {
    const pdf = updatePdf(base(), { 1: withDss('3 0 R'), 3: page('/Annots [6 0 R]', ' /Certs [21 0 R]'), 21: CERT });
    expect(judge(pdf)).toEqual({ allowed: [[1, CAT, 'catalog_entries', 'lta_updates', null]], disallowed: [[3, 'page'], [21, 'new_object']] });
  });

  it('a DSS array that is also the page /Annots may not grow', () => {
    const signed = base({ 1: withDss('20 0 R'), 20: '<< /Certs 14 0 R >>', 3: page('/Annots 14 0 R'), 14: '[6 0 R]' });
    const pdf = updatePdf(signed, { 14: '[6 0 R 26 0 R]', 26: CERT });
    expect(judge(pdf)).toEqual({ allowed: [], disallowed: [[14, 'annotation'], [26, 'new_object']] });
  });
});

describe('catalog_entries', () => {
  it.each<[string, string, Objs, string]>([
    ['/Version as a name', '/Version /2.0', {}, 'changed Version'],
    ['/Extensions as a direct dictionary', '/Extensions << /ADBE << /BaseVersion /1.7 /ExtensionLevel 8 >> >>', {}, 'changed Extensions'],
    ['/Version and /Extensions together', '/Version /2.0 /Extensions << >>', {}, 'changed Version, Extensions'],
  ])('%s is an LTA update', (_name, entries, more, detail) => {
    const pdf = updatePdf(base(), { 1: CATALOG.replace('>>', `${entries} >>`), ...more });
    expect(judge(pdf)).toEqual({ allowed: [[1, CAT, 'catalog_entries', 'lta_updates', null]], disallowed: [] });
    expect(allowedDetails(pdf)).toEqual([[1, detail]]);
  });

  it('/Extensions in a new object: the object is part of the catalog update', () => {
    const pdf = updatePdf(base(), { 1: CATALOG.replace('>>', '/Extensions 30 0 R >>'), 30: '<< /ADBE 31 0 R >>', 31: '<< /BaseVersion /1.7 /ExtensionLevel 8 >>' });
    expect(judge(pdf).allowed).toEqual([
      [1, CAT, 'catalog_entries', 'lta_updates', null],
      [30, CAT, 'catalog_extensions', 'lta_updates', null],
      [31, CAT, 'catalog_extensions', 'lta_updates', null],
    ]);
  });

  it.each([
    ['/Version as a number', '/Version 2.0'],
    ['/Extensions that is no dictionary', '/Extensions 8'],
    ['an /OpenAction', '/OpenAction [3 0 R /Fit]'],
  ])('%s is a disallowed catalog change', (_name, entries) => {
    const pdf = updatePdf(base(), { 1: CATALOG.replace('>>', `${entries} >>`) });
    expect(judge(pdf)).toEqual({ allowed: [], disallowed: [[1, 'catalog_changed']] });
    expect(claimsOf(pdf, CAT)).toEqual([]);
  });

  it('beside a /Version name and /Extensions the catalog already had, another entry is still a catalog change', () => {
    const signed = base({ 1: CATALOG.replace('>>', '/Version /1.7 /Extensions << /ADBE << /BaseVersion /1.7 /ExtensionLevel 8 >> >> >>') });
    const pdf = updatePdf(signed, { 1: CATALOG.replace('>>', '/Version /1.7 /Extensions << /ADBE << /BaseVersion /1.7 /ExtensionLevel 8 >> >> /OpenAction [3 0 R /Fit] >>') });
    expect(judge(pdf)).toEqual({ allowed: [], disallowed: [[1, 'catalog_changed']] });
  });

  it('/Version removed is a disallowed catalog change', () => {
    const pdf = updatePdf(base({ 1: CATALOG.replace('>>', '/Version /1.7 >>') }), { 1: CATALOG });
    expect(judge(pdf)).toEqual({ allowed: [], disallowed: [[1, 'catalog_changed']] });
  });

  it('a new catalog object is no update of the catalog', () => {
    const pdf = updatePdf(base(), { 40: CATALOG.replace('>>', '/Version /2.0 >>') }, { trailer: '/Root 40 0 R' });
    expect(judge(pdf)).toEqual({ allowed: [], disallowed: [[40, 'catalog_replaced'], [40, 'new_object']] });
  });
});

describe('document_info', () => {
  const INFO = '<< /Producer (signer) >>';
  const signed = (info = INFO, more: Objs = {}) => base({ 7: info, ...more }, '/Root 1 0 R /Info 7 0 R');
  const update = (prev: Buffer, objs: Objs, info = '/Info 7 0 R') => updatePdf(prev, objs, { trailer: `/Root 1 0 R ${info}` });

  it('rewritten with strings, names, numbers and booleans', () => {
    const pdf = update(signed(), { 7: '<< /Producer (another tool) /ModDate (D:20261201120000Z) /Trapped /False /Pages 1 /Signed true >>' });
    expect(judge(pdf)).toEqual({ allowed: [[7, 'document_info', 'document_info', 'lta_updates', null]], disallowed: [] });
  });

  it('a new /Info object replaces the old one without a trailer complaint', () => {
    const pdf = update(signed(), { 8: '<< /Producer (another tool) >>' }, '/Info 8 0 R');
    expect(judge(pdf)).toEqual({ allowed: [[8, 'document_info', 'document_info', 'lta_updates', null]], disallowed: [] });
  });

  it.each([
    ['an array', '<< /Producer (x) /Keywords [(a)] >>'],
    ['a reference', '<< /Producer (x) /Thumb 3 0 R >>'],
    ['a dictionary', '<< /Producer (x) /Extra << >> >>'],
  ])('an /Info holding %s is not document information', (_name, info) => {
    const pdf = update(signed(), { 7: info });
    expect(judge(pdf)).toEqual({ allowed: [], disallowed: [[7, 'object_changed']] });
    expect(claimsOf(pdf, 'document_info')).toEqual([]);
  });

  it.each([
    ['a stream', stream('/Producer (x)', '')],
    ['an array', '[(x)]'],
  ])('an /Info that is %s is not document information', (_name, info) => {
    expect(judge(update(signed(), { 7: info }))).toEqual({ allowed: [], disallowed: [[7, 'object_changed']] });
  });

  it('/Info pointed at the page does not make the page metadata', () => {
    const pdf = update(signed(), { 3: '<< /Title (blank) >>' }, '/Info 3 0 R');
    expect(judge(pdf)).toEqual({ allowed: [], disallowed: [[3, 'document_info_replaced'], [3, 'page_content']] });
    expect(claimsOf(pdf, 'document_info')).toEqual([]);
  });

  it('an /Info object the catalog also uses may not be rewritten', () => {
    const pdf = update(signed(INFO, { 1: CATALOG.replace('>>', '/PieceInfo 7 0 R >>') }), { 7: '<< /Producer (x) >>' });
    expect(judge(pdf)).toEqual({ allowed: [], disallowed: [[7, 'object_changed']] });
  });

  it('an /Info object the page tree also names may not be rewritten', () => {
    const pdf = update(signed(INFO, { 2: PAGES.replace('>>', '/Info 7 0 R >>') }), { 7: '<< /Producer (x) >>' });
    expect(judge(pdf)).toEqual({ allowed: [], disallowed: [[7, 'object_changed']] });
  });

  it('a signed revision that names a missing object does not stop the rewrite', () => {
    const pdf = update(signed(INFO, { 3: page('/Annots [6 0 R]', ' /Thumb 99 0 R') }), { 7: '<< /Producer (x) >>' });
    expect(judge(pdf)).toEqual({ allowed: [[7, 'document_info', 'document_info', 'lta_updates', null]], disallowed: [] });
  });

  it('rewritten together with the DSS: each judged through its own entry', () => {
    const prev = signed(INFO, { 1: CATALOG.replace('>>', '/DSS 20 0 R >>'), 20: '<< >>' });
    const pdf = update(prev, { 7: '<< /Producer (x) >>', 20: '<< /Certs [] >>' });
    expect(judge(pdf)).toEqual({ allowed: [[7, 'document_info', 'document_info', 'lta_updates', null], [20, 'dss', 'dss', 'lta_updates', null]], disallowed: [] });
  });
});

describe('an object pointed back at its signed version (shadow attack)', () => {
  it('is never explained by the /Info or /Metadata rules', () => {
    const xmp = (text: string) => stream('/Type /Metadata /Subtype /XML', `<x:xmpmeta xmlns:x="adobe:ns:meta/">${text}</x:xmpmeta>`);
    const signed = base({ 1: CATALOG.replace('>>', '/Metadata 8 0 R >>'), 7: '<< /Producer (a) >>', 8: xmp('') }, '/Root 1 0 R /Info 7 0 R');
    const at = (n: number) => signed.indexOf(`\n${n} 0 obj`) + 1;
    const rev1 = updatePdf(signed, { 7: '<< /Producer (b) >>', 8: xmp('signed') }, { trailer: '/Root 1 0 R /Info 7 0 R' });
    const rev2 = updatePdf(rev1, {}, { trailer: '/Root 1 0 R /Info 7 0 R', repoint: [[7, at(7)], [8, at(8)]] });
    expect([claimsOf(rev1, 'document_info'), claimsOf(rev1, 'xmp_metadata')]).toEqual([[{ num: 7, what: 'document_info' }], [{ num: 8, what: 'xmp_metadata' }]]);
    expect([claimsOf(rev2, 'document_info', 2), claimsOf(rev2, 'xmp_metadata', 2)]).toEqual([[], []]);
    expect(judge(rev2, 2)).toEqual({ allowed: [], disallowed: [[7, 'xref_repoint'], [8, 'xref_repoint']] });
  });
});

describe('xmp_metadata', () => {
  const XMP = (text: string) => stream('/Type /Metadata /Subtype /XML', `<?xpacket begin=""?><x:xmpmeta xmlns:x="adobe:ns:meta/">${text}</x:xmpmeta><?xpacket end="w"?>`);
  const signed = () => base({ 1: CATALOG.replace('>>', '/Metadata 8 0 R >>'), 8: XMP('') });

  it('a revision that leaves the metadata stream alone claims nothing of it', () => {
    expect(claimsOf(updatePdf(signed(), { 3: page() }), 'xmp_metadata')).toEqual([]);
  });

  it('the metadata stream rewritten in place', () => {
    expect(judge(updatePdf(signed(), { 8: XMP('signed') }))).toEqual({ allowed: [[8, 'xmp_metadata', 'xmp_metadata', 'lta_updates', null]], disallowed: [] });
  });

  it('a new metadata stream named by the catalog', () => {
    const pdf = updatePdf(base(), { 1: CATALOG.replace('>>', '/Metadata 8 0 R >>'), 8: XMP('') });
    expect(judge(pdf)).toEqual({ allowed: [[1, CAT, 'catalog_entries', 'lta_updates', null], [8, 'xmp_metadata', 'xmp_metadata', 'lta_updates', null]], disallowed: [] });
    expect(allowedDetails(pdf)[0]).toEqual([1, 'changed Metadata']);
  });

  it.each([
    ['without /Type /Metadata', stream('/Subtype /XML', 'x')],
    ['without /Subtype /XML', stream('/Type /Metadata', 'x')],
    ['that is no stream', '<< /Type /Metadata /Subtype /XML >>'],
  ])('a metadata object %s is not XMP', (_name, body) => {
    const pdf = updatePdf(signed(), { 8: body });
    expect(judge(pdf).allowed).toEqual([]);
    expect(claimsOf(pdf, 'xmp_metadata')).toEqual([]);
  });

  it('a metadata stream that is also the page content may not be rewritten', () => {
    const prev = base({ 1: CATALOG.replace('>>', '/Metadata 5 0 R >>') });
    const pdf = updatePdf(prev, { 5: XMP('') });
    expect(judge(pdf)).toEqual({ allowed: [], disallowed: [[5, 'page_content']] });
    expect(claimsOf(pdf, 'xmp_metadata')).toEqual([]);
  });

  it("a metadata stream that is also a page's own /Metadata may not be rewritten", () => {
    const prev = base({ 1: CATALOG.replace('>>', '/Metadata 8 0 R >>'), 3: page('/Annots [6 0 R]', ' /Metadata 8 0 R'), 8: XMP('') });
    expect(judge(updatePdf(prev, { 8: XMP('signed') }))).toEqual({ allowed: [], disallowed: [[8, 'object_changed']] });
  });
});

describe('cross_reference_bookkeeping and identical_rewrite', () => {
  const OBJSTM = stream('/Type /ObjStm /N 0 /First 0', '');

  it('a new object stream container is bookkeeping at level none', () => {
    expect(judge(updatePdf(base(), { 30: OBJSTM }))).toEqual({ allowed: [[30, 'cross_reference_bookkeeping', 'object_stream', 'none', null]], disallowed: [] });
  });

  it('an /ObjStm that is no stream, or one the signed revision held and is rewritten, is not', () => {
    expect(judge(updatePdf(base(), { 30: '<< /Type /ObjStm /N 0 /First 0 >>' }))).toEqual({ allowed: [], disallowed: [[30, 'new_object']] });
    expect(judge(updatePdf(base({ 30: OBJSTM }), { 30: stream('/Type /ObjStm /N 0 /First 1', ' ') }))).toEqual({ allowed: [], disallowed: [[30, 'object_changed']] });
  });

  it('objects written again unchanged, dictionaries and streams', () => {
    expect(judge(updatePdf(base(), { 3: page(), 5: CONTENT }))).toEqual({
      allowed: [[3, 'identical_rewrite', 'identical_rewrite', 'none', null], [5, 'identical_rewrite', 'identical_rewrite', 'none', null]],
      disallowed: [],
    });
  });

  it('a stream with the same dictionary but other data is a content change', () => {
    const other = stream('', 'BT /F1 12 Tf 20 100 Td (No deal) Tj ET');
    expect(judge(updatePdf(base(), { 5: other }))).toEqual({ allowed: [], disallowed: [[5, 'page_content']] });
  });

  it('a dictionary written again as a stream with the same dictionary is no identical rewrite', () => {
    const prev = base({ 30: '<< /Length 0 >>' });
    expect(judge(updatePdf(prev, { 30: '<< /Length 0 >>\nstream\n\nendstream' }))).toEqual({ allowed: [], disallowed: [[30, 'object_changed']] });
  });
});

describe('references the signed revision made to objects that did not exist', () => {
  it('may not be filled later, whatever rule the new object would fit', () => {
    const prev = base({ 3: page('/Annots [6 0 R 30 0 R]') });
    const pdf = updatePdf(prev, { 30: FREETEXT });
    expect(judge(pdf)).toEqual({ allowed: [], disallowed: [[30, 'signed_reference_filled']] });
    const d = diffRevision(new PdfReader(pdf), 1);
    expect([fillsSignedReference(d, 30), fillsSignedReference(d, 31), fillsSignedReference(d, 6)]).toEqual([true, false, false]);
  });
});

describe('how far a rule follows references', () => {
  it('an annotation appearance is followed through 9 levels of new objects, not 10', () => {
    const chain: Objs = {};
    for (let i = 0; i < 10; i++) chain[20 + i] = i < 9 ? `<< /Next ${21 + i} 0 R >>` : '<< >>';
    const pdf = updatePdf(base(), { 3: page('/Annots [6 0 R 10 0 R]'), 10: FREETEXT.replace('>>', ' /AP 20 0 R >>'), ...chain });
    const r = judge(pdf);
    expect(r.allowed.filter((x) => x[2] === 'annotation_appearance').map((x) => x[0])).toEqual([20, 21, 22, 23, 24, 25, 26, 27, 28]);
    expect(r.disallowed).toEqual([[29, 'new_object']]);
  });

  it('not up through /P or /Parent, which name what the object belongs to', () => {
    const ap = stream('/Type /XObject /Subtype /Form /BBox [0 0 1 1] /P 30 0 R /Parent 31 0 R /Resources << /XObject << /Im0 32 0 R >> >>', '');
    const pdf = updatePdf(base(), { ...listed, 10: newField(), 11: SIG, 12: ap, 30: '<< >>', 31: '<< >>', 32: stream('/Subtype /Image /Width 1 /Height 1', 'x') });
    const r = judge(pdf);
    expect(r.allowed.map((x) => [x[0], x[2]])).toEqual([
      [3, 'page_annotations_appended'],
      [4, 'acroform_signature_entries'],
      [10, 'new_signature_field'],
      [11, 'signature_dictionary'],
      [12, 'signature_appearance'],
      [32, 'signature_appearance'],
    ]);
    expect(r.disallowed).toEqual([[30, 'new_object'], [31, 'new_object']]);
  });

  it('a reference loop inside new objects is claimed once', () => {
    const pdf = updatePdf(base(), { 3: page('/Annots [6 0 R 10 0 R]'), 10: FREETEXT.replace('>>', ' /AP << /N 20 0 R /D 20 0 R >> >>'), 20: '<< /Self 20 0 R /Other [21 0 R 20 0 R] >>', 21: '<< /Back 20 0 R >>' });
    expect(judge(pdf).allowed.map((x) => [x[0], x[2]])).toEqual([[3, 'page_annotations_appended'], [10, 'annotation'], [20, 'annotation_appearance'], [21, 'annotation_appearance']]);
    expect(claimsOf(pdf, NA)).toEqual([
      { num: 10, what: 'annotation', detail: 'new FreeText annotation' },
      { num: 20, what: 'annotation_appearance' },
      { num: 21, what: 'annotation_appearance' },
    ]);
  });
});

describe('objects that cannot be read', () => {
  const BROKEN = '<< /A [ >>';
  const allClaims = (pdf: Buffer) => MODIFICATION_POLICY.flatMap((r) => claimsOf(pdf, r.rule));

  it.each<[string, Buffer, Array<[number, string]>]>([
    ['an array written over an unreadable object', updatePdf(base({ 20: BROKEN }), { 20: '[1 2 3]' }), [[20, 'object_changed']]],
    ['an array rewritten unreadable', updatePdf(base({ 20: '[1 2]' }), { 20: BROKEN }), [[20, 'object_changed']]],
    ['a new unreadable object', updatePdf(base(), { 20: BROKEN }), [[20, 'new_object']]],
    ['a new /Info that cannot be read', updatePdf(base(), { 20: BROKEN }, { trailer: '/Root 1 0 R /Info 20 0 R' }), [[20, 'document_info_replaced'], [20, 'new_object']]],
    ['a new /Metadata that cannot be read', updatePdf(base(), { 1: CATALOG.replace('>>', '/Metadata 20 0 R >>'), 20: BROKEN }), [[20, 'new_object']]],
    ['a new /DSS that cannot be read', updatePdf(base(), { 1: CATALOG.replace('>>', '/DSS 20 0 R >>'), 20: BROKEN }), [[20, 'new_object']]],
  ])('%s is claimed by no rule and disallowed', (_name, pdf, disallowed) => {
    expect(allClaims(pdf).filter((c) => c.num === 20)).toEqual([]);
    expect(judge(pdf).disallowed).toEqual(disallowed);
  });

  it('a signature field rewritten unreadable fills nothing', () => {
    const pdf = updatePdf(base(), { 6: BROKEN, 8: SIG });
    expect(claimsOf(pdf, F)).toEqual([]);
    expect(judge(pdf).disallowed).toEqual([[6, 'annotation'], [8, 'new_object']]);
  });

  it('an unreadable object in the signed revision does not stop a new annotation', () => {
    const pdf = updatePdf(base({ 3: page('/Annots [6 0 R]', ' /Thumb 20 0 R'), 20: BROKEN }), { 3: page('/Annots [6 0 R 10 0 R]', ' /Thumb 20 0 R'), 10: FREETEXT });
    expect(judge(pdf)).toEqual({ allowed: [[3, PAA, 'page_annotations_appended', 'annotations', null], [10, NA, 'annotation', 'annotations', null]], disallowed: [] });
  });
});

describe('a revision without a catalog', () => {
  it('gives no rule a catalog, pages or AcroForm to accept anything through', () => {
    const pdf = updatePdf(base({ 20: '[1 2]' }), { 20: '[1 2 3]', 7: '<< >>' }, { trailer: '' });
    expect(MODIFICATION_POLICY.map((r) => [r.rule, claimsOf(pdf, r.rule)])).toEqual(MODIFICATION_POLICY.map((r) => [r.rule, []]));
    expect(judge(pdf).disallowed).toEqual([[null, 'catalog_replaced'], [7, 'new_object'], [20, 'object_changed']]);
  });

  it('a signed revision without one: a catalog given later is refused, whatever it holds', () => {
    const pdf = updatePdf(base({}, ''), { 1: CATALOG.replace('>>', '/DSS 20 0 R >>'), 20: '<< /Certs [] >>' });
    expect(claimsOf(pdf, 'dss')).toEqual([{ num: 20, what: 'dss' }, { num: 20, what: 'dss_data' }]);
    expect(judge(pdf).disallowed).toEqual([[1, 'catalog_replaced']]);
  });
});

describe('what new objects may refer to', () => {
  it("a new appearance may use the signed revision's font, which stays unchanged", () => {
    const font = '<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>';
    const ap = stream('/Type /XObject /Subtype /Form /BBox [0 0 100 30] /Resources << /Font << /F1 30 0 R >> >>', 'BT /F1 9 Tf (ok) Tj ET');
    const pdf = updatePdf(base({ 30: font }), { 3: page('/Annots [6 0 R 10 0 R]'), 10: FREETEXT.replace('>>', ' /AP << /N 12 0 R >> >>'), 12: ap });
    expect(judge(pdf)).toEqual({
      allowed: [[3, PAA, 'page_annotations_appended', 'annotations', null], [10, NA, 'annotation', 'annotations', null], [12, NA, 'annotation_appearance', 'annotations', null]],
      disallowed: [],
    });
  });
});

describe('how far the DSS walk goes', () => {
  const CERT = stream('', '0\x82cert');
  const nested = (n: number, inner: string) => `${'['.repeat(n)}${inner}${']'.repeat(n)}`;
  const dssCatalog = CATALOG.replace('>>', '/DSS 20 0 R >>');

  it('new DSS data is claimed 16 levels down through direct arrays, no deeper', () => {
    const at = (n: number) => judge(updatePdf(base(), { 1: dssCatalog, 20: `<< /Certs ${nested(n, '21 0 R')} >>`, 21: CERT }));
    expect(at(14).allowed.map((r) => [r[0], r[2]])).toEqual([[1, 'catalog_entries'], [20, 'dss'], [21, 'dss_data']]);
    expect(at(15).disallowed).toEqual([[21, 'new_object']]);
  });

  it("an array of the signed DSS grows in place only where the signed DSS had it within 16 levels", () => {
    // The new DSS names the array directly; whether it was DSS data is judged by where the signed DSS held it.
    const at = (n: number) =>
      judge(updatePdf(base({ 1: dssCatalog, 20: `<< /Certs ${nested(n, '30 0 R')} >>`, 30: '[21 0 R]', 21: CERT }), { 20: '<< /Certs 30 0 R >>', 30: '[21 0 R 22 0 R]', 22: CERT }));
    expect(at(14)).toEqual({
      allowed: [[20, 'dss', 'dss', 'lta_updates', null], [22, 'dss', 'dss_data', 'lta_updates', null], [30, 'dss', 'dss_data', 'lta_updates', null]],
      disallowed: [],
    });
    expect(at(15).disallowed).toEqual([[22, 'new_object'], [30, 'object_changed']]);
  });

  it('through unchanged objects of the signed DSS, the depth counts as well', () => {
    const at = (n: number) =>
      judge(updatePdf(base({ 1: dssCatalog, 20: '<< /Certs 40 0 R >>', 40: nested(n, '30 0 R'), 30: '[21 0 R]', 21: CERT }), { 30: '[21 0 R 22 0 R]', 22: CERT }));
    expect(at(11)).toEqual({ allowed: [[22, 'dss', 'dss_data', 'lta_updates', null], [30, 'dss', 'dss_data', 'lta_updates', null]], disallowed: [] });
    expect(at(12)).toEqual({ allowed: [[30, 'dss', 'dss_data', 'lta_updates', null]], disallowed: [[22, 'new_object']] });
  });
});

describe('signatureKind', () => {
  const sig = (entries: Array<[string, PdfValue]>) => dict([['ByteRange', arr([num(0), num(0), num(0), num(0)])], ['Contents', { type: 'str', raw: '<00>' }], ...entries]);
  it.each<[string, ReturnType<typeof dict> | undefined, ReturnType<typeof signatureKind>]>([
    ['/Type /Sig', sig([['Type', name('Sig')]]), 'signature'],
    ['no /Type', sig([]), 'signature'],
    ['/Type /DocTimeStamp', sig([['Type', name('DocTimeStamp')]]), 'document_timestamp'],
    ['/SubFilter /ETSI.RFC3161 under /Type /Sig', sig([['Type', name('Sig')], ['SubFilter', name('ETSI.RFC3161')]]), 'document_timestamp'],
    ['another /Type', sig([['Type', name('Annot')]]), undefined],
    ['no /ByteRange', dict([['Type', name('Sig')], ['Contents', { type: 'str', raw: '<00>' }]]), undefined],
    ['no /Contents', dict([['Type', name('Sig')], ['ByteRange', arr([])]]), undefined],
    ['no dictionary', undefined, undefined],
  ])('%s', (_name, d, kind) => {
    expect(signatureKind(d)).toBe(kind);
  });
});

describe('zeroArea', () => {
  const objs = new PdfReader(basePdf({ 1: '<< /Type /Catalog >>', 2: '0', 3: '25', 4: '(x)', 5: '[0 0 0 0]' }));
  it.each<[string, PdfValue | undefined, boolean]>([
    ['no /Rect', undefined, true],
    ['a /Rect of three numbers', arr([num(0), num(0), num(5)]), true],
    ['a /Rect that is no array', num(0), true],
    ['a zero-width /Rect', arr([num(10), num(10), num(10), num(50)]), true],
    ['a zero-height /Rect', arr([num(10), num(10), num(50), num(10)]), true],
    ['a /Rect with area', arr([num(10), num(10), num(50), num(40)]), false],
    ['a /Rect with area written right to left', arr([num(50), num(40), num(10), num(10)]), false],
    ['an indirect zero /Rect', ref(5), true],
    ['indirect zero coordinates', arr([ref(2), ref(2), ref(2), ref(2)]), true],
    ['an indirect coordinate making an area', arr([num(0), num(0), ref(3), ref(3)]), false],
    ['a coordinate that is no number', arr([num(0), num(0), ref(4), num(0)]), false],
    ['a coordinate naming a missing object', arr([num(0), num(0), ref(9), num(0)]), false],
  ])('%s', (_name, rect, zero) => {
    expect(zeroArea(objs, rect === undefined ? dict() : dict([['Rect', rect]]))).toBe(zero);
  });
});

describe('fullFieldName', () => {
  const objs = new PdfReader(basePdf({ 1: '<< /T (contract) >>', 2: '<< /T (parties) /Parent 1 0 R >>', 3: '<< /Parent 2 0 R /T 7 >>', 4: '<< /T (self) /Parent 4 0 R >>', 5: '<< /T (top) /Parent 9 0 R >>' }));
  it('joins the names up the /Parent chain, skipping a /T that is no string', () => {
    expect(fullFieldName(objs, dict([['T', { type: 'str', raw: '(utility)' }], ['Parent', ref(3)]]))).toBe('contract.parties.utility');
  });
  it('a /Parent naming a missing object ends the chain', () => {
    expect(fullFieldName(objs, dict([['T', { type: 'str', raw: '(a)' }], ['Parent', ref(5)]]))).toBe('top.a');
  });
  it('a /Parent loop stops after 32 levels', () => {
    expect(fullFieldName(objs, objs.resolveDict(ref(4))!)).toBe(Array(32).fill('self').join('.'));
  });
});

describe('directRefs', () => {
  it('collects the references in nested arrays and dictionaries, not through objects', () => {
    const v = dict([['A', ref(3)], ['B', arr([ref(5), dict([['C', ref(7)]]), num(1)])], ['D', ref(3)]]);
    expect([...directRefs(v)]).toEqual([3, 5, 7]);
    expect([...directRefs(undefined)]).toEqual([]);
  });

  it('stops 64 levels down', () => {
    const nest = (depth: number, inner: PdfValue): PdfValue => (depth === 0 ? inner : arr([nest(depth - 1, inner)]));
    expect([...directRefs(nest(64, ref(1)))]).toEqual([1]);
    expect([...directRefs(nest(65, ref(1)))]).toEqual([]);
    const nestDict = (depth: number, inner: PdfValue): PdfValue => (depth === 0 ? inner : dict([['K', nestDict(depth - 1, inner)]]));
    expect([...directRefs(nestDict(64, ref(1)))]).toEqual([1]);
    expect([...directRefs(nestDict(65, ref(1)))]).toEqual([]);
  });
});
