import { describe, expect, it } from 'vitest';
import { allocatorDamage, allocationUnits, backOffStep, optimize, outputErrorScale } from '../../src/search/optimize.js';
import type { LadderPoint, UnitSensitivity } from '../../src/search/sensitivity.js';
import type { GroupUnit } from '../../src/search/units.js';

const groupUnit = (k: number): GroupUnit => ({ id: `g${k}`, kind: 'group', group: k, root: `model.${k}`, rootPaths: [`model.${k}`], rootWeights: [`w${k}`], channels: 64, prunable: 64 });
const point = (ratio: number, damage: number, gain: number, map50Drop = damage): LadderPoint => ({ ratio, status: 'measured', channelsAfter: 64 * (1 - ratio), macsRemoved: gain, paramsRemoved: gain, damage, latencyGain: gain, map50Drop });

/** Synthetic table: unit k at ratio r has proxy damage d and latency gain g. */
function table(spec: Array<Array<[number, number, number] | [number, number, number, number]>>): UnitSensitivity[] {
  return spec.map((pts, k) => ({ unit: groupUnit(k), points: pts.map(([r, d, g, real]) => point(r, d, g, real)) }));
}

describe('optimize', () => {
  const t = table([
    [[0.25, 0.001, 0.02], [0.5, 0.004, 0.05]],
    [[0.25, 0.002, 0.03], [0.5, 0.006, 0.06]],
    [[0.25, 0.0005, 0.01], [0.5, 0.001, 0.015]],
  ]);

  it('with an additive verifier, chooses the allocator optimum within the budget', async () => {
    // Verified drop = the sum of the proxy damages: the budget 0.008 allows g0@0.5 + g1@0.25 + g2@0.5 (0.007, gain 0.095)
    // but not g0@0.5 + g1@0.5 (0.010).
    const verify = async (r: Map<string, number>) => ({ drop: [...r].reduce((s, [id, ratio]) => s + t.find((u) => u.unit.id === id)!.points.find((p) => p.ratio === ratio)!.damage!, 0) });
    const res = await optimize(t, { objective: 'latency', budget: 0.008, verify });
    expect(res.feasible).toBe(true);
    expect(Object.fromEntries(res.chosen!.ratios)).toEqual({ g0: 0.5, g1: 0.25, g2: 0.5 });
    expect(res.chosen!.gain).toBeCloseTo(0.095, 12);
    expect(res.chosen!.holds).toBe(true);
  });

  it('backs off step by step when the verified accuracy misses although the proxy predicted it holds', async () => {
    // g1's proxy damage underrates it: its single cut really costs 4× (the scan's real mAP50 drop says so), and so
    // does every combination with it. The proxy frontier's best candidates all contain g1 and miss.
    const t4 = table([
      [[0.25, 0.001, 0.02], [0.5, 0.004, 0.05]],
      [[0.25, 0.002, 0.03, 0.008], [0.5, 0.006, 0.06, 0.024]],
      [[0.25, 0.0005, 0.01], [0.5, 0.001, 0.015]],
    ]);
    const real = (r: Map<string, number>) => [...r].reduce((s, [id, ratio]) => s + t4.find((u) => u.unit.id === id)!.points.find((p) => p.ratio === ratio)!.map50Drop!, 0);
    const res = await optimize(t4, { objective: 'latency', budget: 0.008, verify: async (r) => ({ drop: real(r) }) });
    for (const v of res.explored) expect(v.drop).toBeCloseTo(real(v.ratios), 12);
    const backOff = res.explored.filter((v) => v.via === 'back-off');
    expect(backOff.length).toBeGreaterThan(0);
    for (let i = 1; i < backOff.length; i++) expect(backOff[i]!.gain).toBeLessThan(backOff[i - 1]!.gain);
    expect(backOff.slice(0, -1).every((v) => !v.holds)).toBe(true);
    // From the best miss {g0@0.5, g1@0.25, g2@0.5} the first step drops g1 (the most real damage per gain), which
    // holds: g0@0.5 + g2@0.5, real drop 0.005, gain 0.065 — better than any frontier point that held.
    expect(res.feasible).toBe(true);
    expect(res.chosen!.via).toBe('back-off');
    expect(Object.fromEntries(res.chosen!.ratios)).toEqual({ g0: 0.5, g2: 0.5 });
    expect(res.chosen!.gain).toBeCloseTo(0.065, 12);
    const frontierBest = Math.max(0, ...res.explored.filter((v) => v.via === 'frontier' && v.holds).map((v) => v.gain));
    expect(res.chosen!.gain).toBeGreaterThan(frontierBest);
  });

  it('an impossible budget: not feasible, and the chosen point is the closest one found', async () => {
    const res = await optimize(t, { objective: 'latency', budget: 0.0001, verify: async (r) => ({ drop: 0.01 + 0.001 * r.size }) });
    expect(res.feasible).toBe(false);
    expect(res.chosen).toBeDefined();
    const min = Math.min(...res.explored.map((v) => v.drop));
    expect(res.chosen!.drop).toBe(min);
    expect(res.chosen!.holds).toBe(false);
  });

  it('a table with no measured point explores nothing', async () => {
    const res = await optimize(table([[], []]), { objective: 'latency', budget: 0.01, verify: async () => ({ drop: 0 }) });
    expect(res).toMatchObject({ feasible: false, chosen: undefined, explored: [], frontierSize: 0 });
  });

  it('the macs objective ranks by MACs removed, not by latency', async () => {
    const u = table([[[0.5, 0.001, 0.1]], [[0.5, 0.001, 0.2]]]);
    u[0]!.points[0]!.macsRemoved = 0.3;
    u[1]!.points[0]!.macsRemoved = 0.01;
    const res = await optimize(u, { objective: 'macs', budget: 0.0015, verify: async (r) => ({ drop: 0.001 * r.size }) });
    expect(Object.fromEntries(res.chosen!.ratios)).toEqual({ g0: 0.5 });
  });
});

