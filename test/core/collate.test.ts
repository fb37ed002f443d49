import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { compareIdentifiers } from '../../src/core/collate.js';

const sign = (x: number): number => Math.sign(x);
const english = (a: string, b: string): number => sign(a.localeCompare(b, 'en'));

describe('compareIdentifiers', () => {
  it('orders like English localeCompare: _ before . before digits before letters, case-blind first, lowercase first on ties', () => {
    const sorted = ['_a', '.a', 'a', 'A', 'a_', 'a_b', 'a.', 'a.b', 'a0', 'ab', 'aB', 'Ab', 'AB', 'c_onv', 'c2f', 'C2f', 'C2F', 'C3k2', 'conv', 'conV', 'Conv',
      'x.Conv', 'x.conv_2d', 'x.Conv2d', 'x.Conva', 'x.ConvA'];
    const shuffled = [...sorted].reverse();
    expect(shuffled.sort(compareIdentifiers)).toEqual(sorted);
    expect(sorted.slice().reverse().sort((a, b) => a.localeCompare(b, 'en'))).toEqual(sorted);
  });

  it('gives 0 only for equal strings and agrees in sign with localeCompare on any identifiers', () => {
    const ident = fc.string({ unit: fc.constantFrom(...'_.09aAbBzZ'.split('')), maxLength: 6 });
    fc.assert(fc.property(ident, ident, (a, b) => {
      expect(sign(compareIdentifiers(a, b))).toBe(english(a, b));
      expect(compareIdentifiers(a, b) === 0).toBe(a === b);
    }), { numRuns: 3000 });
  });

  it('hands strings with other characters to localeCompare', () => {
    for (const [a, b] of [['(unknown)', 'torch.nn.Conv2d'], ['é', 'f'], ['a-b', 'a_b'], ['a b', 'ab']] as const) {
      expect(sign(compareIdentifiers(a, b))).toBe(sign(a.localeCompare(b)));
      expect(sign(compareIdentifiers(b, a))).toBe(sign(b.localeCompare(a)));
    }
  });
});
