// permissionsOf / applyPermissions on hand-made object tables: the DocMDP P a certification sets,
// FieldMDP transforms and /Lock dictionaries, and how they re-judge the changes the policy allowed.
import { describe, expect, it } from 'vitest';
import type { PdfDict } from '../src/pdf/cos.js';
import { PdfReader } from '../src/pdf/pdfReader.js';
import { numberedPdf } from './helpers/revisionPdf.js';
import { applyPermissions, permissionsOf, type Permissions } from '../src/verification/permissions.js';
import type { Modification } from '../src/verification/types.js';

const table = (bodies: string[], trailer?: string): PdfReader => new PdfReader(numberedPdf(bodies, trailer));
const obj = (r: PdfReader, num: number): PdfDict => r.resolveDict({ type: 'ref', num, gen: 0 })!;
const SIG = '/Type /Sig /Filter /Adobe.PPKLite /ByteRange [0 1 2 3] /Contents <00>';

/** Catalog 1 certified by signature 2 (whose /Reference is `ref`); object 3 is a field, 4.. are extra. */
function certified(ref: string, extra: string[] = [], field = '<</FT /Sig /T (sig_utility) /V 2 0 R>>'): PdfReader {
  return table(['<</Type /Catalog /Perms <</DocMDP 2 0 R>>>>', `<<${SIG} /Reference ${ref}>>`, field, ...extra]);
}
const docMdp = (params: string) => `[<</Type /SigRef /TransformMethod /DocMDP ${params}>>]`;

describe('permissionsOf: DocMDP', () => {
  it('no /Perms: not certified, no cap, no lock', () => {
    const r = table(['<</Type /Catalog>>', `<<${SIG}>>`]);
    expect(permissionsOf(r, 2, obj(r, 2), undefined)).toEqual({ docMdp: null, certification: false, fieldLock: null });
  });

  it('a trailer without /Root: nothing to read, nothing bound', () => {
    const r = table(['<<' + SIG + '>>'], '');
    expect(permissionsOf(r, 1, obj(r, 1), undefined)).toEqual({ docMdp: null, certification: false, fieldLock: null });
  });

  it.each([
    ['/TransformParams <</P 1>>', 1],
    ['/TransformParams <</P 2>>', 2],
    ['/TransformParams <</P 3>>', 3],
    ['/TransformParams <</V /1.2>>', 2],
    ['', 2],
    ['/TransformParams <</P 0>>', 1],
    ['/TransformParams <</P 4>>', 1],
  ])('the certification signature itself, DocMDP %s → P=%i', (params, p) => {
    const r = certified(docMdp(params));
    expect(permissionsOf(r, 2, obj(r, 2), obj(r, 3))).toEqual({ docMdp: p, certification: true, fieldLock: null });
  });

  it('an approval signature is bound by the certification it signed after, without being it', () => {
    const r = certified(docMdp('/TransformParams <</P 1>>'), [`<<${SIG}>>`]);
    expect(permissionsOf(r, 4, obj(r, 4), undefined)).toEqual({ docMdp: 1, certification: false, fieldLock: null });
    expect(permissionsOf(r, null, obj(r, 4), undefined)).toEqual({ docMdp: 1, certification: false, fieldLock: null });
  });

  it('/DocMDP not a reference: no certification is recognised', () => {
    const r = table(['<</Type /Catalog /Perms <</DocMDP <</TransformMethod /DocMDP>>>>>>', `<<${SIG} /Reference ${docMdp('/TransformParams <</P 1>>')}>>`]);
    expect(permissionsOf(r, 2, obj(r, 2), undefined)).toEqual({ docMdp: null, certification: false, fieldLock: null });
  });

  it('/DocMDP naming a missing object: certification by number, P defaulting to none found', () => {
    const r = table(['<</Type /Catalog /Perms <</DocMDP 9 0 R>>>>', `<<${SIG}>>`]);
    expect(permissionsOf(r, 9, obj(r, 2), undefined)).toEqual({ docMdp: null, certification: true, fieldLock: null });
  });

  it('a certification without a DocMDP transform is P=2; a FieldMDP reference before the DocMDP one is skipped', () => {
    const none = certified('[]');
    expect(permissionsOf(none, 2, obj(none, 2), undefined).docMdp).toBe(2);
    const r = certified('[<</TransformMethod /FieldMDP /TransformParams <</Action /All /P 1>>>> <</TransformMethod /DocMDP /TransformParams <</P 3>>>>]');
    expect(permissionsOf(r, 2, obj(r, 2), undefined)).toEqual({ docMdp: 3, certification: true, fieldLock: { action: 'All', fields: [] } });
  });

  it('/Reference as an indirect array of indirect dictionaries', () => {
    const r = certified('4 0 R', ['[5 0 R]', '<</TransformMethod /DocMDP /TransformParams 6 0 R>>', '<</P 1>>']);
    expect(permissionsOf(r, 2, obj(r, 2), undefined).docMdp).toBe(1);
  });

  it('only the first 16 references are read', () => {
    const filler = Array.from({ length: 16 }, () => '<</TransformMethod /UR3>>').join(' ');
    const r = certified(`[${filler} <</TransformMethod /DocMDP /TransformParams <</P 1>>>>]`);
    expect(permissionsOf(r, 2, obj(r, 2), undefined).docMdp).toBe(2);
  });

  it('unreadable references (a reference loop) are skipped, not fatal', () => {
    const loop = certified('4 0 R', ['4 0 R']);
    expect(permissionsOf(loop, 2, obj(loop, 2), undefined)).toEqual({ docMdp: 2, certification: true, fieldLock: null });
    const item = certified('[4 0 R <</TransformMethod /DocMDP /TransformParams <</P 3>>>>]', ['4 0 R']);
    expect(permissionsOf(item, 2, obj(item, 2), undefined).docMdp).toBe(3);
    const params = certified('[<</TransformMethod /DocMDP /TransformParams 4 0 R>>]', ['4 0 R']);
    expect(permissionsOf(params, 2, obj(params, 2), undefined).docMdp).toBe(2);
    const cert = table(['<</Type /Catalog /Perms <</DocMDP 2 0 R>>>>', '2 0 R']);
    expect(permissionsOf(cert, 2, obj(cert, 1), undefined)).toEqual({ docMdp: null, certification: true, fieldLock: null });
  });
});

