import { createHash } from 'node:crypto';

/** A drawn signature, ink only: points in [0, 1] × [0, 1] of the ink's bounding box (y down), and its width/height. */
export interface Handwriting {
  aspect: number;
  strokes: [number, number][][];
}

export interface DrawnSignature {
  /** The drawing surface, in the units of the points (CSS pixels for a canvas). */
  width: number;
  height: number;
  strokes: [number, number][][];
}

export class HandwritingError extends Error {}

/** Points beyond this say nothing more about a signature and only make the appearance stream heavy. */
export const MAX_POINTS = 10_000;

const round = (n: number) => Math.round(n * 10_000) / 10_000;

/**
 * Cuts the drawing to its ink and scales that into the unit box, keeping its proportions, so the
 * appearance can place it wherever it has room. A drawing with next to no ink (a tap, a dot) is not a
 * signature and is refused.
 */
export function normaliseHandwriting(d: DrawnSignature): Handwriting {
  const points = d.strokes.reduce((n, s) => n + s.length, 0);
  if (points > MAX_POINTS) throw new HandwritingError(`the drawing has ${points} points; at most ${MAX_POINTS}`);
  const clamp = (v: number, max: number) => Math.min(Math.max(v, 0), max);
  const strokes = d.strokes.map((s) => s.map(([x, y]) => [clamp(x, d.width), clamp(y, d.height)] as [number, number]));
  const xs = strokes.flat().map((p) => p[0]);
  const ys = strokes.flat().map((p) => p[1]);
  const [minX, maxX, minY, maxY] = [Math.min(...xs), Math.max(...xs), Math.min(...ys), Math.max(...ys)];
  const w = maxX - minX;
  const h = maxY - minY;
  // Less than 4 % of the pad either way: a dot or a dash, not a name.
  if (Math.max(w / d.width, h / d.height) < 0.04) throw new HandwritingError('the drawing is too small to be a signature');
  const side = Math.max(w, h);
  return {
    aspect: round(Math.max(w, side / 50) / Math.max(h, side / 50)),
    strokes: strokes.map((s) => s.map(([x, y]) => [round(w > 0 ? (x - minX) / w : 0.5), round(h > 0 ? (y - minY) / h : 0.5)] as [number, number])),
  };
}

/** What the evidence keeps of a drawing: its size and a fingerprint of exactly the drawn paths. */
export function handwritingSummary(h: Handwriting): { strokes: number; points: number; sha256: string } {
  return {
    strokes: h.strokes.length,
    points: h.strokes.reduce((n, s) => n + s.length, 0),
    sha256: createHash('sha256').update(JSON.stringify(h)).digest('hex'),
  };
}
