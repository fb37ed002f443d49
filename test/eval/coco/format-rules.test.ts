/**
 * Rules of parse.ts and summarize.ts that the other tests leave open: a results bbox must be an array of exactly
 * four numbers in the column path too (an array-like object or a fifth value is rejected, as parseCocoResults
 * does), and `formatFixed3` rounds half to even only on exact binary midpoints of the third decimal (x = odd/16):
 * other eighths (0.125, 0.375, …) are exact at three decimals and print as they are.
 */
import { describe, expect, it } from 'vitest';
import { parseCocoResultColumns, parseCocoResults } from '../../../src/eval/coco/index.js';
import { formatFixed3 } from '../../../src/eval/coco/summarize.js';

describe('results bbox: exactly 4 finite numbers in an array, in objects and in columns', () => {
  const good = { image_id: 1, category_id: 3, bbox: [1, 2, 3, 4], score: 0.5 };
  for (const [what, bbox] of [
    ['five numbers', [1, 2, 3, 4, 5]],
    ['an array-like object', { 0: 1, 1: 2, 2: 3, 3: 4, length: 4 }],
    ['a string of four characters', '1234'],
  ] as [string, unknown][]) {
    it(`rejects ${what}`, () => {
      const message = `p: [1].bbox must be 4 finite numbers [x, y, w, h] (got ${JSON.stringify(bbox)})`;
      expect(() => parseCocoResults([good, { ...good, bbox }], 'p')).toThrow(message);
      expect(() => parseCocoResultColumns([good, { ...good, bbox }], 'p')).toThrow(message);
    });
  }
});

describe('formatFixed3', () => {
  it('prints eighths (exact at three decimals) as they are and rounds sixteenths half to even', () => {
    expect([0.125, 0.375, 0.625, 0.875, 0.25, 0.75].map(formatFixed3)).toEqual(['0.125', '0.375', '0.625', '0.875', '0.250', '0.750']);
    expect([1 / 16, 3 / 16, 5 / 16, 7 / 16, 9 / 16, 11 / 16, 13 / 16, 15 / 16].map(formatFixed3))
      .toEqual(['0.062', '0.188', '0.312', '0.438', '0.562', '0.688', '0.812', '0.938']);
    expect([-0.125, -1 / 16, -3 / 16, 2.5].map(formatFixed3)).toEqual(['-0.125', '-0.062', '-0.188', '2.500']);
  });
});
