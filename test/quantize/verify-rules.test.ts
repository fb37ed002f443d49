import { describe, expect, it } from 'vitest';
import type { Tensor } from '../../src/core/dtype.js';
import { indexGraph } from '../../src/graph/onnx-graph.js';
import { serializeOnnx } from '../../src/io/onnx/index.js';
import { upgradeToOpset13 } from '../../src/quantize/opset.js';
import { planQuantization } from '../../src/quantize/plan.js';
import { insertQdq } from '../../src/quantize/qdq.js';
import { activationParams } from '../../src/quantize/scales.js';
import { countFusedConvs, outputSqnr, sqnrDb } from '../../src/quantize/verify.js';
import { constant, input, model, node, output, toBytes, toOnnx } from '../helpers/onnx-builder.js';
import { tinyDetector } from '../helpers/quant-models.js';

describe('sqnrDb', () => {
  it('10·log10(Σ f² / Σ (f − q)²); Infinity when identical', () => {
    expect(sqnrDb(Float32Array.of(1, 1), Float32Array.of(1, 0))).toBeCloseTo(10 * Math.log10(2), 12);
    expect(sqnrDb(Float32Array.of(2, 0, -2), Float32Array.of(1, 1, -2))).toBeCloseTo(10 * Math.log10(8 / 2), 12);
    expect(sqnrDb(Float32Array.of(3, -4), Float32Array.of(3, -4))).toBe(Infinity);
    expect(sqnrDb(Float32Array.of(0, 0), Float32Array.of(0, 0))).toBe(Infinity); // identical zeros: Infinity, not 0/0
  });
});

describe('outputSqnr', () => {
  // float: a = x, b = 2x, c = x ; "quantized": a = x/2 (SQNR 10·log10 4), b = 2x (exact), c = [x, x] (other shape)
  const float = toBytes(model([node('Identity', ['x'], ['a']), node('Add', ['x', 'x'], ['b']), node('Identity', ['x'], ['c'])], [], [input('x', [1, 4])], [output('a', [1, 4]), output('b', [1, 4]), output('c', [1, 4])], 13));
  const quant = toBytes(model(
    [constant('h', [], Float32Array.of(0.5)), node('Mul', ['x', 'h'], ['a']), node('Add', ['x', 'x'], ['b']), node('Concat', ['x', 'x'], ['c'], { axis: 1 })],
    [], [input('x', [1, 4])], [output('a', [1, 4]), output('b', [1, 4]), output('c', [1, 8])], 13,
  ));
  const feeds = (n: number) => ({ async *[Symbol.asyncIterator](): AsyncGenerator<Record<string, Tensor>> { for (let k = 0; k < n; k++) yield { x: { dtype: 'float32', dims: [1, 4], data: Float32Array.of(1, -2, 3, k) } }; } });
  it('per output over all images: the SQNR, the quantized and float shapes; a shape mismatch is −Infinity dB', async () => {
    const r = await outputSqnr(float, quant, feeds(3));
    expect(r.images).toBe(3);
    expect(r.outputs.map((o) => [o.name, o.dims, o.floatDims])).toEqual([['a', [1, 4], [1, 4]], ['b', [1, 4], [1, 4]], ['c', [1, 8], [1, 4]]]);
    expect(r.outputs[0]!.sqnrDb).toBeCloseTo(10 * Math.log10(4), 5);
    expect(r.outputs[1]!.sqnrDb).toBe(Infinity);
    expect(r.outputs[2]!.sqnrDb).toBe(-Infinity);
  });
  it('an output missing from the quantized model has no shape and −Infinity dB', async () => {
    const fewer = toBytes(model([node('Identity', ['x'], ['a'])], [], [input('x', [1, 4])], [output('a', [1, 4])], 13));
    const r = await outputSqnr(float, fewer, feeds(1));
    expect(r.outputs.map((o) => [o.name, o.dims, o.sqnrDb])).toEqual([['a', [1, 4], Infinity], ['b', [], -Infinity], ['c', [], -Infinity]]);
  });
  it('no images: no outputs', async () => {
    expect(await outputSqnr(float, quant, feeds(0))).toEqual({ outputs: [], images: 0 });
  });
});

describe('countFusedConvs', () => {
  it("counts onnxruntime's integer and float convs and every op of its optimized graph", async () => {
    const m = upgradeToOpset13(toOnnx(tinyDetector()));
    const g = indexGraph(m);
    const plan = planQuantization(m, {}, g);
    const q = insertQdq(m, plan, activationParams(g.nodes, new Map(plan.tensors.map((t) => [t, { min: -4, max: 4 }]))), {}, g).model;
    const fq = await countFusedConvs(serializeOnnx(q), 2);
    expect(fq).toMatchObject({ quantizedConvs: 2, integerConvs: 2, floatConvs: 0 });
    // ops of other domains are keyed "domain:op"
    expect(fq.ops).toMatchObject({ 'com.microsoft:QLinearConv': 2, 'com.microsoft:QLinearSigmoid': 1, QuantizeLinear: 1, DequantizeLinear: 2, Split: 1 }); // the tail Split moves uint8, one DQ per output
    expect(fq.ops.QLinearConv).toBeUndefined();
    const ff = await countFusedConvs(serializeOnnx(m), 0);
    expect(ff).toMatchObject({ quantizedConvs: 0, integerConvs: 0, floatConvs: 2 });
  });
});
