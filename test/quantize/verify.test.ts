import { describe, expect, it } from 'vitest';
import type { Tensor } from '../../src/core/dtype.js';
import { indexGraph } from '../../src/graph/onnx-graph.js';
import { serializeOnnx } from '../../src/io/onnx/index.js';
import { buildQuantized, planQuantization, upgradeToOpset13 } from '../../src/quantize/index.js';
import { countFusedConvs, fusionOf, outputSqnr, verifyQuantized } from '../../src/quantize/verify.js';
import { model, node, input, output, toOnnx } from '../helpers/onnx-builder.js';
import { tinyDetector } from '../helpers/quant-models.js';

const feeds = (n: number) => ({
  async *[Symbol.asyncIterator](): AsyncGenerator<Record<string, Tensor>> {
    for (let k = 0; k < n; k++) yield { images: { dtype: 'float32', dims: [1, 3, 8, 8], data: Float32Array.from({ length: 192 }, (_, i) => Math.cos(i * 0.3 + k)) } };
  },
});

describe('fusionOf', () => {
  it('counts integer and float conv kernels and every op (domain-qualified outside ai.onnx)', () => {
    const opt = model([
      node('QLinearConv', ['a'], ['b']), node('ConvInteger', ['b'], ['c']), node('Conv', ['c'], ['d']),
      { ...node('FusedConv', ['d'], ['e']), domain: 'com.microsoft' }, node('Relu', ['e'], ['f']), { ...node('QLinearConv', ['f'], ['g']), domain: 'ai.onnx' },
    ], [], [input('a', [1])], [output('g', [1])], 13);
    const f = fusionOf(serializeOnnx(toOnnx(opt)), 5);
    expect(f).toEqual({ quantizedConvs: 5, integerConvs: 3, floatConvs: 2, ops: { QLinearConv: 2, ConvInteger: 1, Conv: 1, 'com.microsoft:FusedConv': 1, Relu: 1 } });
  });
});

describe('verifyQuantized', () => {
  it('gives the fusion count and SQNR of the two separate checks with one load of the quantized model', async () => {
    const m = upgradeToOpset13(toOnnx(tinyDetector()));
    const g = indexGraph(m);
    const plan = planQuantization(m, {}, g);
    const q = serializeOnnx(buildQuantized(m, plan, new Map(plan.tensors.map((t) => [t, { min: -4, max: 4 }])), {}, g).model);
    const f = serializeOnnx(m);
    const got = await verifyQuantized(f, q, 2, feeds(3));
    expect(got.fusion).toEqual(await countFusedConvs(q, 2));
    expect(got.fusion.integerConvs).toBe(2);
    const ref = await outputSqnr(f, q, feeds(3));
    expect(got.images).toBe(3);
    expect(got.outputs).toEqual(ref.outputs);
    expect(got.outputs[0]!.sqnrDb).toBeGreaterThan(5);
    expect(Number.isFinite(got.outputs[0]!.sqnrDb)).toBe(true);
  });
});
