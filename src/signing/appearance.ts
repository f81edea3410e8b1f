// Appearance streams (/AP /N) for signature widgets. Everything is vector paths, so the form
// XObject needs no /Resources and renders identically in every viewer.
import { CHINA_UTC_OFFSET_MS } from '../chinaTime.js';
import { formatNumber as f } from '../pdf/cos.js';
import { glyph, textWidthEm, unitsPerEm, type FontWeight } from './glyphs.js';
import type { Appearance } from './types.js';
import type { Handwriting } from './handwriting.js';

const SEAL_RED = '0.85 0 0';
const INK = '0.05 0.05 0.15';
// Ideographs in Noto CJK sit on an em box from -0.12 to 0.88 em; its middle is the visual centre.
const IDEOGRAPH_CENTRE_EM = 0.38;

/** China Standard Time: the utilities are in China and UTC+8 has no DST. */
export const DISPLAY_UTC_OFFSET_MINUTES = CHINA_UTC_OFFSET_MS / 60_000;

export function formatDisplayTime(d: Date, offsetMinutes = DISPLAY_UTC_OFFSET_MINUTES): string {
  const t = new Date(d.getTime() + offsetMinutes * 60_000);
  const p = (n: number) => String(n).padStart(2, '0');
  return `${t.getUTCFullYear()}-${p(t.getUTCMonth() + 1)}-${p(t.getUTCDate())} ${p(t.getUTCHours())}:${p(t.getUTCMinutes())}`;
}

function glyphAt(out: string[], cp: number, weight: FontWeight, a: number, b: number, c: number, d: number, e: number, ff: number): void {
  const g = glyph(cp, weight);
  if (!g.ops) return;
  out.push(`q ${f4(a)} ${f4(b)} ${f4(c)} ${f4(d)} ${f(round2(e))} ${f(round2(ff))} cm\n${g.ops}\nf Q`);
}

const round2 = (n: number) => Math.round(n * 100) / 100;
const f4 = (n: number) => {
  const s = (Math.round(n * 1e5) / 1e5).toFixed(5).replace(/\.?0+$/, '');
  return s === '-0' || s === '' ? '0' : s;
};

/** Left-aligned run on a baseline; `squeeze` narrows glyphs as seal engravers do for long names. */
function textRun(out: string[], text: string, weight: FontWeight, size: number, x: number, baseline: number, squeeze = 1): void {
  const s = size / unitsPerEm(weight);
  let pen = x;
  for (const ch of text) {
    const cp = ch.codePointAt(0)!;
    glyphAt(out, cp, weight, s * squeeze, 0, 0, s, pen, baseline);
    pen += glyph(cp, weight).advance * s * squeeze;
  }
}

/** Glyph centred on (px, py), its "up" turned to angle `up` (radians from +x). */
function glyphCentred(out: string[], cp: number, weight: FontWeight, size: number, px: number, py: number, up: number, squeeze: number): void {
  const upem = unitsPerEm(weight);
  const g = glyph(cp, weight);
  const s = size / upem;
  const rot = up - Math.PI / 2;
  const cos = Math.cos(rot);
  const sin = Math.sin(rot);
  const a = cos * s * squeeze;
  const b = sin * s * squeeze;
  const c = -sin * s;
  const d = cos * s;
  const lx = -g.advance / 2;
  const ly = -IDEOGRAPH_CENTRE_EM * upem;
  glyphAt(out, cp, weight, a, b, c, d, px + a * lx + c * ly, py + b * lx + d * ly);
}

function circlePath(cx: number, cy: number, r: number): string {
  const k = 0.5522847498 * r;
  const p = (x: number, y: number) => `${f(round2(x))} ${f(round2(y))}`;
  return [
    `${p(cx + r, cy)} m`,
    `${p(cx + r, cy + k)} ${p(cx + k, cy + r)} ${p(cx, cy + r)} c`,
    `${p(cx - k, cy + r)} ${p(cx - r, cy + k)} ${p(cx - r, cy)} c`,
    `${p(cx - r, cy - k)} ${p(cx - k, cy - r)} ${p(cx, cy - r)} c`,
    `${p(cx + k, cy - r)} ${p(cx + r, cy - k)} ${p(cx + r, cy)} c`,
    'h',
  ].join('\n');
}

function starPath(cx: number, cy: number, r: number): string {
  const inner = r * 0.381966; // regular pentagram: inner/outer = 1/φ²
  const pts: string[] = [];
  for (let i = 0; i < 10; i++) {
    const ang = Math.PI / 2 + (i * Math.PI) / 5;
    const rr = i % 2 === 0 ? r : inner;
    pts.push(`${f(round2(cx + rr * Math.cos(ang)))} ${f(round2(cy + rr * Math.sin(ang)))} ${i === 0 ? 'm' : 'l'}`);
  }
  return pts.join('\n') + '\nh';
}

