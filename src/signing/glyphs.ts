// Text in appearances is drawn as glyph outlines so the incremental revision never has to embed
// (or subset) a 15 MB CJK font: a stamp stays a few KB and needs no font resources at all.
import { createRequire } from 'node:module';
import { loadFontFile, type ParsedFont } from '../pdf/fontFiles.js';
import { formatNumber } from '../pdf/cos.js';

export type FontWeight = 'regular' | 'bold';

export interface GlyphOutline {
  /** PDF path operators (m l c h) in font units, y up; fill with f. Empty for blanks. */
  ops: string;
  /** Advance width in font units. */
  advance: number;
}

interface LoadedFont {
  font: ParsedFont;
  unitsPerEm: number;
  glyphs: Map<number, GlyphOutline>;
}

const FONT_FILES: Record<FontWeight, string> = {
  regular: '@expo-google-fonts/noto-serif-sc/400Regular/NotoSerifSC_400Regular.ttf',
  bold: '@expo-google-fonts/noto-serif-sc/700Bold/NotoSerifSC_700Bold.ttf',
};

const fonts = new Map<FontWeight, LoadedFont>();
const require = createRequire(import.meta.url);

// Parsing costs ~50 ms, so do it once per process; warmUpGlyphs() lets a server pay it at start-up.
function loadFont(weight: FontWeight): LoadedFont {
  let f = fonts.get(weight);
  if (!f) {
    const { font } = loadFontFile(require.resolve(FONT_FILES[weight]));
    f = { font, unitsPerEm: font.unitsPerEm, glyphs: new Map() };
    fonts.set(weight, f);
  }
  return f;
}

export function unitsPerEm(weight: FontWeight): number {
  return loadFont(weight).unitsPerEm;
}

// Whole font units (1/1000 em) are far below a device pixel at any stamp size.
const fmt = (n: number) => formatNumber(Math.round(n));

export function glyph(codePoint: number, weight: FontWeight): GlyphOutline {
  const f = loadFont(weight);
  let g = f.glyphs.get(codePoint);
  if (g) return g;
  const fg = f.font.glyphForCodePoint(codePoint);
  const parts: string[] = [];
  let cx = 0;
  let cy = 0;
  for (const cmd of (fg.path as unknown as { commands: Array<{ command: string; args: number[] }> }).commands) {
    const a = cmd.args;
    switch (cmd.command) {
      case 'moveTo':
        parts.push(`${fmt(a[0])} ${fmt(a[1])} m`);
        [cx, cy] = [a[0], a[1]];
        break;
      case 'lineTo':
        parts.push(`${fmt(a[0])} ${fmt(a[1])} l`);
        [cx, cy] = [a[0], a[1]];
        break;
      case 'quadraticCurveTo': {
        // PDF has only cubic Béziers: control points at 2/3 of the way to the quadratic control point.
        const [qx, qy, x, y] = a;
        parts.push(
          `${fmt(cx + (2 / 3) * (qx - cx))} ${fmt(cy + (2 / 3) * (qy - cy))} ` +
            `${fmt(x + (2 / 3) * (qx - x))} ${fmt(y + (2 / 3) * (qy - y))} ${fmt(x)} ${fmt(y)} c`,
        );
        [cx, cy] = [x, y];
        break;
      }
      case 'bezierCurveTo':
        parts.push(`${fmt(a[0])} ${fmt(a[1])} ${fmt(a[2])} ${fmt(a[3])} ${fmt(a[4])} ${fmt(a[5])} c`);
        [cx, cy] = [a[4], a[5]];
        break;
      case 'closePath':
        parts.push('h');
        break;
    }
  }
  g = { ops: parts.join('\n'), advance: fg.advanceWidth };
  f.glyphs.set(codePoint, g);
  return g;
}

/** Advance of a string in em. */
export function textWidthEm(text: string, weight: FontWeight): number {
  const upem = unitsPerEm(weight);
  let w = 0;
  for (const ch of text) w += glyph(ch.codePointAt(0)!, weight).advance;
  return w / upem;
}

export function warmUpGlyphs(text = '0123456789-: 电子签名印章公司有限'): void {
  for (const weight of ['regular', 'bold'] as const) for (const ch of text) glyph(ch.codePointAt(0)!, weight);
}
