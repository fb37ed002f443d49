/**
 * The bench verdict on recorded samples (replaces a wall-clock self-check that ran the benchmark 10 times in the
 * test suite). test/bench/recorded/self-check-t1.json holds the paired samples of `bench/self-check.ts`: the same
 * model (LeYOLONano-640, 1 thread) against itself, 10 seeds × 20 rounds, recorded on a heavily loaded 2-core
 * machine (hence latencies from 38 ms to 1.7 s). The live check is that script; re-record with it.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { pairedRatioOfMedians, ratioVerdict } from '../../src/bench/stats.js';

interface RecordedRun { seed: number; bootstrapSeed: number; verdict: string; ratio: number; ciLow: number; ciHigh: number; baseMs: number[]; candidateMs: number[] }
const recorded = JSON.parse(readFileSync(new URL('./recorded/self-check-t1.json', import.meta.url), 'utf8')) as { runs: RecordedRun[] };
const verdictOf = (base: number[], candidate: number[], seed: number): string => ratioVerdict(pairedRatioOfMedians(base, candidate, { seed }));

describe('bench verdict on recorded same-model samples', () => {
  it('has 10 recorded runs of 20 paired rounds', () => {
    expect(recorded.runs).toHaveLength(10);
    for (const r of recorded.runs) expect([r.baseMs.length, r.candidateMs.length]).toEqual([20, 20]);
  });

  it('reproduces the verdict the benchmark printed, from its samples and seed', () => {
    for (const r of recorded.runs) {
      const e = pairedRatioOfMedians(r.baseMs, r.candidateMs, { seed: r.bootstrapSeed });
      expect([e.ratio, e.ciLow, e.ciHigh]).toEqual([r.ratio, r.ciLow, r.ciHigh]);
      expect(ratioVerdict(e)).toBe(r.verdict);
    }
  });

  it('says "no significant difference" for the same model in at least 9 of 10 runs', () => {
    const same = recorded.runs.filter((r) => verdictOf(r.baseMs, r.candidateMs, r.bootstrapSeed).startsWith('no significant difference')).length;
    expect(same).toBeGreaterThanOrEqual(9);
  });

  it('a candidate made f times faster moves the ratio and the interval by exactly f (scale-equivariant)', () => {
    for (const r of recorded.runs) {
      const e = pairedRatioOfMedians(r.baseMs, r.candidateMs, { seed: r.bootstrapSeed });
      for (const f of [2, 4]) {
        const s = pairedRatioOfMedians(r.baseMs, r.candidateMs.map((c) => c / f), { seed: r.bootstrapSeed });
        expect(s.ratio).toBeCloseTo(f * e.ratio, 10);
        expect(s.ciLow).toBeCloseTo(f * e.ciLow, 10);
        expect(s.ciHigh).toBeCloseTo(f * e.ciHigh, 10);
      }
    }
  });

  it('a 4x faster candidate is "faster" with an interval containing 4 in at least 9 of 10 runs, even on these noisy samples', () => {
    const verdicts = recorded.runs.map((r) => pairedRatioOfMedians(r.baseMs, r.candidateMs.map((c) => c / 4), { seed: r.bootstrapSeed }));
    expect(verdicts.filter((e) => e.significant && e.ciLow > 1 && e.ciLow <= 4 && e.ciHigh >= 4).length).toBeGreaterThanOrEqual(9);
  });
});
