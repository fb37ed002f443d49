import { describe, expect, it } from 'vitest';
import type { Tensor } from '../../src/core/dtype.js';
import { DatasetError, UsageError } from '../../src/core/errors.js';
import { indexGraph } from '../../src/graph/onnx-graph.js';
import { getTensor, type OnnxModel } from '../../src/io/onnx/index.js';
import { asymmetricParams, planQuantization, upgradeToOpset13 } from '../../src/quantize/index.js';
import { argMin, buildQuantized, CALIBRATION_METHODS, calibrateRanges, MSE_FRACTIONS, MSE_IMAGES, quantizeStatic, scaledRange } from '../../src/quantize/static.js';
import { input, model, node, output, tinyConvNet, toOnnx } from '../helpers/onnx-builder.js';
import { tinyDetector } from '../helpers/quant-models.js';

describe('argMin', () => {
  it('the index of the smallest value, the first on ties; NaN never wins', () => {
    expect(argMin([3, 1, 2])).toBe(1);
    expect(argMin([2, 1, 1])).toBe(1);
    expect(argMin([1, 1])).toBe(0);
    expect(argMin([NaN, 2, 1])).toBe(2);
    expect(argMin([2, NaN, 1])).toBe(2);
    expect(argMin([1, NaN])).toBe(0);
    expect(argMin(Float64Array.of(5, 4, 3, 4))).toBe(2);
    expect(argMin([7])).toBe(0);
  });
});

describe('calibration constants', () => {
  it('methods, MSE fractions 1 … 0.2 by 0.1, 16 MSE images; scaledRange multiplies both ends', () => {
    expect(CALIBRATION_METHODS).toEqual(['minmax', 'percentile', 'mse', 'entropy']);
    expect(MSE_FRACTIONS).toEqual([1, 0.9, 0.8, 0.7, 0.6, 0.5, 0.4, 0.3, 0.2]);
    expect(MSE_IMAGES).toBe(16);
    expect(scaledRange({ min: -2, max: 4 }, 0.5)).toEqual({ min: -1, max: 2 });
  });
});

/** x [1, 8] → Relu → y → Neg → out */
const net = toOnnx(model([node('Relu', ['x'], ['y']), node('Neg', ['y'], ['out'])], [], [input('x', [1, 8])], [output('out', [1, 8])], 13));
const source = (...images: number[][]) => ({
  count: images.length, description: `${images.length} hand-made tensors`,
  async *feeds(): AsyncGenerator<Record<string, Tensor>> { for (const v of images) yield { x: { dtype: 'float32', dims: [1, 8], data: Float32Array.from(v) } }; },
});
const A = [-1, 0, 0.5, 1, 2, 3, 0, 0], B = [-3, 0, 0.25, 1, 0, 0, 0, 0];

describe('calibrateRanges', () => {
  it('minmax: the extremes over all images', async () => {
    const r = await calibrateRanges(net, ['y', 'out'], source(A, B), { method: 'minmax' });
    expect(r.images).toBe(2);
    expect(r.ranges.get('y')).toEqual({ min: 0, max: 3 });
    expect(r.ranges.get('out')).toEqual({ min: -3, max: -0 });
  });
  it('percentile: the mean of the per-image ranges', async () => {
    const r = await calibrateRanges(net, ['y', 'out'], source(A, B), { method: 'percentile', percentile: 1 });
    expect(r.ranges.get('y')).toEqual({ min: 0, max: 2 });
    expect(r.ranges.get('out')).toEqual({ min: -2, max: -0 });
  });
  it('an image whose range is not finite does not count (neither extreme nor mean)', async () => {
    const C = [Infinity, 0, 0, 0, 0, 0, 0, 0];
    expect((await calibrateRanges(net, ['y'], source(A, C), { method: 'minmax' })).ranges.get('y')).toEqual({ min: 0, max: 3 });
    expect((await calibrateRanges(net, ['y'], source(A, C, B), { method: 'percentile', percentile: 1 })).ranges.get('y')).toEqual({ min: 0, max: 2 });
  });
  it('refuses an unknown method, needs no run without tensors, and refuses a source without images', async () => {
    await expect(calibrateRanges(net, ['y'], source(A), { method: 'kl' as 'mse' })).rejects.toThrow(new UsageError('--method kl: expected one of minmax, percentile, mse, entropy'));
    let pulled = 0;
    const counting = { count: 1, description: 'never read', async *feeds(): AsyncGenerator<Record<string, Tensor>> { pulled++; yield* []; } };
    expect(await calibrateRanges(net, [], counting)).toEqual({ ranges: new Map(), images: 0 });
    expect(pulled).toBe(0);
    await expect(calibrateRanges(net, ['y'], source())).rejects.toThrow(DatasetError);
    await expect(calibrateRanges(net, ['y'], { ...source(), description: 'an empty folder' })).rejects.toThrow('calibration: an empty folder yielded no usable image; pass a dataset yaml or folder with decodable images');
  });
  it('mse sums its errors over the first 16 images only (the source is read once more, 16 images + the end)', async () => {
    const images = Array.from({ length: 20 }, (_, k) => A.map((v) => v * (1 + k / 10)));
    let served = 0;
    const src = { ...source(...images), async *feeds(): AsyncGenerator<Record<string, Tensor>> { for (const v of images) { served++; yield { x: { dtype: 'float32', dims: [1, 8], data: Float32Array.from(v) } }; } } };
    const r = await calibrateRanges(net, ['y'], src, { method: 'mse' });
    expect(r.images).toBe(20);
    expect(served).toBe(20 + 17);
  });
});

