import { describe, expect, it } from 'vitest';
import { pairedRatioOfMedians, seededRandom, type RatioEstimate } from '../../src/bench/index.js';
import { accepts, dropBound, pickFaster } from '../../src/search/accept.js';
import { optimize, type Verified } from '../../src/search/optimize.js';
import { selectPoint } from '../../src/search/run-optimize.js';
import type { LadderPoint, UnitSensitivity } from '../../src/search/sensitivity.js';
import type { GroupUnit } from '../../src/search/units.js';

/** n replicate drops evenly spread over [centre − w, centre + w], sorted. */
const spread = (centre: number, w: number, n = 101) => Float64Array.from({ length: n }, (_, i) => centre - w + (2 * w * i) / (n - 1));

describe('accepts: the bound against the threshold', () => {
  // 101 drops from 0 to 0.01: the 0.9 quantile is exactly 0.009.
  const d = { drop: 0.005, drops: spread(0.005, 0.005) };
  it('a bound exactly at the threshold holds; just above it does not', () => {
    expect(dropBound(d, 0.9)).toBeCloseTo(0.009, 15);
    expect(accepts(d, { confidence: 0.9, threshold: 0.009 })).toBe(true);
    expect(accepts(d, { confidence: 0.9, threshold: 0.00899 })).toBe(false);
  });
  it('the point estimate alone would hold: the bound is what decides', () => {
    expect(accepts(d, { confidence: null, threshold: 0.006 })).toBe(true);
    expect(accepts(d, { confidence: 0.9, threshold: 0.006 })).toBe(false);
    // without replicates the bound is the drop
    expect(dropBound({ drop: 0.004 }, 0.9)).toBe(0.004);
  });
  it('the selection correction: among 10 verified candidates the level is 0.99', () => {
    expect(dropBound(d, 0.9, 10)).toBeCloseTo(0.0099, 15);
    expect(accepts(d, { confidence: 0.9, threshold: 0.0095 }, 1)).toBe(true);
    expect(accepts(d, { confidence: 0.9, threshold: 0.0095 }, 10)).toBe(false);
  });
});

/** Paired samples: `ms` per round plus seeded ±1% jitter (shared round effects cancel in the paired ratio). */
function samples(seed: number, ...ms: number[]): Float64Array[] {
  const r = seededRandom(seed);
  const rounds = 40;
  const out = ms.map(() => new Float64Array(rounds));
  for (let k = 0; k < rounds; k++) {
    const load = 1 + 0.3 * r();
    ms.forEach((m, i) => { out[i]![k] = m * load * (1 + 0.02 * (r() - 0.5)); });
  }
  return out;
}
const cmp = (s: Float64Array[]) => (i: number, j: number): RatioEstimate => pairedRatioOfMedians(s[i]!, s[j]!);

