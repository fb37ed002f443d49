/**
 * Intermediate activations from onnxruntime: requested tensors become the only graph outputs, every input of
 * the stream is run in order, and each activation reaches the callback with its shape.
 */
import { describe, expect, it } from 'vitest';
import type { Tensor } from '../../src/core/dtype.js';
import { modelOutputs } from '../../src/io/onnx/index.js';
import { collectActivations, withIntermediateOutputs } from '../../src/runtime/index.js';
import { randomFloats, tinyConvNet, toOnnx } from '../helpers/onnx-builder.js';

async function* inputs(n: number): AsyncGenerator<Record<string, Tensor>> {
  for (let i = 0; i < n; i++) yield { images: { dtype: 'float32', dims: [1, 3, 32, 32], data: randomFloats(3 * 32 * 32, 50 + i) } };
}

describe('withIntermediateOutputs', () => {
  it('makes the requested tensors the graph outputs without touching the input model', () => {
    const m = toOnnx(tinyConvNet());
    const out = withIntermediateOutputs(m, ['c0', 'r0', 'logits']);
    expect(modelOutputs(out.proto).map((o) => o.name)).toEqual(['c0', 'r0', 'logits']);
    expect(modelOutputs(m.proto).map((o) => o.name)).toEqual(['logits']);
  });

  it('rejects a tensor no node computes', () => {
    expect(() => withIntermediateOutputs(toOnnx(tinyConvNet()), ['images'])).toThrow(/'images' is not computed by any node/);
  });
});

describe('collectActivations', () => {
  it('hands every requested activation of every input to the callback, in order', async () => {
    const seen: Array<{ name: string; index: number; dims: number[]; data: Float32Array }> = [];
    const progress: number[] = [];
    const run = await collectActivations(toOnnx(tinyConvNet()), ['c0', 'r0'], inputs(3), (name, v, index) => {
      seen.push({ name, index, dims: [...v.dims], data: Float32Array.from(v.data as Float32Array) });
    }, { threads: 1, total: 3, onProgress: (p) => progress.push(p.done) });
    expect(run.images).toBe(3);
    expect(progress).toEqual([1, 2, 3]);
    expect(seen.map((s) => `${s.index}:${s.name}`)).toEqual(['0:c0', '0:r0', '1:c0', '1:r0', '2:c0', '2:r0']);
    for (const s of seen) expect(s.dims).toEqual([1, 8, 16, 16]);
    // r0 = Relu(c0), elementwise, for every image; and the images differ.
    for (let i = 0; i < 3; i++) {
      const c0 = seen[2 * i]!.data, r0 = seen[2 * i + 1]!.data;
      expect(r0.every((v, k) => v === Math.max(0, c0[k]!))).toBe(true);
    }
    expect(seen[0]!.data).not.toEqual(seen[2]!.data);
  });
});
