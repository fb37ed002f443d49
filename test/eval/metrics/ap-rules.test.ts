/**
 * apPerClass rules the Ultralytics cross-checks leave open (read from StrykerJS survivors): a class with detections
 * but no labels is skipped (`if n_p == 0 or n_l == 0: continue` in ap_per_class), so it adds nothing to the mean
 * precision curve.
 */
import { describe, expect, it } from 'vitest';
import { apPerClass, argsortDescending } from '../../../src/eval/metrics/index.js';

function run(tp: number[], conf: number[], predCls: number[], classes: number[], counts: number[]) {
  const c = Float32Array.from(conf);
  return apPerClass({
    tp: Uint8Array.from(tp), conf: c, predCls: Int32Array.from(predCls), nThresholds: 1,
    classes: Int32Array.from(classes), counts: Int32Array.from(counts), order: argsortDescending(c),
  });
}

describe('apPerClass: classes without labels', () => {
  it('a class with detections but a label count of 0 is skipped: the mean PR curve is the labelled class alone', () => {
    // class 0: one label, found at 0.9, one false positive at 0.6; class 1: two detections, no labels.
    const both = run([1, 0, 0, 0], [0.9, 0.8, 0.7, 0.6], [0, 1, 1, 0], [0, 1], [1, 0]);
    const alone = run([1, 0], [0.9, 0.6], [0, 0], [0], [1]);
    expect(Array.from(both.prMean)).toEqual(Array.from(alone.prMean));
    expect(both.prMean[500]).toBe(1); // not halved by an all-zero curve of class 1
    expect(Array.from(both.ap)).toEqual([alone.ap[0], 0]);
    expect([both.p[0], both.r[0], both.p[1], both.r[1]]).toEqual([alone.p[0], alone.r[0], 0, 0]);
    expect(both.bestIndex).toBe(alone.bestIndex);
  });
});
