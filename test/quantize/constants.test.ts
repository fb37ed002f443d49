import { describe, expect, it } from 'vitest';
import { getTensor } from '../../src/io/onnx/index.js';
import { indexGraph } from '../../src/graph/onnx-graph.js';
import { compactConstants, exactUint8 } from '../../src/quantize/constants.js';
import { createSession } from '../../src/runtime/index.js';
import { serializeOnnx } from '../../src/io/onnx/index.js';
import { constant, input, model, node, output, toOnnx } from '../helpers/onnx-builder.js';

describe('exactUint8', () => {
  it('anchors x + 0.5 (x < 128) → scale 0.5, codes 2x + 1, zero point 0', () => {
    const r = exactUint8(Float32Array.of(0.5, 1.5, 79.5))!;
    expect(r.scale).toBe(0.5);
    expect(r.zeroPoint).toBe(0);
    expect([...r.codes]).toEqual([1, 3, 159]);
  });
  it('strides 8/16/32 → the largest power-of-two scale (8); negatives shift the zero point', () => {
    expect(exactUint8(Float32Array.of(8, 16, 32))).toMatchObject({ scale: 8, zeroPoint: 0 });
    const r = exactUint8(Float32Array.of(-3, 0, 5))!;
    expect(r).toMatchObject({ scale: 1, zeroPoint: 3 });
    expect([...r.codes]).toEqual([0, 3, 8]);
  });
  it('refuses values off every power-of-two grid, spans over 255 codes, and non-finite values', () => {
    expect(exactUint8(Float32Array.of(0.1, 0.2))).toBeUndefined();
    expect(exactUint8(Float32Array.of(0, 256))).toMatchObject({ scale: 256 }); // 0 and 1·256 fit
    expect(exactUint8(Float32Array.of(0, 255, 257))).toBeUndefined();
    expect(exactUint8(Float32Array.of(0.5, 200))).toBeUndefined(); // 0.5 needs scale 0.5 → code 400
    expect(exactUint8(Float32Array.of(1, Infinity))).toBeUndefined();
  });
});

describe('compactConstants', () => {
  const n = 300;
  const anchors = Float32Array.from({ length: n }, (_, i) => (i % 80) + 0.5);
  const build = () => toOnnx(model(
    [
      constant('a1', [1, n], anchors), constant('a2', [1, n], anchors), constant('odd', [1, n], Float32Array.from({ length: n }, (_, i) => i / 3)),
      node('Sub', ['x', 'a1'], ['s']), node('Add', ['s', 'a2'], ['t']), node('Mul', ['t', 'odd'], ['y']),
    ],
    [], [input('x', [1, n])], [output('y', [1, n])], 13,
  ));
  it('stores the anchors once as uint8 behind DequantizeLinear, keeps inexact constants, and computes the same outputs bit for bit', async () => {
    const m = build();
    const r = compactConstants(m);
    expect(r).toMatchObject({ rewritten: 1, deduplicated: 1 });
    const g = indexGraph(r.model);
    expect(g.nodes.filter((x) => x.opType === 'Constant').map((x) => x.output[0])).toEqual(['odd']);
    const dq = g.nodes.find((x) => x.opType === 'DequantizeLinear')!;
    expect(dq.output).toEqual(['a1']);
    expect(getTensor(r.model, dq.input[0]!, g.constants).dtype).toBe('uint8');
    expect(g.nodes.find((x) => x.opType === 'Add')!.input).toEqual(['s', 'a1']);
    const x = { dtype: 'float32' as const, dims: [1, n], data: Float32Array.from({ length: n }, (_, i) => Math.sin(i) * 50) };
    const [s0, s1] = [await createSession(serializeOnnx(m)), await createSession(serializeOnnx(r.model))];
    try {
      expect((await s1.run({ x })).y!.data).toEqual((await s0.run({ x })).y!.data);
    } finally { await s0.release(); await s1.release(); }
    // one copy dropped (4n bytes) and one stored in n bytes instead of 4n
    expect(serializeOnnx(r.model).length).toBeLessThan(serializeOnnx(m).length - 1.5 * n * 4);
  });
  it('leaves constants below the size threshold alone and returns the same model when nothing applies', () => {
    const m = build();
    expect(compactConstants(m, n + 1).model).toBe(m);
  });
});