const scaleOf = (m: OnnxModel, tensor: string): number => {
  const q = m.proto.graph!.node.find((n) => n.opType === 'QuantizeLinear' && n.input[0] === tensor)!;
  return getTensor(m, q.input[1]!).data[0] as number;
};

/** The tiny detector at opset 13, its plan, and every planned tensor in [−20, 5] (built inside each test). */
function detector() {
  const m = upgradeToOpset13(toOnnx(tinyDetector()));
  const plan = planQuantization(m, {}, indexGraph(m));
  return { m, plan, ranges: new Map(plan.tensors.map((t) => [t, { min: -20, max: 5 }])) };
}

describe('buildQuantized', () => {
  it('clips the range of a SiLU input at −8 by default; saturationBound 0 keeps it; another bound clips there', () => {
    const { m, plan, ranges } = detector();
    expect(scaleOf(buildQuantized(m, plan, ranges).model, 'c0')).toBe(asymmetricParams(-8, 5).scale);
    expect(scaleOf(buildQuantized(m, plan, ranges, { saturationBound: 0 }).model, 'c0')).toBe(asymmetricParams(-20, 5).scale);
    expect(scaleOf(buildQuantized(m, plan, ranges, { saturationBound: 4 }).model, 'c0')).toBe(asymmetricParams(-4, 5).scale);
    expect(scaleOf(buildQuantized(m, plan, ranges, { activationType: 'int8' }).model, 'head')).toBe(asymmetricParams(-20, 5, 'int8').scale);
  });
  it('silu quickgelu fuses the SiLU; the default keeps Sigmoid + Mul integer', () => {
    const { m, plan, ranges } = detector();
    const ops = (mm: OnnxModel) => mm.proto.graph!.node.map((n) => n.opType);
    expect(ops(buildQuantized(m, plan, ranges, { silu: 'quickgelu' }).model)).toContain('QuickGelu');
    expect(ops(buildQuantized(m, plan, ranges).model)).not.toContain('QuickGelu');
    expect(buildQuantized(m, plan, ranges).layers.map((l) => l.node)).toEqual(['/model.0/conv/Conv', '/model.2/cv/Conv']);
  });
  it('weights of layers kept float: float16 by default (≥ 256 values), int8 or float32 on request', () => {
    const c = upgradeToOpset13(toOnnx(tinyConvNet()));
    const gc = indexGraph(c);
    const pc = planQuantization(c, { exclude: ['/model.3/'] }, gc);
    const rc = new Map(pc.tensors.map((t) => [t, { min: -2, max: 2 }]));
    const dtypeOf = (mm: OnnxModel, stem: string) => mm.proto.graph!.initializer.filter((t) => t.name.startsWith(stem)).map((t) => t.dataType).sort();
    const gemm = 'model.3.linear.weight';
    expect(dtypeOf(buildQuantized(c, pc, rc, {}, gc).model, gemm)).toEqual([10]);
    expect(dtypeOf(buildQuantized(c, pc, rc, { floatLayerWeights: 'float16' }, gc).model, gemm)).toEqual([10]);
    expect(dtypeOf(buildQuantized(c, pc, rc, { floatLayerWeights: 'int8' }, gc).model, gemm)).toEqual([1, 3]); // int8 + float32 scale
    expect(dtypeOf(buildQuantized(c, pc, rc, { floatLayerWeights: 'float32' }, gc).model, gemm)).toEqual([1]);
    // the Gemm's bias (10 values) and the quantized convs' weights are untouched by it
    expect(dtypeOf(buildQuantized(c, pc, rc, {}, gc).model, 'model.3.linear.bias')).toEqual([1]);
  });
});

describe('quantizeStatic', () => {
  it('plans, calibrates (percentile by default) and rewrites; reports what it did', async () => {
    const m = toOnnx(tinyDetector());
    const images = { count: 2, description: 'two images', async *feeds(): AsyncGenerator<Record<string, Tensor>> { for (let k = 0; k < 2; k++) yield { images: { dtype: 'float32', dims: [1, 3, 8, 8], data: Float32Array.from({ length: 192 }, (_, i) => Math.sin(i + k)) } }; } };
    const r = await quantizeStatic(m, images);
    expect(r.calibration).toMatchObject({ images: 2, description: 'two images', method: 'percentile' });
    expect(r.calibration.seconds).toBeGreaterThan(0);
    expect(r.layers.map((l) => l.node)).toEqual(['/model.0/conv/Conv', '/model.2/cv/Conv']);
    expect(r.float).toBe(r.plan.float);
    expect([...r.ranges.keys()].sort()).toEqual([...r.plan.tensors].sort());
    expect(r.model.proto.opsetImport[0]!.version).toBe(13n);
    expect((await quantizeStatic(m, images, { method: 'minmax' })).calibration.method).toBe('minmax');
  });
});
