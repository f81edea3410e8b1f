import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PDFArray, PDFDict, PDFDocument, PDFName, PDFNumber } from 'pdf-lib';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  createDocumentRenderer,
  loadTemplates,
  UnsupportedCharacterError,
  type DocumentRenderer,
  type Party,
  type RenderInput,
  type TemplateRegistry,
} from '../src/documents/index.js';
import { breakLines, NO_LINE_END, NO_LINE_START } from '../src/documents/lineBreaker.js';
import { available } from './support/checkers.js';

const noQpdf = !available('qpdf');
const noPdffonts = !available('pdffonts');
const noPdftotext = !available('pdftotext');

const workDir = mkdtempSync(join(tmpdir(), 'documents-test-'));
let fileNo = 0;
function writePdf(bytes: Uint8Array): string {
  const path = join(workDir, `doc-${++fileNo}.pdf`);
  writeFileSync(path, bytes);
  return path;
}
const pdftotext = (path: string) => execFileSync('pdftotext', [path, '-'], { encoding: 'utf8' });

const utility: Party = {
  name: '三亚中法供水有限公司',
  creditCode: '914602006200123456',
  address: '海南省三亚市吉阳区新风街 288 号',
  phone: '0898-88271234',
};

let registry: TemplateRegistry;
let renderer: DocumentRenderer;

function waterInput(overrides: Record<string, unknown> = {}): RenderInput {
  const template = registry.get('water-supply-contract')!;
  const applicant = { ...(template.example.applicant as Record<string, unknown>), ...overrides };
  return {
    template,
    variables: { ...template.example, applicant },
    contractNumber: 'SY-GS-2025-000123',
    issuedAt: new Date('2025-03-01T02:00:00Z'),
    utility,
    place: '海南省三亚市',
  };
}

beforeAll(async () => {
  registry = await loadTemplates(join(import.meta.dirname, '..', 'templates'));
  renderer = await createDocumentRenderer();
});

describe('template registry', () => {
  it('bounds every array of the latest shared templates (maxItems), so no input outgrows what a contract should hold', () => {
    const unbounded: string[] = [];
    const walk = (node: unknown, where: string) => {
      if (node === null || typeof node !== 'object') return;
      const n = node as Record<string, unknown>;
      if (n.type === 'array' && typeof n.maxItems !== 'number') unbounded.push(where);
      for (const [k, v] of Object.entries(n)) walk(v, `${where}/${k}`);
    };
    for (const id of ['water-supply-contract', 'reliability-agreement']) walk(registry.get(id)!.schema, id);
    expect(unbounded).toEqual([]);
  });

  it('lists both templates with signers in signing order and a folder digest', () => {
    const ids = registry.list().map((t) => `${t.id}@${t.version}`);
    expect(ids).toEqual(expect.arrayContaining(['water-supply-contract@1', 'reliability-agreement@1']));
    expect(registry.get('water-supply-contract')!.signers.map((s) => s.role)).toEqual(['applicant', 'utility']);
    expect(registry.get('reliability-agreement', 1)!.signers.map((s) => s.role)).toEqual(['utility', 'customer']);
    expect(registry.get('water-supply-contract', 99)).toBeUndefined();
    for (const t of registry.list()) expect(t.sha256).toMatch(/^[0-9a-f]{64}$/);
  });

  it('accepts every example', () => {
    for (const t of registry.list()) expect(registry.validate(t, t.example)).toEqual([]);
  });

  it('reports missing and wrongly typed variables by full path', () => {
    const t = registry.get('water-supply-contract')!;
    const applicant = { ...(t.example.applicant as Record<string, unknown>) };
    delete applicant.mobile;
    applicant.idNumber = '12345X';
    const usage = { ...(t.example.usage as Record<string, unknown>), dailyVolume: 'a lot', category: '工业用水' };
    const errors = registry.validate(t, { ...t.example, applicant, usage });
    const paths = errors.map((e) => e.path);
    expect(paths).toContain('/applicant/mobile');
    expect(paths).toContain('/applicant/idNumber');
    expect(paths).toContain('/usage/dailyVolume');
    expect(paths).toContain('/usage/category');
  });

  it('requires a legal representative and an agent for an enterprise applicant', () => {
    const t = registry.get('water-supply-contract')!;
    const applicant = { ...(t.example.applicant as Record<string, unknown>), kind: 'enterprise' };
    const paths = registry.validate(t, { ...t.example, applicant }).map((e) => e.path);
    expect(paths).toEqual(expect.arrayContaining(['/applicant/legalRepresentative', '/applicant/agent']));
  });
});

