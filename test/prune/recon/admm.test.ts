/**
 * ADMM mask selection (admm.ts): with a fixed mask the iterations converge to the exact least-squares refit
 * (solveRowExact); the gradual schedule; exact counts with existing zeros first; N:M with exactly M−N of every run;
 * ties to the lowest index; a row scale (folded BN) does not move the mask; and on a correlated layer the mask's
 * refit error is no worse than the one-shot saliency mask's.
 */
import { describe, expect, it } from 'vitest';
import { admmFixedMask, admmMask, scheduleFraction } from '../../../src/prune/recon/admm.js';
import { groupSystem, obsSaliency, rowError, solveRowExact, type GroupSystem } from '../../../src/prune/recon/solve.js';
import { selectSmallest } from '../../../src/prune/select.js';
import { randomFloats } from '../../helpers/onnx-builder.js';

/** H of inputs with strong neighbour correlations and unequal variances (so magnitude and OBS disagree). */
function system(d: number, seed: number, damp = 0.01): GroupSystem {
  const n = 6 * d;
  const z = randomFloats(d * n, seed);
  const x = (i: number, k: number) => (0.3 + (i % 5)) * (z[i * n + k]! - 0.5 + (i > 0 ? 0.8 * (z[(i - 1) * n + k]! - 0.5) : 0));
  const h = new Float64Array(d * d);
  for (let i = 0; i < d; i++) for (let j = 0; j < d; j++) {
    let s = 0;
    for (let k = 0; k < n; k++) s += x(i, k) * x(j, k);
    h[i * d + j] = s / n;
  }
  return groupSystem(h, d, damp);
}

const rowsOf = (o: number, d: number, seed: number) => Float64Array.from(randomFloats(o * d, seed), (v) => 2 * v - 1);

/** Output error of the rows refit exactly on `mask`. */
function refitError(sys: GroupSystem, rows: Float64Array, mask: Uint8Array): number {
  const d = sys.size;
  let e = 0;
  for (let r = 0; r < rows.length / d; r++) {
    const t = rows.subarray(r * d, (r + 1) * d), w = Float64Array.from(t);
    solveRowExact(sys, w, mask.subarray(r * d, (r + 1) * d));
    e += rowError(sys.h, d, t, w);
  }
  return e;
}

const count = (m: Uint8Array) => m.reduce((a, b) => a + b, 0);

describe('scheduleFraction', () => {
  it('grows cubically to exactly 1 at the last scheduled iteration and stays there', () => {
    expect(scheduleFraction(0, 15)).toBeCloseTo(1 - (14 / 15) ** 3, 12);
    expect(scheduleFraction(7, 15)).toBeCloseTo(1 - (7 / 15) ** 3, 12);
    expect(scheduleFraction(13, 15)).toBeLessThan(1);
    expect(scheduleFraction(14, 15)).toBe(1);
    expect(scheduleFraction(20, 15)).toBe(1);
    expect(scheduleFraction(0, 1)).toBe(1);
  });
});

describe('admmFixedMask', () => {
  // Odd and even row lengths and row counts: the W-step works on 2×2 blocks of (P rows, rows).
  it.each([{ d: 10, o: 3 }, { d: 9, o: 2 }, { d: 7, o: 1 }])('converges to the exact least-squares refit of the kept weights (damped objective), D = $d, $o rows', ({ d, o }) => {
    const sys = system(d, 3);
    const rows = rowsOf(o, d, 4);
    const mask = Uint8Array.from({ length: o * d }, (_, i) => ((i * 7) % 3 === 0 ? 1 : 0));
    const z = admmFixedMask(sys, rows, mask, { iterations: 400 });
    for (let r = 0; r < o; r++) {
      const w = Float64Array.from(rows.subarray(r * d, (r + 1) * d));
      solveRowExact(sys, w, mask.subarray(r * d, (r + 1) * d));
      for (let q = 0; q < d; q++) {
        if (mask[r * d + q]) expect(z[r * d + q]).toBe(0);
        else expect(z[r * d + q]).toBeCloseTo(w[q]!, 6);
      }
    }
    // One iteration is not there yet: the check above is about convergence, not the starting point.
    const early = admmFixedMask(sys, rows, mask, { iterations: 1 });
    expect(Math.max(...early.map((v, i) => Math.abs(v - z[i]!)))).toBeGreaterThan(1e-3);
  });

  it('refuses a non-positive ρ and a zero iteration count', () => {
    const sys = system(4, 1);
    expect(() => admmFixedMask(sys, rowsOf(1, 4, 1), new Uint8Array(4), { rho: 0 })).toThrow(/rho/);
    expect(() => admmFixedMask(sys, rowsOf(1, 4, 1), new Uint8Array(4), { iterations: 0 })).toThrow(/iterations/);
  });
});

