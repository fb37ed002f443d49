import { describe, expect, it } from 'vitest';
import { activationParams, asymmetricParams, type TensorRange } from '../../src/quantize/index.js';
import { node } from '../helpers/onnx-builder.js';

const R = (min: number, max: number): TensorRange => ({ min, max });

describe('activationParams: shared scales of data movement', () => {
  it('every movement op puts its input and its ranged outputs in one group: the union of their ranges', () => {
    for (const op of ['Reshape', 'Transpose', 'Flatten', 'Squeeze', 'Unsqueeze', 'Slice', 'MaxPool', 'Resize', 'Identity']) {
      const p = activationParams([node(op, ['x', 'shape'], ['y'])], new Map([['x', R(-1, 2)], ['y', R(0, 5)], ['z', R(-3, 1)]]));
      const union = asymmetricParams(-1, 5);
      expect(p.get('x'), op).toEqual(union);
      expect(p.get('y'), op).toEqual(union);
      expect(p.get('z'), op).toEqual(asymmetricParams(-3, 1)); // not a member
      expect(p.has('shape')).toBe(false); // tensors without a range get none
    }
  });
  it('a Split joins every ranged output; an output without a range or an empty name is not a member', () => {
    const p = activationParams([node('Split', ['x'], ['a', '', 'b', 'c'])], new Map([['x', R(0, 1)], ['a', R(-4, 0.5)], ['b', R(0, 9)]]));
    expect(p.get('x')).toEqual(asymmetricParams(-4, 9));
    expect(p.get('a')).toEqual(p.get('x'));
    expect(p.get('b')).toEqual(p.get('x'));
    expect([...p.keys()].sort()).toEqual(['a', 'b', 'x']);
  });
  it('empty output names link nothing: two Splits with an unused output stay apart', () => {
    const p = activationParams([node('Split', ['x'], ['a', '']), node('Split', ['y'], ['', 'b'])], new Map([['x', R(0, 1)], ['a', R(0, 1)], ['y', R(-5, 0)], ['b', R(-5, 0)]]));
    expect(p.get('x')).toEqual(asymmetricParams(0, 1));
    expect(p.get('b')).toEqual(asymmetricParams(-5, 0));
  });
  it('a movement op whose input has no range shares nothing; other ops (Conv, Add, Sigmoid) never share', () => {
    const p = activationParams([node('Reshape', ['x', 's'], ['y']), node('Conv', ['y', 'w'], ['c']), node('Add', ['c', 'y'], ['d']), node('Sigmoid', ['d'], ['e'])],
      new Map([['y', R(0, 2)], ['c', R(-8, 8)], ['d', R(-1, 1)], ['e', R(0, 1)]]));
    expect(p.get('y')).toEqual(asymmetricParams(0, 2));
    expect(p.get('c')).toEqual(asymmetricParams(-8, 8));
    expect(p.get('d')).toEqual(asymmetricParams(-1, 1));
    expect(p.get('e')).toEqual(asymmetricParams(0, 1));
  });
  it('groups chain: Resize → Transpose → MaxPool all get the union of the four ranges', () => {
    const p = activationParams([node('Resize', ['a', '', 'sc'], ['b']), node('Transpose', ['b'], ['c']), node('MaxPool', ['c'], ['d'])],
      new Map([['a', R(-0.5, 1)], ['b', R(0, 3)], ['c', R(-2, 0)], ['d', R(0, 0.25)]]));
    for (const t of ['a', 'b', 'c', 'd']) expect(p.get(t), t).toEqual(asymmetricParams(-2, 3));
  });
  it('two groups joined later by a Concat: the union reaches the members of both', () => {
    const p = activationParams([node('Identity', ['a'], ['b']), node('Identity', ['c'], ['d']), node('Concat', ['b', 'd'], ['e'], { axis: 1 })],
      new Map([['a', R(0, 1)], ['b', R(0, 1)], ['c', R(-2, 0)], ['d', R(-1, 0)], ['e', R(-1, 1)]]));
    for (const t of ['a', 'b', 'c', 'd', 'e']) expect(p.get(t), t).toEqual(asymmetricParams(-2, 1));
  });
  it('int8 activations (activationType)', () => {
    const p = activationParams([node('Reshape', ['x', 's'], ['y'])], new Map([['x', R(-1, 3)], ['y', R(0, 1)]]), { activationType: 'int8' });
    expect(p.get('y')).toEqual({ scale: Math.fround(4 / 255), zeroPoint: -64, dtype: 'int8' });
  });
  it('does not mutate the ranges it is given', () => {
    const ranges = new Map([['x', R(-1, 2)], ['y', R(0, 5)]]);
    activationParams([node('Reshape', ['x', 's'], ['y'])], ranges);
    expect([...ranges]).toEqual([['x', R(-1, 2)], ['y', R(0, 5)]]);
  });
});

