import { describe, expect, it } from 'vitest';
import { UsageError } from '../../src/core/errors.js';
import { checkBudget, parseMaxDrop } from '../../src/report/budget.js';

describe('parseMaxDrop', () => {
  it('reads relative and absolute rules per metric', () => {
    expect(parseMaxDrop('map50=2%, map50-95=0.03,p=1.5pt')).toEqual([
      { metric: 'map50', kind: 'relative', value: 0.02, text: 'map50=2%' },
      { metric: 'map5095', kind: 'absolute', value: 0.03, text: 'map50-95=0.03' },
      { metric: 'precision', kind: 'absolute', value: 0.015, text: 'p=1.5pt' },
    ]);
  });
  it('rejects unknown metrics, bad values and repeats with a usage error', () => {
    for (const t of ['', 'map75=2%', 'map50', 'map50=abc', 'map50=2%,map50=3%', 'map50=150%', 'map50=3']) {
      expect(() => parseMaxDrop(t), t).toThrow(UsageError);
    }
  });
});

describe('checkBudget', () => {
  const base = { precision: 0.6, recall: 0.5, map50: 0.5, map5095: 0.4 };
  it('holds when every drop is within its allowance', () => {
    const b = checkBudget(parseMaxDrop('map50=2%,map50-95=0.01'), base, { ...base, map50: 0.491, map5095: 0.39 });
    expect(b.ok).toBe(true);
    expect(b.checks[0]!.allowedDrop).toBeCloseTo(0.01, 12);
    expect(b.checks[0]!.drop).toBeCloseTo(0.009, 12);
  });
  it('breaks when one drop is too large, and improvements always hold', () => {
    const b = checkBudget(parseMaxDrop('map50=2%,map50-95=0.01'), base, { ...base, map50: 0.6, map5095: 0.38 });
    expect(b.ok).toBe(false);
    expect(b.checks.map((c) => c.ok)).toEqual([true, false]);
  });
});