describe('admmMask', () => {
  const d = 16, o = 8;
  const sys = system(d, 7);
  const rows = rowsOf(o, d, 8);

  it('unstructured: exactly `zeros` weights, existing zeros first, from the first scheduled count on', () => {
    const forced = new Uint8Array(o * d);
    for (const i of [0, 17, 40, 99, 127]) forced[i] = 1;
    const target = Float64Array.from(rows, (v, i) => (forced[i] ? 0 : v));
    for (const zeros of [5, 6, 37, 64, 100]) {
      const mask = admmMask({ systems: [sys], rowsPer: o, rows: target, forced, zeros });
      expect(count(mask)).toBe(zeros);
      for (const i of [0, 17, 40, 99, 127]) expect(mask[i]).toBe(1);
    }
    // Fewer zeros than existing ones: only existing zeros, lowest index first (scores tie at 0).
    const three = admmMask({ systems: [sys], rowsPer: o, rows: target, forced, zeros: 3 });
    expect([...three.keys()].filter((i) => three[i])).toEqual([0, 17, 40]);
  });

  it('2:4: every run of 4 has exactly 2 zeros; an existing zero is one of them', () => {
    const forced = new Uint8Array(o * d);
    forced[5] = 1;
    forced[6] = 1;
    forced[7] = 1; // a run with three existing zeros still masks exactly two, the lowest indices
    forced[33] = 1;
    const target = Float64Array.from(rows, (v, i) => (forced[i] ? 0 : v));
    for (const [n, m] of [[2, 4], [1, 4], [3, 8]] as const) {
      const mask = admmMask({ systems: [sys], rowsPer: o, rows: target, forced, nm: { n, m } });
      for (let g = 0; g < o * d; g += m) expect(count(mask.subarray(g, g + m))).toBe(m - n);
      expect(mask[33]).toBe(1);
    }
    const mask = admmMask({ systems: [sys], rowsPer: o, rows: target, forced, nm: { n: 2, m: 4 } });
    expect([...mask.subarray(4, 8)]).toEqual([0, 1, 1, 0]);
  });

  it('ties go to the lowest index (equal weights, identity H)', () => {
    const h = new Float64Array(8 * 8);
    for (let i = 0; i < 8; i++) h[i * 8 + i] = 1;
    const eye = groupSystem(h, 8, 0.01);
    const flat = new Float64Array(8).fill(0.5);
    expect([...admmMask({ systems: [eye], rowsPer: 1, rows: flat, forced: new Uint8Array(8), zeros: 3 })]).toEqual([1, 1, 1, 0, 0, 0, 0, 0]);
    expect([...admmMask({ systems: [eye], rowsPer: 1, rows: flat, forced: new Uint8Array(8), nm: { n: 2, m: 4 } })]).toEqual([1, 1, 0, 0, 1, 1, 0, 0]);
  });

  it('a row scale (folded BN) does not move the mask; without normalisation the small row loses more', () => {
    const scaled = Float64Array.from(rows, (v, i) => (i < d ? v * 1e-3 : v));
    const forced = new Uint8Array(o * d);
    const a = admmMask({ systems: [sys], rowsPer: o, rows, forced, zeros: 60 });
    const b = admmMask({ systems: [sys], rowsPer: o, rows: scaled, forced, zeros: 60 });
    expect([...b]).toEqual([...a]);
    const plain = admmMask({ systems: [sys], rowsPer: o, rows: scaled, forced, zeros: 60, normalize: false });
    expect(count(plain.subarray(0, d))).toBe(d);
  });

  it('a different group per row block uses its own system', () => {
    const other = system(d, 21);
    const forced = new Uint8Array(o * d);
    const two = admmMask({ systems: [sys, other], rowsPer: o / 2, rows, forced, zeros: 64 });
    const lower = admmMask({ systems: [other], rowsPer: o, rows: rows.subarray((o / 2) * d), forced, zeros: 32 });
    expect(count(two)).toBe(64);
    // Not a coincidence of the data: the second block's rows under the first system choose otherwise.
    const upper = admmMask({ systems: [sys], rowsPer: o, rows: rows.subarray((o / 2) * d), forced, zeros: 32 });
    expect([...upper]).not.toEqual([...lower]);
  });

  it('on a correlated layer its refit error is at most the one-shot OBS saliency mask\'s (unstructured 50% and 2:4)', () => {
    const big = system(24, 31), rw = rowsOf(12, 24, 32), forced = new Uint8Array(12 * 24);
    // One-shot: the layer's smallest row-normalised saliencies (layer.ts 'saliency').
    const scores = new Float32Array(12 * 24);
    for (let r = 0; r < 12; r++) {
      const w = rw.subarray(r * 24, (r + 1) * 24), s = obsSaliency(big, w), e = rowError(big.h, 24, w, new Float64Array(24));
      for (let q = 0; q < 24; q++) scores[r * 24 + q] = s[q]! / e;
    }
    const once = selectSmallest({ dtype: 'float32', dims: [12 * 24], data: scores }, 144);
    const admm = admmMask({ systems: [big], rowsPer: 12, rows: rw, forced, zeros: 144 });
    expect(count(admm)).toBe(144);
    expect(refitError(big, rw, admm)).toBeLessThanOrEqual(refitError(big, rw, once));
    const nmOnce = new Uint8Array(12 * 24);
    for (let g = 0; g < 12 * 24; g += 4) {
      const idx = [0, 1, 2, 3].sort((a, b) => scores[g + a]! - scores[g + b]! || a - b);
      nmOnce[g + idx[0]!] = 1;
      nmOnce[g + idx[1]!] = 1;
    }
    const nmAdmm = admmMask({ systems: [big], rowsPer: 12, rows: rw, forced, nm: { n: 2, m: 4 } });
    expect(refitError(big, rw, nmAdmm)).toBeLessThanOrEqual(refitError(big, rw, nmOnce));
  });
});
