import { loadFontFile } from '../pdf/fontFiles.js';

export interface TableSlice { offset: number; length: number }

/**
 * A TrueType font parsed once per process. Layout and subsetting only ever need
 * glyph ids, advance widths and raw glyph bytes, so those are read straight from
 * the sfnt tables and cached per code point: per-document work must not touch the
 * 15 MB file again beyond copying the glyphs it uses.
 */
export class FontFace {
  readonly unitsPerEm: number;
  readonly ascent: number;
  readonly descent: number;
  readonly capHeight: number;
  readonly bbox: [number, number, number, number];
  readonly numGlyphs: number;
  private readonly view: DataView;
  private readonly tables = new Map<string, TableSlice>();
  private readonly longLoca: boolean;
  private readonly numberOfHMetrics: number;
  private readonly glyphByCodePoint = new Map<number, number>();

  constructor(
    readonly postscriptName: string,
    readonly bytes: Uint8Array,
    private readonly cmap: { glyphForCodePoint(cp: number): { id: number } },
  ) {
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    const numTables = this.view.getUint16(4);
    for (let i = 0; i < numTables; i++) {
      const rec = 12 + i * 16;
      const tag = String.fromCharCode(bytes[rec], bytes[rec + 1], bytes[rec + 2], bytes[rec + 3]);
      this.tables.set(tag, { offset: this.view.getUint32(rec + 8), length: this.view.getUint32(rec + 12) });
    }
    const head = this.table('head').offset;
    const hhea = this.table('hhea').offset;
    this.unitsPerEm = this.view.getUint16(head + 18);
    this.bbox = [0, 1, 2, 3].map((i) => this.view.getInt16(head + 36 + i * 2)) as FontFace['bbox'];
    this.longLoca = this.view.getInt16(head + 50) === 1;
    this.ascent = this.view.getInt16(hhea + 4);
    this.descent = this.view.getInt16(hhea + 6);
    this.numberOfHMetrics = this.view.getUint16(hhea + 34);
    this.numGlyphs = this.view.getUint16(this.table('maxp').offset + 4);
    const os2 = this.tables.get('OS/2');
    this.capHeight = os2 && os2.length >= 90 ? this.view.getInt16(os2.offset + 88) : this.ascent;
  }

  table(tag: string): TableSlice {
    const t = this.tables.get(tag);
    if (!t) throw new Error(`font ${this.postscriptName} lacks the ${tag} table`);
    return t;
  }

  optionalTable(tag: string): Uint8Array | undefined {
    const t = this.tables.get(tag);
    return t ? this.bytes.subarray(t.offset, t.offset + t.length) : undefined;
  }

  /** Glyph id for a code point; 0 (.notdef) when the font lacks it. */
  glyphId(codePoint: number): number {
    let gid = this.glyphByCodePoint.get(codePoint);
    if (gid === undefined) {
      gid = this.cmap.glyphForCodePoint(codePoint).id;
      this.glyphByCodePoint.set(codePoint, gid);
    }
    return gid;
  }

  has(codePoint: number): boolean {
    return this.glyphId(codePoint) !== 0;
  }

  /** Advance width in font units. */
  advance(gid: number): number {
    const hmtx = this.table('hmtx').offset;
    const i = Math.min(gid, this.numberOfHMetrics - 1);
    return this.view.getUint16(hmtx + i * 4);
  }

  leftSideBearing(gid: number): number {
    const hmtx = this.table('hmtx').offset;
    if (gid < this.numberOfHMetrics) return this.view.getInt16(hmtx + gid * 4 + 2);
    return this.view.getInt16(hmtx + this.numberOfHMetrics * 4 + (gid - this.numberOfHMetrics) * 2);
  }

  glyphBytes(gid: number): Uint8Array {
    const loca = this.table('loca').offset;
    const glyf = this.table('glyf').offset;
    const start = this.longLoca ? this.view.getUint32(loca + gid * 4) : this.view.getUint16(loca + gid * 2) * 2;
    const end = this.longLoca ? this.view.getUint32(loca + gid * 4 + 4) : this.view.getUint16(loca + gid * 2 + 2) * 2;
    return this.bytes.subarray(glyf + start, glyf + end);
  }
}

export async function loadFontFace(path: string): Promise<FontFace> {
  const { bytes, font: parsed } = loadFontFile(path);
  if (parsed.cff) throw new Error(`${path}: CFF-flavoured fonts are not supported; use a glyf TrueType font`);
  return new FontFace(parsed.postscriptName ?? 'Font', bytes, parsed);
}
