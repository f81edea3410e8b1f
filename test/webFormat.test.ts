import { describe, expect, it } from 'vitest';
import { chineseDeadline } from '../src/web/format.js';

describe('deadline wording on the pages', () => {
  it('names the last working day itself, at 24:00 China time', () => {
    // 2026-12-02 00:00 in China is the end of 1 December.
    expect(chineseDeadline('2026-12-01T16:00:00.000Z')).toBe('2026年12月1日 24:00');
    expect(chineseDeadline('2026-12-01T07:30:00.000Z')).toBe('2026年12月1日 15:30');
  });
});
