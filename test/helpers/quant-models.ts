/** Small models for the quantization tests. */
import { constant, initializer, input, model, node, output, randomFloats } from './onnx-builder.js';

/**
 * A detector in miniature: Conv → SiLU → MaxPool ┐
 *                                   └───────────┴ Concat → Conv(head) → Split ┬ box: Mul(stride) ─┐
 *                                                         Resize ↗             └ cls: Sigmoid ─────┴ Concat(out)
 */
export function tinyDetector() {
  return model(
    [
      node('Conv', ['images', 'w0', 'b0'], ['c0'], { kernel_shape: [3, 3], pads: [1, 1, 1, 1] }, '/model.0/conv/Conv'),
      node('Sigmoid', ['c0'], ['s0'], {}, '/model.0/act/Sigmoid'),
      node('Mul', ['c0', 's0'], ['a0'], {}, '/model.0/act/Mul'),
      node('MaxPool', ['a0'], ['p0'], { kernel_shape: [3, 3], pads: [1, 1, 1, 1] }, '/model.1/m/MaxPool'),
      node('Concat', ['a0', 'p0'], ['cat'], { axis: 1 }, '/model.1/Concat'),
      node('Conv', ['cat', 'w1', 'b1'], ['head'], { kernel_shape: [1, 1] }, '/model.2/cv/Conv'),
      node('Split', ['head'], ['box', 'cls'], { axis: 1, split: [4, 2] }, '/model.2/Split'),
      constant('stride', [], Float32Array.of(160)),
      node('Mul', ['box', 'stride'], ['boxpx'], {}, '/model.2/Mul'),
      node('Sigmoid', ['cls'], ['score'], {}, '/model.2/Sigmoid'),
      node('Concat', ['boxpx', 'score'], ['out'], { axis: 1 }, '/model.2/Concat'),
    ],
    [initializer('w0', [4, 3, 3, 3], randomFloats(108, 3)), initializer('b0', [4], randomFloats(4, 4)), initializer('w1', [6, 8, 1, 1], randomFloats(48, 5)), initializer('b1', [6], randomFloats(6, 6))],
    [input('images', [1, 3, 8, 8])],
    [output('out', [1, 6, 8, 8])],
    12,
  );
}

