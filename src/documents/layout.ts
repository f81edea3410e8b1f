import type { FontFace } from './fontFace.js';
import type { ResolvedBlock } from './documentModel.js';
import { breakLines, type BrokenLine } from './lineBreaker.js';
import { UnsupportedCharacterError } from './unsupportedCharacters.js';
import { qrRects, type PlacedRect } from './qrCode.js';

export const MM = 72 / 25.4;

export type FontStyle = 'regular' | 'bold';
export interface LayoutFonts { regular: FontFace; bold: FontFace }

/** Baseline position in PDF user space (origin bottom left). */
export interface PlacedText { x: number; y: number; text: string; style: FontStyle; size: number; width: number; charSpacing: number }
export interface PlacedRule { x1: number; y1: number; x2: number; y2: number }
export interface PlacedField { role: string; rect: [number, number, number, number] }
export type { PlacedRect };
export interface PageLayout { texts: PlacedText[]; rules: PlacedRule[]; fields: PlacedField[]; fills: PlacedRect[] }
export interface DocumentLayout { pageWidth: number; pageHeight: number; textLeft: number; textWidth: number; pages: PageLayout[] }

const PAGE = { width: 595.28, height: 841.89 };
const MARGIN = { top: 25 * MM, bottom: 25 * MM, left: 25 * MM, right: 25 * MM };
const FOOTER_BASELINE = 14 * MM;
/** The verification QR sits in the bottom margin, flush with the right text edge, clear of the body. */
const QR = { size: 16 * MM, bottom: 5 * MM, gap: 4 * MM };
const LINK = { baseline: 9 * MM, size: 7, minSize: 4.5 };
const BODY = { size: 10.5, leading: 19 };
const TITLE = { size: 20, leading: 40 };
const HEADING = { size: 11, leading: 21, spaceBefore: 6 };
const CELL = { padX: 4, padY: 3, leading: 16 };
const BODY_HEIGHT = PAGE.height - MARGIN.top - MARGIN.bottom;
/** pdftotext reads gaps above ~0.1 em as spaces, so justification stays below that. */
const MAX_JUSTIFY_SPACING = 0.08;

interface FlowItem {
  height: number;
  spaceBefore: number;
  /** Number of following items that must land on the same page (no orphaned headings). */
  keepWithNext: number;
  /** Drawn first when this item opens a page (table header rows). */
  repeatHeader?: FlowItem;
  /**
   * `top` is the distance from the top edge of the page; `edges` says whether the item is the first
   * or last on its page (a table row split over a page break closes and reopens its frame there).
   */
  draw(page: PageLayout, top: number, edges: { opensPage: boolean; closesPage: boolean }): void;
}

type Advance = (cp: number) => number;

function measurer(face: FontFace, size: number): Advance {
  const scale = size / face.unitsPerEm;
  return (cp) => {
    const gid = face.glyphId(cp);
    if (gid === 0) throw new UnsupportedCharacterError([String.fromCodePoint(cp)], []);
    return face.advance(gid) * scale;
  };
}

const baseline = (top: number, leading: number, size: number) => PAGE.height - (top + leading / 2 + 0.36 * size);

function countChars(s: string): number {
  let n = 0;
  for (const _ of s) n++;
  return n;
}

function placeLine(line: BrokenLine, x: number, available: number, justify: boolean, style: FontStyle, size: number, y: number): PlacedText {
  const gaps = countChars(line.text) - 1;
  const spacing = justify && !line.last && gaps > 0 ? (available - line.width) / gaps : 0;
  const charSpacing = spacing > 0 && spacing <= MAX_JUSTIFY_SPACING * size ? spacing : 0;
  return { x, y, text: line.text, style, size, width: line.width + charSpacing * Math.max(gaps, 0), charSpacing };
}

class FlowBuilder {
  readonly items: FlowItem[] = [];
  private readonly left = MARGIN.left;
  readonly width = PAGE.width - MARGIN.left - MARGIN.right;
  private readonly advance: Record<FontStyle, Map<number, Advance>> = { regular: new Map(), bold: new Map() };

  constructor(private readonly fonts: LayoutFonts) {}

  measure(style: FontStyle, size: number): Advance {
    let m = this.advance[style].get(size);
    if (!m) {
      m = measurer(this.fonts[style], size);
      this.advance[style].set(size, m);
    }
    return m;
  }

