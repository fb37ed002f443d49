import { describe, expect, it } from 'vitest';
import {
  mean, median, pairedRatioOfMedians, quantile, ratioVerdict, seededRandom, summarizeLatency, type RatioEstimate,
} from '../../src/bench/stats.js';

/** Synthetic paired latencies: a drift shared by both models per round, independent noise, rare spikes. */
function syntheticRounds(rand: () => number, n: number, speedup: number): { base: number[]; cand: number[] } {
  const gauss = (): number => Math.sqrt(-2 * Math.log(1 - rand())) * Math.cos(2 * Math.PI * rand());
  const spike = (): number => (rand() < 0.05 ? 0.5 : 0);
  const base: number[] = [];
  const cand: number[] = [];
  for (let r = 0; r < n; r++) {
    const drift = 0.1 * gauss();
    base.push(60 * Math.exp(drift + 0.08 * gauss() + spike()));
    cand.push((60 / speedup) * Math.exp(drift + 0.08 * gauss() + spike()));
  }
  return { base, cand };
}

function significantRate(speedup: number, n: number, sims: number, seed: number): number {
  const rand = seededRandom(seed);
  let hits = 0;
  for (let s = 0; s < sims; s++) {
    const { base, cand } = syntheticRounds(rand, n, speedup);
    if (pairedRatioOfMedians(base, cand, { seed: s, resamples: 500 }).significant) hits++;
  }
  return hits / sims;
}

describe('quantiles and summary', () => {
  it('interpolates linearly like numpy', () => {
    const v = [1, 2, 3, 4];
    expect(median(v)).toBe(2.5);
    expect(quantile(v, 0.9)).toBeCloseTo(3.7, 12);
    expect(quantile(v, 0)).toBe(1);
    expect(quantile(v, 1)).toBe(4);
    expect(quantile([5], 0.99)).toBe(5);
    expect(Number.isNaN(median([]))).toBe(true);
  });

  it('does not mutate its input', () => {
    const v = [3, 1, 2];
    median(v);
    expect(v).toEqual([3, 1, 2]);
  });

  it('summarises latency with FPS from the median and the batch', () => {
    const s = summarizeLatency([10, 20, 30, 40, 50], 2);
    expect(s).toMatchObject({ runs: 5, medianMs: 30, meanMs: 30, minMs: 10, maxMs: 50 });
    expect(s.stdMs).toBeCloseTo(Math.sqrt(250), 12);
    expect(s.p90Ms).toBeCloseTo(46, 12);
    expect(s.fps).toBeCloseTo(2000 / 30, 12);
    expect(mean([1, 2, 6])).toBe(3);
  });
});

describe('seededRandom', () => {
  it('is deterministic and in [0,1)', () => {
    const a = seededRandom(7);
    const b = seededRandom(7);
    const xs = Array.from({ length: 1000 }, () => a());
    expect(xs).toEqual(Array.from({ length: 1000 }, () => b()));
    expect(Math.min(...xs)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...xs)).toBeLessThan(1);
    expect(mean(xs)).toBeGreaterThan(0.45);
    expect(mean(xs)).toBeLessThan(0.55);
  });
});

