/**
 * One layer's calibrated cut: exact zero counts (existing zeros first, never more than asked), N:M groups,
 * selection unchanged by a row scale (folded BatchNorm), the refit and the bias' mean correction lowering the
 * output error, and the reported relative errors matching a direct computation.
 */
import { describe, expect, it } from 'vitest';
import { addImage, newLayerHessian, permuteHessian, type LayerHessian } from '../../../src/prune/recon/hessian-stats.js';
import { reconstructLayer, type LayerReconstructOptions } from '../../../src/prune/recon/layer.js';
import { randomFloats } from '../../helpers/onnx-builder.js';

/** Statistics of `n` positions of u [d] per group, with a mean offset and correlations. */
function stats(groups: number, d: number, n: number, seed: number): { h: LayerHessian; u: Float64Array[] } {
  const h = newLayerHessian(groups, d);
  const z = randomFloats(groups * d * n, seed);
  const u: Float64Array[] = [];
  for (let g = 0; g < groups; g++) {
    const cols = new Float64Array(d * n);
    for (let i = 0; i < d; i++) for (let k = 0; k < n; k++) cols[i * n + k] = z[(g * d + i) * n + k]! + (i > 0 ? 0.6 * z[(g * d + i - 1) * n + k]! : 0) + 0.5 + 0.1 * i;
    u.push(cols);
  }
  const mean = new Float32Array(groups * d), gram = new Float32Array(groups * d * d);
  u.forEach((cols, g) => {
    for (let i = 0; i < d; i++) { let s = 0; for (let k = 0; k < n; k++) s += cols[i * n + k]!; mean[g * d + i] = s / n; }
    for (let i = 0; i < d; i++) for (let j = 0; j < d; j++) {
      let s = 0;
      for (let k = 0; k < n; k++) s += (cols[i * n + k]! - mean[g * d + i]!) * (cols[j * n + k]! - mean[g * d + j]!);
      gram[(g * d + i) * d + j] = s;
    }
  });
  addImage(h, { groups, size: d, count: n, mean, gram });
  return { h, u };
}

const weights = (o: number, d: number, seed: number, zeros: number[] = []) => {
  const w = Float32Array.from(randomFloats(o * d, seed), (v) => v * 2 - 1);
  for (const z of zeros) w[z] = 0;
  return w;
};

/** Direct ‖ΔY‖² summed over rows and positions (bias included), as a fraction of ‖W·u‖². */
function outputError(w0: Float32Array, w1: Float32Array, b0: Float32Array | undefined, b1: Float32Array | undefined, u: Float64Array[], o: number, d: number, n: number): number {
  const rowsPer = o / u.length;
  let err = 0, energy = 0;
  for (let r = 0; r < o; r++) {
    const cols = u[Math.floor(r / rowsPer)]!;
    for (let k = 0; k < n; k++) {
      let y0 = 0, y1 = 0;
      for (let i = 0; i < d; i++) { y0 += w0[r * d + i]! * cols[i * n + k]!; y1 += w1[r * d + i]! * cols[i * n + k]!; }
      err += (y0 + (b0?.[r] ?? 0) - y1 - (b1?.[r] ?? b0?.[r] ?? 0)) ** 2;
      energy += y0 * y0;
    }
  }
  return err / energy;
}

