/**
 * Greedy OBS channel scores against brute force: on a tensor of 5 correlated channels (moments from known
 * samples) with two consumer rows, each greedy step removes the channel whose removal, with the rows refit from
 * the channels still kept (least squares: the error is Σ_rows w_Rᵀ (Σ_RR − Σ_RK Σ_KK⁻¹ Σ_KR) w_R, computed here by
 * Gaussian elimination), adds the least error; scores are the running maximum of those additions; a pinned
 * channel is never removed (Infinity); a duplicated channel goes first, its twin not right after.
 */
import { describe, expect, it } from 'vitest';
import { greedyChannelScores } from '../../../src/prune/structured/obs-channels.js';
import type { TensorMoments } from '../../../src/prune/structured/channel-stats.js';
import { randomFloats } from '../../helpers/onnx-builder.js';

function moments(x: number[][]): TensorMoments {
  const c = x[0]!.length, n = x.length;
  const mean = new Float64Array(c), second = new Float64Array(c * c);
  for (const v of x) for (let i = 0; i < c; i++) { mean[i]! += v[i]! / n; for (let j = 0; j < c; j++) second[i * c + j]! += (v[i]! * v[j]!) / n; }
  return { channels: c, count: n, mean, second };
}

/** Solve A y = b by Gaussian elimination with partial pivoting (independent of the Cholesky code). */
function solve(a: number[][], b: number[]): number[] {
  const n = b.length, m = a.map((r, i) => [...r, b[i]!]);
  for (let k = 0; k < n; k++) {
    let p = k;
    for (let i = k + 1; i < n; i++) if (Math.abs(m[i]![k]!) > Math.abs(m[p]![k]!)) p = i;
    [m[k], m[p]] = [m[p]!, m[k]!];
    for (let i = k + 1; i < n; i++) { const f = m[i]![k]! / m[k]![k]!; for (let j = k; j <= n; j++) m[i]![j]! -= f * m[k]![j]!; }
  }
  const y = new Array<number>(n).fill(0);
  for (let i = n - 1; i >= 0; i--) { let s = m[i]![n]!; for (let j = i + 1; j < n; j++) s -= m[i]![j]! * y[j]!; y[i] = s / m[i]![i]!; }
  return y;
}

/** Output error left after removing channels R and refitting the rows from the kept channels (centred). */
function refitError(m: TensorMoments, rows: number[][], removed: number[]): number {
  const c = m.channels;
  const cov = (i: number, j: number) => m.second[i * c + j]! - m.mean[i]! * m.mean[j]!;
  const kept = Array.from({ length: c }, (_, i) => i).filter((i) => !removed.includes(i));
  let total = 0;
  for (const w of rows) {
    // Residual of u = Σ_r w_r x_r after the best linear prediction from x_K.
    const skk = kept.map((i) => kept.map((j) => cov(i, j)));
    const sku = kept.map((i) => removed.reduce((s, r) => s + cov(i, r) * w[r]!, 0));
    const a = kept.length ? solve(skk, sku) : [];
    let suu = 0;
    for (const r of removed) for (const q of removed) suu += w[r]! * w[q]! * cov(r, q);
    total += suu - a.reduce((s, v, i) => s + v * sku[i]!, 0);
  }
  return total;
}

const samples = (c: number, n: number, seed: number, dup?: [number, number]) => {
  const z = randomFloats(c * n, seed);
  return Array.from({ length: n }, (_, k) => {
    const v = Array.from({ length: c }, (_, i) => z[k * c + i]! + (i > 0 ? 0.5 * z[k * c + i - 1]! : 0) + 0.2 * i);
    if (dup) v[dup[1]] = v[dup[0]]! * 1.5 + 0.01 * z[k * c + dup[1]]!;
    return v;
  });
};

describe('greedyChannelScores', () => {
  it('follows the brute-force greedy order of refit errors, with running-maximum scores', () => {
    const c = 5;
    const m = moments(samples(c, 200, 7));
    const rows = [[1, -2, 0.5, 3, -1], [0.3, 1, -1.5, 0.2, 2]];
    const scores = greedyChannelScores(m, Float64Array.from(rows.flat()), [1, 1, 1, 1, 1], 1e-12);
    const removed: number[] = [];
    let err = 0, run = 0;
    for (let s = 0; s < c; s++) {
      let best = -1, bestErr = Infinity;
      for (let q = 0; q < c; q++) {
        if (removed.includes(q)) continue;
        const e = refitError(m, rows, [...removed, q]);
        if (e < bestErr) { best = q; bestErr = e; }
      }
      run = Math.max(run, bestErr - err);
      expect(scores[best]).toBeCloseTo(run, 6);
      removed.push(best);
      err = bestErr;
    }
    // The order by score is the greedy order.
    expect(Array.from(scores).map((v, i) => [v, i] as const).sort((a, b) => a[0] - b[0]).map((p) => p[1])).toEqual(removed);
  });

  it('never removes a pinned channel, and removes one of two near-duplicates first but not both at once', () => {
    const c = 5;
    const m = moments(samples(c, 300, 3, [1, 3]));
    const rows = [[1, 1, 1, 1, 1], [0.5, -1, 2, 1, 0.7]];
    const scores = greedyChannelScores(m, Float64Array.from(rows.flat()), [1, 1, 1, 1, 0], 1e-12);
    expect(scores[4]).toBe(Infinity);
    const order = Array.from(scores).map((v, i) => [v, i] as const).sort((a, b) => a[0] - b[0]).map((p) => p[1]);
    expect([1, 3]).toContain(order[0]);
    // The twin left behind now carries the pair: it is the most expensive removable channel.
    expect(order[3]).toBe(order[0] === 1 ? 3 : 1);
  });
});
