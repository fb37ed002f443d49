/** Rules of compactConstants/exactUint8 (constants.ts) and fusedSilu (silu.ts) on hand-built graphs. */
import { create } from '@bufbuild/protobuf';
import { OperatorSetIdProtoSchema } from 'onnx-buf';
import { describe, expect, it } from 'vitest';
import { getTensor, type OnnxModel } from '../../src/io/onnx/index.js';
import { compactConstants, exactUint8, MIN_COMPACT_VALUES } from '../../src/quantize/constants.js';
import { fusedSilu, MS_DOMAIN } from '../../src/quantize/silu.js';
import { constant, initializer, input, model, node, output, toOnnx } from '../helpers/onnx-builder.js';

describe('exactUint8', () => {
  it('the largest power-of-two scale from 2^8 down to 2^−8 that puts every value on the grid', () => {
    expect(exactUint8(Float32Array.of(256 * 255, 0))).toMatchObject({ scale: 256, zeroPoint: 0 });
    expect([...exactUint8(Float32Array.of(256 * 255, 0))!.codes]).toEqual([255, 0]);
    expect(exactUint8(Float32Array.of(2 ** -8, 3 * 2 ** -8))).toMatchObject({ scale: 2 ** -8, zeroPoint: 0 });
    expect(exactUint8(Float32Array.of(2 ** -9))).toBeUndefined();
    expect(exactUint8(Float32Array.of(3, 5))).toMatchObject({ scale: 1, zeroPoint: 0 });
  });
  it('the zero point shifts negatives up, and must itself fit uint8', () => {
    const r = exactUint8(Float32Array.of(-255, 0))!;
    expect(r).toMatchObject({ scale: 1, zeroPoint: 255 });
    expect([...r.codes]).toEqual([0, 255]);
    expect(exactUint8(Float32Array.of(-256, 256))).toMatchObject({ scale: 256, zeroPoint: 1 });
    expect(exactUint8(Float32Array.of(-300, -299))).toBeUndefined(); // codes 0, 1 but zero point 300
    expect(exactUint8(Float32Array.of(-2, 254))).toMatchObject({ scale: 2, zeroPoint: 1 });
    expect(exactUint8(Float32Array.of(-1, 255))).toBeUndefined(); // 256 codes
    expect(exactUint8(Float32Array.of(65536))).toBeUndefined(); // code 256 at the largest scale
  });
  it('nothing for an empty or non-finite tensor', () => {
    expect(exactUint8(new Float32Array(0))).toBeUndefined();
    expect(exactUint8(Float32Array.of(1, NaN))).toBeUndefined();
    expect(exactUint8(Float32Array.of(-Infinity))).toBeUndefined();
  });
});

