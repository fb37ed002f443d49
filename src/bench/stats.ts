/**
 * Latency statistics: pure functions over arrays of milliseconds. No clocks, no I/O.
 *
 * The comparison of two models uses paired rounds: round r ran every model once (in a random order), so
 * `baseMs[r]` and `candidateMs[r]` saw the same machine state. The effect size is the ratio of medians
 * `median(base) / median(candidate)` (> 1: the candidate is faster), and its confidence interval is a paired
 * percentile bootstrap: resample whole rounds with replacement (keeping each pair together, so drift shared by
 * both models stays shared) and take the ratio of medians of every resample.
 */

/** Summary of one model's latency samples. Milliseconds unless named otherwise. */
export interface LatencySummary {
  runs: number;
  medianMs: number;
  meanMs: number;
  /** Sample standard deviation (n − 1). */
  stdMs: number;
  p90Ms: number;
  p99Ms: number;
  minMs: number;
  maxMs: number;
  /** Images per second at the median latency: batch × 1000 / median. */
  fps: number;
}

/** Ratio of medians of a base and a candidate with its bootstrap confidence interval. */
export interface RatioEstimate {
  /** median(base) / median(candidate): > 1 means the candidate is faster. */
  ratio: number;
  ciLow: number;
  ciHigh: number;
  /** Two-sided confidence level, e.g. 0.95. */
  confidence: number;
  resamples: number;
  /**
   * True when the whole interval lies beyond the noise threshold: above 1 + t (faster) or below 1 / (1 + t)
   * (slower). A difference smaller than that is not claimed even when the interval excludes 1.
   */
  significant: boolean;
  /** The noise threshold t used (e.g. 0.01 = 1%). */
  noiseThreshold: number;
}

export interface BootstrapOptions {
  /** Number of bootstrap resamples (default 2000). */
  resamples?: number;
  /** PRNG seed (default 1): the same samples always give the same interval. */
  seed?: number;
  /** Confidence level (default 0.95). */
  confidence?: number;
  /**
   * Smallest relative difference ever reported as one (default 0.01, as Criterion's noise threshold): an
   * interval such as 1.0004–1.0365 excludes 1 but not run-to-run drift, and is called no significant difference.
   */
  noiseThreshold?: number;
}

/** Deterministic 32-bit PRNG (mulberry32): returns a function giving floats in [0, 1). */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function sortedCopy(values: ArrayLike<number>): Float64Array {
  return Float64Array.from(values).sort();
}

/** Quantile `q` in [0,1] of already sorted values, linear interpolation (numpy's default, Hyndman–Fan type 7). */
export function quantileSorted(sorted: ArrayLike<number>, q: number): number {
  const n = sorted.length;
  if (n === 0) return NaN;
  const pos = (n - 1) * Math.min(1, Math.max(0, q));
  const lo = Math.floor(pos);
  const hi = Math.min(n - 1, lo + 1);
  const a = sorted[lo]!;
  const b = sorted[hi]!;
  return a + (b - a) * (pos - lo);
}

export function quantile(values: ArrayLike<number>, q: number): number {
  return quantileSorted(sortedCopy(values), q);
}

export function median(values: ArrayLike<number>): number {
  return quantile(values, 0.5);
}

export function mean(values: ArrayLike<number>): number {
  if (values.length === 0) return NaN;
  let s = 0;
  for (let i = 0; i < values.length; i++) s += values[i]!;
  return s / values.length;
}

/** Summarise latency samples (ms). `batch` images per run scale the FPS. */
export function summarizeLatency(samplesMs: ArrayLike<number>, batch = 1): LatencySummary {
  const sorted = sortedCopy(samplesMs);
  const n = sorted.length;
  const m = mean(sorted);
  let ss = 0;
  for (let i = 0; i < n; i++) ss += (sorted[i]! - m) ** 2;
  const med = quantileSorted(sorted, 0.5);
  return {
    runs: n,
    medianMs: med,
    meanMs: m,
    stdMs: n > 1 ? Math.sqrt(ss / (n - 1)) : 0,
    p90Ms: quantileSorted(sorted, 0.9),
    p99Ms: quantileSorted(sorted, 0.99),
    minMs: n ? sorted[0]! : NaN,
    maxMs: n ? sorted[n - 1]! : NaN,
    fps: med > 0 ? (batch * 1000) / med : NaN,
  };
}

