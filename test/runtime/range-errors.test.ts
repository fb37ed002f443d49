import { describe, expect, it } from 'vitest';
import type { Tensor } from '../../src/core/dtype.js';
import { collectRangeErrors } from '../../src/runtime/range-errors.js';
import { argMin, scaledRange } from '../../src/quantize/static.js';
import { input, model, node, output, toOnnx } from '../helpers/onnx-builder.js';

const net = toOnnx(model([node('Relu', ['x'], ['y']), node('Neg', ['y'], ['out'])], [], [input('x', [1, 4])], [output('out', [1, 4])], 13));
const feed: Record<string, Tensor> = { x: { dtype: 'float32', dims: [1, 4], data: Float32Array.of(0.2, 1.4, 3, -1) } };
async function* twice() { yield feed; yield feed; }

describe('collectRangeErrors', () => {
  it('sums (y − DQ(Q(y)))² per candidate over images: rounding at a coarse step, clipping at a fine one', async () => {
    // y = [0.2, 1.4, 3, 0]
    const r = await collectRangeErrors(net, [{ name: 'y', candidates: [{ scale: 1, zeroPoint: 0 }, { scale: 0.5, zeroPoint: 0 }, { scale: 0.01, zeroPoint: 0 }, { scale: 1, zeroPoint: 2 }] }], twice());
    const e = r.errors.get('y')!;
    expect(r.run.images).toBe(2);
    expect(e[0]).toBeCloseTo(2 * (0.04 + 0.16), 5); // codes 0, 1, 3, 0 (0.2 → 0, 1.4 → 1)
    expect(e[1]).toBeCloseTo(2 * (0.04 + 0.01), 5); // 0.5-steps: 0, 1.5, 3, 0
    expect(e[2]).toBeCloseTo(2 * 0.45 ** 2, 4); // 3 clips at 255·0.01 = 2.55
    expect(e[3]).toBeCloseTo(e[0]!, 6); // a zero point shifts the grid but not its error here
  });
});

describe('mse range choice', () => {
  it('argMin takes the first of equal minima and never a NaN', () => {
    expect(argMin([3, 1, 1, 2])).toBe(1);
    expect(argMin([NaN, 5, 4])).toBe(2);
    expect(argMin([7])).toBe(0);
  });
  it('scaledRange shrinks both ends by α', () => {
    expect(scaledRange({ min: -2, max: 10 }, 0.5)).toEqual({ min: -1, max: 5 });
  });
});