describe('permissionsOf: field locks', () => {
  const approval = (ref: string, extra: string[] = []) => table(['<</Type /Catalog>>', `<<${SIG} /Reference ${ref}>>`, ...extra]);

  it('a FieldMDP transform locks the fields it names (text strings decoded, non-strings dropped)', () => {
    const r = approval('[<</TransformMethod /FieldMDP /TransformParams <</Action /Include /Fields [(amount) <FEFF6C34> 7 /name]>>>>]');
    expect(permissionsOf(r, 2, obj(r, 2), undefined)).toEqual({ docMdp: null, certification: false, fieldLock: { action: 'Include', fields: ['amount', '水'] } });
  });

  it('Exclude with indirect /Fields; All without /Fields; an unknown action locks nothing', () => {
    const ex = approval('[<</TransformMethod /FieldMDP /TransformParams <</Action /Exclude /Fields 3 0 R>>>>]', ['[(a) (b)]']);
    expect(permissionsOf(ex, 2, obj(ex, 2), undefined).fieldLock).toEqual({ action: 'Exclude', fields: ['a', 'b'] });
    const all = approval('[<</TransformMethod /FieldMDP /TransformParams <</Action /All>>>>]');
    expect(permissionsOf(all, 2, obj(all, 2), undefined).fieldLock).toEqual({ action: 'All', fields: [] });
    const odd = approval('[<</TransformMethod /FieldMDP /TransformParams <</Action /Some /Fields [(a)]>>>>]');
    expect(permissionsOf(odd, 2, obj(odd, 2), undefined).fieldLock).toBe(null);
    const noParams = approval('[<</TransformMethod /FieldMDP>>]');
    expect(permissionsOf(noParams, 2, obj(noParams, 2), undefined).fieldLock).toBe(null);
    const loop = approval('[<</TransformMethod /FieldMDP /TransformParams <</Action /Include /Fields 3 0 R>>>>]', ['3 0 R']);
    expect(permissionsOf(loop, 2, obj(loop, 2), undefined).fieldLock).toEqual({ action: 'Include', fields: [] });
  });

  it('the last FieldMDP transform is the one in force; a DocMDP one after it does not clear it', () => {
    const r = approval('[<</TransformMethod /FieldMDP /TransformParams <</Action /Include /Fields [(a)]>>>> <</TransformMethod /FieldMDP /TransformParams <</Action /Exclude /Fields [(b)]>>>> <</TransformMethod /DocMDP>>]');
    expect(permissionsOf(r, 2, obj(r, 2), undefined).fieldLock).toEqual({ action: 'Exclude', fields: ['b'] });
  });

  it("the field's /Lock replaces the transform's lock; a /Lock without an action keeps it", () => {
    const ref = '[<</TransformMethod /FieldMDP /TransformParams <</Action /Include /Fields [(a)]>>>>]';
    const r = approval(ref, ['<</FT /Sig /Lock <</Action /Exclude /Fields [(z)]>>>>', '<</FT /Sig /Lock 5 0 R>>', '<</P 3>>']);
    expect(permissionsOf(r, 2, obj(r, 2), obj(r, 3)).fieldLock).toEqual({ action: 'Exclude', fields: ['z'] });
    expect(permissionsOf(r, 2, obj(r, 2), obj(r, 4))).toEqual({ docMdp: 3, certification: false, fieldLock: { action: 'Include', fields: ['a'] } });
  });

  it('/Lock P tightens the certification to the stricter of the two, and sets one when there is none', () => {
    const lockP = (p: string) => `<</FT /Sig /V 2 0 R /Lock <</Type /SigFieldLock /Action /All /P ${p}>>>>`;
    const cases: [string, string, number | null][] = [
      ['/TransformParams <</P 3>>', '1', 1],
      ['/TransformParams <</P 1>>', '3', 1],
      ['/TransformParams <</P 3>>', '2', 2],
      ['/TransformParams <</P 2>>', '4', 2],
      ['/TransformParams <</P 3>>', '0', 3],
    ];
    for (const [params, p, want] of cases) {
      const r = certified(docMdp(params), [], lockP(p));
      expect(permissionsOf(r, 2, obj(r, 2), obj(r, 3)), `${params} + /Lock P ${p}`).toEqual({ docMdp: want, certification: true, fieldLock: { action: 'All', fields: [] } });
    }
    const uncertified = table(['<</Type /Catalog>>', `<<${SIG}>>`, lockP('2'), lockP('5')]);
    expect(permissionsOf(uncertified, 2, obj(uncertified, 2), obj(uncertified, 3)).docMdp).toBe(2);
    expect(permissionsOf(uncertified, 2, obj(uncertified, 2), obj(uncertified, 4)).docMdp).toBe(null);
  });
});