  textWidth(text: string, style: FontStyle, size: number): number {
    const m = this.measure(style, size);
    let w = 0;
    for (const ch of text) w += m(ch.codePointAt(0)!);
    return w;
  }

  title(text: string): void {
    for (const line of breakLines(text, this.measure('bold', TITLE.size), { width: this.width })) {
      const x = this.left + (this.width - line.width) / 2;
      this.items.push({
        height: TITLE.leading, spaceBefore: 0, keepWithNext: 1,
        draw: (page, top) => page.texts.push(placeLine(line, x, this.width, false, 'bold', TITLE.size, baseline(top, TITLE.leading, TITLE.size))),
      });
    }
  }

  paragraph(text: string, opts: { indent: boolean; align: 'left' | 'right' | 'center'; bold: boolean }): void {
    const style: FontStyle = opts.bold ? 'bold' : 'regular';
    const indent = opts.indent ? 2 * BODY.size : 0;
    const lines = breakLines(text, this.measure(style, BODY.size), { width: this.width, firstLineWidth: this.width - indent });
    lines.forEach((line, i) => {
      const offset = i === 0 ? indent : 0;
      const available = this.width - offset;
      const x = this.left + offset + (opts.align === 'center' ? (available - line.width) / 2 : opts.align === 'right' ? available - line.width : 0);
      this.items.push({
        height: BODY.leading, spaceBefore: 0, keepWithNext: 0,
        draw: (page, top) => page.texts.push(placeLine(line, x, available, opts.align === 'left', style, BODY.size, baseline(top, BODY.leading, BODY.size))),
      });
    });
  }

  heading(text: string): void {
    for (const line of breakLines(text, this.measure('bold', HEADING.size), { width: this.width })) {
      this.items.push({
        height: HEADING.leading, spaceBefore: HEADING.spaceBefore, keepWithNext: 2,
        draw: (page, top) => page.texts.push(placeLine(line, this.left, this.width, false, 'bold', HEADING.size, baseline(top, HEADING.leading, HEADING.size))),
      });
    }
  }

  clause(number: string, text: string): void {
    const hang = Math.max(this.textWidth(number, 'regular', BODY.size) + BODY.size * 0.6, 2 * BODY.size);
    const available = this.width - hang;
    const lines = breakLines(text, this.measure('regular', BODY.size), { width: available });
    const numberWidth = this.textWidth(number, 'regular', BODY.size);
    lines.forEach((line, i) => {
      this.items.push({
        height: BODY.leading, spaceBefore: 0, keepWithNext: 0,
        draw: (page, top) => {
          const y = baseline(top, BODY.leading, BODY.size);
          if (i === 0) page.texts.push({ x: this.left, y, text: number, style: 'regular', size: BODY.size, width: numberWidth, charSpacing: 0 });
          page.texts.push(placeLine(line, this.left + hang, available, true, 'regular', BODY.size, y));
        },
      });
    });
  }

  private rowCells(cells: string[], colW: number[], styleOf: (col: number) => FontStyle): BrokenLine[][] {
    return cells.map((c, i) => breakLines(c, this.measure(styleOf(i), BODY.size), { width: colW[i] - 2 * CELL.padX }));
  }

  /**
   * One band of a table row: lines [from, to) of every cell. A row is one band unless it is taller than
   * a page; then it is a band per line, so it continues on the next page under the repeated header
   * instead of running over the footer.
   */
  private rowBand(broken: BrokenLine[][], from: number, to: number, colX: number[], colW: number[], styleOf: (col: number) => FontStyle): FlowItem {
    const first = from === 0;
    const last = to >= Math.max(...broken.map((b) => b.length));
    const padTop = first ? CELL.padY : 0;
    const height = (to - from) * CELL.leading + padTop + (last ? CELL.padY : 0);
    const right = this.left + this.width;
    return {
      height, spaceBefore: 0, keepWithNext: 0,
      draw: (page, top, edges) => {
        const yTop = PAGE.height - top;
        const yBottom = yTop - height;
        if (first || edges.opensPage) page.rules.push({ x1: this.left, y1: yTop, x2: right, y2: yTop });
        if (last || edges.closesPage) page.rules.push({ x1: this.left, y1: yBottom, x2: right, y2: yBottom });
        for (const x of [...colX, right]) page.rules.push({ x1: x, y1: yTop, x2: x, y2: yBottom });
        broken.forEach((lines, col) => {
          lines.slice(from, to).forEach((line, i) => {
            const y = baseline(top + padTop + i * CELL.leading, CELL.leading, BODY.size);
            page.texts.push(placeLine(line, colX[col] + CELL.padX, colW[col] - 2 * CELL.padX, false, styleOf(col), BODY.size, y));
          });
        });
      },
    };
  }

