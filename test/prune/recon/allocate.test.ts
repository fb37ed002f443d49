/**
 * Data-aware global allocation: the OBS relative-error score of each weight against hand-computed values, the
 * exact total kept, layers without statistics untouched, caps respected, and the layer whose weights matter
 * more to its output given fewer zeros; end to end on a tiny net, the same total as the weight-only allocation.
 */
import { describe, expect, it } from 'vitest';
import type { Tensor } from '../../../src/core/dtype.js';
import { getPreset, pruneModel, pruneReconstructed } from '../../../src/prune/index.js';
import { dataCounts, layerSaliency } from '../../../src/prune/recon/allocate.js';
import { addImage, newLayerHessian } from '../../../src/prune/recon/hessian-stats.js';
import { randomFloats, tinyConvNet, toOnnx } from '../../helpers/onnx-builder.js';

/** Statistics of one group of D = 2 with E[uuᵀ] = [[4, 1], [1, 2]] over 10 positions (zero mean). */
function twoByTwo() {
  const h = newLayerHessian(1, 2);
  addImage(h, { groups: 1, size: 2, count: 10, mean: [0, 0], gram: [40, 10, 10, 20] });
  return h;
}

describe('layerSaliency', () => {
  it('is w_q² / [H⁻¹]_qq over the layer output energy Σ wᵀHw; existing zeros score 0', () => {
    // H = [[4,1],[1,2]], det 7, H⁻¹ = [[2,−1],[−1,4]]/7; damping 0 (tiny floor only).
    const w = new Float32Array([1, 2, 0, 3]);
    const s = layerSaliency({ data: w, groups: 1 }, twoByTwo(), { centred: false, damp: 0 });
    const energy = (4 * 1 + 2 * 1 * 2 * 1 + 2 * 4) + (2 * 9); // row 0: wᵀHw = 4 + 4 + 8 = 16; row 1: 2·9 = 18
    expect(s[0]).toBeCloseTo((1 / (2 / 7)) / energy, 5);
    expect(s[1]).toBeCloseTo((4 / (4 / 7)) / energy, 5);
    expect(s[2]).toBe(0);
    expect(s[3]).toBeCloseTo((9 / (4 / 7)) / energy, 5);
    // Scale-free: multiplying the layer's weights by 10 changes no score.
    const t = layerSaliency({ data: w.map((v) => v * 10), groups: 1 }, twoByTwo(), { centred: false, damp: 0 });
    t.forEach((v, i) => expect(v).toBeCloseTo(s[i]!, 7));
  });
});

describe('dataCounts', () => {
  const budget = (n: number, o: Partial<{ zeros: number; ratio: number; max: number; protected: boolean }> = {}) => ({ n, zeros: 0, ratio: 0.5, max: 1, protected: false, ...o });
  it('exactobs: a weight scores its greedy step\'s loss (running maximum) over the layer energy, so thresholds take trajectory prefixes', () => {
    // Row 0 = [1, 2]: H⁻¹ = [[2,−1],[−1,4]]/7, so the first step removes w0 (1/(2/7) = 3.5 < 4/(4/7) = 7) at loss
    // 3.5; then the refit w1 goes, and removing both leaves the whole row energy wᵀHw = 16, so that step adds
    // 16 − 3.5 = 12.5. Row 1 = [0, 3]: the existing zero first at loss 0, then 3 at 9·2 = 18.
    const w = new Float32Array([1, 2, 0, 3]);
    const s = layerSaliency({ data: w, groups: 1 }, twoByTwo(), { centred: false, damp: 0, selection: 'exactobs' });
    const energy = 16 + 18;
    expect(s[0]).toBeCloseTo(3.5 / energy, 5);
    expect(s[1]).toBeCloseTo(12.5 / energy, 5);
    expect(s[2]).toBe(0);
    expect(s[3]).toBeCloseTo(18 / energy, 5);
  });

  it('shares the scored layers\' total by one threshold; unscored and protected layers keep their counts', () => {
    const budgets = [budget(4), budget(4), budget(4), budget(4, { protected: true })];
    const scores = [new Float32Array([1, 2, 3, 4]), new Float32Array([0.1, 0.2, 5, 6]), undefined, new Float32Array([0, 0, 0, 0])];
    const counts = dataCounts(budgets, [2, 2, 3, 0], scores);
    // want = 4 over layers 0 and 1: the four smallest scores are 0.1, 0.2, 1, 2 → 2 and 2; ties do not move it.
    expect(counts).toEqual([2, 2, 3, 0]);
    const skewed = dataCounts(budgets, [1, 2, 3, 0], [new Float32Array([1, 2, 3, 4]), new Float32Array([0.1, 0.2, 0.3, 6]), undefined, undefined]);
    expect(skewed).toEqual([0, 3, 3, 0]);
    expect(skewed[0]! + skewed[1]!).toBe(3);
  });
  it('respects the category caps and counts existing zeros', () => {
    const budgets = [budget(4, { max: 0.25 }), budget(4, { zeros: 1 })];
    // Layer 1 has one zero (score 0) already: want = max(1, 0) + max(2, 1) = 3.
    const counts = dataCounts(budgets, [1, 2], [new Float32Array([0.01, 0.02, 0.03, 0.04]), new Float32Array([0, 1, 2, 3])]);
    expect(counts).toEqual([1, 2]);
  });
});