describe('compactConstants', () => {
  const n = MIN_COMPACT_VALUES;
  const grid = Float32Array.from({ length: n }, (_, i) => (i % 100) / 2);
  it('MIN_COMPACT_VALUES is 256; exactly that many values are rewritten, one fewer are not', () => {
    expect(n).toBe(256);
    const at = (len: number) => toOnnx(model([constant('c', [len], grid.subarray(0, len)), node('Add', ['x', 'c'], ['y'])], [], [input('x', [len])], [output('y', [len])], 13));
    expect(compactConstants(at(n)).rewritten).toBe(1);
    const below = at(n - 1);
    expect(compactConstants(below)).toEqual({ model: below, rewritten: 0, deduplicated: 0 });
  });
  it('names: <value>_u8, _u8_scale, _u8_zp (fresh), the node keeps its name (or gets <value>_DQ)', () => {
    const m = toOnnx(model(
      [constant('a', [n], grid, {}, 'constA'), constant('b', [n], Float32Array.from(grid, (v) => v + 1), {}, ''), node('Add', ['a', 'b'], ['s']), node('Add', ['x', 's'], ['y'])],
      [initializer('a_u8', [1], Float32Array.of(0))], [input('x', [n])], [output('y', [n])], 13,
    ));
    const r = compactConstants(m);
    expect(r).toMatchObject({ rewritten: 2, deduplicated: 0 });
    const dq = r.model.proto.graph!.node.filter((x) => x.opType === 'DequantizeLinear');
    expect(dq.map((x) => [x.name, x.input, x.output])).toEqual([['constA', ['a_u8_1', 'a_u8_scale', 'a_u8_zp'], ['a']], ['b_DQ', ['b_u8', 'b_u8_scale', 'b_u8_zp'], ['b']]]);
    const s = getTensor(r.model, 'a_u8_scale'), z = getTensor(r.model, 'a_u8_zp');
    expect([s.dtype, s.dims, s.data[0], z.dtype, z.dims, z.data[0]]).toEqual(['float32', [], 0.5, 'uint8', [], 0]);
    expect(getTensor(r.model, 'a_u8_1').dims).toEqual([n]);
  });
  it('skips graph outputs and non-float constants; deduplicates only same shape and same bits (−0 ≠ 0), inexact ones too', () => {
    const odd = Float32Array.from({ length: n }, (_, i) => i / 3);
    const negZero = Float32Array.from(grid, (v) => (v === 0 ? -0 : v));
    const m = toOnnx(model(
      [
        constant('out', [n], grid), constant('ints', [n], Int32Array.from(grid)),
        constant('o1', [n], odd), constant('o2', [n], odd), // inexact twins: one dropped, neither rewritten
        constant('g1', [n], grid), constant('g2', [1, n], grid), constant('g3', [n], negZero), constant('g4', [n], grid),
        node('Sum', ['x', 'o1', 'o2', 'g1', 'g2', 'g3', 'g4'], ['s']), node('Cast', ['ints'], ['fi'], { to: 1 }), node('Add', ['s', 'fi'], ['y']),
      ],
      [], [input('x', [n])], [output('y', [1, n]), output('out', [n])], 13,
    ));
    const r = compactConstants(m);
    expect(r).toMatchObject({ rewritten: 3, deduplicated: 2 });
    const nodes = r.model.proto.graph!.node;
    expect(nodes.find((x) => x.output[0] === 'out')!.opType).toBe('Constant');
    expect(nodes.find((x) => x.output[0] === 'ints')!.opType).toBe('Constant');
    expect(nodes.find((x) => x.output[0] === 'o1')!.opType).toBe('Constant');
    expect(nodes.some((x) => x.output[0] === 'o2' || x.output[0] === 'g4')).toBe(false);
    expect(nodes.filter((x) => x.opType === 'DequantizeLinear').map((x) => x.output[0])).toEqual(['g1', 'g2', 'g3']);
    expect(nodes.find((x) => x.opType === 'Sum')!.input).toEqual(['x', 'o1', 'o1', 'g1', 'g2', 'g3', 'g1']);
    expect(nodes.find((x) => x.opType === 'Cast')).toBe(m.proto.graph!.node.find((x) => x.opType === 'Cast'));
  });
});

/**
 * x → DQ(xq) → X ; X → Sigmoid → Q → DQ → SD ; Mul(SD, X) (Sigmoid operand first, unnamed) → y. Options replace the
 * Q (`qVia`) or the second DQ (`dqVia`) by another node, name the Mul, or read x through a two-output Split.
 */
