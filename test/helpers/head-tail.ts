/**
 * An anchor-free detection head's decode tail in miniature, two scales: per scale a box conv (3 channels) and a
 * class conv (2 channels) → Concat (channels) → Reshape [1,5,HW]; the scales → Concat (axis 2) → Split (box | class)
 * → Softmax (the DFL's stand-in) and Sigmoid (class scores) → Concat → graph output. Options move the class
 * elements so that a walk off by one element lands in the wrong branch.
 */
import { indexGraph } from '../../src/graph/onnx-graph.js';
import { inferShapes } from '../../src/graph/shapes.js';
import { initializer, input, model, node, output, randomFloats, tensor, toOnnx } from './onnx-builder.js';

export interface HeadTailOptions {
  /** Split sizes along the channel axis (default [3, 2]: box | class). */
  split?: [number, number];
  /** Concatenate class before box (the Sigmoid then reads the first Split output). */
  classFirst?: boolean;
  /** Transpose [1,5,N] → [1,N,5] before the Split (then on axis 2). */
  transpose?: boolean;
  /** The class Sigmoid's output is also a graph output. */
  scoresOutput?: boolean;
}

export function headTail(options: HeadTailOptions = {}) {
  const split = options.split ?? [3, 2];
  const conv = (x: string, w: string, y: string) => node('Conv', [x, w], [y], { kernel_shape: [1, 1] });
  const pair = (a: string, b: string) => (options.classFirst ? [b, a] : [a, b]);
  const axis = options.transpose ? 2 : 1;
  const [first, second] = options.classFirst ? ['cs', 'bs'] : ['bs', 'cs'];
  const nodes = [
    conv('x', 'wb', 'box0'), conv('x', 'wc', 'cls0'), conv('y', 'wb', 'box1'), conv('y', 'wc', 'cls1'),
    node('Concat', pair('box0', 'cls0'), ['cat0'], { axis: 1 }), node('Concat', pair('box1', 'cls1'), ['cat1'], { axis: 1 }),
    node('Reshape', ['cat0', 'shape0'], ['flat0']), node('Reshape', ['cat1', 'shape1'], ['flat1']),
    node('Concat', ['flat0', 'flat1'], ['all'], { axis: 2 }),
    ...(options.transpose ? [node('Transpose', ['all'], ['allT'], { perm: [0, 2, 1] })] : []),
    node('Split', [options.transpose ? 'allT' : 'all', 'sizes'], ['s0', 's1'], { axis }),
    node('Softmax', [options.classFirst ? 's1' : 's0'], ['bs'], { axis }),
    node('Sigmoid', [options.classFirst ? 's0' : 's1'], ['cs']),
    node('Concat', [first, second], ['out'], { axis }),
  ];
  const m = toOnnx(model(
    nodes,
    [
      initializer('wb', [3, 2, 1, 1], randomFloats(6, 1)), initializer('wc', [2, 2, 1, 1], randomFloats(4, 2)),
      tensor('shape0', [3], BigInt64Array.of(1n, 5n, 4n)), tensor('shape1', [3], BigInt64Array.of(1n, 5n, 2n)),
      tensor('sizes', [2], BigInt64Array.of(BigInt(split[0]), BigInt(split[1]))),
    ],
    [input('x', [1, 2, 2, 2]), input('y', [1, 2, 1, 2])],
    [output('out', options.transpose ? [1, 6, 5] : [1, 5, 6]), ...(options.scoresOutput ? [output('cs', [1, 2, 6])] : [])], 13,
  ));
  const g = indexGraph(m);
  return { model: m, g, shapes: inferShapes(m, g).shapes, index: (name: string) => g.nodes.findIndex((n) => n.output.includes(name)) };
}