describe('pruneReconstructed with --scope global', () => {
  it('allocates from the data with the weight-only total, and `allocation: plan` keeps LAMP\'s counts', async () => {
    const m = toOnnx(tinyConvNet());
    const options = { preset: getPreset('uniform'), target: 0.4, scope: 'global' as const, criterion: 'lamp' as const };
    const plain = pruneModel(m, options);
    const source = {
      count: 4, description: '4 random inputs',
      async *feeds(): AsyncGenerator<Record<string, Tensor>> { for (let i = 0; i < 4; i++) yield { images: { dtype: 'float32', dims: [1, 3, 32, 32], data: randomFloats(3072, 70 + i) } }; },
    };
    const data = await pruneReconstructed(m, { ...options, reconstruction: { threads: 1 } }, source);
    const lamp = await pruneReconstructed(m, { ...options, reconstruction: { threads: 1, allocation: 'plan' } }, source);
    const zeros = (r: { result: { layers: Array<{ zerosAfter: number }> } }) => r.result.layers.map((l) => l.zerosAfter);
    expect(zeros(lamp)).toEqual(zeros(plain));
    expect(data.result.totals.zeroed).toBe(plain.result.totals.zeroed);
    expect(zeros(data)).not.toEqual(zeros(plain));
    expect(data.result.options.criterion).toMatch(/allocation: obs error on the calibration data/);
    // maxLayerRatio: a cap just below the data's largest layer ratio holds, with the same total.
    const top = Math.max(...data.result.layers.map((l) => l.zerosAfter / l.params));
    expect(top).toBeGreaterThan(0.4);
    const cap = top - 0.02;
    const capped = await pruneReconstructed(m, { ...options, reconstruction: { threads: 1, maxLayerRatio: cap } }, source);
    expect(capped.result.totals.zeroed).toBe(plain.result.totals.zeroed);
    for (const l of capped.result.layers) expect(l.zerosAfter).toBeLessThanOrEqual(Math.round(cap * l.params));
    expect(zeros(capped)).not.toEqual(zeros(data));
    // gain: 'noise' (gain.ts): same exact total, the allocation named; the gains move counts between layers.
    const gained = await pruneReconstructed(m, { ...options, reconstruction: { threads: 1, gain: 'noise', gainImages: 2, gainExponent: 3 } }, source);
    expect(gained.result.totals.zeroed).toBe(plain.result.totals.zeroed);
    expect(gained.result.options.criterion).toMatch(/allocation: obs error × measured network gain on the calibration data/);
    expect(zeros(gained)).not.toEqual(zeros(data));
    expect(gained.info.gains).toMatchObject({ images: 2, forwards: 2 * (data.result.layers.filter((l) => l.reconstruction?.method === 'exact').length + 1) });
  });
});