function qdqSilu(opts: { swap?: boolean; sigOf?: string; floatX?: boolean; noQ?: boolean; ms?: boolean; qVia?: string; dqVia?: string; mulName?: string; split?: boolean } = {}): OnnxModel {
  const X = opts.floatX ? 'x' : 'X';
  const p = model(
    [
      ...(opts.floatX ? [] : [node('DequantizeLinear', ['xq', 's', 'z'], ['X'], {}, 'dqx')]),
      node('Sigmoid', [opts.sigOf ?? X], ['S'], {}, 'sig'),
      ...(opts.noQ ? [node('Identity', ['S'], ['SD'], {}, 'id')] : [
        opts.qVia ? node(opts.qVia, ['S'], ['SQ'], {}, 'qs') : node('QuantizeLinear', ['S', 's2', 'z2'], ['SQ'], {}, 'qs'),
        opts.dqVia ? node(opts.dqVia, ['SQ'], ['SD'], {}, 'dqs') : node('DequantizeLinear', ['SQ', 's2', 'z2'], ['SD'], {}, 'dqs'),
      ]),
      node('Mul', opts.swap ? [X, 'SD'] : ['SD', X], ['y'], {}, opts.mulName ?? ''),
      ...(opts.split ? [node('Split', ['x'], ['xa', 'xb'], { axis: 0 }, 'split'), node('Relu', ['xa'], ['x2'], {}, 'other')] : [node('Relu', ['x'], ['x2'], {}, 'other')]),
    ],
    [initializer('xq', [4], Uint8Array.of(1, 2, 3, 4)), initializer('s', [], Float32Array.of(0.5)), initializer('z', [], Uint8Array.of(0)), initializer('s2', [], Float32Array.of(1 / 256)), initializer('z2', [], Uint8Array.of(0))],
    [input('x', [4])], [output('y', [4]), output('x2', [4])], 13,
  );
  if (opts.ms) p.opsetImport.push(create(OperatorSetIdProtoSchema, { domain: MS_DOMAIN, version: 1n }));
  return toOnnx(p);
}

describe('fusedSilu', () => {
  it('fuses Mul(DQ(Q(Sigmoid(x))), x) in either operand order; names an unnamed Mul after its output', () => {
    for (const swap of [false, true]) {
      const r = fusedSilu(qdqSilu({ swap }));
      expect(r.rewritten, `swap ${swap}`).toBe(1);
      const nodes = r.model.proto.graph!.node;
      expect(nodes.map((x) => x.opType)).toEqual(['DequantizeLinear', 'QuickGelu', 'Relu']);
      expect(nodes[1]).toMatchObject({ name: 'y_silu', input: ['X'], output: ['y'], domain: MS_DOMAIN });
      expect(r.model.proto.graph!.initializer.map((t) => t.name)).toEqual(['xq', 's', 'z']); // the Sigmoid's Q/DQ parameters dropped
      expect(r.model.proto.opsetImport.map((o) => [o.domain, o.version])).toEqual([['', 13n], [MS_DOMAIN, 1n]]);
    }
  });
  it('QuickGelu has alpha 1 and is named after a named Mul (<Mul name>_silu)', () => {
    const qg = fusedSilu(qdqSilu({ mulName: 'act' })).model.proto.graph!.node.find((x) => x.opType === 'QuickGelu')!;
    expect(qg.name).toBe('act_silu');
    expect(qg.attribute.map((a) => [a.name, a.f])).toEqual([['alpha', 1]]);
  });
  it('drops only nodes none of whose outputs is read: a Split with one read output stays', () => {
    const nodes = fusedSilu(qdqSilu({ split: true })).model.proto.graph!.node;
    expect(nodes.map((x) => x.opType)).toEqual(['DequantizeLinear', 'QuickGelu', 'Split', 'Relu']);
  });
  it('adds the com.microsoft opset only once', () => {
    expect(fusedSilu(qdqSilu({ ms: true })).model.proto.opsetImport.filter((o) => o.domain === MS_DOMAIN)).toHaveLength(1);
  });
  it('leaves a Mul alone unless it is DQ(x) times the integer Sigmoid of that same x', () => {
    // the Sigmoid must come back through a QuantizeLinear and then a DequantizeLinear (not a Cast, not an Identity)
    for (const opts of [{ sigOf: 'x' }, { floatX: true }, { noQ: true }, { qVia: 'Cast' }, { dqVia: 'Identity' }]) {
      const m = qdqSilu(opts);
      expect(fusedSilu(m), JSON.stringify(opts)).toEqual({ model: m, rewritten: 0 });
    }
  });
});
