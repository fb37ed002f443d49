/**
 * Entropy (KL-divergence) calibration, TensorRT-style, as pure functions over typed arrays:
 *
 * - {@link HistogramAccumulator} streams a tensor's values (image after image) into at most `bins` bins of width w
 *   anchored at 0 (bin k = [k·w, (k+1)·w), so 0 is always a bin edge). When a new value falls outside, w doubles
 *   and bins merge pairwise (k → ⌊k/2⌋): exact, no re-binning error, memory fixed.
 * - {@link entropyRange} searches the clipping window. Candidates keep n bins around 0, split between the negative
 *   and positive side in proportion to the full histogram (the range [α·min, α·max], as `--method mse` does), for
 *   n = `levels` … all bins. For each: P = the kept bins with the clipped counts added to the end bins; Q = the
 *   kept (unclipped) bins merged into `levels` quantization levels (bin j of n goes to level ⌊j·levels/n⌋), each
 *   level's count spread evenly over its bins where P is non-zero; both normalised; KL(P‖Q) = Σ p·ln(p/q) over
 *   p > 0, a bin with p > 0 and q = 0 (a level that received only clipped values) counting q = {@link KL_EPSILON}.
 *   The window with the least KL wins; ties (within 1e-12 relative) go to the wider window (fewer values clipped).
 *   The result is clamped to the observed [min, max], so keeping every bin returns the observed range exactly.
 * - `mode: 'abs'` folds the histogram to |x| (bin k < 0 onto −k−1) and searches [−t, t] with `levels` (128 for
 *   symmetric int8) — the original TensorRT form.
 */

/** Bins of a streamed histogram: `counts[i]` holds bin `start + i`, i.e. values in [(start+i)·width, (start+i+1)·width). */
export interface HistogramData {
  width: number;
  start: number;
  counts: Float64Array;
  /** Observed extremes of the finite values (0 / 0 when none). */
  min: number;
  max: number;
}

/** Default bin budget of a histogram (TensorRT's 2048). */
export const HISTOGRAM_BINS = 2048;
/** q given to a bin with p > 0 whose level received only clipped values. */
export const KL_EPSILON = 1e-4;

/** Streams values into a histogram of at most `bins` bins whose width doubles as the range grows. */
export class HistogramAccumulator {
  private width = 0;
  private start = 0;
  private counts = new Float64Array(0);
  private zeros = 0;
  private lo = Infinity;
  private hi = -Infinity;

  constructor(private readonly bins: number = HISTOGRAM_BINS) {
    if (!(Number.isInteger(bins) && bins >= 2)) throw new RangeError(`histogram bins ${bins}: expected an integer ≥ 2`);
  }

  /** Add the finite values of `values` (NaN and ±Infinity are skipped). */
  add(values: ArrayLike<number>): void {
    let lo = Infinity, hi = -Infinity, finite = 0;
    for (let i = 0; i < values.length; i++) {
      const x = values[i]!;
      if (!Number.isFinite(x)) continue;
      finite++;
      if (x < lo) lo = x;
      if (x > hi) hi = x;
    }
    if (lo === Infinity) return;
    this.lo = Math.min(this.lo, lo); this.hi = Math.max(this.hi, hi);
    if (this.width === 0) {
      const span = Math.max(this.hi, 0) - Math.min(this.lo, 0);
      if (span === 0) { this.zeros += finite; return; }
      this.width = span / (this.bins - 1);
      this.counts = new Float64Array(this.bins);
      this.counts[0] = this.zeros;
    }
    this.fit(Math.floor(this.lo / this.width), Math.floor(this.hi / this.width));
    const w = this.width, s = this.start;
    for (let i = 0; i < values.length; i++) {
      const x = values[i]!;
      if (!Number.isFinite(x)) continue;
      // In range: ⌊x/w⌋ is monotone in x and fit() made ⌊lo/w⌋ … ⌊hi/w⌋ representable.
      this.counts[Math.floor(x / w) - s]!++;
    }
  }

  /** Make bins a … b representable: re-anchor, doubling the width (merging bins pairwise) until the span fits. */
  private fit(a: number, b: number): void {
    if (a >= this.start && b < this.start + this.bins) return;
    let factor = 1;
    while (Math.floor(b / factor) - Math.floor(a / factor) >= this.bins) factor *= 2;
    const start = Math.floor(a / factor);
    const next = new Float64Array(this.bins);
    // Non-empty bins lie in a … b, so ⌊k/factor⌋ − start is in range (factor is a power of 2: exact).
    this.counts.forEach((c, i) => { if (c !== 0) next[Math.floor((this.start + i) / factor) - start]! += c; });
    this.counts = next; this.start = start; this.width *= factor;
  }

