import { describe, expect, it } from 'vitest';
import { handwritingSummary, HandwritingError, MAX_POINTS, normaliseHandwriting } from '../src/signing/index.js';
import { personStream } from '../src/signing/appearance.js';

describe('a drawn signature', () => {
  it('is cut to its ink and scaled into the unit box, proportions kept', () => {
    const h = normaliseHandwriting({ width: 400, height: 200, strokes: [[[50, 50], [250, 150]], [[150, 100]]] });
    expect(h.aspect).toBe(2);
    expect(h.strokes).toEqual([[[0, 0], [1, 1]], [[0.5, 0.5]]]);
  });

  it('keeps points drawn off the pad on its edge', () => {
    const h = normaliseHandwriting({ width: 100, height: 100, strokes: [[[-40, 10], [60, 260]]] });
    expect(h.strokes[0]).toEqual([[0, 0], [1, 1]]);
    expect(h.aspect).toBe(0.6667);
  });

  it('refuses a dot or a dash, and more points than a signature needs', () => {
    expect(() => normaliseHandwriting({ width: 300, height: 150, strokes: [[[100, 100], [103, 101]]] })).toThrow(HandwritingError);
    const many = Array.from({ length: MAX_POINTS + 1 }, (_, i) => [i % 300, i % 150] as [number, number]);
    expect(() => normaliseHandwriting({ width: 300, height: 150, strokes: [many] })).toThrow(/at most/);
  });

  it('a straight line keeps a bounded aspect, so the appearance never divides by zero', () => {
    const h = normaliseHandwriting({ width: 300, height: 150, strokes: [[[10, 75], [290, 75]]] });
    expect(h.aspect).toBe(50);
    expect(h.strokes[0]).toEqual([[0, 0.5], [1, 0.5]]);
  });

  it('is fingerprinted over exactly its paths', () => {
    const a = normaliseHandwriting({ width: 400, height: 200, strokes: [[[50, 50], [250, 150]]] });
    const b = normaliseHandwriting({ width: 400, height: 200, strokes: [[[50, 50], [250, 149]]] });
    expect(handwritingSummary(a)).toMatchObject({ strokes: 1, points: 2 });
    expect(handwritingSummary(a).sha256).not.toBe(handwritingSummary(b).sha256);
  });

  it('is stroked in the appearance beside the printed name, inside the field', () => {
    const h = normaliseHandwriting({ width: 400, height: 200, strokes: [[[50, 50], [250, 150]]] });
    const stream = personStream(170, 62, '陈冬梅', '电子签名', new Date('2026-12-03T06:00:00Z'), h);
    expect(stream).toContain('1.1 w 1 J 1 j');
    const ink = stream.slice(stream.indexOf('1.1 w 1 J 1 j'), stream.indexOf('\nQ', stream.indexOf('1.1 w 1 J 1 j')));
    const coords = [...ink.matchAll(/([\d.]+) ([\d.]+) [ml]\b/g)].map((m) => [Number(m[1]), Number(m[2])]);
    expect(coords).toHaveLength(2);
    for (const [x, y] of coords) {
      expect(x).toBeGreaterThanOrEqual(0);
      expect(x).toBeLessThanOrEqual(170);
      expect(y).toBeGreaterThanOrEqual(0);
      expect(y).toBeLessThanOrEqual(62);
    }
    expect(personStream(170, 62, '陈冬梅', '电子签名', new Date('2026-12-03T06:00:00Z'))).not.toContain('1 J 1 j');
  });
});
