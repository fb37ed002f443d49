import { describe, expect, it } from 'vitest';
import { indexGraph } from '../../src/graph/onnx-graph.js';
import { correctableConvs, withBiasShift, withFloatTwins } from '../../src/quantize/bias.js';
import { initializer, input, model, node, output, randomFloats, toOnnx } from '../helpers/onnx-builder.js';

/** c0: Conv(x, w, b) → y ; t: ConvTranspose(y, w) → z ; m: Mul(y, w4) → u (a rank-4 constant second input); Add(z, u) → out. Extra initializers take the names bias correction would pick first. */
function net(taken: string[]) {
  return toOnnx(model(
    [
      node('Conv', ['x', 'w', 'b'], ['y'], { kernel_shape: [1, 1] }, 'c0'),
      node('ConvTranspose', ['y', 'w'], ['z'], { kernel_shape: [1, 1] }, 't'),
      node('Mul', ['y', 'w4'], ['u'], {}, 'm'),
      node('Add', ['z', 'u'], ['out'], {}, 'a'),
    ],
    [
      initializer('w', [2, 2, 1, 1], randomFloats(4, 1)), initializer('b', [2], Float32Array.of(1, 2)), initializer('w4', [1, 2, 1, 1], Float32Array.of(2, 3)),
      ...taken.map((n) => initializer(n, [1], Float32Array.of(0))),
    ],
    [input('x', [1, 2, 2, 2])], [output('out', [1, 2, 2, 2])], 13,
  ));
}

describe('bias correction: which convs, and fresh names', () => {
  it('only Conv is corrected: a ConvTranspose or a Mul with a constant rank-4 second input is not', () => {
    const g = indexGraph(net([]));
    expect(correctableConvs(g, [3, 2, 1, 0])).toEqual([{ index: 0, node: 'c0', output: 'y', rank: 4, channels: 2 }]);
  });
  it('withBiasShift counts up past every taken pkb<index>_<k>: pkb0, pkb0_1 taken → pkb0_2', () => {
    const out = withBiasShift(net(['pkb0', 'pkb0_1']), new Map([[0, [0.5, -0.5]]]));
    expect(indexGraph(out).nodes[0]!.input).toEqual(['x', 'w', 'pkb0_2']);
  });
  it('withFloatTwins counts up past taken twin names (weights, bias, output and node)', () => {
    const f = net(['pk_twin0_1', 'pk_twin0_1_1', 'pk_twin0_y']);
    const gf = indexGraph(f);
    const { model: t, twins } = withFloatTwins(f, f, gf, [{ index: 0, node: 'c0', output: 'y', rank: 4, channels: 2 }]);
    expect([...twins]).toEqual([['y', 'pk_twin0_y_1']]);
    const twin = t.proto.graph!.node.at(-1)!;
    expect([twin.name, twin.input, twin.output]).toEqual(['pk_twin0', ['x', 'pk_twin0_1_2', 'pk_twin0_2'], ['pk_twin0_y_1']]);
  });
});
