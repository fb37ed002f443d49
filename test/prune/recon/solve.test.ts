/**
 * OBS updates against independent computations: the exact refit equals a direct least-squares solve of the kept
 * weights on known inputs X (both the kept-side and removed-side systems), SparseGPT's one-pass update never does
 * better than it and equals it when only the first column goes, and the OBS saliency matches hand-computed values.
 */
import { describe, expect, it } from 'vitest';
import { adaptiveNmRow, groupSystem, obsSaliency, rowError, solveRowExact, solveRowSparseGpt } from '../../../src/prune/recon/solve.js';
import { randomFloats } from '../../helpers/onnx-builder.js';

/** X [d × n] with correlated rows (so the refit has something to exploit). */
function inputs(d: number, n: number, seed: number): Float64Array {
  const z = randomFloats(d * n, seed);
  const x = new Float64Array(d * n);
  for (let i = 0; i < d; i++) for (let k = 0; k < n; k++) x[i * n + k] = z[i * n + k]! + (i > 0 ? 0.7 * z[(i - 1) * n + k]! : 0) + 0.3;
  return x;
}

const gram = (x: Float64Array, d: number, n: number) => {
  const h = new Float64Array(d * d);
  for (let i = 0; i < d; i++) for (let j = 0; j < d; j++) { let s = 0; for (let k = 0; k < n; k++) s += x[i * n + k]! * x[j * n + k]!; h[i * d + j] = s / n; }
  return h;
};

/** Least squares by modified Gram–Schmidt QR on the kept rows: min ‖y − vᵀ X_K‖ with y = wᵀ X. Independent of solve.ts. */
function leastSquares(x: Float64Array, d: number, n: number, w: Float64Array, kept: number[]): { v: Float64Array; residual: number } {
  const y = new Float64Array(n);
  for (let k = 0; k < n; k++) for (let i = 0; i < d; i++) y[k]! += w[i]! * x[i * n + k]!;
  const q = kept.map((i) => Float64Array.from(x.subarray(i * n, (i + 1) * n)));
  const r = kept.map(() => new Float64Array(kept.length));
  for (let a = 0; a < q.length; a++) {
    for (let b = 0; b < a; b++) {
      let dot = 0;
      for (let k = 0; k < n; k++) dot += q[b]![k]! * q[a]![k]!;
      r[b]![a] = dot;
      for (let k = 0; k < n; k++) q[a]![k]! -= dot * q[b]![k]!;
    }
    let norm = 0;
    for (let k = 0; k < n; k++) norm += q[a]![k]! ** 2;
    norm = Math.sqrt(norm);
    r[a]![a] = norm;
    for (let k = 0; k < n; k++) q[a]![k]! /= norm;
  }
  const qty = q.map((col) => col.reduce((s, v, k) => s + v * y[k]!, 0));
  const c = new Float64Array(kept.length);
  for (let a = kept.length - 1; a >= 0; a--) {
    let v = qty[a]!;
    for (let b = a + 1; b < kept.length; b++) v -= r[a]![b]! * c[b]!;
    c[a] = v / r[a]![a]!;
  }
  const v = new Float64Array(d);
  kept.forEach((i, a) => (v[i] = c[a]!));
  let res = 0;
  for (let k = 0; k < n; k++) { let p = 0; for (let i = 0; i < d; i++) p += v[i]! * x[i * n + k]!; res += (y[k]! - p) ** 2; }
  return { v, residual: res / n };
}