describe('line breaking (避头尾)', () => {
  const unit = () => 10;
  const starts = (lines: { text: string }[]) => lines.slice(1).map((l) => [...l.text][0]);
  const ends = (lines: { text: string }[]) => lines.map((l) => [...l.text].at(-1)!);

  it('never starts a line with a comma or other closing mark', () => {
    for (const text of ['一二三四五，六七', '一二三四五。」六', '一二三四五）、六七八']) {
      const lines = breakLines(text, unit, { width: 50 });
      for (const c of starts(lines)) expect(NO_LINE_START.has(c)).toBe(false);
      expect(lines.map((l) => l.text).join('')).toBe(text);
    }
  });

  it('never ends a line with an opening mark such as 《', () => {
    const lines = breakLines('一二三四《五六》七八', unit, { width: 50 });
    for (const c of ends(lines)) expect(NO_LINE_END.has(c)).toBe(false);
    expect(lines[0].text).toBe('一二三四');
  });

  it('never splits —— or ……', () => {
    for (const text of ['一二三四——五六', '一二三四……五六']) {
      const lines = breakLines(text, unit, { width: 50 });
      for (const l of lines) expect(l.text).not.toMatch(/^[—…](?![—…])|(?<![—…])[—…]$/);
      expect(lines.map((l) => l.text).join('')).toBe(text);
    }
  });

  it('keeps Latin words whole and cuts only what cannot fit', () => {
    expect(breakLines('abc defgh ij', unit, { width: 60 }).map((l) => l.text)).toEqual(['abc', 'defgh', 'ij']);
    const long = breakLines('x'.repeat(23), unit, { width: 50 });
    expect(long.map((l) => l.text.length)).toEqual([5, 5, 5, 5, 3]);
    for (const l of long) expect(l.width).toBeLessThanOrEqual(50);
  });
});