describe('pickFaster: the speed rule', () => {
  it('keeps the original when no eligible candidate is measurably faster', () => {
    const s = samples(1, 100, 100, 99.9);
    expect(cmp(s)(0, 2).ciLow).toBeLessThanOrEqual(1);
    expect(pickFaster([{ eligible: true, drop: 0 }, { eligible: true, drop: 0.004 }, { eligible: true, drop: 0.002 }], cmp(s))).toBe(0);
  });
  it('climbs to the fastest eligible candidate through measurable speed-ups; an ineligible faster one is never taken', () => {
    const s = samples(2, 100, 90, 80, 60);
    const items = [{ eligible: true, drop: 0 }, { eligible: true, drop: 0.001 }, { eligible: true, drop: 0.003 }, { eligible: false, drop: 0.02 }];
    expect(cmp(s)(0, 1).ciLow).toBeGreaterThan(1);
    expect(cmp(s)(1, 2).ciLow).toBeGreaterThan(1);
    expect(pickFaster(items, cmp(s))).toBe(2);
    // the faster point is taken even when it is listed first
    expect(pickFaster([items[0]!, items[2]!, items[1]!], cmp([s[0]!, s[2]!, s[1]!]))).toBe(1);
  });
  it('does not trade accuracy for speed that is not there: equal speed → the more accurate point stays', () => {
    // candidate 1 is measurably faster; candidate 2 is as fast as candidate 1 but less accurate: 1 is kept.
    const s = samples(3, 100, 80, 80);
    expect(pickFaster([{ eligible: true, drop: 0 }, { eligible: true, drop: 0.001 }, { eligible: true, drop: 0.006 }], cmp(s))).toBe(1);
    expect(pickFaster([{ eligible: true, drop: 0 }, { eligible: true, drop: 0.006 }, { eligible: true, drop: 0.001 }], cmp(s))).toBe(2);
  });
  it('uses the CI, not the point ratio: a ratio above 1 whose CI reaches below 1 is not a speed-up', () => {
    const fake = (ratio: number, ciLow: number): RatioEstimate => ({ ratio, ciLow, ciHigh: ratio + 0.1, confidence: 0.95, resamples: 1, significant: false, noiseThreshold: 0 });
    expect(pickFaster([{ eligible: true, drop: 0 }, { eligible: true, drop: 0 }], () => fake(1.05, 0.999))).toBe(0);
    expect(pickFaster([{ eligible: true, drop: 0 }, { eligible: true, drop: 0 }], (i) => (i === 0 ? fake(1.05, 1.001) : fake(0.95, 0.9)))).toBe(1);
  });
});

const groupUnit = (k: number): GroupUnit => ({ id: `g${k}`, kind: 'group', group: k, root: `model.${k}`, rootPaths: [`model.${k}`], rootWeights: [`w${k}`], channels: 64, prunable: 64 });
const point = (ratio: number, damage: number, gain: number): LadderPoint => ({ ratio, status: 'measured', channelsAfter: 64 * (1 - ratio), macsRemoved: gain, paramsRemoved: gain, damage, latencyGain: gain, map50Drop: damage });
const t: UnitSensitivity[] = [
  [[0.25, 0.001, 0.02], [0.5, 0.004, 0.05]],
  [[0.25, 0.002, 0.03], [0.5, 0.006, 0.06]],
  [[0.25, 0.0005, 0.01], [0.5, 0.001, 0.015]],
].map((pts, k) => ({ unit: groupUnit(k), points: pts.map(([r, d, g]) => point(r!, d!, g!)) }));
const sumDamage = (r: Map<string, number>) => [...r].reduce((s, [id, ratio]) => s + t.find((u) => u.unit.id === id)!.points.find((p) => p.ratio === ratio)!.damage!, 0);

describe('optimize with the bound', () => {
  // Verified drop = the summed proxy damage (additive), but the noise grows with the groups cut: ±0.002 per group.
  const verify = async (r: Map<string, number>) => ({ drop: sumDamage(r), drops: spread(sumDamage(r), 0.002 * r.size) });
  it('the point estimate would take the largest combination; the bound backs off to one that holds with confidence', async () => {
    const loose = await optimize(t, { objective: 'latency', budget: 0.008, verify });
    expect(Object.fromEntries(loose.chosen!.ratios)).toEqual({ g0: 0.5, g1: 0.25, g2: 0.5 });
    const strict = await optimize(t, { objective: 'latency', budget: 0.008, verify, confidence: 0.9 });
    expect(strict.feasible).toBe(true);
    for (const v of strict.explored) expect(v.holds).toBe(v.bound <= 0.008 + 1e-12);
    // a combination whose drop is within the budget but whose bound is not was rejected
    expect(strict.explored.some((v) => v.drop <= 0.008 && !v.holds)).toBe(true);
    expect(strict.chosen!.bound).toBeLessThanOrEqual(0.008);
    expect(strict.chosen!.gain).toBeLessThan(loose.chosen!.gain);
  });
});

