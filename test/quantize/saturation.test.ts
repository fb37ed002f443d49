import { describe, expect, it } from 'vitest';
import { indexGraph } from '../../src/graph/onnx-graph.js';
import { activationParams, saturatedRanges, saturatingUse, SATURATION_BOUND } from '../../src/quantize/index.js';
import { initializer, input, model, node, output, randomFloats, toOnnx } from '../helpers/onnx-builder.js';

/** c → SiLU (Sigmoid + Mul) ; d → Sigmoid only ; e → Sigmoid and a Relu (not saturating) ; f → graph output */
function graph() {
  return indexGraph(toOnnx(model(
    [
      node('Conv', ['x', 'w'], ['c'], { kernel_shape: [1, 1] }),
      node('Sigmoid', ['c'], ['cs']), node('Mul', ['cs', 'c'], ['silu']),
      node('Conv', ['silu', 'w'], ['d'], { kernel_shape: [1, 1] }), node('Sigmoid', ['d'], ['ds']),
      node('Conv', ['ds', 'w'], ['e'], { kernel_shape: [1, 1] }), node('Sigmoid', ['e'], ['es']), node('Relu', ['e'], ['er']),
      node('Add', ['es', 'er'], ['f']),
    ],
    [initializer('w', [2, 2, 1, 1], randomFloats(4, 1))],
    [input('x', [1, 2, 4, 4])], [output('f', [1, 2, 4, 4])], 13,
  )));
}

describe('saturatingUse', () => {
  const g = graph();
  it('finds a SiLU (Sigmoid + Mul of the same tensor), a lone Sigmoid, and nothing else', () => {
    expect(saturatingUse(g, 'c')).toBe('silu');
    expect(saturatingUse(g, 'd')).toBe('sigmoid');
    expect(saturatingUse(g, 'e')).toBeUndefined(); // also read by a Relu
    expect(saturatingUse(g, 'f')).toBeUndefined(); // graph output
    expect(saturatingUse(g, 'silu')).toBeUndefined(); // read by a Conv
  });
});

describe('saturatedRanges', () => {
  const g = graph();
  const ranges = new Map([['c', { min: -173, max: 27 }], ['d', { min: -20, max: 30 }], ['e', { min: -50, max: 50 }], ['silu', { min: -0.28, max: 27 }]]);
  it('clips a SiLU input below at −8 and a Sigmoid input at ±8; leaves the others', () => {
    const r = saturatedRanges(g, ranges);
    expect(SATURATION_BOUND).toBe(8);
    expect(r.get('c')).toEqual({ min: -8, max: 27 });
    expect(r.get('d')).toEqual({ min: -8, max: 8 });
    expect(r.get('e')).toEqual({ min: -50, max: 50 });
    expect(r.get('silu')).toEqual({ min: -0.28, max: 27 });
    expect(ranges.get('c')).toEqual({ min: -173, max: 27 }); // input not mutated
  });
  it('never widens a range inside the bound, keeps min ≤ max, and rejects a non-positive bound', () => {
    const r = saturatedRanges(g, new Map([['c', { min: -2, max: 3 }], ['d', { min: 9, max: 12 }]]), 8);
    expect(r.get('c')).toEqual({ min: -2, max: 3 });
    expect(r.get('d')).toEqual({ min: 8, max: 8 });
    expect(() => saturatedRanges(g, ranges, 0)).toThrow(RangeError);
  });
  it('the uint8 step of a SiLU input shrinks by the clipped span: (27+173)/255 → (27+8)/255', () => {
    const before = activationParams(g.nodes, ranges).get('c')!;
    const after = activationParams(g.nodes, saturatedRanges(g, ranges)).get('c')!;
    expect(before.scale).toBeCloseTo(200 / 255, 5);
    expect(after.scale).toBeCloseTo(35 / 255, 5);
    expect(after.zeroPoint).toBe(Math.round(8 / (35 / 255)));
  });
});
