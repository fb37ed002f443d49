/** Reordering a layer's input rows (permuteHessian): the statistics of the reordered input, group by group. */
import { describe, expect, it } from 'vitest';
import { addImage, groupCross, groupSecond, newLayerHessian, permuteHessian } from '../../../src/prune/recon/hessian-stats.js';

describe('permuteHessian', () => {
  it('equals the statistics accumulated from the reordered input (sums, second moments, reference cross moments)', () => {
    const g = 2, d = 3, order = [2, 0, 1];
    const mean = Float64Array.from({ length: g * d }, (_, i) => i + 1);
    const refMean = Float64Array.from({ length: g * d }, (_, i) => 10 - i);
    const gram = Float64Array.from({ length: g * d * d }, (_, i) => ((i * 7) % 11) + 1);
    const cross = Float64Array.from({ length: g * d * d }, (_, i) => ((i * 5) % 13) - 6);
    const h = newLayerHessian(g, d);
    addImage(h, { groups: g, size: d, count: 4, mean, gram, refMean, cross });
    const pv = (v: Float64Array) => Float64Array.from({ length: g * d }, (_, i) => v[Math.floor(i / d) * d + order[i % d]!]!);
    const pm = (m: Float64Array) => Float64Array.from({ length: g * d * d }, (_, i) => {
      const j = Math.floor(i / (d * d)), a = Math.floor(i / d) % d, b = i % d;
      return m[j * d * d + order[a]! * d + order[b]!]!;
    });
    const direct = newLayerHessian(g, d);
    addImage(direct, { groups: g, size: d, count: 4, mean: pv(mean), gram: pm(gram), refMean: pv(refMean), cross: pm(cross) });
    const p = permuteHessian(h, order);
    expect(p).toEqual(direct);
    expect(p.cross).not.toEqual(h.cross);
    // Group 1, entry (0, 1) of the reordered second moment is entry (2, 0) of the original.
    expect(groupSecond(p, 1, true)[1]).toBe(groupSecond(h, 1, true)[2 * d]);
    expect(groupCross(p, 1, false)![1]).toBe(groupCross(h, 1, false)![2 * d]);
    // Without reference moments none appear.
    const plain = newLayerHessian(1, 2);
    addImage(plain, { groups: 1, size: 2, count: 1, mean: [1, 2], gram: [1, 0, 0, 1] });
    expect(permuteHessian(plain, [1, 0])).toEqual({ ...plain, sum: Float64Array.of(2, 1), cross: Float64Array.of(5, 2, 2, 2) });
  });
});