describe('applyPermissions', () => {
  const m = (what: string, level: Modification['level'], field?: string): Modification => ({ revision: 1, objectNumber: 7, what, rule: 'some_rule', ...(level ? { level } : {}), ...(field !== undefined ? { field } : {}) });
  const perms = (docMdp: Permissions['docMdp'], fieldLock: Permissions['fieldLock'] = null): Permissions => ({ docMdp, certification: false, fieldLock });

  it('no permissions: everything allowed stays allowed, level the highest of them', () => {
    const mods = { allowed: [m('dss', 'lta_updates'), m('annotation', 'annotations'), m('signature', 'form_filling'), m('bookkeeping', undefined)], disallowed: [] };
    expect(applyPermissions(mods, perms(null))).toEqual({ allowed: mods.allowed, disallowed: [], level: 'annotations' });
    expect(applyPermissions({ allowed: [], disallowed: [] }, perms(null))).toEqual({ allowed: [], disallowed: [], level: 'none' });
    expect(applyPermissions({ allowed: [m('dss', 'lta_updates'), m('x', 'none')], disallowed: [] }, perms(null)).level).toBe('lta_updates');
  });

  it('DocMDP P=1 permits LTA updates only; P=2 adds form filling; P=3 adds annotations', () => {
    const all = [m('dss', 'lta_updates'), m('signature', 'form_filling'), m('annotation', 'annotations'), m('bookkeeping', undefined)];
    const p1 = applyPermissions({ allowed: all, disallowed: [] }, perms(1));
    expect(p1.allowed.map((x) => x.what)).toEqual(['dss']);
    expect(p1.disallowed).toEqual([
      { ...all[1], rule: 'docmdp_p1', detail: 'signature is form_filling, which DocMDP P=1 of the certification signature does not permit' },
      { ...all[2], rule: 'docmdp_p1', detail: 'annotation is annotations, which DocMDP P=1 of the certification signature does not permit' },
      { ...all[3], rule: 'docmdp_p1', detail: 'bookkeeping is other, which DocMDP P=1 of the certification signature does not permit' },
    ]);
    expect(p1.level).toBe('other');
    const p2 = applyPermissions({ allowed: all.slice(0, 2), disallowed: [] }, perms(2));
    expect(p2).toEqual({ allowed: all.slice(0, 2), disallowed: [], level: 'form_filling' });
    const p3 = applyPermissions({ allowed: all.slice(0, 3), disallowed: [] }, perms(3));
    expect(p3).toEqual({ allowed: all.slice(0, 3), disallowed: [], level: 'annotations' });
    expect(applyPermissions({ allowed: all.slice(1, 3), disallowed: [] }, perms(2)).disallowed.map((x) => x.rule)).toEqual(['docmdp_p2']);
    // P=3 still forbids what no level names
    expect(applyPermissions({ allowed: all, disallowed: [] }, perms(3)).disallowed).toEqual([
      { ...all[3], rule: 'docmdp_p3', detail: 'bookkeeping is other, which DocMDP P=3 of the certification signature does not permit' },
    ]);
  });

  it('earlier disallowed changes are kept first and make the level other', () => {
    const bad: Modification = { revision: 1, objectNumber: 3, what: 'page_content', rule: 'not_allowed', detail: 'x' };
    const r = applyPermissions({ allowed: [m('signature', 'form_filling', 'b')], disallowed: [bad] }, perms(null, { action: 'Include', fields: ['a'] }));
    expect(r).toEqual({ allowed: [m('signature', 'form_filling', 'b')], disallowed: [bad], level: 'other' });
  });

  it('a locked field: Include names it (or its parent), Exclude names what stays open, All locks every field', () => {
    const judged = (lock: Permissions['fieldLock'], field: string) => applyPermissions({ allowed: [m('field_filled', 'form_filling', field)], disallowed: [] }, perms(null, lock)).disallowed.map((x) => x.detail);
    const locked = (f: string) => [`field "${f}" is locked by this signature (FieldMDP)`];
    expect(judged({ action: 'Include', fields: ['amount'] }, 'amount')).toEqual(locked('amount'));
    expect(judged({ action: 'Include', fields: ['meter'] }, 'meter.reading')).toEqual(locked('meter.reading'));
    expect(judged({ action: 'Include', fields: ['meter'] }, 'meterx')).toEqual([]);
    expect(judged({ action: 'Include', fields: ['meter.reading'] }, 'meter')).toEqual([]);
    expect(judged({ action: 'Exclude', fields: ['amount'] }, 'amount')).toEqual([]);
    expect(judged({ action: 'Exclude', fields: ['amount'] }, 'note')).toEqual(locked('note'));
    expect(judged({ action: 'All', fields: [] }, 'note')).toEqual(locked('note'));
    expect(judged({ action: 'All', fields: ['note'] }, 'note')).toEqual(locked('note'));
    expect(judged({ action: 'Include', fields: ['amount', 'note'] }, 'note')).toEqual(locked('note'));
    expect(judged({ action: 'Exclude', fields: ['amount', 'note'] }, 'note')).toEqual([]);
    expect(judged(null, 'note')).toEqual([]);
    const r = applyPermissions({ allowed: [m('field_filled', 'form_filling', 'amount')], disallowed: [] }, perms(null, { action: 'All', fields: [] }));
    expect(r).toEqual({ allowed: [], disallowed: [{ ...m('field_filled', 'form_filling', 'amount'), rule: 'field_locked', detail: 'field "amount" is locked by this signature (FieldMDP)' }], level: 'other' });
  });

  it('a change that belongs to no field is never field-locked; the empty field name is a field', () => {
    const all = { action: 'All' as const, fields: [] };
    expect(applyPermissions({ allowed: [m('dss', 'lta_updates')], disallowed: [] }, perms(null, all)).disallowed).toEqual([]);
    expect(applyPermissions({ allowed: [m('field_filled', 'form_filling', '')], disallowed: [] }, perms(null, all)).disallowed.map((x) => x.rule)).toEqual(['field_locked']);
  });

  it('DocMDP is judged before the field lock', () => {
    const r = applyPermissions({ allowed: [m('annotation', 'annotations', 'a')], disallowed: [] }, perms(2, { action: 'All', fields: [] }));
    expect(r.disallowed.map((x) => x.rule)).toEqual(['docmdp_p2']);
  });
});
