import { describe, expect, it } from 'vitest';
import { halfToFloat } from '../../src/core/half.js';
import { getTensor, serializeOnnx } from '../../src/io/onnx/index.js';
import { withTensorValues } from '../../src/io/onnx/model.js';
import { fp16Weights, mostlyZeros, weightOnlyInt8 } from '../../src/quantize/storage.js';
import { quantizeWeightsAsymmetric } from '../../src/quantize/weight-asym.js';
import { createSession } from '../../src/runtime/index.js';
import { toOnnx } from '../helpers/onnx-builder.js';
import { tinyDetector } from '../helpers/quant-models.js';

const feeds = { images: { dtype: 'float32' as const, dims: [1, 3, 8, 8], data: Float32Array.from({ length: 192 }, (_, i) => (i % 17) / 17) } };

async function run(bytes: Uint8Array): Promise<Float32Array> {
  const s = await createSession(bytes, { threads: 1 });
  try { return (await s.run(feeds)).out!.data as Float32Array; } finally { await s.release(); }
}

/** max |f − q| / max |f| */
function relError(f: Float32Array, q: Float32Array): number {
  let e = 0, m = 0;
  f.forEach((x, i) => { e = Math.max(e, Math.abs(x - q[i]!)); m = Math.max(m, Math.abs(x)); });
  return e / m;
}

describe('weightOnlyInt8', () => {
  it('minElements skips small weights (w1: 48 values, w0: 108); symmetric: no zero-point input; the QDQ path reuses it for float-kept layers', async () => {
    const m = toOnnx(tinyDetector());
    const r = weightOnlyInt8(m, { minElements: 100, weightZeroPoint: 'symmetric' });
    expect(r.tensors).toBe(1);
    const dq = r.model.proto.graph!.node.find((n) => n.opType === 'DequantizeLinear')!;
    expect(dq.input).toEqual(['w0_quantized', 'w0_scale']);
    expect(weightOnlyInt8(m, { minElements: 109 }).tensors).toBe(0);
    expect(weightOnlyInt8(m, { minElements: 108 }).tensors).toBe(1);
    // a second pass finds no float weight left to rewrite (never two `_quantized` initializers of one name)
    expect(weightOnlyInt8(weightOnlyInt8(m).model).tensors).toBe(0);
  });
  it('stores conv weights as int8 per channel behind DequantizeLinear; outputs stay close to float', async () => {
    const m = toOnnx(tinyDetector());
    const r = weightOnlyInt8(m);
    expect(r.tensors).toBe(2);
    expect(r.bytes.after).toBeLessThan(r.bytes.before / 2);
    const w = getTensor(r.model, 'w1_quantized');
    expect(w.dtype).toBe('int8');
    expect(getTensor(r.model, 'w1_scale').dims).toEqual([6]);
    expect(getTensor(r.model, 'b1').dtype).toBe('float32'); // biases stay float
    const [f, q] = [await run(serializeOnnx(m)), await run(serializeOnnx(r.model))];
    const err = relError(f, q);
    expect(err).toBeLessThan(0.02);
    expect(err).toBeGreaterThan(0); // it did change the weights
  });
  it('asymmetric (default): a per-channel int8 zero point on axis 0, values equal to weight-asym; error below symmetric', async () => {
    const m = toOnnx(tinyDetector());
    const r = weightOnlyInt8(m);
    const dq = r.model.proto.graph!.node.find((n) => n.opType === 'DequantizeLinear' && n.input[0] === 'w1_quantized')!;
    expect(dq.input).toEqual(['w1_quantized', 'w1_scale', 'w1_zero_point']);
    expect(dq.attribute.find((a) => a.name === 'axis')?.i).toBe(0n);
    const z = getTensor(r.model, 'w1_zero_point');
    expect(z.dtype).toBe('int8');
    expect(z.dims).toEqual([6]);
    const w1 = getTensor(m, 'w1');
    const ref = quantizeWeightsAsymmetric(w1.data as Float32Array, w1.dims, 0);
    expect([...(getTensor(r.model, 'w1_quantized').data as Int8Array)]).toEqual([...ref.data]);
    expect([...(z.data as Int8Array)]).toEqual([...ref.zeroPoints]);
    expect([...(getTensor(r.model, 'w1_scale').data as Float32Array)]).toEqual([...ref.scales]);
    const nearest = weightOnlyInt8(m, { rounding: 'nearest' });
    const near = quantizeWeightsAsymmetric(w1.data as Float32Array, w1.dims, 0, { rounding: 'nearest' });
    expect([...(getTensor(nearest.model, 'w1_quantized').data as Int8Array)]).toEqual([...near.data]);
    const f = await run(serializeOnnx(m));
    const asym = relError(f, await run(serializeOnnx(r.model)));
    const sym = relError(f, await run(serializeOnnx(weightOnlyInt8(m, { weightZeroPoint: 'symmetric' }).model)));
    expect(asym).toBeGreaterThan(0);
    expect(asym).toBeLessThan(sym);
  });
  it('per-tensor weights stay symmetric (no zero point)', () => {
    const r = weightOnlyInt8(toOnnx(tinyDetector()), { perChannel: false });
    for (const n of r.model.proto.graph!.node.filter((x) => x.opType === 'DequantizeLinear')) expect(n.input.length).toBe(2);
  });
});

