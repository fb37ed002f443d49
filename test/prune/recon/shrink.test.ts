/**
 * shrinkHessian: the covariance becomes (1 − α)C + α·diag(C) group by group (variances and means kept), the
 * reference cross-covariance is shrunk the same way, so identical inputs (u = v) stay identical; α = 0 is the
 * identity, α = 1 leaves only the variances; α outside [0, 1] is refused. Through reconstructLayer: shrinking
 * changes the refit of a layer with correlated inputs, and a reference equal to the input still leaves an
 * unmasked layer unchanged.
 */
import { describe, expect, it } from 'vitest';
import { addImage, groupCross, groupMean, groupSecond, newLayerHessian, type LayerHessian } from '../../../src/prune/recon/hessian-stats.js';
import { reconstructLayer } from '../../../src/prune/recon/layer.js';
import { shrinkHessian } from '../../../src/prune/recon/shrink.js';

/** Statistics of two images of `g` groups × `d` rows with correlated inputs; `reference`: v = u. */
function stats(g: number, d: number, reference: boolean): LayerHessian {
  const h = newLayerHessian(g, d);
  for (let img = 0; img < 2; img++) {
    const mean = Float64Array.from({ length: g * d }, (_, i) => 0.3 * i - img);
    // A positive definite Gram with strong off-diagonal terms: A Aᵀ + I per group.
    const gram = new Float64Array(g * d * d);
    for (let j = 0; j < g; j++) for (let a = 0; a < d; a++) for (let b = 0; b < d; b++) {
      let v = a === b ? 1 : 0;
      for (let k = 0; k < d; k++) v += Math.sin(1 + a + k * (2 + img) + j) * Math.sin(1 + b + k * (2 + img) + j);
      gram[j * d * d + a * d + b] = 10 * v;
    }
    addImage(h, { groups: g, size: d, count: 10, mean, gram, ...(reference ? { refMean: mean, cross: gram } : {}) });
  }
  return h;
}

describe('shrinkHessian', () => {
  it('scales every off-diagonal covariance by 1 − α, keeps variances and means, in every group', () => {
    const g = 2, d = 4, alpha = 0.25;
    const h = stats(g, d, false);
    const s = shrinkHessian(h, alpha);
    for (let j = 0; j < g; j++) {
      const c = groupSecond(h, j, true), cs = groupSecond(s, j, true);
      for (let a = 0; a < d; a++) for (let b = 0; b < d; b++) {
        const want = a === b ? c[a * d + b]! : (1 - alpha) * c[a * d + b]!;
        expect(cs[a * d + b]).toBeCloseTo(want, 9);
      }
      expect(groupMean(s, j)).toEqual(groupMean(h, j));
      // The uncentred second moment keeps the mean part: E[uuᵀ]' = C' + μμᵀ.
      const mu = groupMean(h, j), u = groupSecond(s, j, false);
      expect(u[1]).toBeCloseTo(cs[1]! + mu[0]! * mu[1]!, 9);
      expect(Math.abs(c[1]!)).toBeGreaterThan(1); // the inputs really are correlated
    }
    expect(h.cross).toEqual(stats(g, d, false).cross); // input untouched
    expect(s.count).toBe(h.count);
    expect(s.images).toBe(h.images);
  });

  it('α = 0 is the identity, α = 1 keeps only the variances; outside [0, 1] throws', () => {
    const h = stats(1, 3, false);
    expect(shrinkHessian(h, 0)).toBe(h);
    const c = groupSecond(shrinkHessian(h, 1), 0, true), c0 = groupSecond(h, 0, true);
    for (let a = 0; a < 3; a++) for (let b = 0; b < 3; b++) expect(c[a * 3 + b]).toBeCloseTo(a === b ? c0[a * 3 + b]! : 0, 9);
    expect(() => shrinkHessian(h, 1.5)).toThrow(/alpha 1.5 outside \[0, 1\]/);
    expect(() => shrinkHessian(h, -0.1)).toThrow(RangeError);
    expect(() => shrinkHessian(h, Number.NaN)).toThrow(RangeError);
  });

  it('shrinks the reference cross-covariance the same way: with v = u it equals the shrunk covariance', () => {
    const s = shrinkHessian(stats(2, 3, true), 0.4);
    for (let j = 0; j < 2; j++) {
      const cross = groupCross(s, j, true)!, c = groupSecond(s, j, true);
      cross.forEach((v, i) => expect(v).toBeCloseTo(c[i]!, 9));
    }
  });

  it('changes the refit of correlated inputs; with v = u and nothing masked the layer is unchanged', () => {
    const d = 4, o = 2;
    const weight = Float32Array.from({ length: o * d }, (_, i) => 0.5 + ((i * 3) % 5) / 4);
    const conv = { data: weight, dims: [o, d, 1, 1], groups: 1 };
    const bias = Float32Array.of(0.1, -0.2);
    const opts = { criterion: 'obs' as const, zeros: 4, varianceCorrection: false };
    const plain = reconstructLayer(conv, bias, stats(1, d, false), opts);
    const shrunk = reconstructLayer(conv, bias, shrinkHessian(stats(1, d, false), 0.5), opts);
    expect(shrunk.masked).toBe(4);
    let diff = 0;
    for (let i = 0; i < o * d; i++) diff += Math.abs(shrunk.weight[i]! - plain.weight[i]!);
    expect(diff).toBeGreaterThan(1e-3);
    const same = reconstructLayer(conv, bias, shrinkHessian(stats(1, d, true), 0.5), { ...opts, zeros: 0 });
    same.weight.forEach((v, i) => expect(v).toBeCloseTo(weight[i]!, 5));
    same.bias!.forEach((v, i) => expect(v).toBeCloseTo(bias[i]!, 5));
  });
});
