/**
 * Network-aware allocation (gain.ts): the output distortion against hand-computed values (plain relative energy,
 * and the detection form: class-probability energy + confidence-weighted box change over the box size), the
 * measured gain of two layers feeding one sum (each layer's share of the output energy), and the weighting:
 * zeros stay first, a layer with a larger gain gives up fewer weights, equal gains change nothing, the total is exact.
 */
import { describe, expect, it } from 'vitest';
import type { Tensor } from '../../../src/core/dtype.js';
import { dataCounts } from '../../../src/prune/recon/allocate.js';
import { layerGains, outputDistortion, weightScores } from '../../../src/prune/recon/gain.js';
import { initializer, model, node, randomFloats, toOnnx, valueInfo } from '../../helpers/onnx-builder.js';

const t = (dims: number[], data: number[]): Tensor => ({ dtype: 'float32', dims, data: Float32Array.from(data) });

describe('outputDistortion', () => {
  it('is Σ Δy² / Σ y² over all outputs for a non-detection model', () => {
    const a = { o1: t([1, 2], [3, 4]), o2: t([1, 1], [0]) };
    const b = { o1: t([1, 2], [3, 5]), o2: t([1, 1], [2]) };
    expect(outputDistortion(a, b)).toBeCloseTo((1 + 4) / 25, 12);
    expect(outputDistortion(a, a)).toBe(0);
  });
  it('scores a [1, 4 + nc, A] detection output by class energy plus confidence-weighted relative box change', () => {
    // nc = 2, A = 8 anchors (A > 4 + nc). Anchor 0: box (10, 10, 4, 2), p = (0.5, 0.2); anchor 1: box (20, 20, 6, 8), p = (0.1, 0.9).
    const rows = 6, anchors = 8;
    const a = new Float32Array(rows * anchors), b = new Float32Array(rows * anchors);
    const set = (arr: Float32Array, k: number, v: number[]) => v.forEach((x, r) => { arr[r * anchors + k] = x; });
    set(a, 0, [10, 10, 4, 2, 0.5, 0.2]);
    set(a, 1, [20, 20, 6, 8, 0.1, 0.9]);
    set(b, 0, [11, 10, 4, 2, 0.5, 0.2]); // Δcx = 1: (1² / ((16 + 4)/2)) = 0.1, weight c = 0.5
    set(b, 1, [20, 20, 6, 8, 0.3, 0.9]); // Δp = 0.2, box unchanged (weight c = 0.9)
    const cls = 0.04 / (0.25 + 0.04 + 0.01 + 0.81);
    const box = (0.5 * 0.1) / (0.5 + 0.9);
    expect(outputDistortion({ output0: t([1, rows, anchors], [...a]) }, { output0: t([1, rows, anchors], [...b]) })).toBeCloseTo(cls + box, 7);
  });
});

describe('layerGains', () => {
  it('measures each layer\'s share of the output energy pooled over the images: out = y1 + y2 → g_i ≈ Σ‖y_i‖² / Σ‖out‖²', async () => {
    const S = 48;
    const m = toOnnx(model(
      [node('Conv', ['x', 'w1'], ['y1'], { kernel_shape: [1, 1] }), node('Conv', ['x', 'w2'], ['y2'], { kernel_shape: [1, 1] }), node('Add', ['y1', 'y2'], ['out'])],
      [initializer('w1', [1, 2, 1, 1], Float32Array.of(3, 0)), initializer('w2', [1, 2, 1, 1], Float32Array.of(0, 1))],
      [valueInfo('x', [1, 2, S, S])], [valueInfo('out', [1, 1, S, S])],
    ));
    // Image B's first channel is 10× image A's: y1 dominates B's output energy, so a mean of per-image ratios
    // (≈ (share in A + share in B) / 2) and the pooled ratio differ by far more than the tolerance.
    const xa = randomFloats(2 * S * S, 5), xb = xa.map((v, i) => (i < S * S ? 10 * v : v));
    async function* feeds() { for (const x of [xa, xb]) yield { x: { dtype: 'float32' as const, dims: [1, 2, S, S], data: x } }; }
    const progress: number[] = [];
    const { gains: g, images, forwards } = await layerGains(m, [{ index: 3, output: 'y1', rank: 4 }, { index: 7, output: 'y2', rank: 4 }], feeds(), { relative: 0.02, run: { threads: 1, total: 2, onProgress: (p) => progress.push(p.total) } });
    let e1 = 0, e2 = 0, eo = 0;
    for (const x of [xa, xb]) for (let i = 0; i < S * S; i++) { const a = 3 * x[i]!, b = x[S * S + i]!; e1 += a * a; e2 += b * b; eo += (a + b) ** 2; }
    expect(g.get(3)! / (e1 / eo)).toBeGreaterThan(0.85);
    expect(g.get(3)! / (e1 / eo)).toBeLessThan(1.15);
    expect(g.get(7)! / (e2 / eo)).toBeGreaterThan(0.85);
    expect(g.get(7)! / (e2 / eo)).toBeLessThan(1.15);
    expect(progress.at(-1)).toBe(6); // 2 images × (2 layers + 1) forwards
    expect({ images, forwards }).toEqual({ images: 2, forwards: 6 });
  });
});

describe('weightScores and the weighted allocation', () => {
  it('multiplies by g^p, keeps existing zeros at 0 and positive scores > 0', () => {
    const s = Float32Array.of(0, 1, 2, 4);
    expect(Array.from(weightScores(s, 3))).toEqual([0, 3, 6, 12]);
    expect(Array.from(weightScores(s, 4, 0.5))).toEqual([0, 2, 4, 8]);
    const tiny = weightScores(s, 0);
    expect(tiny[0]).toBe(0);
    for (let i = 1; i < 4; i++) expect(tiny[i]).toBeGreaterThan(0);
  });
  it('a layer with a larger gain loses fewer weights; equal gains change nothing; the total is exact', () => {
    const budget = (n: number) => ({ n, zeros: 0, ratio: 0.5, max: 1, protected: false });
    const budgets = [budget(6), budget(6)];
    const a = Float32Array.of(1, 2, 3, 4, 5, 6), b = Float32Array.of(1.5, 2.5, 3.5, 4.5, 5.5, 6.5);
    const plain = dataCounts(budgets, [3, 3], [a, b]);
    expect(plain).toEqual([3, 3]);
    expect(dataCounts(budgets, [3, 3], [weightScores(a, 2), weightScores(b, 2)])).toEqual(plain);
    // Layer 1's errors cost 3× more in the network: 1, 2, 3, 4, 4.5 (= 3·1.5), 5 are the six smallest.
    const skew = dataCounts(budgets, [3, 3], [weightScores(a, 1), weightScores(b, 3)]);
    expect(skew).toEqual([5, 1]);
    expect(skew[0]! + skew[1]!).toBe(6);
    // The other way round: 1.5, 2.5, 3 (= 3·1), 3.5, 4.5, 5.5.
    const other = dataCounts(budgets, [3, 3], [weightScores(a, 3), weightScores(b, 1)]);
    expect(other).toEqual([1, 5]);
  });
});