describe('optimize: a combination reached twice is verified once', () => {
  it('the verifier sees each distinct combination once', async () => {
    const seen: string[] = [];
    const res = await optimize(t, { objective: 'latency', budget: 0.008, confidence: 0.9, verify: async (r) => {
      seen.push([...r].map(([k, v]) => `${k}@${v}`).sort().join(' '));
      return { drop: sumDamage(r), drops: spread(sumDamage(r), 0.002 * r.size) };
    } });
    expect(new Set(seen).size).toBe(seen.length);
    expect(res.explored.length).toBeGreaterThanOrEqual(seen.length);
  });
});

describe('selectPoint: the written point', () => {
  const v = (gain: number, drop: number, w: number, size = 1): Verified => ({ ratios: new Map(Array.from({ length: size }, (_, i) => [`g${i}`, 0.25])), predictedDamage: drop, gain, drop, bound: drop, drops: spread(drop, w), detail: {}, via: 'frontier', holds: true });
  it('Bonferroni over the explored points: accepted alone, rejected among many', () => {
    const one = [v(0.05, 0.004, 0.005)];
    // plain level 0.9: bound 0.008 ≤ 0.0085; among 10 points the level is 0.99: bound 0.0089 > 0.0085
    expect(selectPoint(one, { confidence: 0.9, threshold: 0.0085, objective: 'macs', resamples: 101 }).selection.kept).toBe('candidate');
    const many = [v(0.05, 0.004, 0.005), ...Array.from({ length: 9 }, (_, i) => v(0.01, 0.02, 0.001, i + 2))];
    const r = selectPoint(many, { confidence: 0.9, threshold: 0.0085, objective: 'macs', resamples: 101 });
    expect(r.selection.family).toBe(10);
    expect(r.selection.correctedLevel).toBeCloseTo(0.99, 15);
    expect(many[0]!.accepted).toBe(false);
    expect(many[0]!.selectionBound).toBeCloseTo(0.0089, 12);
    expect(r.selection.kept).toBe('closest');
    expect(r.chosen).toBe(many[0]);
  });
  it('the family counts distinct combinations: the same one verified twice is one candidate', () => {
    const a = v(0.05, 0.004, 0.005), again = { ...v(0.05, 0.004, 0.005), via: 'back-off' as const };
    const r = selectPoint([a, again], { confidence: 0.9, threshold: 0.0085, objective: 'macs', resamples: 101 });
    expect(r.selection.family).toBe(1);
    expect(r.selection.kept).toBe('candidate');
  });
  it('objective latency with timings: an accepted cut that is not measurably faster leaves the original', () => {
    const pts = [v(0.05, 0.001, 0.001), v(0.02, 0.0, 0.001)];
    const r = selectPoint(pts, { confidence: 0.9, threshold: 0.01, objective: 'latency', resamples: 101, samples: samples(4, 100, 99.8, 100.1) });
    expect(pts.every((p) => p.accepted)).toBe(true);
    expect(r.selection.kept).toBe('original');
    expect(r.chosen).toBeUndefined();
    const faster = selectPoint(pts, { confidence: 0.9, threshold: 0.01, objective: 'latency', resamples: 101, samples: samples(4, 100, 85, 100.1) });
    expect(faster.selection.kept).toBe('candidate');
    expect(faster.chosen).toBe(pts[0]);
  });
  it('without timings (or objective macs): the accepted point of largest gain', () => {
    const pts = [v(0.02, 0.001, 0.001), v(0.05, 0.002, 0.001), v(0.09, 0.03, 0.001)];
    const r = selectPoint(pts, { confidence: 0.9, threshold: 0.01, objective: 'latency', resamples: 101 });
    expect(r.selection.speedRule).toBe(false);
    expect(r.chosen).toBe(pts[1]);
  });
  it('confidence none: the point estimate against the threshold (the rule before session 9)', () => {
    const pts = [v(0.05, 0.007, 0.01)];
    expect(selectPoint(pts, { confidence: null, threshold: 0.008, objective: 'macs', resamples: 0 }).selection.kept).toBe('candidate');
    expect(selectPoint(pts, { confidence: 0.9, threshold: 0.008, objective: 'macs', resamples: 101 }).selection.kept).toBe('closest');
  });
});