describe('solveRowExact', () => {
  const d = 7, n = 60;
  const x = inputs(d, n, 3);
  const h = gram(x, d, n);
  const sys = groupSystem(h, d, 0);
  const w0 = Float64Array.from(randomFloats(d, 11), (v) => v * 2 - 1);
  for (const removed of [[2], [0, 3, 5], [1, 2, 4, 5, 6]]) {
    it(`equals the direct least-squares refit with weights ${removed.join(',')} removed`, () => {
      const mask = Uint8Array.from({ length: d }, (_, i) => (removed.includes(i) ? 1 : 0));
      const w = Float64Array.from(w0);
      solveRowExact(sys, w, mask);
      const kept = [...Array(d).keys()].filter((i) => !removed.includes(i));
      const ls = leastSquares(x, d, n, w0, kept);
      for (const i of removed) expect(w[i]).toBe(0);
      for (let i = 0; i < d; i++) expect(w[i]).toBeCloseTo(ls.v[i]!, 6);
      expect(rowError(h, d, w0, w)).toBeCloseTo(ls.residual, 9);
      // and strictly better than just zeroing
      expect(rowError(h, d, w0, w)).toBeLessThan(rowError(h, d, w0, Float64Array.from(w0, (v, i) => (mask[i] ? 0 : v))));
    });
  }

  it('SparseGPT never beats the exact refit, and equals it when only the first column goes', () => {
    const mask = Uint8Array.from({ length: d }, (_, i) => (i % 2 === 0 ? 1 : 0));
    const exact = Float64Array.from(w0), sg = Float64Array.from(w0);
    solveRowExact(sys, exact, mask);
    solveRowSparseGpt(sys, sg, mask);
    for (let i = 0; i < d; i++) if (mask[i]) expect(sg[i]).toBe(0);
    const masked = Float64Array.from(w0, (v, i) => (mask[i] ? 0 : v));
    expect(rowError(h, d, w0, sg)).toBeGreaterThanOrEqual(rowError(h, d, w0, exact) - 1e-12);
    expect(rowError(h, d, w0, sg)).toBeLessThan(rowError(h, d, w0, masked));
    const first = Uint8Array.from({ length: d }, (_, i) => (i === 0 ? 1 : 0));
    const a = Float64Array.from(w0), b = Float64Array.from(w0);
    solveRowExact(sys, a, first);
    solveRowSparseGpt(sys, b, first);
    for (let i = 0; i < d; i++) expect(b[i]).toBeCloseTo(a[i]!, 9);
  });
});

describe('obsSaliency', () => {
  it('is w_q² / [H⁻¹]_qq', () => {
    // H = [[2,1],[1,2]] → H⁻¹ = [[2,−1],[−1,2]]/3, diag 2/3: saliencies 1/(2/3) and 9/(2/3).
    const sys = groupSystem(Float64Array.from([2, 1, 1, 2]), 2, 0);
    const s = obsSaliency(sys, [1, 3]);
    expect(s[0]).toBeCloseTo(1.5, 9);
    expect(s[1]).toBeCloseTo(13.5, 9);
    // Removing weight 0 alone and refitting weight 1 costs exactly its saliency.
    const w = Float64Array.from([1, 3]);
    solveRowExact(sys, w, [1, 0]);
    expect(w[1]).toBeCloseTo(3.5, 9); // 3 + H₁₁⁻¹·H₁₀·1 = 3 + 1/2
    expect(rowError(sys.h, 2, [1, 3], w)).toBeCloseTo(1.5, 9);
  });

  it('damps a singular H (a dead input) instead of failing', () => {
    const sys = groupSystem(Float64Array.from([1, 0, 0, 0]), 2, 0.01);
    expect(sys.lambda).toBeCloseTo(0.005, 12);
    expect(sys.raised).toBe(false);
    const w = Float64Array.from([2, 5]);
    solveRowExact(sys, w, [0, 1]);
    expect(w[1]).toBe(0);
    expect(w[0]).toBeCloseTo(2, 9);
  });
});

describe('adaptiveNmRow', () => {
  it('with uncorrelated inputs (diagonal H) it is the N:M pattern of the row\'s w²·H_qq', () => {
    const h = new Float64Array(16);
    [1, 4, 1, 1].forEach((v, i) => { h[i * 4 + i] = v; });
    const sys = groupSystem(h, 4, 0.01);
    const mask = new Uint8Array(4);
    adaptiveNmRow(sys, [1, 0.6, 0.5, 0.7], 1, 2, mask, 0);
    // Scores ∝ w²·H_qq: group 1: 1 vs 0.36·4 = 1.44 → remove 0; group 2: 0.25 vs 0.49 → remove 2.
    expect(Array.from(mask)).toEqual([1, 0, 1, 0]);
  });

  it('a removed weight correlated with a later one raises it, so the later group drops the other weight', () => {
    // Inputs 0 and 2 correlated (0.9): removing w0 = 1 moves ≈ 0.9 onto w2 (0.5 → ≈ 1.4), so group 2 drops w3 (0.6), not w2.
    const h = new Float64Array(16);
    for (let i = 0; i < 4; i++) h[i * 4 + i] = 1;
    h[2] = h[8] = 0.9;
    const sys = groupSystem(h, 4, 0.01);
    const adaptive = new Uint8Array(8);
    adaptiveNmRow(sys, [1, 1.1, 0.5, 0.6], 1, 2, adaptive, 4);
    expect(Array.from(adaptive)).toEqual([0, 0, 0, 0, 1, 0, 0, 1]);
    // The one-shot OBS choice on the unpruned row removes w2 instead (its saliency is the smaller).
    const s = obsSaliency(sys, [1, 1.1, 0.5, 0.6]);
    expect(s[2]!).toBeLessThan(s[3]!);
  });
});