describe('reconstructLayer', () => {
  const o = 6, d = 12, n = 80;
  const { h, u } = stats(1, d, n, 5);
  const existing = [0, 13, 40, 71];

  /** Cuts a layer with zeros at `existing` to 4, 5, 20 and 50 zeros: exactly k each, the existing ones among them. */
  const exactCounts = (options: Omit<LayerReconstructOptions, 'zeros'>) => [4, 5, 20, 50].map((k) => {
    const r = reconstructLayer({ data: weights(o, d, 7, existing), dims: [o, d, 1, 1], groups: 1 }, undefined, h, { ...options, zeros: k });
    expect(r.masked).toBe(k);
    expect(r.weight.filter((v) => v === 0).length).toBe(k);
    for (const z of existing) expect(r.weight[z]).toBe(0);
    return r;
  });

  for (const criterion of ['obs', 'wanda', 'magnitude'] as const) {
    it(`${criterion}: zeros exactly as asked, existing zeros first`, () => {
      exactCounts({ criterion });
    });
  }

  it('exactobs selection: zeros exactly as asked, existing zeros first, and a lower refit error than the one-shot saliency mask', () => {
    exactCounts({ criterion: 'obs', selection: 'exactobs', varianceCorrection: false });
    const w = weights(o, d, 7, existing);
    // At half the weights the greedy trajectories beat one-shot scores on correlated inputs (no row normalisation:
    // both then minimise the plain sum of row errors).
    const one = reconstructLayer({ data: w, dims: [o, d, 1, 1], groups: 1 }, undefined, h, { criterion: 'obs', zeros: (o * d) / 2, rowNormalize: false });
    const greedy = reconstructLayer({ data: w, dims: [o, d, 1, 1], groups: 1 }, undefined, h, { criterion: 'obs', zeros: (o * d) / 2, rowNormalize: false, selection: 'exactobs' });
    expect(greedy.error.after).toBeLessThan(one.error.after);
  });

  it('exactobs N:M keeps N of every M', () => {
    const w = weights(o, d, 8);
    const r = reconstructLayer({ data: w, dims: [o, d, 1, 1], groups: 1 }, undefined, h, { criterion: 'obs', nm: { n: 2, m: 4 }, selection: 'exactobs' });
    for (let g = 0; g < o * d; g += 4) expect(Array.from(r.weight.subarray(g, g + 4)).filter((v) => v === 0).length).toBe(2);
    expect(r.masked).toBe(o * d / 2);
  });

  for (const nmSelection of ['once', 'adaptive'] as const) {
    it(`keeps N of every M input channels at each kernel tap (${nmSelection} selection)`, () => {
      // [6, 4, 3, 1]: 4 input channels × 3 taps per row; a run is the 4 channels of one tap (flat c·3 + t).
      const w = weights(o, d, 8);
      const r = reconstructLayer({ data: w, dims: [o, d / 3, 3, 1], groups: 1 }, undefined, h, { criterion: 'obs', nm: { n: 2, m: 4 }, nmSelection });
      for (let row = 0; row < o; row++) {
        for (let t = 0; t < 3; t++) expect([0, 1, 2, 3].filter((c) => r.weight[row * d + c * 3 + t] === 0).length).toBe(2);
      }
      expect(r.masked).toBe(o * d / 2);
      expect(r.error.after).toBeLessThan(r.error.before);
      // The same as pruning the row reordered tap-major ([6, 12] with the statistics reordered) and reading it back.
      const order = Array.from({ length: d }, (_, j) => (j % 4) * 3 + Math.floor(j / 4));
      const flat = reconstructLayer({ data: Float32Array.from({ length: o * d }, (_, i) => w[Math.floor(i / d) * d + order[i % d]!]!), dims: [o, d, 1, 1], groups: 1 }, undefined, permuteHessian(h, order), { criterion: 'obs', nm: { n: 2, m: 4 }, nmSelection });
      const back = new Float32Array(o * d);
      for (let i = 0; i < o * d; i++) back[Math.floor(i / d) * d + order[i % d]!] = flat.weight[i]!;
      expect(Array.from(r.weight)).toEqual(Array.from(back));
      // 3 input channels × 4 taps: runs of 4 channels do not exist.
      expect(() => reconstructLayer({ data: w, dims: [o, 3, 4, 1], groups: 1 }, undefined, h, { criterion: 'obs', nm: { n: 2, m: 4 }, nmSelection })).toThrow('input channels per group (3) not a multiple of 4');
    });
  }

  it('admm selection: exact counts with existing zeros first, N of every M input channels at each tap, a refit below the mask alone', () => {
    for (const r of exactCounts({ criterion: 'obs', selection: 'admm', varianceCorrection: false })) expect(r.error.after).toBeLessThanOrEqual(r.error.before);
    // [6, 4, 3, 1]: a run is the 4 input channels of one tap (flat c·3 + t), as for the other selections.
    const r = reconstructLayer({ data: weights(o, d, 8), dims: [o, d / 3, 3, 1], groups: 1 }, undefined, h, { criterion: 'obs', nm: { n: 2, m: 4 }, selection: 'admm' });
    for (let row = 0; row < o; row++) {
      for (let t = 0; t < 3; t++) expect([0, 1, 2, 3].filter((c) => r.weight[row * d + c * 3 + t] === 0).length).toBe(2);
    }
    expect(r.masked).toBe(o * d / 2);
    // Its own scores: the criterion does not change the ADMM mask.
    const wanda = reconstructLayer({ data: weights(o, d, 8), dims: [o, d / 3, 3, 1], groups: 1 }, undefined, h, { criterion: 'wanda', nm: { n: 2, m: 4 }, selection: 'admm' });
    expect(Array.from(wanda.weight)).toEqual(Array.from(r.weight));
  });

  it('adaptive N:M differs from the one-shot pattern on correlated inputs (the earlier removals move later weights)', () => {
    const w = weights(o, d, 8);
    const once = reconstructLayer({ data: w, dims: [o, d, 1, 1], groups: 1 }, undefined, h, { criterion: 'obs', nm: { n: 2, m: 4 }, nmSelection: 'once' });
    const adaptive = reconstructLayer({ data: w, dims: [o, d, 1, 1], groups: 1 }, undefined, h, { criterion: 'obs', nm: { n: 2, m: 4 }, nmSelection: 'adaptive' });
    expect(Array.from(adaptive.weight, (v) => v === 0)).not.toEqual(Array.from(once.weight, (v) => v === 0));
  });

  for (const criterion of ['obs', 'wanda'] as const) {
    it(`${criterion}: scaling an output row (a folded BatchNorm scale) does not change the mask`, () => {
      const w = weights(o, d, 9);
      const scaled = Float32Array.from(w, (v, i) => (Math.floor(i / d) === 2 ? v * 0.01 : Math.floor(i / d) === 4 ? v * 64 : v));
      const a = reconstructLayer({ data: w, dims: [o, d, 1, 1], groups: 1 }, undefined, h, { criterion, zeros: 30 });
      const b = reconstructLayer({ data: scaled, dims: [o, d, 1, 1], groups: 1 }, undefined, h, { criterion, zeros: 30 });
      expect(Array.from(b.weight, (v) => v === 0)).toEqual(Array.from(a.weight, (v) => v === 0));
      // Without the row scale a magnitude threshold silences the small row entirely.
      const m = reconstructLayer({ data: scaled, dims: [o, d, 1, 1], groups: 1 }, undefined, h, { criterion: 'magnitude', zeros: 30, method: 'none' });
      expect(Array.from(m.weight.subarray(2 * d, 3 * d)).every((v) => v === 0)).toBe(true);
    });
  }

  it('reports the relative output error before and after the refit, as measured directly', () => {
    const w = weights(o, d, 10);
    const bias = Float32Array.from(randomFloats(o, 12));
    const plain = reconstructLayer({ data: w, dims: [o, d, 1, 1], groups: 1 }, undefined, h, { criterion: 'obs', zeros: 36, damp: 0 });
    const masked = Float32Array.from(w, (v, i) => (plain.weight[i] === 0 ? 0 : v));
    expect(plain.error.before).toBeCloseTo(outputError(w, masked, undefined, undefined, u, o, d, n), 5);
    expect(plain.error.after).toBeCloseTo(outputError(w, plain.weight, undefined, undefined, u, o, d, n), 5);
    expect(plain.error.after).toBeLessThan(plain.error.before);
    const withBias = reconstructLayer({ data: w, dims: [o, d, 1, 1], groups: 1 }, bias, h, { criterion: 'obs', zeros: 36, damp: 0 });
    expect(withBias.bias).toBeDefined();
    expect(withBias.error.after).toBeCloseTo(outputError(w, withBias.weight, bias, withBias.bias, u, o, d, n), 5);
    // Mean correction: the affine refit does at least as well as the linear one on the same mask.
    const same = reconstructLayer({ data: w, dims: [o, d, 1, 1], groups: 1 }, bias, h, { criterion: 'obs', zeros: 36, damp: 0, meanCorrection: false });
    expect(same.bias).toBeUndefined();
    expect(withBias.error.after).toBeLessThanOrEqual(outputError(w, same.weight, undefined, undefined, u, o, d, n) + 1e-12);
  });

  it('variance correction: every refit row keeps the original output variance and mean on the calibration data', () => {
    const w = weights(o, d, 31);
    const bias = new Float32Array(o).fill(0.25);
    const r = reconstructLayer({ data: w, dims: [o, d, 1, 1], groups: 1 }, bias, h, { criterion: 'obs', zeros: 40, varianceCorrection: true });
    const plain = reconstructLayer({ data: w, dims: [o, d, 1, 1], groups: 1 }, bias, h, { criterion: 'obs', zeros: 40 });
    expect(r.masked).toBe(40);
    let rescaled = 0;
    for (let row = 0; row < o; row++) {
      const moments = (wt: Float32Array, b: number) => {
        let s = 0, s2 = 0;
        for (let k = 0; k < n; k++) {
          let y = b;
          for (let i = 0; i < d; i++) y += wt[row * d + i]! * u[0]![i * n + k]!;
          s += y; s2 += y * y;
        }
        return { mean: s / n, variance: s2 / n - (s / n) ** 2 };
      };
      const want = moments(w, bias[row]!), got = moments(r.weight, r.bias![row]!), ls = moments(plain.weight, plain.bias![row]!);
      expect(got.variance).toBeCloseTo(want.variance, 3);
      expect(got.mean).toBeCloseTo(want.mean, 3);
      if (Math.abs(ls.variance - want.variance) > 1e-3) rescaled++;
      // Same mask; kept weights only rescaled.
      for (let i = 0; i < d; i++) expect(r.weight[row * d + i] === 0).toBe(plain.weight[row * d + i] === 0);
    }
    expect(rescaled).toBeGreaterThan(0); // the least-squares refit alone shrinks the variance
  });

  it('solves depthwise layers per channel and refuses mismatched statistics', () => {
    const dw = stats(4, 9, 40, 13).h;
    const w = weights(4, 9, 14);
    const r = reconstructLayer({ data: w, dims: [4, 1, 3, 3], groups: 4 }, undefined, dw, { criterion: 'obs', zeros: 12 });
    expect(r.masked).toBe(12);
    expect(r.method).toBe('exact');
    expect(r.error.after).toBeLessThanOrEqual(r.error.before);
    expect(() => reconstructLayer({ data: w, dims: [4, 1, 3, 3], groups: 1 }, undefined, dw, { criterion: 'obs', zeros: 1 })).toThrow(/does not match/);
  });
});