  private tableRow(cells: string[], colX: number[], colW: number[], styleOf: (col: number) => FontStyle): FlowItem {
    const broken = this.rowCells(cells, colW, styleOf);
    return this.rowBand(broken, 0, Math.max(...broken.map((b) => b.length)), colX, colW, styleOf);
  }

  /** The row's bands: one when it fits on a page below the header, else one per line. */
  private tableRowBands(cells: string[], colX: number[], colW: number[], styleOf: (col: number) => FontStyle, headerHeight: number): FlowItem[] {
    const broken = this.rowCells(cells, colW, styleOf);
    const lines = Math.max(...broken.map((b) => b.length));
    if (lines * CELL.leading + 2 * CELL.padY <= BODY_HEIGHT - headerHeight) return [this.rowBand(broken, 0, lines, colX, colW, styleOf)];
    return Array.from({ length: lines }, (_, i) => this.rowBand(broken, i, i + 1, colX, colW, styleOf));
  }

  table(block: Extract<ResolvedBlock, { kind: 'table' }>): void {
    const total = block.widths.reduce((a, b) => a + b, 0);
    const colW = block.widths.map((w) => (w / total) * this.width);
    const colX = colW.map((_, i) => this.left + colW.slice(0, i).reduce((a, b) => a + b, 0));
    const header = block.header ? this.tableRow(block.header, colX, colW, () => 'bold') : undefined;
    if (header) this.items.push({ ...header, spaceBefore: 4, keepWithNext: 1 });
    const styleOf = (col: number): FontStyle => (block.labelColumn && col === 0 ? 'bold' : 'regular');
    block.rows.forEach((row, i) => {
      this.tableRowBands(row, colX, colW, styleOf, header?.height ?? 0).forEach((band, b) => {
        this.items.push({ ...band, spaceBefore: !header && i === 0 && b === 0 ? 4 : 0, repeatHeader: header });
      });
    });
    this.items.push({ height: 6, spaceBefore: 0, keepWithNext: 0, draw: () => undefined });
  }

  signatures(block: Extract<ResolvedBlock, { kind: 'signatures' }>): void {
    const columnWidth = this.width / 2;
    const rows: (typeof block.parties)[] = [];
    for (let i = 0; i < block.parties.length; i += 2) rows.push(block.parties.slice(i, i + 2));
    for (const row of rows) {
      // Every line under a field is printed whole, wrapped within its column: a long name is never cut.
      const wrapped = row.map((p) => p.lines.flatMap((text) => breakLines(text, this.measure('regular', BODY.size), { width: columnWidth - 8 })));
      // Lines under the fields start at the same height in every column so dates line up.
      const fieldsHeight = Math.max(...row.map((p) => p.field.heightMm * MM));
      const height = BODY.leading + fieldsHeight + 4 + Math.max(...wrapped.map((w) => w.length)) * BODY.leading;
      this.items.push({
        height, spaceBefore: 24, keepWithNext: 0,
        draw: (page, top) => {
          row.forEach((party, col) => {
            const x = this.left + col * columnWidth;
            const m = this.measure('bold', BODY.size);
            const caption = breakLines(party.caption, m, { width: columnWidth - 8 })[0];
            page.texts.push(placeLine(caption, x, columnWidth, false, 'bold', BODY.size, baseline(top, BODY.leading, BODY.size)));
            const fieldTop = PAGE.height - (top + BODY.leading);
            const fieldHeight = party.field.heightMm * MM;
            page.fields.push({ role: party.role, rect: [x, fieldTop - fieldHeight, x + party.field.widthMm * MM, fieldTop] });
            wrapped[col].forEach((l, i) => {
              const lineTop = top + BODY.leading + fieldsHeight + 4 + i * BODY.leading;
              page.texts.push(placeLine(l, x, columnWidth, false, 'regular', BODY.size, baseline(lineTop, BODY.leading, BODY.size)));
            });
          });
        },
      });
    }
  }

