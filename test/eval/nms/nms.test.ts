import { describe, expect, it } from 'vitest';
import type { DenseCandidates } from '../../../src/eval/decode/decode.js';
import { nonMaxSuppression } from '../../../src/eval/nms/nms.js';

function cands(nc: number, rows: { box: number[]; scores: number[] }[]): DenseCandidates {
  return {
    count: rows.length, numClasses: nc,
    boxesXyxy: Float32Array.from(rows.flatMap((r) => r.box)),
    classScores: Float32Array.from(rows.flatMap((r) => r.scores)),
  };
}

const A = [0, 0, 10, 10];
const B80 = [0, 0, 10, 8]; // IoU with A = 80/100 = 0.8
const B60 = [0, 0, 10, 6]; // IoU with A = 0.6
const FAR = [50, 50, 60, 60];

describe('nonMaxSuppression (Ultralytics validator semantics)', () => {
  it('suppresses a same-class box with IoU > 0.7, keeps one at 0.6', () => {
    const r = nonMaxSuppression(cands(1, [{ box: A, scores: [0.9] }, { box: B80, scores: [0.8] }, { box: B60, scores: [0.7] }]));
    expect(Array.from(r.scores)).toEqual([0.9, 0.7].map(Math.fround));
    expect(Array.from(r.boxesXyxy)).toEqual([...A, ...B60]);
  });

  it('is class-aware: overlapping boxes of different classes both stay; agnostic keeps one', () => {
    const c = cands(2, [{ box: A, scores: [0.9, 0] }, { box: B80, scores: [0, 0.8] }]);
    expect(Array.from(nonMaxSuppression(c).classes)).toEqual([0, 1]);
    expect(Array.from(nonMaxSuppression(c, { agnostic: true }).classes)).toEqual([0]);
  });

  it('multi-label: one box yields a detection per class above conf; best-class mode only the top one', () => {
    const c = cands(3, [{ box: A, scores: [0.6, 0.3, 0.0005] }]);
    const multi = nonMaxSuppression(c);
    expect(Array.from(multi.classes)).toEqual([0, 1]);
    expect(Array.from(multi.boxesXyxy)).toEqual([...A, ...A]);
    expect(Array.from(nonMaxSuppression(c, { multiLabel: false }).classes)).toEqual([0]);
  });

  it('filters strictly above conf, orders by score, caps at max_det', () => {
    const rows = [0.3, 0.001, 0.9, 0.5].map((s, i) => ({ box: [i * 20, 0, i * 20 + 10, 10], scores: [s] }));
    const r = nonMaxSuppression(cands(1, rows));
    expect(Array.from(r.scores)).toEqual([0.9, 0.5, 0.3].map(Math.fround));
    expect(nonMaxSuppression(cands(1, rows), { maxDet: 2 }).scores.length).toBe(2);
    expect(nonMaxSuppression(cands(1, rows), { conf: 0.5 }).scores.length).toBe(1);
  });

  it('keeps equal scores in candidate order (stable sort, as torchvision)', () => {
    const r = nonMaxSuppression(cands(1, [{ box: A, scores: [0.5] }, { box: B80, scores: [0.5] }, { box: FAR, scores: [0.5] }]));
    expect(Array.from(r.boxesXyxy)).toEqual([...A, ...FAR]);
  });

  it('sends only the max_nms best boxes into NMS', () => {
    const rows = [0.2, 0.9, 0.4].map((s, i) => ({ box: [i * 20, 0, i * 20 + 10, 10], scores: [s] }));
    const r = nonMaxSuppression(cands(1, rows), { maxNms: 2 });
    expect(Array.from(r.scores)).toEqual([0.9, 0.4].map(Math.fround));
  });

  it('suppresses greedily: a box removed by a stronger one cannot remove others', () => {
    // A (0.9) removes B80 (0.8) and C (IoU 0.8); D overlaps neither kept box above 0.7 → D stays.
    const C = [0, 2, 10, 10];
    const D = [0, 3.5, 10, 11.5]; // IoU(D, A) = 65/115 ≈ 0.565; IoU(D, B80) = 45/(80+80-45) ≈ 0.39
    const r = nonMaxSuppression(cands(1, [{ box: A, scores: [0.9] }, { box: B80, scores: [0.8] }, { box: C, scores: [0.7] }, { box: D, scores: [0.6] }]));
    expect(Array.from(r.scores)).toEqual([0.9, 0.6].map(Math.fround));
  });

  it('returns nothing for no candidates and does not modify its input', () => {
    expect(nonMaxSuppression(cands(2, [])).scores.length).toBe(0);
    const c = cands(1, [{ box: A, scores: [0.9] }]);
    const before = Array.from(c.boxesXyxy);
    nonMaxSuppression(c);
    expect(Array.from(c.boxesXyxy)).toEqual(before);
  });
});
