/**
 * Block boundaries of the sequential calibration: what is live at each block's first node — the tensors a later
 * block still needs that were computed before it (a skip connection keeps r0 live, a Shape value crosses as
 * int64), never tensors computed only from constants, never tensors no later block needs.
 */
import { describe, expect, it } from 'vitest';
import { indexGraph } from '../../../src/graph/index.js';
import { boundaryTensors } from '../../../src/prune/recon/boundaries.js';
import { constant, initializer, model, node, randomFloats, skipConvNet, toOnnx, valueInfo, DT } from '../../helpers/onnx-builder.js';

const layer = (g: ReturnType<typeof indexGraph>, name: string) => {
  const i = g.nodes.findIndex((n) => n.name === name);
  return { node: i, input: g.nodes[i]!.input[0]! };
};

describe('boundaryTensors', () => {
  it('one block per conv: the image, then r0 (read by the skip Add and the depthwise conv), then s and its shape, then c2r', () => {
    const g = indexGraph(toOnnx(skipConvNet()));
    const convs = ['/model.0/conv/Conv', '/model.1/conv/Conv', '/model.2/conv/Conv', '/model.3/conv/Conv'].map((n) => [layer(g, n)]);
    expect(boundaryTensors(g, convs)).toEqual([['images'], ['r0'], ['s', 'sh'], ['c2r']]);
  });

  it('blocks of two: the boundary before the second block is s and sh only (r0 is consumed inside the first block)', () => {
    const g = indexGraph(toOnnx(skipConvNet()));
    const [a, b, c, d] = ['/model.0/conv/Conv', '/model.1/conv/Conv', '/model.2/conv/Conv', '/model.3/conv/Conv'].map((n) => layer(g, n));
    expect(boundaryTensors(g, [[a!, b!], [c!, d!]])).toEqual([['images'], ['s', 'sh']]);
  });

  it('a value computed from constants is not live; nor is one only the (unrefit) tail after the last block reads', () => {
    const m = model(
      [
        node('Conv', ['x', 'w0'], ['a'], { kernel_shape: [1, 1] }, 'conv0'),
        constant('k', [1], new Float32Array([2])),
        node('Mul', ['k', 'k'], ['kk'], {}, 'mul'),
        node('Conv', ['a', 'w1'], ['b'], { kernel_shape: [1, 1] }, 'conv1'),
        node('Mul', ['b', 'kk'], ['bk'], {}, 'scale'),
        node('Conv', ['bk', 'w2'], ['c'], { kernel_shape: [1, 1] }, 'conv2'),
        node('Add', ['c', 'a'], ['y'], {}, 'tail'),
      ],
      ['w0', 'w1', 'w2'].map((w, i) => initializer(w, [2, 2, 1, 1], randomFloats(4, i))),
      [valueInfo('x', [1, 2, 4, 4])],
      [valueInfo('y', [1, 2, 4, 4], DT.float32)],
    );
    const g = indexGraph(toOnnx(m));
    // kk (from constants) is recomputed where needed; a (read again only by the tail) is not carried past conv1.
    expect(boundaryTensors(g, [[layer(g, 'conv0')], [layer(g, 'conv1')], [layer(g, 'conv2')]])).toEqual([['x'], ['a'], ['bk']]);
  });
});
