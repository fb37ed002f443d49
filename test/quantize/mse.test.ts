import { describe, expect, it } from 'vitest';
import type { Tensor } from '../../src/core/dtype.js';
import { calibrateRanges } from '../../src/quantize/static.js';
import { input, model, node, output, toOnnx } from '../helpers/onnx-builder.js';

const N = 100_001;
const net = toOnnx(model([node('Relu', ['x'], ['y']), node('Neg', ['y'], ['out'])], [], [input('x', [1, N])], [output('out', [1, N])], 13));
const source = (values: Float32Array) => ({
  count: 1, description: 'one hand-made tensor',
  async *feeds(): AsyncGenerator<Record<string, Tensor>> { yield { x: { dtype: 'float32', dims: [1, N], data: values } }; },
});

describe('--method mse', () => {
  it('keeps the full range of values that sit on its uint8 grid (any clip only adds error)', async () => {
    const s = 4 / 255;
    const grid = Float32Array.from({ length: N }, (_, i) => (i % 256) * s);
    const r = await calibrateRanges(net, ['y'], source(grid), { method: 'mse' });
    expect(r.ranges.get('y')!.min).toBe(0);
    expect(r.ranges.get('y')!.max).toBeCloseTo(4, 5);
  });
  it('clips a lone outlier: 100,000 values in [0, 1] and one 1.15 → α = 0.9 (max 1.035), not 1 (coarser step) nor 0.8 (clips 8% of values)', async () => {
    // α = 1: rounding N·(1.15/255)²/12 ≈ 0.170; α = 0.9: N·(1.035/255)²/12 + 0.115² ≈ 0.150; α = 0.8: ≈ 17
    const v = Float32Array.from({ length: N }, (_, i) => (i === N - 1 ? 1.15 : i / (N - 2)));
    const r = await calibrateRanges(net, ['y'], source(v), { method: 'mse' });
    expect(r.ranges.get('y')!.max).toBeCloseTo(0.9 * 1.15, 5);
    expect(r.images).toBe(1);
  });
});
