import { describe, expect, it } from 'vitest';
import { UnsupportedOpError } from '../../../src/core/errors.js';
import { decodeOutput } from '../../../src/eval/decode/decode.js';
import { resolveLayout } from '../../../src/eval/decode/layouts.js';

describe('resolveLayout', () => {
  it('detects the three layouts from shape and class count', () => {
    expect(resolveLayout([1, 84, 8400], { numClasses: 80 })).toEqual({ layout: 'v8', numClasses: 80, count: 8400 });
    expect(resolveLayout([1, 5, 8400], { numClasses: 1 })).toEqual({ layout: 'v8', numClasses: 1, count: 8400 });
    expect(resolveLayout([1, 25200, 7], { numClasses: 2 })).toEqual({ layout: 'v5', numClasses: 2, count: 25200 });
    expect(resolveLayout([1, 25200, 6], { numClasses: 1 })).toEqual({ layout: 'v5', numClasses: 1, count: 25200 });
    expect(resolveLayout([1, 300, 6], { numClasses: 80 })).toEqual({ layout: 'e2e', numClasses: 80, count: 300 });
  });

  it('guesses without a class count', () => {
    expect(resolveLayout([1, 84, 8400]).layout).toBe('v8');
    expect(resolveLayout([1, 25200, 85]).layout).toBe('v5');
    expect(resolveLayout([1, 300, 6]).layout).toBe('e2e');
  });

  it('honours an override and checks it against the shape', () => {
    expect(resolveLayout([1, 84, 8400], { numClasses: 3, override: 'v8' }).numClasses).toBe(80);
    expect(() => resolveLayout([1, 84, 8400], { override: 'e2e' })).toThrow(/e2e needs 6 columns/);
  });

  it('throws UnsupportedOpError naming the shape and the supported layouts', () => {
    const cases: (number | string)[][] = [[1, 10, 10, 10], [1, 84, 8400, 1], [2, 84, 8400], [1, 'n', 8400]];
    for (const dims of cases) {
      expect(() => resolveLayout(dims, { numClasses: 80 })).toThrow(UnsupportedOpError);
    }
    try {
      resolveLayout([1, 90, 8400], { numClasses: 80, output: 'out' });
    } catch (e) {
      expect((e as Error).message).toMatch(/output 'out' has shape \[1,90,8400\].*v8 \[B,4\+nc,N\].*v5 \[B,N,5\+nc\].*e2e \[B,K,6\].*--layout/);
    }
    expect(() => resolveLayout([1, 90, 8400], { numClasses: 80 })).toThrow(/matches no layout for 80 classes/);
  });
});

describe('decodeOutput', () => {
  it('v8: channel-major cx cy w h + scores → xyxy candidates above the threshold', () => {
    // 2 classes, 3 anchors: [4+2, 3]
    const data = Float32Array.from([
      10, 50, 90, // cx
      20, 60, 100, // cy
      4, 8, 2, // w
      6, 10, 2, // h
      0.9, 0.0005, 0.2, // class 0
      0.1, 0.0002, 0.3, // class 1
    ]);
    const d = decodeOutput(data, { layout: 'v8', numClasses: 2, count: 3 }, 0.001);
    expect(d.kind).toBe('dense');
    if (d.kind !== 'dense') return;
    expect(d.candidates.count).toBe(2);
    expect(Array.from(d.candidates.boxesXyxy)).toEqual([8, 17, 12, 23, 89, 99, 91, 101]);
    expect(Array.from(d.candidates.classScores)).toEqual([0.9, 0.1, 0.2, 0.3].map(Math.fround));
  });

  it('v5: row-major, objectness filter, score = objectness × class', () => {
    const data = Float32Array.from([
      10, 10, 4, 4, 0.5, 0.8, 0.2,
      30, 30, 2, 2, 0.0005, 1, 1,
    ]);
    const d = decodeOutput(data, { layout: 'v5', numClasses: 2, count: 2 }, 0.001);
    if (d.kind !== 'dense') throw new Error('expected dense');
    expect(d.candidates.count).toBe(1);
    expect(Array.from(d.candidates.boxesXyxy)).toEqual([8, 8, 12, 12]);
    expect(Array.from(d.candidates.classScores)).toEqual([Math.fround(0.4), Math.fround(Math.fround(0.2) * 0.5)]);
  });

  it('e2e: rows above the threshold are the detections', () => {
    const data = Float32Array.from([1, 2, 3, 4, 0.9, 7, 5, 6, 7, 8, 0.0001, 2, 9, 9, 19, 19, 0.5, 0]);
    const d = decodeOutput(data, { layout: 'e2e', numClasses: 80, count: 3 }, 0.001);
    if (d.kind !== 'final') throw new Error('expected final');
    expect(Array.from(d.detections.classes)).toEqual([7, 0]);
    expect(Array.from(d.detections.boxesXyxy)).toEqual([1, 2, 3, 4, 9, 9, 19, 19]);
  });
});
