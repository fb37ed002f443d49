/**
 * Channel moments computed inside onnxruntime: per image and tensor, the mean and the centred Gram over every
 * position equal a direct float64 computation on the same activations, and the accumulator turns them into the
 * same moments as adding the activations themselves.
 */
import { describe, expect, it } from 'vitest';
import type { Tensor } from '../../src/core/dtype.js';
import { toOnnx } from '../helpers/onnx-builder.js';
import { randomFloats, tinyConvNet } from '../helpers/onnx-builder.js';
import { ChannelStatsAccumulator } from '../../src/prune/structured/index.js';
import { collectActivations, collectChannelMoments, withChannelMoments } from '../../src/runtime/index.js';
import { modelOutputs } from '../../src/io/onnx/index.js';

async function* inputs(n: number, batch = 1): AsyncGenerator<Record<string, Tensor>> {
  for (let i = 0; i < n; i++) yield { images: { dtype: 'float32', dims: [batch, 3, 32, 32], data: randomFloats(batch * 3 * 32 * 32, 70 + i) } };
}

describe('withChannelMoments', () => {
  it('outputs a mean, a Gram and a shape per tensor, and nothing else', () => {
    const m = toOnnx(tinyConvNet());
    const { model, outputs } = withChannelMoments(m, [{ name: 'c0', channels: 8 }, { name: 'r0', channels: 8 }]);
    expect(modelOutputs(model.proto).map((o) => o.name)).toEqual(outputs.flatMap((o) => [o.mean, o.gram, o.shape]));
    expect(modelOutputs(m.proto).map((o) => o.name)).toEqual(['logits']);
    expect(() => withChannelMoments(m, [{ name: 'images', channels: 3 }])).toThrow(/not computed by any node/);
  });
});

describe('collectChannelMoments', () => {
  it('equals a direct float64 computation over every position, image by image', async () => {
    const acts: Float32Array[] = [];
    await collectActivations(toOnnx(tinyConvNet()), ['r0'], inputs(2), (_, v) => acts.push(Float32Array.from(v.data as Float32Array)), { threads: 1 });
    const got: Array<{ count: number; mean: Float32Array; gram: Float32Array }> = [];
    const run = await collectChannelMoments(toOnnx(tinyConvNet()), [{ name: 'r0', channels: 8 }], inputs(2), (_, m) => {
      got.push({ count: m.count, mean: Float32Array.from(m.mean), gram: Float32Array.from(m.gram) });
    }, { threads: 1 });
    expect(run.images).toBe(2);
    const c = 8, p = 16 * 16;
    acts.forEach((x, img) => {
      const mean = Array.from({ length: c }, (_, a) => { let s = 0; for (let k = 0; k < p; k++) s += x[a * p + k]!; return s / p; });
      expect(got[img]!.count).toBe(p);
      mean.forEach((v, a) => expect(got[img]!.mean[a]).toBeCloseTo(v, 5));
      for (let a = 0; a < c; a++) for (let b = 0; b < c; b++) {
        let g = 0;
        for (let k = 0; k < p; k++) g += (x[a * p + k]! - mean[a]!) * (x[b * p + k]! - mean[b]!);
        expect(Math.abs(got[img]!.gram[a * c + b]! - g)).toBeLessThan(1e-4 * (1 + Math.abs(g)));
      }
    });
  });

  it('accumulates to the same moments as the activations themselves', async () => {
    const fromActs = new ChannelStatsAccumulator({ maxPositions: 1e9 });
    await collectActivations(toOnnx(tinyConvNet()), ['c0'], inputs(3), (n, v, i) => fromActs.add(n, { dims: v.dims, data: v.data as Float32Array }, i), { threads: 1 });
    const fromOrt = new ChannelStatsAccumulator();
    await collectChannelMoments(toOnnx(tinyConvNet()), [{ name: 'c0', channels: 8 }], inputs(3), (n, m, i) => fromOrt.addMoments(n, m, i), { threads: 1 });
    const a = fromActs.finish().tensors.get('c0')!, b = fromOrt.finish();
    const m = b.tensors.get('c0')!;
    expect(b.images).toBe(3);
    expect(b.positionsPerImage).toBe(256);
    expect(m.count).toBe(a.count);
    for (let i = 0; i < 8; i++) expect(m.mean[i]).toBeCloseTo(a.mean[i]!, 5);
    for (let i = 0; i < 64; i++) expect(Math.abs(m.second[i]! - a.second[i]!)).toBeLessThan(1e-4 * (1 + Math.abs(a.second[i]!)));
  });

  it('refuses a batch of several images', async () => {
    await expect(collectChannelMoments(toOnnx(tinyConvNet()), [{ name: 'c0', channels: 8 }], inputs(1, 2), () => undefined, { threads: 1 })).rejects.toThrow(/batch 1/);
  });
});