  add(block: ResolvedBlock): void {
    switch (block.kind) {
      case 'title': return this.title(block.text);
      case 'paragraph': return this.paragraph(block.text, block);
      case 'heading': return this.heading(block.text);
      case 'clause': return this.clause(block.number, block.text);
      case 'table': return this.table(block);
      case 'signatures': return this.signatures(block);
      case 'spacer':
        this.items.push({ height: block.heightMm * MM, spaceBefore: 0, keepWithNext: 0, draw: () => undefined });
        return;
    }
  }
}

function paginate(items: FlowItem[]): PageLayout[] {
  // Places every item first, then draws, so an item knows whether it is the last on its page.
  const placed: { item: FlowItem; page: number; top: number; opensPage: boolean }[] = [];
  const limit = PAGE.height - MARGIN.bottom;
  let page = 0;
  let cursor = MARGIN.top;
  items.forEach((item, i) => {
    let need = item.spaceBefore + item.height;
    for (let k = 1; k <= item.keepWithNext && i + k < items.length; k++) need += items[i + k].spaceBefore + items[i + k].height;
    let opensPage = cursor === MARGIN.top;
    if (cursor + need > limit && cursor > MARGIN.top) {
      page += 1;
      cursor = MARGIN.top;
      opensPage = true;
      if (item.repeatHeader) {
        placed.push({ item: item.repeatHeader, page, top: cursor, opensPage: true });
        cursor += item.repeatHeader.height;
        opensPage = false;
      }
    } else if (cursor > MARGIN.top) {
      cursor += item.spaceBefore;
    }
    placed.push({ item, page, top: cursor, opensPage });
    cursor += item.height;
  });
  const pages: PageLayout[] = Array.from({ length: page + 1 }, () => ({ texts: [], rules: [], fields: [], fills: [] }));
  placed.forEach((p, i) => {
    const closesPage = i + 1 < placed.length && placed[i + 1].page !== p.page;
    p.item.draw(pages[p.page], p.top, { opensPage: p.opensPage, closesPage });
  });
  return pages;
}

export interface FooterOptions {
  /** Printed as a QR code and a short link in every page's footer, so a holder can check the copy. */
  verifyUrl?: string;
}

/**
 * Lays resolved blocks out on A4 pages: every line is measured against the text
 * width, headings keep with the lines after them, table headers repeat after a
 * break, and each page gets a centred footer built by `footer(page, pages)`.
 */
export function layoutDocument(
  blocks: ResolvedBlock[],
  fonts: LayoutFonts,
  footer: (page: number, pages: number) => string,
  options: FooterOptions = {},
): DocumentLayout {
  const flow = new FlowBuilder(fonts);
  for (const block of blocks) flow.add(block);
  const pages = paginate(flow.items);
  const size = 9;
  const right = MARGIN.left + flow.width;
  // With a QR code the footer lines centre in the space left of it, so nothing overlaps or leaves the margins.
  const footerWidth = options.verifyUrl ? flow.width - QR.size - QR.gap : flow.width;
  const qr = options.verifyUrl ? qrRects(options.verifyUrl, right - QR.size, QR.bottom, QR.size) : [];
  const link = options.verifyUrl ? `扫码核验：${options.verifyUrl}` : '';
  let linkSize = LINK.size;
  if (link) {
    const natural = flow.textWidth(link, 'regular', LINK.size);
    if (natural > footerWidth) linkSize = Math.max(LINK.minSize, (LINK.size * footerWidth) / natural);
  }
  pages.forEach((page, i) => {
    const text = footer(i + 1, pages.length);
    const width = flow.textWidth(text, 'regular', size);
    page.texts.push({ x: MARGIN.left + (footerWidth - width) / 2, y: FOOTER_BASELINE, text, style: 'regular', size, width, charSpacing: 0 });
    if (link) {
      const w = flow.textWidth(link, 'regular', linkSize);
      page.texts.push({ x: MARGIN.left + Math.max(0, (footerWidth - w) / 2), y: LINK.baseline, text: link, style: 'regular', size: linkSize, width: w, charSpacing: 0 });
      page.fills.push(...qr);
    }
  });
  return { pageWidth: PAGE.width, pageHeight: PAGE.height, textLeft: MARGIN.left, textWidth: flow.width, pages };
}
