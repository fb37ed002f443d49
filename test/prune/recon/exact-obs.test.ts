/**
 * ExactOBS selection against brute force: on a small row every greedy step is the removal that raises the output
 * error least among all single extensions of the removed set (each candidate set refit exactly by solveRowExact,
 * independent of the H⁻¹ downdates), and the recorded step loss is that increase; N:M groups close after M−N
 * removals; existing zeros go first; the layer-wide selection gives exactly `zeros` removals as prefixes of every
 * trajectory, taking the cheaper row's steps.
 */
import { describe, expect, it } from 'vitest';
import { exactObsMask, obsTrajectory } from '../../../src/prune/recon/exact-obs.js';
import { groupSystem, rowError, solveRowExact } from '../../../src/prune/recon/solve.js';
import { randomFloats } from '../../helpers/onnx-builder.js';

function system(d: number, seed: number) {
  const n = 4 * d;
  const z = randomFloats(d * n, seed);
  const h = new Float64Array(d * d);
  for (let i = 0; i < d; i++) for (let j = 0; j < d; j++) {
    let s = 0;
    for (let k = 0; k < n; k++) s += (z[i * n + k]! + (i > 0 ? 0.6 * z[(i - 1) * n + k]! : 0)) * (z[j * n + k]! + (j > 0 ? 0.6 * z[(j - 1) * n + k]! : 0));
    h[i * d + j] = s / n;
  }
  return groupSystem(h, d, 1e-9);
}

/** Output error of removing `removed` from w with the rest refit exactly. */
function refitError(sys: ReturnType<typeof system>, w: Float64Array, removed: Set<number>): number {
  const mask = Uint8Array.from({ length: sys.size }, (_, i) => (removed.has(i) ? 1 : 0));
  const v = Float64Array.from(w);
  solveRowExact(sys, v, mask);
  return rowError(sys.h, sys.size, w, v);
}

describe('obsTrajectory', () => {
  it('takes, at every step, the single removal that adds the least refit error (brute force)', () => {
    const d = 7, sys = system(d, 11);
    const w = Float64Array.from(randomFloats(d, 12), (v) => v * 2);
    const t = obsTrajectory(sys, w, d);
    expect(t.order.length).toBe(d);
    expect(new Set(t.order).size).toBe(d);
    const removed = new Set<number>();
    let err = 0;
    for (let s = 0; s < d - 1; s++) {
      let best = -1, bestErr = Infinity;
      for (let q = 0; q < d; q++) {
        if (removed.has(q)) continue;
        const e = refitError(sys, w, new Set([...removed, q]));
        if (e < bestErr) { best = q; bestErr = e; }
      }
      expect(t.order[s]).toBe(best);
      expect(t.loss[s]).toBeCloseTo(bestErr - err, 6);
      removed.add(best);
      err = bestErr;
    }
  });

  it('closes an N:M group after M−N removals and stops at D·(M−N)/M', () => {
    const d = 8, sys = system(d, 3);
    // Weights 0..3 tiny: without the constraint all four would go first.
    const w = Float64Array.from([0.01, 0.02, 0.015, 0.012, 1, -2, 1.5, 3]);
    const t = obsTrajectory(sys, w, 4, { nm: { n: 2, m: 4 } });
    expect(t.order.length).toBe(4);
    expect([...t.order].filter((q) => q < 4).length).toBe(2);
    expect([...t.order].filter((q) => q >= 4).length).toBe(2);
    expect([...t.order.slice(0, 2)].every((q) => q < 4)).toBe(true);
  });

  it('removes the forced (existing) zeros first at loss 0, even when they are not the cheapest', () => {
    const d = 6, sys = system(d, 5);
    const w = Float64Array.from([5, 0.001, 4, 3, 0.002, 2]);
    const t = obsTrajectory(sys, w, 3, { forced: [1, 0, 0, 0, 0, 1] });
    expect([...t.order.slice(0, 2)].sort()).toEqual([0, 5]);
    expect(t.loss[0]).toBe(0);
    expect(t.loss[1]).toBe(0);
    expect(t.loss[2]).toBeGreaterThan(0);
  });
});

describe('exactObsMask', () => {
  it('removes exactly `zeros` weights as prefixes of the trajectories, the cheapest steps first', () => {
    const trajectories = [
      { order: Int32Array.from([2, 0, 1]), loss: Float64Array.from([1, 5, 9]) },
      // A cheap step after an expensive one counts at the running maximum (10), so it cannot skip the 10.
      { order: Int32Array.from([1, 2, 0]), loss: Float64Array.from([2, 10, 0.5]) },
    ];
    const { mask, counts } = exactObsMask(trajectories, 3, 3, [1, 1]);
    expect([...counts]).toEqual([2, 1]);
    expect([...mask]).toEqual([1, 0, 1, 0, 1, 0]);
    const four = exactObsMask(trajectories, 3, 4, [1, 1]);
    expect([...four.counts]).toEqual([3, 1]);
    expect(four.mask.reduce((a, b) => a + b, 0)).toBe(4);
    // Row scales change which row pays: row 1's steps ×0.01 are cheaper than all of row 0's.
    expect([...exactObsMask(trajectories, 3, 3, [1, 0.01]).counts]).toEqual([0, 3]);
  });
});
