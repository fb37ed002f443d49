/**
 * Bit-faithful re-implementations of the few numpy primitives the reference metrics rely on
 * (`linspace`, `interp`, pairwise `add.reduce`, `trapezoid`), so that our numbers agree with Ultralytics and pycocotools
 * to the last digits rather than "approximately".
 */

/** `numpy.linspace(start, stop, num)` (endpoint included): `i * step + start`, last element exactly `stop`. */
export function linspace(start: number, stop: number, num: number): Float64Array {
  const out = new Float64Array(num);
  if (num === 0) return out;
  const div = num - 1;
  const delta = stop - start;
  const step = div > 0 ? delta / div : Number.NaN;
  for (let i = 0; i < num; i++) out[i] = div > 0 ? i * step + start : start;
  if (num > 1) out[num - 1] = stop;
  return out;
}

/**
 * Last index `j` in `[0, n)` with `xp[j] <= key`, for `xp` non-decreasing and `xp[0] <= key <= xp[n-1]`
 * (the bracket numpy's `binary_search_with_guess` returns).
 */
function bracket(key: number, xp: ArrayLike<number>, n: number): number {
  let lo = 0;
  let hi = n;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (key >= (xp[mid] as number)) lo = mid + 1;
    else hi = mid;
  }
  return lo - 1;
}

/**
 * `numpy.interp(key, xp[:n], fp[:n], left, right)` for one query point. `xp` must be non-decreasing (duplicates
 * allowed: the last of equal abscissae wins, as in numpy).
 */
export function interp1(key: number, xp: ArrayLike<number>, fp: ArrayLike<number>, n: number, left: number, right: number): number {
  const last = n - 1;
  if (key > (xp[last] as number)) return right;
  if (key < (xp[0] as number)) return left;
  const j = bracket(key, xp, n);
  const xj = xp[j] as number;
  const yj = fp[j] as number;
  if (j === last || xj === key) return yj;
  const xj1 = xp[j + 1] as number;
  const yj1 = fp[j + 1] as number;
  const slope = (yj1 - yj) / (xj1 - xj);
  let r = slope * (key - xj) + yj;
  if (Number.isNaN(r)) {
    r = slope * (key - xj1) + yj1;
    if (Number.isNaN(r) && yj === yj1) r = yj;
  }
  return r;
}

/** `numpy.add.reduce` of `n` values `a[offset + i*stride]`, with numpy's pairwise summation order. */
export function pairwiseSum(a: ArrayLike<number>, offset = 0, n = a.length - offset, stride = 1): number {
  if (n < 8) {
    let res = 0;
    for (let i = 0; i < n; i++) res += a[offset + i * stride] as number;
    return res;
  }
  if (n <= 128) {
    const r = new Float64Array(8);
    for (let j = 0; j < 8; j++) r[j] = a[offset + j * stride] as number;
    let i = 8;
    for (; i < n - (n % 8); i += 8) {
      for (let j = 0; j < 8; j++) (r[j] as number) += a[offset + (i + j) * stride] as number;
    }
    let res = ((r[0]! + r[1]!) + (r[2]! + r[3]!)) + ((r[4]! + r[5]!) + (r[6]! + r[7]!));
    for (; i < n; i++) res += a[offset + i * stride] as number;
    return res;
  }
  let n2 = Math.floor(n / 2);
  n2 -= n2 % 8;
  return pairwiseSum(a, offset, n2, stride) + pairwiseSum(a, offset + n2 * stride, n - n2, stride);
}

/** `numpy.trapezoid(y, x)`: sum of `(x[i+1]-x[i]) * (y[i+1]+y[i]) / 2` with numpy's summation order. */
export function trapezoid(y: Float64Array, x: Float64Array): number {
  const n = y.length - 1;
  if (n <= 0) return 0;
  const terms = new Float64Array(n);
  for (let i = 0; i < n; i++) terms[i] = ((x[i + 1]! - x[i]!) * (y[i + 1]! + y[i]!)) / 2.0;
  return pairwiseSum(terms);
}