describe('pairedRatioOfMedians', () => {
  it('gives the ratio of medians and a deterministic interval around it', () => {
    const { base, cand } = syntheticRounds(seededRandom(3), 50, 1.3);
    const a = pairedRatioOfMedians(base, cand, { seed: 9 });
    expect(a).toEqual(pairedRatioOfMedians(base, cand, { seed: 9 }));
    expect(a.ratio).toBeCloseTo(median(base) / median(cand), 12);
    expect(a.ciLow).toBeLessThanOrEqual(a.ratio);
    expect(a.ciHigh).toBeGreaterThanOrEqual(a.ratio);
    expect(a.confidence).toBe(0.95);
    expect(a.resamples).toBe(2000);
  });

  it('detects a known 1.3× speedup and contains the true ratio', () => {
    const { base, cand } = syntheticRounds(seededRandom(11), 20, 1.3);
    const e = pairedRatioOfMedians(base, cand);
    expect(e.significant).toBe(true);
    expect(e.ciLow).toBeGreaterThan(1);
    expect(e.ciLow).toBeLessThan(1.3);
    expect(e.ciHigh).toBeGreaterThan(1.3);
  });

  it('holds its false-positive rate under the null (same distribution) at about 5% or less', () => {
    expect(significantRate(1, 20, 200, 5)).toBeLessThanOrEqual(0.07);
  });

  it('has power: a 1.3× shift is significant in nearly every synthetic experiment of 20 rounds', () => {
    expect(significantRate(1.3, 20, 100, 6)).toBeGreaterThanOrEqual(0.97);
    // and a 1.3× slowdown is just as visible
    expect(significantRate(1 / 1.3, 20, 100, 8)).toBeGreaterThanOrEqual(0.97);
  });

  it('does not claim a consistent difference smaller than the noise threshold', () => {
    const base = Array.from({ length: 60 }, (_, i) => 10 + (i % 7) * 0.01);
    const cand = base.map((v) => v / 1.005); // 0.5% faster in every round
    const e = pairedRatioOfMedians(base, cand);
    expect(e.ciLow).toBeGreaterThan(1);
    expect(e.significant).toBe(false);
    expect(e.noiseThreshold).toBe(0.01);
    expect(pairedRatioOfMedians(base, cand, { noiseThreshold: 0 }).significant).toBe(true);
    expect(pairedRatioOfMedians(base, base.map((v) => v / 1.05)).significant).toBe(true);
  });

  it('rejects unpaired or too short samples', () => {
    expect(() => pairedRatioOfMedians([1, 2, 3], [1, 2])).toThrow(RangeError);
    expect(() => pairedRatioOfMedians([1], [1])).toThrow(RangeError);
  });
});

describe('ratioVerdict', () => {
  const est = (ratio: number, ciLow: number, ciHigh: number): RatioEstimate => ({
    ratio, ciLow, ciHigh, confidence: 0.95, resamples: 2000, significant: ciLow > 1.01 || ciHigh < 1 / 1.01, noiseThreshold: 0.01,
  });

  it('says faster with the interval', () => {
    expect(ratioVerdict(est(1.31, 1.27, 1.35))).toBe('1.31× faster (95% CI 1.27–1.35)');
  });

  it('says slower with the inverted interval', () => {
    expect(ratioVerdict(est(0.8, 0.75, 0.85))).toBe('1.25× slower (95% CI 1.18–1.33)');
  });

  it('says no significant difference when the interval contains 1', () => {
    expect(ratioVerdict(est(1.004, 0.98, 1.03))).toBe('no significant difference (95% CI 0.98–1.03)');
  });

  it('calls an interval that excludes 1 but stays within the noise threshold no significant difference', () => {
    expect(ratioVerdict(est(1.008, 1.003, 1.012))).toBe('no significant difference (95% CI 1.003–1.012; within the ±1% noise threshold)');
    expect(ratioVerdict(est(0.99, 0.985, 0.995))).toBe('no significant difference (95% CI 0.98–0.99; within the ±1% noise threshold)');
  });

  it('adds digits rather than print a bound that differs from 1 as 1.00', () => {
    expect(ratioVerdict({ ...est(1.05, 1.004, 1.09), significant: true, noiseThreshold: 0 })).toBe('1.050× faster (95% CI 1.004–1.090)');
  });
});

describe('ratioVerdict near 1', () => {
  it('never prints a bound that differs from 1 as 1.00', () => {
    const e: RatioEstimate = { ratio: 1.1, ciLow: 0.998, ciHigh: 1.3, confidence: 0.95, resamples: 2000, significant: false, noiseThreshold: 0.01 };
    expect(ratioVerdict(e)).toBe('no significant difference (95% CI 0.998–1.300)');
  });
});
