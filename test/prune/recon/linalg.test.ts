import { describe, expect, it } from 'vitest';
import { cholesky, choleskyInverse } from '../../../src/prune/recon/linalg.js';
import { randomFloats } from '../../helpers/onnx-builder.js';

/** A random symmetric positive definite n×n matrix A Aᵀ + 0.1 I (row-major). */
function spd(n: number, seed: number): Float64Array {
  const a = randomFloats(n * n, seed);
  const s = new Float64Array(n * n);
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) {
    let v = i === j ? 0.1 : 0;
    for (let k = 0; k < n; k++) v += (a[i * n + k]! - 0.5) * (a[j * n + k]! - 0.5);
    s[i * n + j] = v;
  }
  return s;
}

describe('choleskyInverse', () => {
  it('inverts a hand-computed 2×2: S = [[4, 2], [2, 3]] → [[3, −2], [−2, 4]] / 8', () => {
    const l = cholesky(Float64Array.of(4, 2, 2, 3), 2, 0)!;
    const inv = choleskyInverse(l, 2);
    [3 / 8, -2 / 8, -2 / 8, 4 / 8].forEach((v, i) => expect(inv[i]).toBeCloseTo(v, 14));
  });

  it.each([1, 2, 7, 16])('gives S⁻¹ with S·S⁻¹ = I and an exactly symmetric result (n = %i)', (n) => {
    const s = spd(n, 11 + n);
    const inv = choleskyInverse(cholesky(s, n, 0)!, n);
    for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) {
      let v = 0;
      for (let k = 0; k < n; k++) v += s[i * n + k]! * inv[k * n + j]!;
      expect(v).toBeCloseTo(i === j ? 1 : 0, 9);
      expect(inv[i * n + j]).toBe(inv[j * n + i]);
    }
  });
});