/**
 * Paired bootstrap CI of `median(base) / median(candidate)`. `baseMs[i]` and `candidateMs[i]` must come from the
 * same round i. Throws RangeError when the lengths differ or fewer than 2 rounds are given.
 */
export function pairedRatioOfMedians(
  baseMs: ArrayLike<number>,
  candidateMs: ArrayLike<number>,
  options: BootstrapOptions = {},
): RatioEstimate {
  const n = baseMs.length;
  if (candidateMs.length !== n) throw new RangeError(`paired samples differ in length: ${n} vs ${candidateMs.length}`);
  if (n < 2) throw new RangeError(`need at least 2 paired rounds, got ${n}`);
  const resamples = options.resamples ?? 2000;
  const confidence = options.confidence ?? 0.95;
  const rand = seededRandom(options.seed ?? 1);
  const ratio = median(baseMs) / median(candidateMs);
  const b = new Float64Array(n);
  const c = new Float64Array(n);
  const ratios = new Float64Array(resamples);
  for (let k = 0; k < resamples; k++) {
    for (let i = 0; i < n; i++) {
      const j = Math.floor(rand() * n);
      b[i] = baseMs[j]!;
      c[i] = candidateMs[j]!;
    }
    ratios[k] = quantileSorted(b.sort(), 0.5) / quantileSorted(c.sort(), 0.5);
  }
  ratios.sort();
  const alpha = (1 - confidence) / 2;
  const ciLow = quantileSorted(ratios, alpha);
  const ciHigh = quantileSorted(ratios, 1 - alpha);
  const t = options.noiseThreshold ?? 0.01;
  return { ratio, ciLow, ciHigh, confidence, resamples, significant: ciLow > 1 + t || ciHigh < 1 / (1 + t), noiseThreshold: t };
}

/** Digits so that no bound that differs from 1 is printed as 1 (e.g. 0.998 → "0.998", not "1.00"). */
function decimalsFor(e: RatioEstimate): number {
  const blurred = (v: number, d: number): boolean => v !== 1 && Number(v.toFixed(d)) === 1;
  let d = 2;
  while (d < 4 && (blurred(e.ciLow, d) || blurred(e.ciHigh, d))) d++;
  return d;
}

/**
 * A plain-language verdict that always carries its interval, e.g. `1.31× faster (95% CI 1.27–1.35)`,
 * `1.25× slower (95% CI 1.20–1.30)` or `no significant difference (95% CI 0.98–1.03)`.
 * Slower is expressed as the inverse ratio (candidate / base), with the inverted interval.
 */
export function ratioVerdict(e: RatioEstimate): string {
  const d = decimalsFor(e);
  const pct = `${Math.round(e.confidence * 100)}% CI`;
  if (!e.significant) {
    const noise = e.ciLow > 1 || e.ciHigh < 1 ? `; within the ±${+(100 * e.noiseThreshold).toFixed(1)}% noise threshold` : '';
    return `no significant difference (${pct} ${e.ciLow.toFixed(d)}–${e.ciHigh.toFixed(d)}${noise})`;
  }
  if (e.ciLow > 1) return `${e.ratio.toFixed(d)}× faster (${pct} ${e.ciLow.toFixed(d)}–${e.ciHigh.toFixed(d)})`;
  return `${(1 / e.ratio).toFixed(d)}× slower (${pct} ${(1 / e.ciHigh).toFixed(d)}–${(1 / e.ciLow).toFixed(d)})`;
}