  /** The histogram so far (a copy). */
  result(): HistogramData {
    const seen = Number.isFinite(this.lo);
    if (this.width === 0) return { width: 0, start: 0, counts: Float64Array.of(this.zeros), min: seen ? this.lo : 0, max: seen ? this.hi : 0 };
    return { width: this.width, start: this.start, counts: Float64Array.from(this.counts), min: this.lo, max: this.hi };
  }
}

export interface EntropyOptions {
  /** Quantization levels of the kept window (default 256: uint8/int8 asymmetric). */
  levels?: number;
  /** `asymmetric` (default: the signed histogram, window around 0) or `abs` (|x|, symmetric [−t, t]). */
  mode?: 'asymmetric' | 'abs';
}

export interface EntropyRange { min: number; max: number; /** KL(P‖Q) of the chosen window. */ kl: number; /** Bins kept. */ bins: number }

/** KL(P‖Q) of keeping bins [a, a + n) of `c` (all bins of `c` cover the histogram), merged into `levels` levels. */
export function windowKl(c: Float64Array, a: number, n: number, levels: number): number {
  let below = 0, above = 0, total = 0;
  for (let i = 0; i < c.length; i++) { total += c[i]!; if (i < a) below += c[i]!; else if (i >= a + n) above += c[i]!; }
  const p = c.slice(a, a + n);
  const inside = total - below - above;
  p[0]! += below; p[n - 1]! += above;
  const levelSum = new Float64Array(levels), levelBins = new Float64Array(levels);
  for (let j = 0; j < n; j++) {
    const l = Math.floor((j * levels) / n);
    levelSum[l]! += c[a + j]!;
    if (p[j]! > 0) levelBins[l]!++;
  }
  let kl = 0;
  for (let j = 0; j < n; j++) {
    const pj = p[j]! / total;
    if (pj === 0) continue;
    const l = Math.floor((j * levels) / n);
    const qj = levelSum[l]! / levelBins[l]! / inside; // NaN when everything is clipped: ε below
    kl += pj * Math.log(pj / (qj > 0 ? qj : KL_EPSILON));
  }
  return kl;
}

/** The clipping range of a histogram with the least KL divergence (see the module comment). */
export function entropyRange(h: HistogramData, options: EntropyOptions = {}): EntropyRange {
  const levels = options.levels ?? 256;
  if (!(Number.isInteger(levels) && levels >= 2)) throw new RangeError(`entropy levels ${levels}: expected an integer ≥ 2`);
  const abs = options.mode === 'abs';
  const full = abs ? Math.max(-h.min, h.max) : 0;
  // Bins covering [lo·w, (hi+1)·w) with 0 an edge inside: nL below 0, nR above.
  let c: Float64Array, nL: number;
  if (abs) {
    const hi = Math.max(h.start + h.counts.length - 1, -h.start - 1, 0);
    c = new Float64Array(hi + 1);
    h.counts.forEach((v, i) => { const k = h.start + i; c[k < 0 ? -k - 1 : k]! += v; });
    nL = 0;
  } else {
    const lo = Math.min(h.start, 0), hi = Math.max(h.start + h.counts.length - 1, -1);
    c = new Float64Array(hi - lo + 1);
    h.counts.forEach((v, i) => { c[h.start + i - lo] = v; });
    nL = -lo;
  }
  const N = c.length;
  const whole: EntropyRange = abs ? { min: -full, max: full, kl: 0, bins: N } : { min: h.min, max: h.max, kl: 0, bins: N };
  if (h.width === 0) return whole;
  let best: EntropyRange | undefined;
  // No more bins than levels: only the full window (KL 0, the observed range).
  for (let n = Math.min(levels, N); n <= N; n++) {
    const l = Math.round((n * nL) / N);
    const kl = windowKl(c, nL - l, n, levels);
    if (best === undefined || kl <= best.kl + 1e-12 * Math.abs(best.kl)) {
      const lo = (0 - l) * h.width, hi = (n - l) * h.width;
      best = abs ? { min: -Math.min(hi, full), max: Math.min(hi, full), kl, bins: n } : { min: Math.max(lo, h.min), max: Math.min(hi, h.max), kl, bins: n };
    }
  }
  return best!;
}
