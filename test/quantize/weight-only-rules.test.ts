/**
 * The rules of weight-only.ts on hand-built graphs: which weights are the network's ends (a DFL conv inside the
 * decode tail is not one; a layer feeding the tail and another layer still is; only float32 initializers count),
 * and the 1/8 share as an inclusive bound.
 */
import { describe, expect, it } from 'vitest';
import { getTensor } from '../../src/io/onnx/index.js';
import { EDGE_SHARE, edgeLayerWeights, weightOnlyModel } from '../../src/quantize/weight-only.js';
import { constant, initializer, input, model, node, output, randomFloats, tensor, toOnnx } from '../helpers/onnx-builder.js';

const conv = (x: string, w: string, y: string) => node('Conv', [x, w], [y], { kernel_shape: [1, 1] });

describe('edgeLayerWeights', () => {
  it('a DFL conv in the decode tail is no end; a head conv feeding the tail and another conv is one', () => {
    // images → Conv(w0) → Conv(w2) → head ┬ Softmax → Conv(wd, the DFL projection) → box (tail)
    //                                     └ Conv(w3) → cls (a graph output)
    const m = toOnnx(model(
      [conv('images', 'w0', 'a'), conv('a', 'w2', 'head'), node('Softmax', ['head'], ['p'], { axis: 1 }), conv('p', 'wd', 'box'), conv('head', 'w3', 'cls')],
      [initializer('w0', [16, 3, 1, 1], randomFloats(48, 1)), initializer('w2', [16, 16, 1, 1], randomFloats(256, 2)),
        initializer('wd', [1, 16, 1, 1], randomFloats(16, 3)), initializer('w3', [2, 16, 1, 1], randomFloats(32, 4))],
      [input('images', [1, 3, 8, 8])], [output('box', [1, 1, 8, 8]), output('cls', [1, 2, 8, 8])], 13,
    ));
    expect([...edgeLayerWeights(m)].sort()).toEqual(['w0', 'w2', 'w3']);
  });
  it('a stem whose weight is a Constant node or a float16 / float64 initializer is skipped', () => {
    const m = toOnnx(model(
      [constant('wc', [2, 3, 1, 1], randomFloats(6, 1)), conv('images', 'wc', 'a'), conv('images', 'wh', 'b'), conv('images', 'wf', 'c'), conv('images', 'w', 'd'),
        node('Sum', ['a', 'b', 'c', 'd'], ['s']), conv('s', 'wm', 'y')],
      [tensor('wh', [2, 3, 1, 1], Uint16Array.from({ length: 6 }, () => 0x3c00)), tensor('wf', [2, 3, 1, 1], Float64Array.from({ length: 6 }, () => 1)),
        initializer('w', [2, 3, 1, 1], randomFloats(6, 2)), initializer('wm', [2, 2, 1, 1], randomFloats(4, 3))],
      [input('images', [1, 3, 4, 4])], [output('y', [1, 2, 4, 4])], 13,
    ));
    expect([...edgeLayerWeights(m)].sort()).toEqual(['w', 'wm']);
  });
});

describe('weightOnlyModel: the ends share bound', () => {
  // images (1 channel) → Conv(w0: 56×1) → Conv(w1: 28×56) → Conv(w2: 6×28) → y: the ends hold 56 + 168 = 224 of
  // 1,792 weights, exactly 1/8
  const chain = (c1: number) => toOnnx(model(
    [conv('images', 'w0', 'a'), conv('a', 'w1', 'b'), conv('b', 'w2', 'y')],
    [initializer('w0', [c1, 1, 1, 1], randomFloats(c1, 1)), initializer('w1', [28, c1, 1, 1], randomFloats(28 * c1, 2)), initializer('w2', [6, 28, 1, 1], randomFloats(168, 3))],
    [input('images', [1, 1, 4, 4])], [output('y', [1, 6, 4, 4])], 13,
  ));
  it('ends holding exactly 1/8 of the weights stay float16; a little more and none does', () => {
    expect(EDGE_SHARE * 1792).toBe(224);
    const tie = weightOnlyModel(chain(56));
    expect(tie.float16.sort()).toEqual(['w0', 'w2']);
    expect(getTensor(tie.model, 'w0_fp16').dtype).toBe('float16');
    expect(tie.tensors).toBe(3);
    // c1 = 55: ends 55 + 168 = 223 of 55 + 1540 + 168 = 1763 (1/8 = 220.4): over the share
    const over = weightOnlyModel(chain(55));
    expect(over.float16).toEqual([]);
    expect(over.tensors).toBe(3);
    expect(over.model.proto.graph!.initializer.some((t) => t.name.endsWith('_fp16'))).toBe(false);
  });
  it('an end weight smaller than fp16Weights’ default minimum (16 values) is still stored float16', () => {
    // images (1 channel) → Conv(w0: 8×1, 8 values) → Conv(w1: 64×8) → Conv(w2: 1×64) → y: ends 72 of 584
    const m = toOnnx(model(
      [conv('images', 'w0', 'a'), conv('a', 'w1', 'b'), conv('b', 'w2', 'y')],
      [initializer('w0', [8, 1, 1, 1], randomFloats(8, 1)), initializer('w1', [64, 8, 1, 1], randomFloats(512, 2)), initializer('w2', [1, 64, 1, 1], randomFloats(64, 3))],
      [input('images', [1, 1, 4, 4])], [output('y', [1, 1, 4, 4])], 13,
    ));
    const r = weightOnlyModel(m);
    expect(r.float16.sort()).toEqual(['w0', 'w2']);
    expect(getTensor(r.model, 'w0_fp16').dims).toEqual([8, 1, 1, 1]);
    expect(r.bytes).toEqual({ before: 4 * 584, after: 2 * 72 + 512 + 64 * (4 + 1) }); // w1: int8 + a float32 scale and an int8 zero point per channel
  });
});