describe('activationParams: Concat shares a scale only across similar spans', () => {
  const cat = (ranges: Array<[string, TensorRange]>, inputs = ['a', 'b'], spread?: number) =>
    activationParams([node('Concat', inputs, ['y'], { axis: 1 })], new Map(ranges), spread === undefined ? {} : { concatSpread: spread });
  it('spans include 0: [2, 3] spans 3 (not 1), so with [0, 12] (span 12 = 4 × 3) the Concat shares', () => {
    const p = cat([['a', R(2, 3)], ['b', R(0, 12)], ['y', R(0, 12)]]);
    for (const t of ['a', 'b', 'y']) expect(p.get(t), t).toEqual(asymmetricParams(0, 12));
  });
  it('a negative range spans to 0 too: [−3, −2] spans 3', () => {
    const p = cat([['a', R(-3, -2)], ['b', R(-12, 0)], ['y', R(-12, 0)]]);
    for (const t of ['a', 'b', 'y']) expect(p.get(t), t).toEqual(asymmetricParams(-12, 0));
  });
  it('the widest span exactly 4 × the narrowest shares; a little wider keeps one scale per input', () => {
    const at = cat([['a', R(-1, 1)], ['b', R(-4, 4)], ['y', R(-4, 4)]]);
    expect(at.get('a')).toEqual(asymmetricParams(-4, 4));
    const over = cat([['a', R(-1, 1)], ['b', R(-4, 4.01)], ['y', R(-4, 4.01)]]);
    expect(over.get('a')).toEqual(asymmetricParams(-1, 1));
    expect(over.get('b')).toEqual(asymmetricParams(-4, 4.01));
    expect(over.get('y')).toEqual(asymmetricParams(-4, 4.01));
  });
  it('the order of the inputs does not matter (the narrowest may come last)', () => {
    const p = cat([['a', R(0, 8)], ['b', R(0, 2)], ['y', R(0, 8)]]);
    expect(p.get('b')).toEqual(asymmetricParams(0, 8));
    const q = cat([['a', R(0, 9)], ['b', R(0, 2)], ['y', R(0, 9)]]);
    expect(q.get('b')).toEqual(asymmetricParams(0, 2));
  });
  it('concatSpread sets the ratio: 1 shares only equal spans, 10 shares 0–1 with 0–10', () => {
    expect(cat([['a', R(0, 2)], ['b', R(-1, 1)], ['y', R(-1, 2)]], ['a', 'b'], 1).get('a')).toEqual(asymmetricParams(-1, 2));
    expect(cat([['a', R(0, 2)], ['b', R(0, 2.5)], ['y', R(0, 2.5)]], ['a', 'b'], 1).get('a')).toEqual(asymmetricParams(0, 2));
    expect(cat([['a', R(0, 1)], ['b', R(0, 10)], ['y', R(0, 10)]], ['a', 'b'], 10).get('a')).toEqual(asymmetricParams(0, 10));
  });
  it('an input with an empty span [0, 0] shares nothing (no ratio to a zero span)', () => {
    const p = cat([['a', R(0, 0)], ['b', R(0, 0)], ['y', R(0, 0)]]);
    expect(p.get('a')).toEqual(asymmetricParams(0, 0));
    // even when the output has a range of its own
    expect(cat([['a', R(0, 0)], ['b', R(0, 0)], ['y', R(0, 1)]]).get('a')).toEqual(asymmetricParams(0, 0));
    const q = cat([['a', R(0, 0)], ['b', R(0, 1)], ['y', R(0, 1)]]);
    expect(q.get('a')).toEqual(asymmetricParams(0, 0));
    expect(q.get('b')).toEqual(asymmetricParams(0, 1));
  });
  it('an input without a range (a float or constant input) keeps the others apart', () => {
    const p = cat([['a', R(0, 1)], ['b', R(0, 2)], ['y', R(0, 2)]], ['a', 'b', 'k']);
    expect(p.get('a')).toEqual(asymmetricParams(0, 1));
    expect(p.get('y')).toEqual(asymmetricParams(0, 2));
  });
  it('three similar inputs: all three and the output share; the output range counts in the union', () => {
    const p = cat([['a', R(0, 1)], ['b', R(-0.5, 1)], ['c', R(0, 2)], ['y', R(-0.25, 2.5)]], ['a', 'b', 'c']);
    for (const t of ['a', 'b', 'c', 'y']) expect(p.get(t), t).toEqual(asymmetricParams(-0.5, 2.5));
  });
});
