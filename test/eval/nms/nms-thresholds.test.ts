/** The threshold and tie rules of nonMaxSuppression at their exact boundaries (strict comparisons, first-best class). */
import { describe, expect, it } from 'vitest';
import type { DenseCandidates } from '../../../src/eval/decode/decode.js';
import { MAX_WH, NMS_DEFAULTS, nonMaxSuppression } from '../../../src/eval/nms/nms.js';

function cands(nc: number, rows: { box: number[]; scores: number[] }[]): DenseCandidates {
  return { count: rows.length, numClasses: nc, boxesXyxy: Float32Array.from(rows.flatMap((r) => r.box)), classScores: Float32Array.from(rows.flatMap((r) => r.scores)) };
}
const A = [0, 0, 10, 10];
const HALF = [0, 0, 10, 5]; // IoU with A = 50 / 100 = 0.5 exactly (in float32 too)

describe('nonMaxSuppression boundaries', () => {
  it('the validator defaults', () => {
    expect(NMS_DEFAULTS).toEqual({ conf: 0.001, iou: 0.7, maxDet: 300, maxNms: 30_000, agnostic: false, multiLabel: true });
    expect(MAX_WH).toBe(7680);
  });

  it('suppresses only IoU strictly above the threshold: IoU = iou stays', () => {
    const c = cands(1, [{ box: A, scores: [0.9] }, { box: HALF, scores: [0.8] }]);
    expect(Array.from(nonMaxSuppression(c, { iou: 0.5 }).scores)).toEqual([0.9, 0.8].map(Math.fround));
    expect(Array.from(nonMaxSuppression(c, { iou: 0.49 }).scores)).toEqual([Math.fround(0.9)]);
  });

  it('a score equal to conf is dropped (strictly above), in multi-label and best-class modes', () => {
    const c = cands(2, [{ box: A, scores: [0.25, 0.5] }, { box: [50, 50, 60, 60], scores: [0.5, 0.25] }]);
    const multi = nonMaxSuppression(c, { conf: 0.25 });
    expect(Array.from(multi.classes)).toEqual([1, 0]);
    expect(Array.from(multi.scores)).toEqual([0.5, 0.5]);
    expect(Array.from(nonMaxSuppression(c, { conf: 0.5 }).scores)).toEqual([]);
    expect(Array.from(nonMaxSuppression(c, { conf: 0.5, multiLabel: false }).scores)).toEqual([]);
    expect(Array.from(nonMaxSuppression(c, { conf: 0.25, multiLabel: false }).classes)).toEqual([1, 0]);
  });

  it('best-class mode: the highest class score wins, a tie goes to the lower class; one class is never multi-label', () => {
    const tie = cands(3, [{ box: A, scores: [0.2, 0.6, 0.6] }]);
    expect(Array.from(nonMaxSuppression(tie, { multiLabel: false }).classes)).toEqual([1]);
    const last = cands(3, [{ box: A, scores: [0.2, 0.3, 0.6] }]);
    expect(Array.from(nonMaxSuppression(last, { multiLabel: false }).classes)).toEqual([2]);
    const first = cands(3, [{ box: A, scores: [0.7, 0.3, 0.6] }]);
    expect(Array.from(nonMaxSuppression(first, { multiLabel: false }).classes)).toEqual([0]);
    expect(Array.from(nonMaxSuppression(cands(1, [{ box: A, scores: [0.6] }])).classes)).toEqual([0]);
  });

  it('options left undefined keep their defaults', () => {
    const c = cands(1, [{ box: A, scores: [0.9] }, { box: [0, 0, 10, 8], scores: [0.8] }]); // IoU 0.8 > 0.7
    expect(nonMaxSuppression(c, { iou: undefined, conf: undefined }).scores.length).toBe(1);
  });

  it('returns the original (un-offset) boxes with their scores and classes, best first', () => {
    const c = cands(2, [{ box: [1, 2, 3, 4], scores: [0.1, 0.3] }, { box: [5, 6, 7, 8], scores: [0.9, 0.2] }]);
    const r = nonMaxSuppression(c);
    expect(Array.from(r.boxesXyxy)).toEqual([5, 6, 7, 8, 1, 2, 3, 4, 5, 6, 7, 8, 1, 2, 3, 4]);
    expect(Array.from(r.scores)).toEqual([0.9, 0.3, 0.2, 0.1].map(Math.fround));
    expect(Array.from(r.classes)).toEqual([0, 1, 1, 0]);
  });

  it('max_det counts over all classes, keeping the best: a class with many boxes cannot crowd out a better one', () => {
    const rows = [0.5, 0.4, 0.3].map((s, i) => ({ box: [i * 20, 0, i * 20 + 10, 10], scores: [s, 0] }));
    rows.push({ box: [100, 0, 110, 10], scores: [0, 0.45] });
    const r = nonMaxSuppression(cands(2, rows), { maxDet: 2 });
    expect(Array.from(r.scores)).toEqual([0.5, 0.45].map(Math.fround));
    expect(Array.from(r.classes)).toEqual([0, 1]);
    expect(Array.from(nonMaxSuppression(cands(2, rows), { maxDet: 3 }).scores)).toEqual([0.5, 0.45, 0.4].map(Math.fround));
  });

  it('max_nms keeps the highest scores, ties in candidate order, and counts (box, class) pairs', () => {
    const rows = [0.4, 0.9, 0.4, 0.4].map((s, i) => ({ box: [i * 20, 0, i * 20 + 10, 10], scores: [s] }));
    const r = nonMaxSuppression(cands(1, rows), { maxNms: 3 });
    expect(Array.from(r.boxesXyxy)).toEqual([20, 0, 30, 10, 0, 0, 10, 10, 40, 0, 50, 10]);
    const pairs = cands(2, [{ box: A, scores: [0.9, 0.8] }, { box: [50, 0, 60, 10], scores: [0.7, 0.6] }]);
    expect(Array.from(nonMaxSuppression(pairs, { maxNms: 3 }).scores)).toEqual([0.9, 0.8, 0.7].map(Math.fround));
    expect(Array.from(nonMaxSuppression(pairs, { maxNms: 4 }).scores)).toEqual([0.9, 0.8, 0.7, 0.6].map(Math.fround));
  });

  it('suppression uses float32 areas of the box itself: a box inside a larger one, IoU = area ratio', () => {
    const big = [0, 0, 20, 20];
    const inner = [0, 0, 20, 15]; // IoU 300 / 400 = 0.75
    const r = nonMaxSuppression(cands(1, [{ box: inner, scores: [0.9] }, { box: big, scores: [0.8] }]));
    expect(r.scores.length).toBe(1);
    expect(nonMaxSuppression(cands(1, [{ box: inner, scores: [0.9] }, { box: big, scores: [0.8] }]), { iou: 0.75 }).scores.length).toBe(2);
  });
});
