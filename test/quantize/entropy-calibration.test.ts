import { describe, expect, it } from 'vitest';
import type { Tensor } from '../../src/core/dtype.js';
import { DatasetError } from '../../src/core/errors.js';
import { sigmoid } from '../../src/core/scalar.js';
import { calibrateRanges } from '../../src/quantize/static.js';
import { input, model, node, output, toOnnx } from '../helpers/onnx-builder.js';

const N = 20_001;
/** x → Relu → y → Sigmoid → s; y → Neg → out */
const net = toOnnx(model([node('Relu', ['x'], ['y']), node('Sigmoid', ['y'], ['s']), node('Neg', ['y'], ['out'])], [], [input('x', [1, N])], [output('out', [1, N]), output('s', [1, N])], 13));
const source = (...images: Float32Array[]) => ({
  count: images.length, description: `${images.length} hand-made tensors`,
  async *feeds(): AsyncGenerator<Record<string, Tensor>> { for (const v of images) yield { x: { dtype: 'float32', dims: [1, N], data: v } }; },
});

describe('--method entropy', () => {
  it('keeps the full range of a uniform tensor, clips a far outlier of a peaked one, over several images', async () => {
    const uniform = Float32Array.from({ length: N }, (_, i) => (i / (N - 1)) * 4);
    const peaked = Float32Array.from({ length: N }, (_, i) => (i === 0 ? 200 : -Math.log((i + 0.5) / N)));
    const r = await calibrateRanges(net, ['y', 'out'], source(uniform, uniform), { method: 'entropy' });
    expect(r.images).toBe(2);
    expect(r.ranges.get('y')!.max).toBeGreaterThan(3.99);
    expect(r.ranges.get('y')!.min).toBe(0);
    expect(r.ranges.get('out')!.min).toBeLessThan(-3.99);
    const p = await calibrateRanges(net, ['y'], source(peaked, uniform), { method: 'entropy' });
    expect(p.ranges.get('y')!.max).toBeGreaterThan(4);
    expect(p.ranges.get('y')!.max).toBeLessThan(50);
  });
  it('derives a Sigmoid output from its input\'s chosen range instead of histogramming it', async () => {
    const peaked = Float32Array.from({ length: N }, (_, i) => (i === 0 ? 200 : -Math.log((i + 0.5) / N)));
    const r = await calibrateRanges(net, ['y', 's'], source(peaked), { method: 'entropy' });
    const y = r.ranges.get('y')!;
    expect(r.ranges.get('s')).toEqual({ min: sigmoid(y.min), max: sigmoid(y.max) });
  });
  it('histograms a graph input (the image) from the feeds', async () => {
    const signed = Float32Array.from({ length: N }, (_, i) => (i / (N - 1)) * 6 - 2);
    const r = await calibrateRanges(net, ['x', 'y'], source(signed), { method: 'entropy' });
    expect(r.ranges.get('x')).toEqual({ min: -2, max: 4 });
    expect(r.ranges.get('y')!.min).toBe(0);
    expect(r.ranges.get('y')!.max).toBeGreaterThan(3.99);
  });
  it('refuses a source without images', async () => {
    await expect(calibrateRanges(net, ['y'], source(), { method: 'entropy' })).rejects.toThrow(DatasetError);
  });
});
