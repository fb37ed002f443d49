/**
 * Channel statistics: the accumulator against a direct Float64 computation over the same sampled positions,
 * the deterministic position sampler, and the ridge fit recovering an exact linear relation.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ChannelStatsAccumulator, fitRemoved, samplePositions, type TensorMoments } from '../../../src/prune/structured/index.js';
import { randomFloats } from '../../helpers/onnx-builder.js';

/** Mean and E[xxᵀ] computed directly from [1,C,H,W] activations over the given flat positions. */
function direct(acts: Array<{ data: Float32Array; positions: Int32Array }>, c: number, plane: number): { mean: Float64Array; second: Float64Array; count: number } {
  const mean = new Float64Array(c), second = new Float64Array(c * c);
  let count = 0;
  for (const { data, positions } of acts) {
    for (const p of positions) {
      count++;
      for (let a = 0; a < c; a++) {
        const xa = data[a * plane + p]!;
        mean[a]! += xa;
        for (let b = 0; b < c; b++) second[a * c + b]! += xa * data[b * plane + p]!;
      }
    }
  }
  return { mean: mean.map((v) => v / count), second: second.map((v) => v / count), count };
}

describe('ChannelStatsAccumulator', () => {
  it('equals a direct computation over all positions when the cap is not reached', () => {
    const c = 8, plane = 5 * 6;
    const acc = new ChannelStatsAccumulator({ maxPositions: 1024 });
    const acts = [0, 1, 2].map((i) => ({ data: randomFloats(c * plane, 10 + i), positions: samplePositions(plane, 1024, i) }));
    acts.forEach((a, i) => acc.add('t', { dims: [1, c, 5, 6], data: a.data }, i));
    const stats = acc.finish();
    const m = stats.tensors.get('t')!;
    const d = direct(acts, c, plane);
    expect(stats.images).toBe(3);
    expect(m.count).toBe(3 * plane);
    for (let i = 0; i < c; i++) expect(m.mean[i]).toBeCloseTo(d.mean[i]!, 12);
    for (let i = 0; i < c * c; i++) expect(m.second[i]).toBeCloseTo(d.second[i]!, 12);
  });

  it('uses exactly the sampled positions when the cap is reached (odd channel counts exercise the unrolled loop tail)', () => {
    const c = 11, plane = 20 * 20;
    const acc = new ChannelStatsAccumulator({ maxPositions: 37 });
    const acts = [0, 1].map((i) => ({ data: randomFloats(c * plane, 30 + i), positions: samplePositions(plane, 37, i) }));
    acts.forEach((a, i) => acc.add('t', { dims: [1, c, 20, 20], data: a.data }, i));
    const m = acc.finish().tensors.get('t')!;
    const d = direct(acts, c, plane);
    expect(m.count).toBe(74);
    for (let i = 0; i < c * c; i++) expect(m.second[i]).toBeCloseTo(d.second[i]!, 12);
    for (let a = 0; a < c; a++) for (let b = 0; b < c; b++) expect(m.second[a * c + b]).toBe(m.second[b * c + a]);
  });

  it('rejects a tensor whose channel count changes between images', () => {
    const acc = new ChannelStatsAccumulator();
    acc.add('t', { dims: [1, 2, 2, 2], data: new Float32Array(8) }, 0);
    expect(() => acc.add('t', { dims: [1, 3, 2, 2], data: new Float32Array(12) }, 1)).toThrow(/3 channels/);
  });
});

describe('samplePositions', () => {
  it('is deterministic, in range, increasing, and differs between images', () => {
    fc.assert(fc.property(fc.integer({ min: 1, max: 5000 }), fc.integer({ min: 1, max: 600 }), fc.nat(50), (total, max, image) => {
      const p = samplePositions(total, max, image);
      expect(p).toEqual(samplePositions(total, max, image));
      expect(p.length).toBe(Math.min(total, max));
      for (let i = 0; i < p.length; i++) {
        expect(p[i]).toBeGreaterThanOrEqual(0);
        expect(p[i]).toBeLessThan(total);
        if (i > 0) expect(p[i]).toBeGreaterThan(p[i - 1]!);
      }
    }));
    expect(samplePositions(10_000, 100, 1)).not.toEqual(samplePositions(10_000, 100, 2));
  });
});

describe('fitRemoved', () => {
  /** Moments of samples where channel 3 = 2·x0 − x2 + 0.5 and channel 4 = x1 + 3 (x0..x2 random). */
  function linearMoments(): TensorMoments {
    const c = 5, n = 400;
    const acc = new ChannelStatsAccumulator({ maxPositions: n });
    const data = new Float32Array(c * n);
    const r = randomFloats(3 * n, 7);
    for (let p = 0; p < n; p++) {
      const [x0, x1, x2] = [r[p]!, r[n + p]!, r[2 * n + p]! + 1];
      data[p] = x0; data[n + p] = x1; data[2 * n + p] = x2;
      data[3 * n + p] = 2 * x0 - x2 + 0.5;
      data[4 * n + p] = x1 + 3;
    }
    acc.add('t', { dims: [1, c, n], data }, 0);
    return acc.finish().tensors.get('t')!;
  }

  it('recovers an exact linear relation (with a constant) with a tiny ridge', () => {
    const fit = fitRemoved(linearMoments(), Uint8Array.from([0, 0, 0, 1, 1]), 1e-10);
    expect([...fit.kept]).toEqual([0, 1, 2]);
    expect([...fit.removed]).toEqual([3, 4]);
    const expected = [[2, 0, -1], [0, 1, 0]];
    expected.forEach((row, r) => row.forEach((v, k) => expect(fit.a[r * 3 + k]).toBeCloseTo(v, 4)));
    expect(fit.b[0]).toBeCloseTo(0.5, 4);
    expect(fit.b[1]).toBeCloseTo(3, 4);
  });

  it('with no kept channel predicts the mean (mean compensation)', () => {
    const m = linearMoments();
    const fit = fitRemoved(m, Uint8Array.from([1, 1, 1, 1, 1]));
    expect(fit.a.length).toBe(0);
    expect([...fit.b]).toEqual([...m.mean]);
  });

  it('shrinks towards the mean as the ridge grows', () => {
    const m = linearMoments();
    const small = fitRemoved(m, Uint8Array.from([0, 0, 0, 1, 1]), 1e-6);
    const big = fitRemoved(m, Uint8Array.from([0, 0, 0, 1, 1]), 1e3);
    const norm = (a: Float64Array) => Math.hypot(...a);
    expect(norm(big.a)).toBeLessThan(0.01 * norm(small.a));
    expect(big.lambda).toBeGreaterThan(small.lambda);
  });
});