describe('reconstructLayer with the original network as reference', () => {
  it('equals the plain refit when the reference is the input itself, and corrects an upstream error otherwise', () => {
    const o = 4, d = 8, n = 120;
    const { h, u } = stats(1, d, n, 21);
    const w = weights(o, d, 22);
    const withRef = (v: Float64Array) => {
      const r = newLayerHessian(1, d);
      const mu = new Float32Array(d), mv = new Float32Array(d), gram = new Float32Array(d * d), cross = new Float32Array(d * d);
      for (let i = 0; i < d; i++) { let a = 0, b = 0; for (let k = 0; k < n; k++) { a += u[0]![i * n + k]!; b += v[i * n + k]!; } mu[i] = a / n; mv[i] = b / n; }
      for (let i = 0; i < d; i++) for (let j = 0; j < d; j++) {
        let g = 0, c = 0;
        for (let k = 0; k < n; k++) { g += (u[0]![i * n + k]! - mu[i]!) * (u[0]![j * n + k]! - mu[j]!); c += (u[0]![i * n + k]! - mu[i]!) * (v[j * n + k]! - mv[j]!); }
        gram[i * d + j] = g; cross[i * d + j] = c;
      }
      addImage(r, { groups: 1, size: d, count: n, mean: mu, gram, refMean: mv, cross });
      return r;
    };
    const conv = { data: w, dims: [o, d, 1, 1], groups: 1 };
    const bias = new Float32Array(o).fill(0.5);
    const plain = reconstructLayer(conv, bias, h, { criterion: 'obs', zeros: 12, damp: 1e-9 });
    const same = reconstructLayer(conv, bias, withRef(u[0]!), { criterion: 'obs', zeros: 12, damp: 1e-9 });
    same.weight.forEach((v, i) => expect(v).toBeCloseTo(plain.weight[i]!, 4));
    // With the default damping too: the target is damped towards w, not towards 0 (an identical reference is a no-op).
    const plainDamped = reconstructLayer(conv, bias, h, { criterion: 'obs', zeros: 12 });
    const sameDamped = reconstructLayer(conv, bias, withRef(u[0]!), { criterion: 'obs', zeros: 12 });
    sameDamped.weight.forEach((v, i) => expect(v).toBeCloseTo(plainDamped.weight[i]!, 5));
    sameDamped.bias!.forEach((v, i) => expect(v).toBeCloseTo(plainDamped.bias![i]!, 5));
    // v = the input an unpruned upstream layer would give: u with one channel rescaled (an upstream error).
    const v = Float64Array.from(u[0]!, (x, i) => (Math.floor(i / n) === 3 ? x * 1.5 : x));
    const fixed = reconstructLayer(conv, bias, withRef(v), { criterion: 'obs', zeros: 12, damp: 1e-9 });
    const err = (wt: Float32Array, b: Float32Array) => {
      let e = 0;
      for (let r = 0; r < o; r++) for (let k = 0; k < n; k++) {
        let want = bias[r]!, got = b[r]!;
        for (let i = 0; i < d; i++) { want += w[r * d + i]! * v[i * n + k]!; got += wt[r * d + i]! * u[0]![i * n + k]!; }
        e += (want - got) ** 2;
      }
      return e;
    };
    expect(fixed.masked).toBe(12);
    expect(err(fixed.weight, fixed.bias!)).toBeLessThan(0.5 * err(plain.weight, plain.bias!));
  });
});
