import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { UsageError } from '../../src/core/index.js';
import { argsortMagnitude, parseCriterion, parsePruneCriterion, scoreLayer } from '../../src/prune/importance.js';

/** Floats with many exact ties and zeros (both signs) among arbitrary values. */
const tiedFloats = (o: { min?: number; max?: number }) => fc.oneof(fc.constantFrom(0, -0, 1, -1, 0.5, -0.5), fc.float({ ...o, noNaN: true, noDefaultInfinity: o.min !== undefined }));
const t = (vals: number[]) => ({ dtype: 'float32' as const, dims: [vals.length], data: Float32Array.from(vals) });

describe('importance', () => {
  it('argsortMagnitude is a stable sort by |w|', () => {
    fc.assert(fc.property(fc.array(tiedFloats({}), { maxLength: 200, size: 'max' }), (vals) => {
      const f = Float32Array.from(vals);
      const ref = Array.from(f.keys()).sort((a, b) => Math.abs(f[a]!) - Math.abs(f[b]!) || a - b);
      expect(Array.from(argsortMagnitude(f))).toEqual(ref);
    }));
  });

  it('l1, l2, l1l2 and lamp all order a layer like |w|', () => {
    fc.assert(fc.property(fc.array(tiedFloats({ min: -10, max: 10 }), { minLength: 2, maxLength: 100, size: 'max' }), (vals) => {
      const abs = vals.map((v) => Math.abs(Math.fround(v)));
      for (const c of ['l1', 'l2', 'l1l2', 'lamp'] as const) {
        const s = scoreLayer(t(vals), c);
        // Grouped by |w|: every score of a group is <= every score of the next larger group.
        const groups = [...new Set(abs)].sort((x, y) => x - y).map((v) => abs.flatMap((x, i) => (x === v ? [s[i]!] : [])));
        for (let g = 1; g < groups.length; g++) expect(Math.max(...groups[g - 1]!)).toBeLessThanOrEqual(Math.min(...groups[g]!));
      }
    }), { numRuns: 100 });
  });

  it('lamp matches its definition w_u² / Σ_{v≥u} w_v²', () => {
    const s = scoreLayer(t([3, -1, 2]), 'lamp');
    expect(s[1]).toBeCloseTo(1 / 14);
    expect(s[2]).toBeCloseTo(4 / 13);
    expect(s[0]).toBeCloseTo(1);
  });

  it('l1l2 normalises per layer (scale-free) with α = 0.7', () => {
    const a = scoreLayer(t([1, 2, 3]), 'l1l2');
    const b = scoreLayer(t([10, 20, 30]), 'l1l2');
    for (let i = 0; i < 3; i++) expect(a[i]).toBeCloseTo(b[i]!, 5);
    expect(a[0]).toBeCloseTo(0.7 * (1 / 2) + 0.3 * (1 / (14 / 3)), 5);
  });

  it('argsortMagnitude places keys whose 16-bit digit is 0xffff last within their high digit', () => {
    // The last radix bucket (digit 0xffff) starts after all the others: 1.0000076 has low bits 0xffff.
    const f = new Float32Array(new Uint32Array([0x3f80ffff, 0x3f800000, 0x3f800001, 0x3f810000]).buffer);
    expect(Array.from(argsortMagnitude(f))).toEqual([1, 2, 0, 3]);
  });

  it('l1 is |w| and l2 is w², exactly', () => {
    expect(Array.from(scoreLayer(t([-3, 0.5, 0, 2]), 'l1'))).toEqual([3, 0.5, 0, 2]);
    expect(Array.from(scoreLayer(t([-3, 0.5, 0, 2]), 'l2'))).toEqual([9, 0.25, 0, 4]);
  });

  it('an all-zero layer scores 0 under every criterion (never NaN)', () => {
    for (const c of ['l1', 'l2', 'l1l2', 'lamp'] as const) expect(Array.from(scoreLayer(t([0, -0, 0]), c))).toEqual([0, 0, 0]);
  });

  it('rejects unknown criteria, naming the accepted ones', () => {
    expect(() => parseCriterion('l3')).toThrow(UsageError);
    expect(() => parseCriterion('l3')).toThrow("unknown criterion 'l3'; expected one of l1, l2, l1l2, lamp");
    expect(parseCriterion('lamp')).toBe('lamp');
  });

  it('parsePruneCriterion tells weight criteria from data criteria', () => {
    expect(parsePruneCriterion('l1')).toEqual({ criterion: 'l1' });
    expect(parsePruneCriterion('lamp')).toEqual({ criterion: 'lamp' });
    expect(parsePruneCriterion('wanda')).toEqual({ dataCriterion: 'wanda' });
    expect(parsePruneCriterion('obs')).toEqual({ dataCriterion: 'obs' });
    expect(() => parsePruneCriterion('l3')).toThrow(UsageError);
    expect(() => parsePruneCriterion('l3')).toThrow("unknown criterion 'l3'; expected one of l1, l2, l1l2, lamp, wanda, obs");
  });
});
