/**
 * Dense symmetric positive-definite linear algebra in Float64 (row-major [n×n]): Cholesky factor, solves and
 * inverse, and a damped factorisation for Hessians that may be singular (too few calibration positions, dead
 * inputs). Shared by the structured channel fit and second-order weight reconstruction.
 */

/** Lower Cholesky factor of (S + λI) ([n×n] row-major), or undefined when not positive definite. */
export function cholesky(s: Float64Array, n: number, lambda: number): Float64Array | undefined {
  const l = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    const ri = i * n;
    for (let j = 0; j <= i; j++) {
      const rj = j * n;
      let v = s[ri + j]! + (i === j ? lambda : 0);
      for (let q = 0; q < j; q++) v -= l[ri + q]! * l[rj + q]!;
      if (i === j) {
        if (!(v > 0) || !Number.isFinite(v)) return undefined;
        l[ri + i] = Math.sqrt(v);
      } else l[ri + j] = v / l[rj + j]!;
    }
  }
  return l;
}

/** Solve L Lᵀ x = rhs. */
export function choleskySolve(l: Float64Array, n: number, rhs: ArrayLike<number>): Float64Array {
  const y = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    let v = rhs[i]!;
    for (let q = 0; q < i; q++) v -= l[i * n + q]! * y[q]!;
    y[i] = v / l[i * n + i]!;
  }
  const x = new Float64Array(n);
  for (let i = n - 1; i >= 0; i--) {
    let v = y[i]!;
    for (let q = i + 1; q < n; q++) v -= l[q * n + i]! * x[q]!;
    x[i] = v / l[i * n + i]!;
  }
  return x;
}

/** (L Lᵀ)⁻¹ from the lower factor L: L⁻¹ by forward substitution, then L⁻ᵀ L⁻¹ (symmetric). */
export function choleskyInverse(l: Float64Array, n: number): Float64Array {
  const inv = new Float64Array(n * n); // L⁻¹, lower
  for (let j = 0; j < n; j++) {
    inv[j * n + j] = 1 / l[j * n + j]!;
    for (let i = j + 1; i < n; i++) {
      let v = 0;
      for (let q = j; q < i; q++) v -= l[i * n + q]! * inv[q * n + j]!;
      inv[i * n + j] = v / l[i * n + i]!;
    }
  }
  const out = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j <= i; j++) {
      let v = 0;
      for (let q = i; q < n; q++) v += inv[q * n + i]! * inv[q * n + j]!;
      out[i * n + j] = v;
      out[j * n + i] = v;
    }
  }
  return out;
}

/** A damped factorisation: S + λI = L Lᵀ. */
export interface DampedFactor {
  l: Float64Array;
  /** λ actually added (the first of relDamp·mean(diag S), ×10, … that factorises). */
  lambda: number;
  /** λ had to be raised above the requested damping. */
  raised: boolean;
}

/**
 * Cholesky of S + λI with λ = `relDamp` × mean(diag S) (a tiny floor when that is 0), raised ×10 up to 8 times
 * until the factorisation succeeds. Throws RangeError when even that fails (non-finite statistics).
 */
export function dampedCholesky(s: Float64Array, n: number, relDamp: number): DampedFactor {
  let diag = 0;
  for (let i = 0; i < n; i++) diag += s[i * n + i]!;
  let lambda = Math.max(relDamp * (n > 0 ? diag / n : 0), 1e-12);
  let l = cholesky(s, n, lambda);
  let raised = false;
  for (let attempt = 0; attempt < 8 && !l; attempt++) {
    lambda *= 10;
    raised = true;
    l = cholesky(s, n, lambda);
  }
  if (!l) throw new RangeError('damped Cholesky: the matrix is not positive definite even with a large damping (non-finite statistics?)');
  return { l, lambda, raised };
}
