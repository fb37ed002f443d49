/**
 * Edges of the numpy/Ultralytics restatements that the other metrics tests leave open: numpy's pairwise sum at
 * exactly 128 values (still the 8-accumulator block, not a split), Ultralytics' recall tp / (n + 1e-16), which is
 * exactly 1 for one label found (1 + 1e-16 rounds to 1 in float64), and apPerClass for a labelled class without
 * any detection (zeros everywhere, no 0/0 in the mean precision curve).
 */
import { describe, expect, it } from 'vitest';
import { apPerClass, argsortDescending, pairwiseSum } from '../../../src/eval/metrics/index.js';

describe('pairwiseSum at the block size', () => {
  it('sums 128 values with 8 accumulators as numpy does (a split into 64 + 64 rounds differently here)', () => {
    // Every ninth value ~1e8; np.add.reduce(a) printed by numpy 2.4.
    const a = Float64Array.from({ length: 128 }, (_, i) => ((i * 0.37) % 1.3) * (i % 9 === 0 ? 1e8 : 1) + 0.1);
    expect(pairwiseSum(a)).toBe(905000086.1099983);
  });
});

describe('apPerClass edges', () => {
  it('one label found by one detection: recall is exactly 1 (numpy: 1 / (1 + 1e-16) == 1.0)', () => {
    const conf = Float32Array.of(0.9);
    const r = apPerClass({
      tp: Uint8Array.of(1), conf, predCls: Int32Array.of(0), nThresholds: 1,
      classes: Int32Array.of(0), counts: Int32Array.of(1), order: argsortDescending(conf),
    });
    expect(r.r[0]).toBe(1);
    expect(r.p[0]).toBe(1);
    expect([r.prMean[0], r.prMean[998], r.prMean[999]]).toEqual([1, 1, 0]); // the sentinel: precision 0 at recall 1
  });

  it('a labelled class without detections: P, R and AP 0, a zero mean precision curve (not NaN), best index 0', () => {
    const r = apPerClass({
      tp: new Uint8Array(0), conf: new Float32Array(0), predCls: new Int32Array(0), nThresholds: 2,
      classes: Int32Array.of(3), counts: Int32Array.of(2), order: new Int32Array(0),
    });
    expect(Array.from(r.p)).toEqual([0]);
    expect(Array.from(r.r)).toEqual([0]);
    expect(Array.from(r.ap)).toEqual([0, 0]);
    expect(r.bestIndex).toBe(0);
    expect(r.prMean).toHaveLength(1000);
    expect(r.prMean.findIndex((v) => v !== 0)).toBe(-1);
  });
});
