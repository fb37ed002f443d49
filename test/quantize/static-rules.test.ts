/** Rules of static.ts (calibration and the rewrite's storage options) on hand-built graphs, with hand-computed values. */
import { describe, expect, it } from 'vitest';
import type { Tensor } from '../../src/core/dtype.js';
import { indexGraph } from '../../src/graph/onnx-graph.js';
import type { OnnxModel } from '../../src/io/onnx/index.js';
import { planQuantization } from '../../src/quantize/plan.js';
import { argMin, buildQuantized, calibrateRanges, quantizeStatic } from '../../src/quantize/static.js';
import { initializer, input, model, node, output, randomFloats, toOnnx } from '../helpers/onnx-builder.js';
import { tinyDetector } from '../helpers/quant-models.js';

const source = (name: string, dims: number[], ...images: number[][]) => ({
  count: images.length, description: `${images.length} hand-made tensors`,
  async *feeds(): AsyncGenerator<Record<string, Tensor>> { for (const v of images) yield { [name]: { dtype: 'float32', dims, data: Float32Array.from(v) } }; },
});

describe('argMin', () => {
  it('a lone NaN is index 0 (the loop stops at the last value)', () => {
    expect(argMin([NaN])).toBe(0);
  });
});

describe('calibrateRanges rules', () => {
  /** x [1, 8] → Relu → y → Neg → out */
  const net = () => toOnnx(model([node('Relu', ['x'], ['y']), node('Neg', ['y'], ['out'])], [], [input('x', [1, 8])], [output('out', [1, 8])], 13));
  it('an image whose minimum is not finite does not count either', async () => {
    const A = [-1, 0, 0.5, 1, 2, 3, 0, 0], C = [Infinity, 0, 0, 0, 0, 0, 0, 0]; // Neg(Relu(C)) reaches −Infinity
    expect((await calibrateRanges(net(), ['out'], source('x', [1, 8], A, C), { method: 'minmax' })).ranges.get('out')).toEqual({ min: -3, max: -0 });
  });
  it('the default is the 0.9999 percentile: of 0 … 10000 it keeps [1, 9999]', async () => {
    const n = 10_001;
    const m = toOnnx(model([node('Relu', ['x'], ['y'])], [], [input('x', [1, n])], [output('y', [1, n])], 13));
    const r = await calibrateRanges(m, ['x'], source('x', [1, n], Array.from({ length: n }, (_, i) => i)));
    expect(r.ranges.get('x')).toEqual({ min: 1, max: 9999 });
  });

  /** x [1, 4] → SiLU (Sigmoid + Mul) → y */
  const silu = () => toOnnx(model([node('Sigmoid', ['x'], ['s']), node('Mul', ['x', 's'], ['y'])], [], [input('x', [1, 4])], [output('y', [1, 4])], 13));
  const X = [-3, -0.5, 1, 2];
  const siluOf = (v: number) => v / (1 + Math.exp(-v));
  it('MinMax (and percentile 1) derive a SiLU output range from its input: the minimum of SiLU over [−3, 2] (−0.278 at −1.278)', async () => {
    for (const opts of [{ method: 'minmax' as const }, { method: 'percentile' as const, percentile: 1 }]) {
      const y = (await calibrateRanges(silu(), ['x', 'y'], source('x', [1, 4], X), opts)).ranges.get('y')!;
      expect(y.min, JSON.stringify(opts)).toBeCloseTo(-0.27846, 4);
      expect(y.max, JSON.stringify(opts)).toBeCloseTo(siluOf(2), 5);
    }
  });
  it('a percentile under 1 measures the SiLU output (a derived bound is not a percentile): its smallest value, SiLU(−0.5)', async () => {
    const y = (await calibrateRanges(silu(), ['x', 'y'], source('x', [1, 4], X), { method: 'percentile', percentile: 0.9 })).ranges.get('y')!;
    expect(y.min).toBeCloseTo(siluOf(-0.5), 5); // −0.189, above the derived −0.278
    expect(y.max).toBeCloseTo(siluOf(2), 5);
  });
});

describe('quantizeStatic', () => {
  it('reports the seconds it took: more than 0, no more than the call took', async () => {
    const images = { count: 1, description: 'one image', async *feeds(): AsyncGenerator<Record<string, Tensor>> { yield { images: { dtype: 'float32', dims: [1, 3, 8, 8], data: Float32Array.from({ length: 192 }, (_, i) => Math.sin(i)) } }; } };
    const t0 = performance.now();
    const r = await quantizeStatic(toOnnx(tinyDetector()), images, { method: 'minmax' });
    const wall = (performance.now() - t0) / 1000;
    expect(r.calibration.seconds).toBeGreaterThan(0);
    expect(r.calibration.seconds).toBeLessThanOrEqual(wall);
  });
});

describe('buildQuantized: weights of the layers kept float', () => {
  /** x → Conv c0 (w0: 144 values) → Relu → Conv c1 (w1: 576 values) → Add k (a 256-value float initializer, no layer weight) → y; both convs excluded */
  function floatNet() {
    const m = toOnnx(model(
      [node('Conv', ['x', 'w0'], ['a'], { kernel_shape: [3, 3], pads: [1, 1, 1, 1] }, 'f/c0'), node('Relu', ['a'], ['r'], {}, 'f/relu'),
        node('Conv', ['r', 'w1'], ['b'], { kernel_shape: [3, 3], pads: [1, 1, 1, 1] }, 'f/c1'), node('Add', ['b', 'k'], ['y'], {}, 'f/add')],
      [initializer('w0', [4, 4, 3, 3], randomFloats(144, 1)), initializer('w1', [16, 4, 3, 3], randomFloats(576, 2)), initializer('k', [1, 16, 4, 4], randomFloats(256, 3))],
      [input('x', [1, 4, 4, 4])], [output('y', [1, 16, 4, 4])], 13,
    ));
    const plan = planQuantization(m, { exclude: ['f/'] }, indexGraph(m));
    return { m, plan, ranges: new Map(plan.tensors.map((t) => [t, { min: -2, max: 2 }])) };
  }
  const stored = (q: OnnxModel) => Object.fromEntries(q.proto.graph!.initializer.map((t) => [t.name, [t.dataType, t.dims.map(Number)]]));
  it('float16 (default): only layer weights of ≥ 256 values; a smaller weight and a non-weight initializer stay float32', () => {
    const { m, plan, ranges } = floatNet();
    expect(plan.float.map((f) => f.node)).toEqual(expect.arrayContaining(['f/c0', 'f/c1']));
    expect(stored(buildQuantized(m, plan, ranges).model)).toEqual({ w0: [1, [4, 4, 3, 3]], w1_fp16: [10, [16, 4, 3, 3]], k: [1, [1, 16, 4, 4]] });
  });
  it('int8: only layer weights of ≥ 256 values, per channel unless perChannel is false', () => {
    const { m, plan, ranges } = floatNet();
    const perChannel = stored(buildQuantized(m, plan, ranges, { floatLayerWeights: 'int8' }).model);
    expect(perChannel).toMatchObject({ w0: [1, [4, 4, 3, 3]], w1_quantized: [3, [16, 4, 3, 3]], w1_scale: [1, [16]], k: [1, [1, 16, 4, 4]] });
    const perTensor = stored(buildQuantized(m, plan, ranges, { floatLayerWeights: 'int8', perChannel: false }).model);
    expect(perTensor).toEqual({ w0: [1, [4, 4, 3, 3]], w1_quantized: [3, [16, 4, 3, 3]], w1_scale: [1, []], k: [1, [1, 16, 4, 4]] });
  });
});
