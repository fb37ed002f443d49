/** nonMaxSuppression's arithmetic: boxes away from the origin, the suppressing box not first, float32 class offsets, > 2^21 candidates. */
import { describe, expect, it } from 'vitest';
import type { DenseCandidates } from '../../../src/eval/decode/decode.js';
import { nonMaxSuppression } from '../../../src/eval/nms/nms.js';

function cands(nc: number, rows: { box: number[]; scores: number[] }[]): DenseCandidates {
  return { count: rows.length, numClasses: nc, boxesXyxy: Float32Array.from(rows.flatMap((r) => r.box)), classScores: Float32Array.from(rows.flatMap((r) => r.scores)) };
}

describe('nonMaxSuppression geometry', () => {
  it('suppresses by the IoU of boxes away from the origin, whatever their candidate index', () => {
    const P = [100, 200, 140, 260]; // 40 × 60
    const Q = [104, 200, 144, 260]; // IoU with P = 36·60 / (2·2400 − 2160) = 0.818
    const R = [100, 218, 140, 278]; // IoU with P = 40·42 / (4800 − 1680) = 0.538
    const FAR = [300, 300, 310, 310];
    const r = nonMaxSuppression(cands(1, [{ box: FAR, scores: [0.3] }, { box: Q, scores: [0.8] }, { box: P, scores: [0.9] }, { box: R, scores: [0.7] }]));
    expect(Array.from(r.boxesXyxy)).toEqual([...P, ...R, ...FAR]);
    expect(Array.from(r.scores)).toEqual([0.9, 0.7, 0.3].map(Math.fround));
    // Taller R2 overlaps P by 40·52 / (2400 + 2880 − 2080) = 0.65: still kept at iou 0.7, removed at 0.6.
    const R2 = [100, 208, 140, 280];
    expect(nonMaxSuppression(cands(1, [{ box: FAR, scores: [0.3] }, { box: P, scores: [0.9] }, { box: R2, scores: [0.7] }])).scores.length).toBe(3);
    expect(nonMaxSuppression(cands(1, [{ box: FAR, scores: [0.3] }, { box: P, scores: [0.9] }, { box: R2, scores: [0.7] }]), { iou: 0.6 }).scores.length).toBe(2);
  });

  it('computes IoU on float32 boxes shifted by class × 7680, as torch does: the rounding can decide', () => {
    // Two boxes whose IoU is 0.69997 in float32 at their own place and 0.70001 once shifted by 7680 (class 1).
    const a = [1233.2989501953125, 946.5773315429688, 1243.2989501953125, 956.5773315429688];
    const b = [1235.0638427734375, 946.5773315429688, 1245.0638427734375, 956.5773315429688];
    const asClass = (k: number) => cands(2, [{ box: a, scores: k === 0 ? [0.9, 0] : [0, 0.9] }, { box: b, scores: k === 0 ? [0.8, 0] : [0, 0.8] }]);
    expect(nonMaxSuppression(asClass(0)).scores.length).toBe(2);
    expect(nonMaxSuppression(asClass(1)).scores.length).toBe(1);
    // Class-agnostic: no shift, like class 0.
    expect(nonMaxSuppression(asClass(1), { agnostic: true }).scores.length).toBe(2);
  });

  it('more than 2^21 candidates: the top max_nms by score, ties in candidate order', () => {
    const n = 2 ** 21 + 2;
    const scores = new Float32Array(n).fill(0.1);
    const boxes = new Float32Array(n * 4);
    for (let i = 0; i < n; i++) boxes.set([0, 0, 10, 10], i * 4);
    const top = [5, 2 ** 21, 2 ** 21 + 1];
    [0.9, 0.9, 0.8].forEach((s, r) => { scores[top[r]!] = s; boxes.set([r * 20, 0, r * 20 + 10, 10], top[r]! * 4); });
    const r = nonMaxSuppression({ count: n, numClasses: 1, boxesXyxy: boxes, classScores: scores }, { maxNms: 3 });
    expect(Array.from(r.scores)).toEqual([0.9, 0.9, 0.8].map(Math.fround));
    expect(Array.from(r.boxesXyxy)).toEqual([0, 0, 10, 10, 20, 0, 30, 10, 40, 0, 50, 10]);
  });
});