describe('backOffStep', () => {
  it('moves the unit that saves the most damage per gain given up one rung down', () => {
    const units = [
      { id: 'a', options: [{ damage: 0.001, gain: 0.02 }, { damage: 0.004, gain: 0.05 }] }, // a@1 → a@0 saves 0.003 for 0.03
      { id: 'b', options: [{ damage: 0.002, gain: 0.01 }] }, // b@0 → off saves 0.002 for 0.01 (better: 0.2 per gain)
    ];
    const s = backOffStep({ choice: [1, 0], damage: 0.006, gain: 0.06 }, units)!;
    expect(s.choice).toEqual([1, -1]);
    expect(s.damage).toBeCloseTo(0.004, 12);
    expect(s.gain).toBeCloseTo(0.05, 12);
    expect(backOffStep({ choice: [-1, -1], damage: 0, gain: 0 }, units)).toBeUndefined();
  });
});

describe('tie-breaking of cuts the proxy sees as free', () => {
  /** Unit k: one cut at 0.5 with proxy damage d, head-output error e, MACs removed m. */
  const free = (spec: Array<[number, number, number]>): UnitSensitivity[] => spec.map(([d, e, m], k) => ({
    unit: groupUnit(k),
    points: [{ ...point(0.5, d, m), score: { map50: 0.5, map5095: 0.3, agreement: 1 - d, outputError: e } }],
  }));

  it('the output-error scale is the median damage per output error over points where both are positive', () => {
    const pts = free([[0.02, 0.04, 0.1], [0, 0.3, 0.1], [0.03, 0.01, 0.1], [0.01, 0.1, 0.1]]).map((u) => u.points[0]!);
    // ratios 0.5, 3, 0.1 (the free cut is left out) → median 0.5
    expect(outputErrorScale(pts)).toBeCloseTo(0.5, 12);
    // an even count takes the mean of the middle two: 0.1 and 0.5
    expect(outputErrorScale(pts.filter((_, i) => i !== 2))).toBeCloseTo(0.3, 12);
    expect(outputErrorScale([pts[1]!])).toBe(0);
  });

  it('a free cut is charged its output error on the proxy scale; a damaged cut keeps its proxy damage', () => {
    const [a, b] = free([[0, 0.02, 0.1], [0.004, 0.5, 0.1]]).map((u) => u.points[0]!);
    expect(allocatorDamage(a!, 0.5)).toBeCloseTo(0.01, 12);
    expect(allocatorDamage(b!, 0.5)).toBe(0.004); // not max(proxy, scaled error): only ties at 0 are broken
    expect(allocatorDamage({ ...a!, damage: -0.002 }, 0.5)).toBeCloseTo(0.01, 12); // negative proxy damage is a tie at 0 too
    expect(allocatorDamage(a!, 0)).toBe(0);
  });

  it('macs objective: of two free cuts with equal MACs, the least disturbing one comes first, not both at once', async () => {
    // g0 and g1 are free for the proxy (damage 0) and remove the same MACs; g1 disturbs the head 5× more. g2 fixes
    // the scale (damage 0.02 at output error 0.04: 0.5). Allocator damages: g0 0.005, g1 0.025, g2 0.02.
    const t = free([[0, 0.01, 0.05], [0, 0.05, 0.05], [0.02, 0.04, 0.01]]);
    const { units } = allocationUnits(t, 'macs');
    expect(units.map((u) => u.options[0]!.damage)).toEqual([0.005, expect.closeTo(0.025, 12), 0.02]);
    // Verified drop = the scaled output errors: g0 + g1 costs 0.03, above the 0.01 budget; g0 alone holds.
    const res = await optimize(t, { objective: 'macs', budget: 0.01, verify: async (r) => ({ drop: [...r.keys()].reduce((s, id) => s + units.find((u) => u.id === id)!.options[0]!.damage, 0) }) });
    expect(Object.fromEntries(res.chosen!.ratios)).toEqual({ g0: 0.5 });
    expect(res.explored[0]!.ratios.size).toBe(1); // the first frontier point verified is g0 alone, not the free bundle
    expect(res.feasible).toBe(true);
  });
});
