import { describe, expect, it } from 'vitest';
import { indexGraph } from '../../src/graph/onnx-graph.js';
import { activationParams } from '../../src/quantize/scales.js';
import { reachesOnlySigmoids, saturatedRanges, saturatingUse, SATURATION_BOUND } from '../../src/quantize/saturation.js';
import { inferShapes } from '../../src/graph/shapes.js';
import { toOnnx as onnxOf } from '../helpers/onnx-builder.js';
import { initializer, input, model, node, output, randomFloats, toOnnx } from '../helpers/onnx-builder.js';

/**
 * c → SiLU (Sigmoid + Mul) ; d → Sigmoid only ; e → Sigmoid and a Relu (not saturating) ; f → graph output ;
 * h → Sigmoid and Add(Sigmoid(h), h) (an Add, not a Mul) ; k → Sigmoid and Mul(k, silu) (no Sigmoid operand) ;
 * o → a graph output also read by a Sigmoid ; dangling → read by nothing, not an output.
 */
function graph() {
  const conv = (x: string, y: string) => node('Conv', [x, 'w'], [y], { kernel_shape: [1, 1] });
  return indexGraph(toOnnx(model(
    [
      conv('x', 'c'), node('Sigmoid', ['c'], ['cs']), node('Mul', ['cs', 'c'], ['silu']),
      conv('silu', 'd'), node('Sigmoid', ['d'], ['ds']),
      conv('ds', 'e'), node('Sigmoid', ['e'], ['es']), node('Relu', ['e'], ['er']),
      node('Add', ['es', 'er'], ['f']),
      conv('x', 'h'), node('Sigmoid', ['h'], ['hs']), node('Add', ['hs', 'h'], ['ha']),
      conv('x', 'k'), node('Sigmoid', ['k'], ['ks']), node('Mul', ['k', 'silu'], ['km']),
      conv('x', 'o'), node('Sigmoid', ['o'], ['os']),
      conv('x', 'dangling'),
    ],
    [initializer('w', [2, 2, 1, 1], randomFloats(4, 1))],
    [input('x', [1, 2, 4, 4])], [output('f', [1, 2, 4, 4]), output('o', [1, 2, 4, 4])], 13,
  )));
}

describe('saturatingUse', () => {
  it('finds a SiLU (Sigmoid + Mul of the same tensor), a lone Sigmoid, and nothing else', () => {
    const g = graph();
    expect(saturatingUse(g, 'c')).toBe('silu');
    expect(saturatingUse(g, 'd')).toBe('sigmoid');
    expect(saturatingUse(g, 'e')).toBeUndefined(); // also read by a Relu
    expect(saturatingUse(g, 'f')).toBeUndefined(); // graph output
    expect(saturatingUse(g, 'silu')).toBeUndefined(); // read by a Conv
  });
  it('a SiLU is a Mul by the Sigmoid of the same tensor: an Add, or a Mul by another tensor, is not one', () => {
    const g = graph();
    expect(saturatingUse(g, 'h')).toBeUndefined();
    expect(saturatingUse(g, 'k')).toBeUndefined();
  });
  it('a graph output keeps its range even when only a Sigmoid reads it; a tensor read by nothing is not saturating', () => {
    const g = graph();
    expect(saturatingUse(g, 'o')).toBeUndefined();
    expect(saturatingUse(g, 'dangling')).toBeUndefined();
  });
});