describe('document renderer', () => {
  let pdfPath: string;
  let pdf: Uint8Array;

  beforeAll(async () => {
    pdf = await renderer.render(waterInput());
    pdfPath = writePdf(pdf);
  });

  it('produces identical bytes for identical input', async () => {
    expect(Buffer.compare(Buffer.from(await renderer.render(waterInput())), Buffer.from(pdf))).toBe(0);
  });

  it.skipIf(noQpdf)('passes qpdf --check', () => {
    const out = execFileSync('qpdf', ['--check', pdfPath], { encoding: 'utf8' });
    expect(out).toContain('No syntax or stream encoding errors');
  });

  it.skipIf(noPdffonts)('embeds every font as a subset', () => {
    const rows = execFileSync('pdffonts', [pdfPath], { encoding: 'utf8' }).trim().split('\n').slice(2);
    expect(rows.length).toBeGreaterThan(0);
    for (const row of rows) expect(row).toMatch(/^[A-Z]{6}\+\S+\s+CID TrueType\s+Identity-H\s+yes\s+yes\s+yes/);
  });

  it.skipIf(noPdftotext)('has extractable text with the variables as entered and a footer on every page', () => {
    const text = pdftotext(pdfPath);
    const applicant = registry.get('water-supply-contract')!.example.applicant as Record<string, string>;
    expect(text).toContain(applicant.name);
    expect(text).toContain(applicant.idNumber);
    expect(text.replace(/ /g, '')).toContain(applicant.address.replace(/ /g, ''));
    const pages = text.split('\f').filter((p) => p.trim() !== '');
    expect(pages.length).toBeGreaterThan(1);
    pages.forEach((page, i) => {
      expect(page).toMatch(new RegExp(`第\\s*${i + 1}\\s*页\\s*共\\s*${pages.length}\\s*页`));
      expect(page).toContain('SY-GS-2025-000123');
    });
  });

  it.skipIf(noPdftotext)('draws and extracts rare characters the font has (龘, 喆)', async () => {
    const path = writePdf(await renderer.render(waterInput({ name: '王喆龘' })));
    expect(pdftotext(path)).toContain('王喆龘');
  });

  it('refuses a character the font lacks (𠮷), naming it and the variable path', async () => {
    const input = waterInput({ name: '𠮷田花子' });
    const error = await renderer.render(input).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UnsupportedCharacterError);
    expect((error as UnsupportedCharacterError).characters).toEqual(['𠮷']);
    expect((error as UnsupportedCharacterError).paths).toEqual(['/applicant/name']);
    expect(() => renderer.checkCharacters(input)).toThrow(UnsupportedCharacterError);
  });

  it('wraps a very long address, including an unbroken run, inside the margins', async () => {
    const address = '海南省三亚市吉阳区迎宾路 316 号凤凰水城 B 区 7 栋 1203 房（' + '临春河路与迎宾路交叉口东北侧'.repeat(8) + '）' + 'A'.repeat(160);
    const input = waterInput({ address });
    const layout = renderer.layout(input);
    const right = layout.textLeft + layout.textWidth;
    for (const page of layout.pages) {
      for (const t of page.texts) {
        expect(t.x).toBeGreaterThanOrEqual(layout.textLeft - 0.01);
        expect(t.x + t.width).toBeLessThanOrEqual(right + 0.01);
      }
    }
    const bytes = await renderer.render(input);
    if (!noPdftotext) expect(pdftotext(writePdf(bytes)).replace(/\s/g, '')).toContain(address.replace(/\s/g, ''));
  });

  it('splits a meter row taller than a page across pages under its repeated header, every serial inside the body', async () => {
    const base = waterInput();
    const serialNumbers = Array.from({ length: 120 }, (_, i) => `SY2025M${String(i + 1).padStart(5, '0')}`);
    const meters = [{ ...(base.variables.meters as Record<string, unknown>[])[0], count: 120, serialNumbers }];
    const input = { ...base, variables: { ...base.variables, meters } };
    const layout = renderer.layout(input);
    const top = layout.pageHeight - 25 * (72 / 25.4);
    const bottom = 25 * (72 / 25.4);
    const serialPages = layout.pages.filter((p) => p.texts.some((t) => t.text.includes('SY2025M')));
    expect(serialPages.length).toBeGreaterThanOrEqual(2);
    for (const page of serialPages) {
      // Each page the row continues on starts with the header row again, and every line stays in the body.
      expect(page.texts.some((t) => t.text === '水表编号')).toBe(true);
      for (const t of page.texts.filter((x) => x.text.includes('SY2025M'))) {
        expect(t.y).toBeGreaterThan(bottom);
        expect(t.y).toBeLessThan(top);
      }
      for (const r of page.rules) expect(Math.min(r.y1, r.y2)).toBeGreaterThanOrEqual(bottom - 0.01);
    }
    if (noPdftotext) return;
    const file = writePdf(await renderer.render(input));
    const bbox = execFileSync('pdftotext', ['-bbox', file, '-'], { encoding: 'utf8' });
    const words = [...bbox.matchAll(/<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">([^<]*)<\/word>/g)]
      .map((m) => ({ yMin: Number(m[2]), yMax: Number(m[4]), text: m[5] }));
    for (const serial of serialNumbers) {
      const word = words.find((w) => w.text.includes(serial));
      expect(word, serial).toBeDefined();
      // pdftotext measures from the top edge: inside the 25 mm margins, clear of the footer and its QR code.
      expect(word!.yMin).toBeGreaterThan(25 * (72 / 25.4) - 1);
      expect(word!.yMax).toBeLessThan(layout.pageHeight - 25 * (72 / 25.4) + 1);
    }
  });

  it('prints a long name under its signature field whole, wrapped in its column, not cut after the first line', () => {
    const name = '海南省三亚市吉阳区某某房地产开发有限公司第一分公司甲乙丙';
    const layout = renderer.layout(waterInput({ name }));
    const page = layout.pages.find((p) => p.fields.some((f) => f.role === 'applicant'))!;
    const field = page.fields.find((f) => f.role === 'applicant')!;
    const column = layout.textWidth / 2;
    const under = page.texts.filter((t) => t.y < field.rect[1] && t.x >= field.rect[0] - 0.01 && t.x < field.rect[0] + column && t.y > 25 * (72 / 25.4));
    expect(under.map((t) => t.text).join('')).toContain(name);
    for (const t of under) expect(t.x + t.width).toBeLessThanOrEqual(field.rect[0] + column);
  });

  it('prints a verification QR code and link in every footer, inside the margins and clear of the body', async () => {
    const verifyUrl = 'https://esign.example-water.cn/verify?doc=0b8e4f2a-5c1d-4e7f-9a3b-2c6d8e0f1a2b';
    const input = { ...waterInput(), verifyUrl };
    const layout = renderer.layout(input);
    const right = layout.textLeft + layout.textWidth;
    const bodyBottom = 25 * (72 / 25.4);
    for (const page of layout.pages) {
      expect(page.texts.some((t) => t.text.includes(verifyUrl))).toBe(true);
      for (const t of page.texts) {
        expect(t.x).toBeGreaterThanOrEqual(layout.textLeft - 0.01);
        expect(t.x + t.width).toBeLessThanOrEqual(right + 0.01);
      }
      expect(page.fills.length).toBeGreaterThan(20);
      for (const f of page.fills) {
        expect(f.x).toBeGreaterThanOrEqual(layout.textLeft - 0.01);
        expect(f.x + f.width).toBeLessThanOrEqual(right + 0.01);
        expect(f.y + f.height).toBeLessThan(bodyBottom);
        expect(f.y).toBeGreaterThan(0);
      }
    }
    const bytes = await renderer.render(input);
    if (!noPdftotext) {
      const pages = pdftotext(writePdf(bytes)).split('\f').filter((p) => p.trim() !== '');
      for (const page of pages) expect(page).toContain(verifyUrl);
    }
    // Without a URL the footer is as before.
    expect(renderer.layout(waterInput()).pages.every((p) => p.fills.length === 0)).toBe(true);
  });

  it('creates an empty signature field with one widget for every signer', async () => {
    const doc = await PDFDocument.load(pdf);
    const form = doc.getForm();
    expect(form.getFields().map((f) => f.getName()).sort()).toEqual(['sig_applicant', 'sig_utility']);
    const pageRefs = doc.getPages().map((p) => p.ref);
    // Side by side: the first field at the left margin (25 mm), the second from the middle of the page.
    const mm = 72 / 25.4;
    for (const [name, heightMm, x] of [['sig_applicant', 22, 25 * mm], ['sig_utility', 30, 595.28 / 2]] as const) {
      const field = form.getSignature(name);
      const widgets = field.acroField.getWidgets();
      expect(widgets).toHaveLength(1);
      const widget = widgets[0];
      expect(widget.dict.get(PDFName.of('Subtype'))).toBe(PDFName.of('Widget'));
      expect((widget.dict.get(PDFName.of('F')) as PDFNumber).asNumber()).toBe(4);
      expect(field.acroField.dict.get(PDFName.of('V'))).toBeUndefined();
      const pageRef = widget.P()!;
      expect(pageRefs).toContain(pageRef);
      const page = doc.getPages()[pageRefs.indexOf(pageRef)];
      const annots = page.node.lookup(PDFName.of('Annots'), PDFArray);
      expect(annots.asArray()).toContain(form.acroForm.dict.context.getObjectRef(widget.dict));
      const rect = widget.getRectangle();
      expect(rect.width).toBeCloseTo((60 * 72) / 25.4, 0);
      expect(rect.height).toBeCloseTo((heightMm * 72) / 25.4, 0);
      expect(rect.x).toBeCloseTo(x, 1);
      // Inside the text area, clear of the 25 mm top and bottom margins.
      expect(rect.y).toBeGreaterThanOrEqual(25 * mm - 0.01);
      expect(rect.y + rect.height).toBeLessThanOrEqual(page.getHeight() - 25 * mm + 0.01);
    }
    expect(form.acroForm.dict.lookup(PDFName.of('Fields'), PDFArray).size()).toBe(2);
    expect(doc.catalog.lookup(PDFName.of('AcroForm'), PDFDict)).toBe(form.acroForm.dict);
  });

  it('uses a classic cross-reference table without object streams', () => {
    const text = Buffer.from(pdf).toString('latin1');
    expect(text).toMatch(/\nxref\n0 \d+\n/);
    expect(text).not.toContain('/ObjStm');
  });

  it.skipIf(noQpdf || noPdftotext)('renders the reliability agreement', async () => {
    const template = registry.get('reliability-agreement')!;
    const path = writePdf(await renderer.render({ ...waterInput(), template, variables: template.example }));
    expect(execFileSync('qpdf', ['--check', path], { encoding: 'utf8' })).toContain('No syntax or stream encoding errors');
    const text = pdftotext(path);
    expect(text).toContain('系统平均停水时间');
    expect(text).toContain((template.example.customer as Record<string, string>).idNumber);
    const doc = await PDFDocument.load(readFileSync(path));
    expect(doc.getForm().getFields().map((f) => f.getName()).sort()).toEqual(['sig_customer', 'sig_utility']);
  });
});
