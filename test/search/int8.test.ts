import { describe, expect, it } from 'vitest';
import { consistentHold, floatOrder, gainOrder, smallestHolding, type Int8Unit } from '../../src/search/int8.js';
import { pickCandidate, type Int8Candidate } from '../../src/search/run-int8.js';

describe('smallestHolding (float layers added until the budget holds)', () => {
  // drop(k) = (50 − k) / 1000: exactly 0.01 at k = 40, so a budget of 0.01 holds from k = 40 on (≤, not <).
  const linear = (budget: number) => async (k: number) => {
    const drop = (50 - k) / 1000;
    return { drop, holds: drop <= budget };
  };

  it('finds the smallest holding k, the budget boundary included: doubling until two holds in a row, then bisection', async () => {
    const r = await smallestHolding(100, linear(0.01), 20);
    expect(r.best).toEqual({ k: 40, drop: 0.01, holds: true });
    expect(r.probes.map((p) => p.k)).toEqual([0, 1, 2, 4, 8, 16, 32, 64, 100, 48, 40, 36, 38, 39]);
  });

  it('stops at the limit and keeps the smallest consistently holding k seen', async () => {
    const r = await smallestHolding(100, linear(0.01), 11);
    expect(r.probes).toHaveLength(11);
    expect(r.best!.k).toBe(40);
    const r2 = await smallestHolding(100, linear(0.01), 9);
    expect(r2.best!.k).toBe(64);
  });

  it('k = 0 holding is confirmed at k = 1; the doubling is capped at n; nothing holding gives no best', async () => {
    const zero = await smallestHolding(100, linear(0.06));
    expect(zero.probes.map((p) => p.k)).toEqual([0, 1]);
    expect(zero.best!.k).toBe(0);
    const capped = await smallestHolding(5, linear(0.046));
    expect(capped.probes.map((p) => p.k)).toEqual([0, 1, 2, 4, 5, 3]);
    expect(capped.best!.k).toBe(4);
    const none = await smallestHolding(5, linear(0.001));
    expect(none.probes.map((p) => p.k)).toEqual([0, 1, 2, 4, 5]);
    expect(none.best).toBeUndefined();
  });

  it('a lucky hold contradicted by a miss above it is not trusted', async () => {
    // Noise: k = 4 holds by luck, k = 8 misses; the drop really holds from k = 12 on.
    const noisy = async (k: number) => ({ drop: k === 4 || k >= 12 ? 0.005 : 0.02, holds: k === 4 || k >= 12 });
    const r = await smallestHolding(64, noisy);
    expect(r.probes.map((p) => p.k)).toEqual([0, 1, 2, 4, 8, 16, 32, 12, 10, 11]);
    expect(r.best!.k).toBe(12);
  });
});

describe('consistentHold', () => {
  const p = (k: number, holds: boolean) => ({ k, drop: holds ? 0 : 1, holds });
  it('the smallest k whose every larger probe holds, whatever the probe order', () => {
    expect(consistentHold([p(16, true), p(4, true), p(8, false), p(32, true), p(12, true)])!.k).toBe(12);
    expect(consistentHold([p(4, true), p(8, true)])!.k).toBe(4);
    expect(consistentHold([p(4, true), p(64, false)])).toBeUndefined();
    expect(consistentHold([])).toBeUndefined();
  });
});

describe('floatOrder', () => {
  const layers = ['a', 'b', 'c', 'd'];
  const sens = [{ node: 'c', sqnrDb: 20 }, { node: 'x', sqnrDb: 1 }, { node: 'a', sqnrDb: 12 }, { node: 'b', sqnrDb: 30 }].map((s, index) => ({ ...s, index, kind: undefined }));
  it('sensitivity: the lowest SQNR first; unranked layers last in graph order; names not in the model dropped', () => {
    expect(floatOrder('sensitivity', layers, sens)).toEqual(['a', 'c', 'b', 'd']);
  });
  it('prefix: graph order', () => {
    expect(floatOrder('prefix', layers, sens)).toEqual(layers);
  });
});

describe('pickCandidate', () => {
  const c = (over: Partial<Int8Candidate>): Int8Candidate => ({ base: 'structured', order: 'sensitivity', floatLayers: [], quantizeFloat: [], units: 10, drop: 0.005, bound: 0.005, holds: true, speedup: 1.2, ciLow: 1.1, ciHigh: 1.3, chosen: false, ...over });
  it('the fastest candidate that holds; a faster one that misses is never chosen', () => {
    expect(pickCandidate([c({ speedup: 1.3 }), c({ speedup: 1.5, holds: false }), c({ speedup: 1.4 })])).toBe(2);
  });
  it('equal speed-ups: the smaller drop', () => {
    expect(pickCandidate([c({ speedup: 1.3, drop: 0.009 }), c({ speedup: 1.3, drop: 0.002 })])).toBe(1);
  });
  it('the structured-only model wins when INT8 is slower on this machine', () => {
    expect(pickCandidate([c({ speedup: 0.95 }), c({ order: 'none', speedup: 1.05 })])).toBe(1);
  });
  it('untimed: INT8 with the fewest float layers, the structured base first; none holding → -1', () => {
    const n = NaN;
    expect(pickCandidate([c({ order: 'none', speedup: n }), c({ base: 'original', floatLayers: ['a'], speedup: n }), c({ floatLayers: ['a', 'b'], speedup: n }), c({ floatLayers: ['b'], speedup: n })])).toBe(3);
    expect(pickCandidate([c({ holds: false }), c({ holds: false })])).toBe(-1);
  });
});

describe('gainOrder (the units that regain the most SQNR per latency they cost, first)', () => {
  const u = (node: string, gain: number, speed: number): Int8Unit => ({ node, kind: undefined, quantizedSqnrDb: 20, keptFloatGainDb: gain, keptFloatSpeed: speed, keptFloatCi: [speed, speed] });
  it('score = gain / (slowdown + 1%); a unit that costs no time is not divided by zero; ≤ 0 dB last in graph order', () => {
    // a: 1 dB / (0.01 + 0.01) = 50; b: 2 dB / (0.09 + 0.01) = 20; c: 0.3 dB at no cost (speed ≥ 1) = 30; d, e gain nothing
    const units = [u('d', 0, 1), u('a', 1, 0.99), u('e', -0.5, 1), u('b', 2, 0.91), u('c', 0.3, 1.02)];
    expect(gainOrder(units)).toEqual(['a', 'c', 'b', 'd', 'e']);
    // untimed (NaN): ranked by gain alone
    expect(gainOrder([u('x', 1, NaN), u('y', 2, NaN)])).toEqual(['y', 'x']);
  });
  it('floatOrder gain keeps only the base\'s layers, the others after in graph order', () => {
    expect(floatOrder('gain', ['c', 'z', 'a'], [], [u('a', 1, 1), u('b', 5, 1), u('c', 2, 1)])).toEqual(['c', 'a', 'z']);
  });
});
