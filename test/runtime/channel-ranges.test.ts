import { describe, expect, it } from 'vitest';
import { collectChannelRanges, withChannelRangeOutputs } from '../../src/runtime/index.js';
import { input, model, node, output, toOnnx } from '../helpers/onnx-builder.js';
import type { Tensor } from '../../src/core/dtype.js';

const net = () => toOnnx(model([node('Relu', ['x'], ['y'])], [], [input('x', [1, 2, 2, 2])], [output('y', [1, 2, 2, 2])], 13));

describe('collectChannelRanges', () => {
  it('gives each image the min and max of every channel (over batch and spatial axes), computed in onnxruntime', async () => {
    // channel 0: −3, 1, 2, 0.5 ; channel 1: 10, −20, 4, 7
    const images: Tensor[] = [{ dtype: 'float32', dims: [1, 2, 2, 2], data: Float32Array.of(-3, 1, 2, 0.5, 10, -20, 4, 7) }];
    const got: Array<{ name: string; min: number[]; max: number[]; index: number }> = [];
    async function* feeds() { for (const x of images) yield { x }; }
    const run = await collectChannelRanges(net(), [{ name: 'x', rank: 4 }, { name: 'y', rank: 4 }], feeds(), (name, r, index) => got.push({ name, min: [...r.min], max: [...r.max], index }));
    expect(run.images).toBe(1);
    expect(got).toEqual([
      { name: 'x', min: [-3, -20], max: [2, 10], index: 0 },
      { name: 'y', min: [0, 0], max: [2, 10], index: 0 },
    ]);
  });
  it('refuses a tensor the model does not compute and a rank below 2', () => {
    expect(() => withChannelRangeOutputs(net(), [{ name: 'nope', rank: 4 }])).toThrow(/not computed/);
    expect(() => withChannelRangeOutputs(net(), [{ name: 'y', rank: 1 }])).toThrow(/rank 1/);
  });
});
