import { describe, expect, it } from 'vitest';
import { indexGraph } from '../../src/graph/onnx-graph.js';
import { floatWeightedLayers } from '../../src/quantize/layer-weights.js';
import { constant, initializer, input, model, node, output, randomFloats, tensor, toOnnx } from '../helpers/onnx-builder.js';

describe('floatWeightedLayers', () => {
  it('Conv, ConvTranspose, Gemm, MatMul with a float32 initializer weight (also through Identity), in graph order', () => {
    const g = indexGraph(toOnnx(model(
      [
        node('Conv', ['x', 'w0'], ['a'], { kernel_shape: [1, 1] }), // 0: yes
        node('Identity', ['w1'], ['w1i']), node('Conv', ['a', 'w1i'], ['b'], { kernel_shape: [1, 1] }), // 2: yes, through Identity
        constant('wc', [2, 2, 1, 1], randomFloats(4, 3)), node('Conv', ['b', 'wc'], ['c'], { kernel_shape: [1, 1] }), // 4: a Constant node
        node('Conv', ['c', 'wh'], ['d'], { kernel_shape: [1, 1] }), // 5: float16
        node('Add', ['d', 'wa'], ['e']), // 6: not a weighted op
        node('ConvTranspose', ['e', 'wt'], ['f'], { kernel_shape: [1, 1] }), // 7: yes
        node('Flatten', ['f'], ['g']), node('Gemm', ['g', 'wg'], ['h'], { transB: 1 }), // 9: yes
        node('MatMul', ['h', 'wm'], ['i']), // 10: yes
        node('MatMul', ['i', 'h2'], ['j']), node('Transpose', ['h'], ['h2']), // 11: a run-time weight
        node('MatMul', ['j'], ['k']), // 13: malformed, no weight input
      ],
      [
        initializer('w0', [2, 2, 1, 1], randomFloats(4, 1)), initializer('w1', [2, 2, 1, 1], randomFloats(4, 2)),
        tensor('wh', [2, 2, 1, 1], Uint16Array.from({ length: 4 }, () => 0x3c00)), initializer('wa', [1], Float32Array.of(1)),
        initializer('wt', [2, 2, 1, 1], randomFloats(4, 4)), initializer('wg', [3, 2], randomFloats(6, 5)), initializer('wm', [3, 3], randomFloats(9, 6)),
      ],
      [input('x', [1, 2, 1, 1])], [output('k', [1, 3])], 13,
    )));
    const got = floatWeightedLayers(g);
    expect(got.map((l) => [l.index, l.node.opType, l.weight.name])).toEqual([[0, 'Conv', 'w0'], [2, 'Conv', 'w1'], [7, 'ConvTranspose', 'wt'], [9, 'Gemm', 'wg'], [10, 'MatMul', 'wm']]);
    expect(got.every((l) => l.node === g.nodes[l.index])).toBe(true);
  });
});