/** Red round seal (电子印章): ring, central star, name on the upper arc, seal number on the lower arc. */
export function sealStream(width: number, height: number, organisation: string, sealNumber: string, signedAt?: Date): string {
  const out: string[] = [];
  const R = (Math.min(width, height) / 2) * 0.96;
  // With a date the seal moves to the left of the field and the date stands beside it.
  const dated = signedAt !== undefined && width - 2 * R > height * 0.9;
  const cx = dated ? R / 0.96 : width / 2;
  const cy = height / 2;
  if (dated) {
    const t = new Date(signedAt.getTime() + DISPLAY_UTC_OFFSET_MINUTES * 60_000);
    const lines = ['签署日期', `${t.getUTCFullYear()}年${t.getUTCMonth() + 1}月${t.getUTCDate()}日`];
    const x = cx + R + height * 0.12;
    const room = width - x - height * 0.04;
    const size = Math.min(height * 0.14, room / Math.max(...lines.map((l) => textWidthEm(l, 'regular'))));
    out.push(`${INK} rg`);
    textRun(out, lines[0], 'regular', size * 0.8, x, cy + size * 0.5);
    textRun(out, lines[1], 'regular', size, x, cy - size * 1.1);
  }
  const ring = R * 0.065;
  out.push(`${SEAL_RED} rg ${SEAL_RED} RG`);
  out.push(`${f(round2(ring))} w\n${circlePath(cx, cy, R - ring / 2)}\nS`);
  out.push(`${starPath(cx, cy, R * 0.3)}\nf`);

  // Upper arc: characters stand radially (heads outward), reading clockwise from lower left.
  const name = [...organisation];
  if (name.length > 0) {
    const rText = R * 0.68;
    let size = R * 0.27;
    const maxSpan = (240 * Math.PI) / 180;
    const step = (size * 1.08) / rText;
    let squeeze = 1;
    let span = step * (name.length - 1);
    if (span > maxSpan) {
      // Long names: narrow and shrink the glyphs to stay within the arc, as real seals do.
      const factor = maxSpan / span;
      squeeze = Math.max(0.55, factor);
      size *= Math.max(0.7, factor / squeeze);
      span = maxSpan;
    }
    const stepA = name.length > 1 ? span / (name.length - 1) : 0;
    const start = Math.PI / 2 + span / 2;
    name.forEach((ch, i) => {
      const th = start - i * stepA;
      glyphCentred(out, ch.codePointAt(0)!, 'bold', size, cx + rText * Math.cos(th), cy + rText * Math.sin(th), th, squeeze);
    });
  }

  // Lower arc: seal number, heads towards the centre, reading left to right.
  const digits = [...sealNumber];
  if (digits.length > 0) {
    const rNum = R * 0.76;
    const size = R * 0.13;
    const advEm = textWidthEm(sealNumber, 'regular') / digits.length;
    let stepA = (size * advEm * 1.05) / rNum;
    const maxSpan = (100 * Math.PI) / 180;
    if (stepA * (digits.length - 1) > maxSpan) stepA = maxSpan / (digits.length - 1);
    const start = (3 * Math.PI) / 2 - (stepA * (digits.length - 1)) / 2;
    digits.forEach((ch, i) => {
      const th = start + i * stepA;
      glyphCentred(out, ch.codePointAt(0)!, 'regular', size, cx + rNum * Math.cos(th), cy + rNum * Math.sin(th), th + Math.PI, 1);
    });
  }
  return out.join('\n');
}

/** Drawn strokes fitted into the box (x, y: lower left; PDF units), centred, proportions kept. */
function inkPaths(out: string[], h: Handwriting, x: number, y: number, w: number, boxH: number): void {
  const scale = Math.min(w / h.aspect, boxH);
  const inkW = scale * h.aspect;
  const left = x + (w - inkW) / 2;
  const top = y + (boxH + scale) / 2;
  const p = (px: number, py: number) => `${f(round2(left + px * inkW))} ${f(round2(top - py * scale))}`;
  out.push(`q ${INK} RG 1.1 w 1 J 1 j`);
  for (const stroke of h.strokes) {
    // A single point is a dot: a zero-length segment with round caps draws it.
    const pts = stroke.length === 1 ? [stroke[0], stroke[0]] : stroke;
    out.push(`${p(pts[0][0], pts[0][1])} m ${pts.slice(1).map(([a, b]) => `${p(a, b)} l`).join(' ')} S`);
  }
  out.push('Q');
}

/**
 * Personal signature: the name large, then caption and local time on one line beneath it. With a drawn
 * signature, the drawing takes the left of the space above the line and the printed name the right.
 */
export function personStream(width: number, height: number, nameText: string, caption: string, signedAt: Date, handwriting?: Handwriting): string {
  const out: string[] = [];
  const pad = Math.min(width, height) * 0.06;
  const innerW = width - 2 * pad;
  const time = formatDisplayTime(signedAt);

  const lineText = caption ? `${caption}  ${time}` : time;
  const lineEm = Math.max(textWidthEm(lineText, 'regular'), 0.01);
  const lineSize = Math.min(height * 0.2, innerW / lineEm);
  const ruleY = pad + lineSize * 1.25;
  const nameEm = Math.max(textWidthEm(nameText, 'bold'), 0.01);

  out.push(`${INK} rg`);
  if (handwriting) {
    const above = height - pad - (ruleY + pad * 0.5);
    const inkW = innerW * 0.62;
    inkPaths(out, handwriting, pad, ruleY + pad * 0.5, inkW, above);
    const nameW = innerW - inkW - pad;
    const nameSize = Math.min(above * 0.45, nameW / nameEm);
    textRun(out, nameText, 'bold', nameSize, pad + inkW + pad, ruleY + pad * 0.5 + (above - nameSize * 0.76) / 2);
  } else {
    const nameSize = Math.min(height * 0.52, innerW / nameEm);
    textRun(out, nameText, 'bold', nameSize, pad, height - pad - nameSize * 0.88);
  }
  // Thin rule between the signature and its legend, like the line on a paper form.
  out.push(`0.4 0.4 0.4 RG 0.5 w ${f(round2(pad))} ${f(round2(ruleY))} m ${f(round2(width - pad))} ${f(round2(ruleY))} l S`);
  textRun(out, lineText, 'regular', lineSize, pad, pad + lineSize * 0.15);
  return out.join('\n');
}

export function appearanceStream(a: Appearance, width: number, height: number): string {
  return a.kind === 'seal'
    ? sealStream(width, height, a.organisation, a.sealNumber, a.signedAt)
    : personStream(width, height, a.name, a.caption, a.signedAt, a.handwriting);
}
