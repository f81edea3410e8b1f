import { createRequire } from 'node:module';
import { chinaParts } from '../chinaTime.js';
import { dirname, join } from 'node:path';
import { composeDocument } from './composeDocument.js';
import { loadFontFace, type FontFace } from './fontFace.js';
import { layoutDocument, type DocumentLayout, type LayoutFonts } from './layout.js';
import type { ResolvedBlock } from './documentModel.js';
import { assemblePdf, type PdfMetadata } from './pdfAssembler.js';
import type { Template } from './templateRegistry.js';
import { assertSupported } from './unsupportedCharacters.js';

export interface Party {
  name: string;
  creditCode: string;
  address: string;
  phone: string;
  legalRepresentative?: string;
  bank?: string;
  account?: string;
}

export interface RenderInput {
  template: Template;
  variables: Record<string, unknown>;
  contractNumber: string;
  issuedAt: Date;
  /** The supplying utility, from service configuration. */
  utility: Party;
  /** 签约地点 */
  place: string;
  /** Where a holder checks this document (QR code and link in the footer); known before any signature. */
  verifyUrl?: string;
}

export interface DocumentRenderer {
  render(input: RenderInput): Promise<Uint8Array>;
  /** The blocks the PDF is typeset from, for a reflowed reading of the same text. */
  compose(input: RenderInput): ResolvedBlock[];
  /** Layout only, for callers that check geometry (and tests). */
  layout(input: RenderInput): DocumentLayout;
  /** Throws UnsupportedCharacterError naming every field the font cannot draw. */
  checkCharacters(input: Omit<RenderInput, 'template'>): void;
  /**
   * Lays out and writes blocks the service composed itself (reports such as the evidence report),
   * with the same fonts, page geometry and signature fields as contracts. A character the fonts
   * cannot draw is written as [U+XXXX] instead of being refused: a report must not fail on data.
   */
  renderBlocks(blocks: ResolvedBlock[], options: RenderBlocksOptions): Promise<Uint8Array>;
}

export interface RenderBlocksOptions {
  footer: (page: number, pages: number) => string;
  meta: PdfMetadata;
}

const FONT_FILES = { regular: '400Regular/NotoSerifSC_400Regular.ttf', bold: '700Bold/NotoSerifSC_700Bold.ttf' };

function defaultFontDir(): string {
  const require = createRequire(import.meta.url);
  return dirname(require.resolve('@expo-google-fonts/noto-serif-sc/package.json'));
}

function chineseDate(d: Date): string {
  const t = chinaParts(d);
  return `${t.year}年${t.month}月${t.day}日`;
}

function renderContext(input: RenderInput): Record<string, unknown> {
  return {
    ...input.variables,
    contract: { number: input.contractNumber, place: input.place, date: chineseDate(input.issuedAt) },
    utility: input.utility,
  };
}

function checkCharacters(input: Omit<RenderInput, 'template'>, faces: FontFace[]): void {
  assertSupported(
    { ...input.variables, contract: { number: input.contractNumber, place: input.place }, utility: input.utility },
    faces,
  );
}

function layoutFor(input: RenderInput, fonts: LayoutFonts): DocumentLayout {
  checkCharacters(input, [fonts.regular, fonts.bold]);
  const blocks = composeDocument(input.template.document, renderContext(input));
  const layout = layoutDocument(blocks, fonts, (page, pages) => `第 ${page} 页 共 ${pages} 页　　合同编号：${input.contractNumber}`, {
    verifyUrl: input.verifyUrl,
  });
  const placed = new Set(layout.pages.flatMap((p) => p.fields.map((f) => f.role)));
  const missing = input.template.signers.filter((s) => !placed.has(s.role)).map((s) => s.role);
  if (missing.length > 0) throw new Error(`template ${input.template.id} v${input.template.version} has no signature block for ${missing.join(', ')}`);
  return layout;
}

function escapeText(text: string, faces: FontFace[]): string {
  let out = '';
  for (const ch of text) {
    const cp = ch.codePointAt(0)!;
    out += cp === 0x0a || cp === 0x0d || faces.every((f) => f.has(cp)) ? ch : `[U+${cp.toString(16).toUpperCase().padStart(4, '0')}]`;
  }
  return out;
}

/** Replaces undrawable characters in every text of the blocks. */
function escapeBlocks(blocks: ResolvedBlock[], faces: FontFace[]): ResolvedBlock[] {
  const e = (t: string) => escapeText(t, faces);
  return blocks.map((b): ResolvedBlock => {
    switch (b.kind) {
      case 'title': case 'paragraph': case 'heading': return { ...b, text: e(b.text) };
      case 'clause': return { ...b, number: e(b.number), text: e(b.text) };
      case 'table': return { ...b, header: b.header?.map(e), rows: b.rows.map((r) => r.map(e)) };
      case 'signatures': return { ...b, parties: b.parties.map((p) => ({ ...p, caption: e(p.caption), lines: p.lines.map(e) })) };
      case 'spacer': return b;
    }
  });
}

/** Parses the fonts once; each render then only lays out and subsets. */
export async function createDocumentRenderer(opts: { fontDir?: string } = {}): Promise<DocumentRenderer> {
  const dir = opts.fontDir ?? defaultFontDir();
  const [regular, bold] = await Promise.all([loadFontFace(join(dir, FONT_FILES.regular)), loadFontFace(join(dir, FONT_FILES.bold))]);
  const fonts: LayoutFonts = { regular, bold };
  return {
    compose: (input) => composeDocument(input.template.document, renderContext(input)),
    layout: (input) => layoutFor(input, fonts),
    checkCharacters: (input) => checkCharacters(input, [regular, bold]),
    async render(input) {
      const layout = layoutFor(input, fonts);
      return assemblePdf(layout, fonts, {
        title: input.template.title,
        subject: `${input.template.id} v${input.template.version} ${input.contractNumber}`,
        issuedAt: input.issuedAt,
        idSeed: JSON.stringify([input.contractNumber, input.issuedAt.toISOString(), input.template.sha256, input.variables, input.utility, input.place, ...(input.verifyUrl ? [input.verifyUrl] : [])]),
      });
    },
    async renderBlocks(blocks, options) {
      const faces = [regular, bold];
      const layout = layoutDocument(escapeBlocks(blocks, faces), fonts, (page, pages) => escapeText(options.footer(page, pages), faces));
      return assemblePdf(layout, fonts, options.meta);
    },
  };
}