describe('fp16Weights', () => {
  it('stores large float initializers as float16 behind a Cast; values equal the float16 rounding', async () => {
    const m = toOnnx(tinyDetector());
    const r = fp16Weights(m, { minElements: 16 });
    expect(r.tensors).toBe(2); // w0 (108) and w1 (48); biases (4, 6) are below 16 elements
    expect(r.bytes.after).toBe(r.bytes.before / 2);
    const h = getTensor(r.model, 'w0_fp16');
    const w = getTensor(m, 'w0').data as Float32Array;
    expect(h.dtype).toBe('float16');
    expect(Math.abs(halfToFloat((h.data as Uint16Array)[5]!) - w[5]!)).toBeLessThanOrEqual(Math.abs(w[5]!) * 2 ** -11);
    const [f, q] = [await run(serializeOnnx(m)), await run(serializeOnnx(r.model))];
    expect(relError(f, q)).toBeLessThan(2e-3);
  });
});

describe('mostlyZeros', () => {
  it('is true above half exact zeros only', () => {
    expect(mostlyZeros(Float32Array.of(0, 0, 1, 2))).toBe(false);
    expect(mostlyZeros(Float32Array.of(0, 0, 0, 2))).toBe(true);
    expect(mostlyZeros(Float32Array.of(0, 1e-30, 1e-30))).toBe(false);
    expect(mostlyZeros(Float32Array.of(0, -0, 3))).toBe(true);
  });
  it('a weight pruned to mostly zeros is stored symmetric: its zeros are int8 0', () => {
    const m = toOnnx(tinyDetector());
    const w0 = getTensor(m, 'w0').data as Float32Array;
    const t0 = getTensor(m, 'w0');
    const pruned = withTensorValues(m, new Map([['w0', { ...t0, data: Float32Array.from(w0, (x, i) => (i % 4 === 0 ? x : 0)) }]]));
    const r = weightOnlyInt8(pruned);
    expect(r.model.proto.graph!.node.find((n) => n.input[0] === 'w0_quantized')!.input).toEqual(['w0_quantized', 'w0_scale']);
    const q = getTensor(r.model, 'w0_quantized').data as Int8Array;
    q.forEach((v, i) => { if (i % 4 !== 0) expect(v).toBe(0); });
    expect(r.model.proto.graph!.node.find((n) => n.input[0] === 'w1_quantized')!.input.length).toBe(3); // w1 dense: asymmetric
  });
});