describe('saturatedRanges', () => {
  const ranges = () => new Map([['c', { min: -173, max: 27 }], ['d', { min: -20, max: 30 }], ['e', { min: -50, max: 50 }], ['silu', { min: -0.28, max: 27 }]]);
  it('clips a SiLU input below at −8 and a Sigmoid input at ±8; leaves the others', () => {
    const input = ranges();
    const r = saturatedRanges(graph(), input);
    expect(SATURATION_BOUND).toBe(8);
    expect(r.get('c')).toEqual({ min: -8, max: 27 });
    expect(r.get('d')).toEqual({ min: -8, max: 8 });
    expect(r.get('e')).toEqual({ min: -50, max: 50 });
    expect(r.get('silu')).toEqual({ min: -0.28, max: 27 });
    expect(input.get('c')).toEqual({ min: -173, max: 27 }); // input not mutated
  });
  it('never widens a range inside the bound, keeps min ≤ max, and rejects a non-positive bound', () => {
    const g = graph();
    const r = saturatedRanges(g, new Map([['c', { min: -2, max: 3 }], ['d', { min: 9, max: 12 }]]), 8);
    expect(r.get('c')).toEqual({ min: -2, max: 3 });
    expect(r.get('d')).toEqual({ min: 8, max: 8 });
    expect(() => saturatedRanges(g, ranges(), 0)).toThrow(new RangeError('saturation bound 0: expected a positive number'));
    expect(() => saturatedRanges(g, ranges(), NaN)).toThrow(RangeError);
  });
  it('the bound is the one given: 3 clips a SiLU input at −3, a Sigmoid input at ±3; untouched tensors keep their range', () => {
    const r = saturatedRanges(graph(), new Map([['c', { min: -5, max: 2 }], ['d', { min: -4, max: 4 }], ['h', { min: -9, max: 9 }], ['o', { min: -9, max: 9 }], ['dangling', { min: -9, max: 9 }]]), 3);
    expect([...r]).toEqual([['c', { min: -3, max: 2 }], ['d', { min: -3, max: 3 }], ['h', { min: -9, max: 9 }], ['o', { min: -9, max: 9 }], ['dangling', { min: -9, max: 9 }]]);
  });
  it('the uint8 step of a SiLU input shrinks by the clipped span: (27+173)/255 → (27+8)/255', () => {
    const g = graph();
    const before = activationParams(g.nodes, ranges()).get('c')!;
    const after = activationParams(g.nodes, saturatedRanges(g, ranges())).get('c')!;
    expect(before.scale).toBeCloseTo(200 / 255, 5);
    expect(after.scale).toBeCloseTo(35 / 255, 5);
    expect(after.zeroPoint).toBe(Math.round(8 / (35 / 255)));
  });
});

describe('reachesOnlySigmoids: direct readers, graph outputs, nothing read', () => {
  const conv = (x: string, y: string) => node('Conv', [x, 'w'], [y], { kernel_shape: [1, 1] });
  // c → Sigmoid and Reshape → graph output r ; e → Sigmoid and Relu ; d → Reshape → dangling (read by nothing) ; f → Reshape → Sigmoid
  const m = onnxOf(model(
    [
      conv('x', 'c'), node('Sigmoid', ['c'], ['cs']), node('Reshape', ['c', 'shape'], ['r']),
      conv('x', 'e'), node('Sigmoid', ['e'], ['es']), node('Relu', ['e'], ['er']),
      conv('x', 'd'), node('Reshape', ['d', 'shape'], ['dr']),
      conv('x', 'f'), node('Reshape', ['f', 'shape'], ['fr']), node('Sigmoid', ['fr'], ['fs']),
    ],
    [initializer('w', [2, 2, 1, 1], randomFloats(4, 1)), initializer('shape', [2], BigInt64Array.of(1n, 32n))],
    [input('x', [1, 2, 4, 4])], [output('r', [1, 32]), output('cs', [1, 2, 4, 4]), output('es', [1, 2, 4, 4]), output('er', [1, 2, 4, 4]), output('fs', [1, 32])], 13,
  ));
  const g = indexGraph(m);
  const shapes = inferShapes(m, g).shapes;
  it('only f: c reaches a graph output, e a Relu, d nothing', () => {
    expect(['c', 'e', 'd', 'f'].map((v) => reachesOnlySigmoids(g, shapes, v))).toEqual([false, false, false, true]);
    const r = saturatedRanges(g, new Map(['c', 'e', 'd', 'f'].map((v) => [v, { min: -20, max: 20 }])), 8, shapes);
    expect([...r.values()]).toEqual([{ min: -20, max: 20 }, { min: -20, max: 20 }, { min: -20, max: 20 }, { min: -8, max: 20 }]);
  });
});
