/**
 * apPerClass, computeAp and smooth against Ultralytics' `ap_per_class`, `compute_ap` and `smooth` (metrics.py of
 * 8.3), restated in numpy 2.4 (a dev-only script): the expected numbers below are what it printed.
 */
import { describe, expect, it } from 'vitest';
import { apPerClass, argsortDescending, computeAp, CURVE_X, smooth } from '../../../src/eval/metrics/index.js';

function run(tp: number[][], conf: number[], predCls: number[], classes: number[], counts: number[]) {
  const c = Float32Array.from(conf);
  return apPerClass({
    tp: Uint8Array.from(tp.flat()), conf: c, predCls: Int32Array.from(predCls), nThresholds: tp[0]!.length,
    classes: Int32Array.from(classes), counts: Int32Array.from(counts), order: argsortDescending(c),
  });
}

describe('apPerClass (Ultralytics ap_per_class)', () => {
  it('one TP (0.9) and one FP (0.8) over two labels: P and R at the smoothed-F1 argmax, AP and the mean PR curve', () => {
    const r = run([[1], [0]], [0.9, 0.8], [0, 0], [0], [2]);
    expect(r.bestIndex).toBe(849);
    expect(CURVE_X[r.bestIndex]).toBe(0.8498498498498498);
    expect(r.p[0]).toBeCloseTo(0.7492492787830924, 12);
    expect(r.r[0]).toBeCloseTo(0.5, 12);
    expect(r.ap[0]).toBeCloseTo(0.6224999999999999, 12);
    expect([r.prMean[0], r.prMean[500], r.prMean[999]]).toEqual([1, 0.49949949949949946, 0]);
  });
  it('two classes, two IoU thresholds, detections interleaved across classes', () => {
    // class 0 (2 labels): 0.9 TP/TP, 0.6 TP/FP, 0.3 FP/FP; class 1 (1 label): 0.8 FP/FP, 0.5 TP/TP.
    const r = run([[1, 1], [0, 0], [1, 0], [1, 1], [0, 0]], [0.9, 0.8, 0.6, 0.5, 0.3], [0, 1, 0, 1, 0], [0, 1], [2, 1]);
    expect(r.bestIndex).toBe(478);
    expect(r.p[0]).toBeCloseTo(0.8649760660727253, 12);
    expect(r.p[1]).toBeCloseTo(0.5, 12);
    expect(Array.from(r.r)).toEqual([1, 1].map((v) => expect.closeTo(v, 12) as number));
    const want = [0.995, 0.5799999999999998, 0.4975, 0.4975];
    Array.from(r.ap).forEach((v, i) => expect(v).toBeCloseTo(want[i]!, 12));
    expect([r.prMean[0], r.prMean[300], r.prMean[700], r.prMean[999]]).toEqual([0.75, 0.75, 0.75, 0]);
  });
  it('a class without detections keeps AP 0, P 0, R 0 and is left out of the mean PR curve; detections of unlabelled classes are ignored', () => {
    const r = run([[1], [1]], [0.9, 0.7], [0, 5], [0, 1], [1, 3]);
    expect(Array.from(r.ap)).toEqual([expect.closeTo(0.995, 12) as number, 0]);
    expect(r.p[1]).toBe(0);
    expect(r.r[1]).toBe(0);
    // Only class 0 enters the mean PR curve: precision 1 up to recall 1, then 0.
    expect([r.prMean[0], r.prMean[998], r.prMean[999]]).toEqual([1, 1, 0]);
  });
});

describe('computeAp (Ultralytics compute_ap)', () => {
  it('adds the sentinels, takes the envelope and integrates 101 points; the scratch buffers give the same', () => {
    const a = computeAp([0.5], [1], 1);
    expect(a.ap).toBeCloseTo(0.75, 14);
    expect(Array.from(a.mrec)).toEqual([0, 0.5, 1]);
    expect(Array.from(a.mpre)).toEqual([1, 1, 0]);
    const into = { mrec: new Float64Array(10).fill(7), mpre: new Float64Array(10).fill(7) };
    const b = computeAp([0.25, 0.5, 0.5], [0.5, 1, 0.2], 3, into);
    expect(Array.from(b.mrec)).toEqual([0, 0.25, 0.5, 0.5, 1]);
    expect(Array.from(b.mpre)).toEqual([1, 1, 1, 0.2, 0]);
    expect(b.ap).toBe(computeAp([0.25, 0.5, 0.5], [0.5, 1, 0.2], 3).ap);
  });
});

describe('smooth (Ultralytics smooth)', () => {
  it('is a box filter of width round(2nf)//2 + 1 with edge padding: width 3 for 20 points at f = 0.1', () => {
    const y = Float64Array.from({ length: 20 }, (_, i) => i);
    const s = smooth(y, 0.1);
    expect(s).toHaveLength(20);
    expect(s[0]).toBeCloseTo(0.3333333333333333, 15);
    expect(s[1]).toBeCloseTo(1, 14);
    expect(s[2]).toBeCloseTo(2, 14);
    expect(s[19]).toBeCloseTo(18.666666666666664, 14);
  });
});
