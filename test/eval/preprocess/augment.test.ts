/**
 * Calibration augmentations: flipWidth mirrors an NCHW tensor along W only (hand-checked values, an involution,
 * shape errors); padCentred places a small image in the middle of a grey canvas.
 */
import { describe, expect, it } from 'vitest';
import { flipWidth, padCentred, PAD_VALUE } from '../../../src/eval/index.js';

describe('flipWidth', () => {
  it('mirrors every row of every channel along the last axis, nothing else', () => {
    // [1, 2, 2, 3]: channel 0 rows [0 1 2] [3 4 5], channel 1 rows [6 7 8] [9 10 11].
    const x = Float32Array.from({ length: 12 }, (_, i) => i);
    expect(Array.from(flipWidth(x, [1, 2, 2, 3]))).toEqual([2, 1, 0, 5, 4, 3, 8, 7, 6, 11, 10, 9]);
    // An even width swaps the two middle columns too.
    expect(Array.from(flipWidth(Float32Array.of(1, 2, 3, 4), [1, 1, 1, 4]))).toEqual([4, 3, 2, 1]);
    expect(Array.from(x)).toEqual(Array.from({ length: 12 }, (_, i) => i)); // input untouched
  });

  it('is its own inverse and keeps the values (a permutation)', () => {
    const x = Float32Array.from({ length: 2 * 3 * 5 * 7 }, (_, i) => Math.sin(i * 1.7));
    const f = flipWidth(x, [2, 3, 5, 7]);
    expect(f).not.toEqual(x);
    expect(flipWidth(f, [2, 3, 5, 7])).toEqual(x);
    expect(Array.from(f).sort()).toEqual(Array.from(x).sort());
  });

  it('rejects data that does not match the dims', () => {
    expect(() => flipWidth(new Float32Array(10), [1, 3, 2, 2])).toThrow(/10 values do not match dims \[1,3,2,2\]/);
    expect(() => flipWidth(new Float32Array(4), [4])).toThrow(RangeError);
  });
});

describe('padCentred', () => {
  it('puts a [1,3,2,2] image at offset ⌊(5 − 2)/2⌋ = 1 of a 5×5 grey canvas, channel by channel', () => {
    const small = Float32Array.from({ length: 12 }, (_, i) => i / 255);
    const out = padCentred(small, 2, 5);
    const grey = Math.fround(PAD_VALUE / 255);
    expect(out).toHaveLength(75);
    for (let c = 0; c < 3; c++) for (let y = 0; y < 5; y++) for (let x = 0; x < 5; x++) {
      const inside = y >= 1 && y < 3 && x >= 1 && x < 3;
      expect(out[(c * 5 + y) * 5 + x]).toBe(inside ? small[(c * 2 + y - 1) * 2 + x - 1] : grey);
    }
    expect(padCentred(small, 2, 2)).toEqual(small);
    expect(() => padCentred(small, 3, 5)).toThrow(/12 values are not a \[1,3,3,3\] image fitting in 5×5/);
    expect(() => padCentred(small, 2, 1)).toThrow(RangeError);
  });
});
