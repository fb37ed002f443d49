import { describe, expect, it } from 'vitest';
import { getTensor, serializeOnnx } from '../../src/io/onnx/index.js';
import { EDGE_SHARE, edgeLayerWeights, weightOnlyModel } from '../../src/quantize/weight-only.js';
import { quantizeWeightsAsymmetric } from '../../src/quantize/weight-asym.js';
import { createSession } from '../../src/runtime/index.js';
import { constant, initializer, input, model, node, output, randomFloats, tensor, toOnnx } from '../helpers/onnx-builder.js';

/**
 * stem Conv(w0) → Conv(w1) → Conv(wm) → head Conv(w2) → Split ┬ Mul(stride) ┬ Concat(out): w0 and w2 are the ends
 * (300 of 10,668 weights); `small` drops wm and shrinks w1, w2 (ends 144 of 168 weights).
 */
const detector = (small = false) => toOnnx(model(
  [
    node('Conv', ['images', 'w0'], ['a'], { kernel_shape: [3, 3], pads: [1, 1, 1, 1] }),
    node('Conv', ['a', 'w1'], [small ? 'b' : 'a1'], { kernel_shape: small ? [1, 1] : [3, 3], pads: small ? [0, 0, 0, 0] : [1, 1, 1, 1] }),
    ...(small ? [] : [node('Conv', ['a1', 'wm'], ['b'], { kernel_shape: [3, 3], pads: [1, 1, 1, 1] })]),
    node('Conv', ['b', 'w2'], ['head'], { kernel_shape: [1, 1] }),
    node('Split', ['head'], ['box', 'cls'], { axis: 1, split: [4, 2] }),
    constant('stride', [], Float32Array.of(8)),
    node('Mul', ['box', 'stride'], ['boxpx']),
    node('Sigmoid', ['cls'], ['score']),
    node('Concat', ['boxpx', 'score'], ['out'], { axis: 1 }),
  ],
  small
    ? [initializer('w0', [4, 3, 3, 3], randomFloats(108, 3)), initializer('w1', [6, 4, 1, 1], randomFloats(24, 5)), initializer('w2', [6, 6, 1, 1], randomFloats(36, 7))]
    : [initializer('w0', [4, 3, 3, 3], randomFloats(108, 3)), initializer('w1', [32, 4, 3, 3], randomFloats(1152, 5)), initializer('wm', [32, 32, 3, 3], randomFloats(9216, 6)), initializer('w2', [6, 32, 1, 1], randomFloats(192, 7))],
  [input('images', [1, 3, 8, 8])], [output('out', [1, 6, 8, 8])], 12,
));

/** x → Gemm(w3) → MatMul(runtime weight) → Gemm(w4) → y (a graph output); w5 is already float16 */
const classifier = () => toOnnx(model(
  [
    node('Gemm', ['x', 'w3'], ['h'], { transB: 1 }),
    node('Transpose', ['w5f'], ['wt']),
    node('Cast', ['w5'], ['w5f'], { to: 1 }),
    node('MatMul', ['h', 'wt'], ['h2']),
    node('Gemm', ['h2', 'w4'], ['y'], { transB: 1 }),
  ],
  [initializer('w3', [4, 4], randomFloats(16, 1)), initializer('w4', [3, 4], randomFloats(12, 2)), tensor('w5', [4, 4], Uint16Array.from({ length: 16 }, () => 0x3c00))],
  [input('x', [1, 4])], [output('y', [1, 3])], 13,
));

describe('edgeLayerWeights', () => {
  it('the stem (reads a graph input) and the layers feeding the decode tail, not the middle', () => {
    expect([...edgeLayerWeights(detector())].sort()).toEqual(['w0', 'w2']);
  });
  it('a layer whose output is a graph output is an end; run-time and non-float32 weights are skipped', () => {
    expect([...edgeLayerWeights(classifier())].sort()).toEqual(['w3', 'w4']);
  });
});

describe('weightOnlyModel', () => {
  it('ends as float16 behind a Cast, the rest int8 with nearest rounding by default; it runs', async () => {
    const m = detector();
    const r = weightOnlyModel(m);
    expect(r.float16.sort()).toEqual(['w0', 'w2']);
    expect(getTensor(r.model, 'w0_fp16').dtype).toBe('float16');
    expect(getTensor(r.model, 'w2_fp16').dtype).toBe('float16');
    const w1 = getTensor(m, 'w1');
    const near = quantizeWeightsAsymmetric(w1.data as Float32Array, w1.dims, 0, { rounding: 'nearest' });
    expect([...(getTensor(r.model, 'w1_quantized').data as Int8Array)]).toEqual([...near.data]);
    expect(r.tensors).toBe(4);
    // bytes: w0 + w2 float32 → float16 (300 values), w1 + wm float32 → int8 + 32 scales + 32 zero points each
    expect(r.bytes).toEqual({ before: 4 * 10_668, after: 2 * 300 + (1152 + 9216) + 2 * (32 * 4 + 32) });
    const s = await createSession(serializeOnnx(r.model), { threads: 1 });
    try {
      const y = (await s.run({ images: { dtype: 'float32', dims: [1, 3, 8, 8], data: new Float32Array(192).fill(0.5) } })).out!;
      expect(y.dims).toEqual([1, 6, 8, 8]);
    } finally { await s.release(); }
  });
  it('keeps no end float16 when the ends hold more than 1/8 of the weights (the file would not stay ~4× smaller)', () => {
    expect(EDGE_SHARE).toBe(1 / 8);
    const small = weightOnlyModel(detector(true)); // w0 + w2 = 144 of 168 weights
    expect(small.float16).toEqual([]);
    expect(small.tensors).toBe(3);
  });
  it('rounding and edgesFloat16 options', () => {
    const m = detector();
    const w1 = getTensor(m, 'w1');
    const sum = quantizeWeightsAsymmetric(w1.data as Float32Array, w1.dims, 0, { rounding: 'sum' });
    expect([...(getTensor(weightOnlyModel(m, { rounding: 'sum' }).model, 'w1_quantized').data as Int8Array)]).toEqual([...sum.data]);
    const all = weightOnlyModel(m, { edgesFloat16: false });
    expect(all.float16).toEqual([]);
    expect(all.tensors).toBe(4);
    expect(all.model.proto.graph!.initializer.some((t) => t.name === 'w0_quantized')).toBe(true);
    expect(all.model.proto.graph!.initializer.some((t) => t.name.endsWith('_fp16'))).toBe(false);
  });
});
