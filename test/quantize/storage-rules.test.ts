import { describe, expect, it } from 'vitest';
import { floatToHalf } from '../../src/core/half.js';
import { getTensor, type OnnxModel } from '../../src/io/onnx/index.js';
import { quantizeWeights } from '../../src/quantize/weights.js';
import { floatLayerWeightNames, fp16Weights, weightOnlyInt8 } from '../../src/quantize/storage.js';
import { constant, initializer, input, model, node, output, randomFloats, toOnnx } from '../helpers/onnx-builder.js';

/**
 * c1: Conv(wc) → t1: ConvTranspose(wt, group 1) → t2: ConvTranspose(wg, group 2) → c2: Conv(wc again) → c3: Conv(ws)
 * → t3: ConvTranspose(ws again) → Flatten → g: Gemm(wm, typed float_data) and m: MatMul(wmm); c4: Conv with a
 * Constant-node weight; c5: Conv with a weight that is a graph input; c6: Conv with a float16 weight; a shape initializer;
 * an Add of a float32 initializer (no layer weight).
 */
function net(opset = 13): OnnxModel {
  return toOnnx(model(
    [
      node('Conv', ['x', 'wc'], ['a'], { kernel_shape: [1, 1] }, 'c1'),
      node('ConvTranspose', ['a', 'wt'], ['b'], { kernel_shape: [1, 1] }, 't1'),
      node('ConvTranspose', ['b', 'wg'], ['c'], { kernel_shape: [1, 1], group: 2 }, 't2'),
      node('Conv', ['c', 'wc'], ['d'], { kernel_shape: [1, 1] }, 'c2'),
      node('Conv', ['d', 'ws'], ['e'], { kernel_shape: [1, 1] }, 'c3'),
      node('ConvTranspose', ['e', 'ws'], ['f'], { kernel_shape: [1, 1] }, 't3'),
      node('Flatten', ['f'], ['fl'], { axis: 1 }, 'flat'),
      node('Gemm', ['fl', 'wm'], ['out'], {}, 'g'),
      node('MatMul', ['fl', 'wmm'], ['out2'], {}, 'm'),
      constant('kc', [2, 2, 1, 1], randomFloats(4, 9)),
      node('Conv', ['x', 'kc'], ['o3'], { kernel_shape: [1, 1] }, 'c4'),
      node('Conv', ['x', 'win'], ['o4'], { kernel_shape: [1, 1] }, 'c5'),
      node('Conv', ['x', 'w16'], ['o5'], { kernel_shape: [1, 1] }, 'c6'),
      node('Reshape', ['x', 'shape'], ['o6'], {}, 'r'),
      node('Add', ['x', 'addk'], ['o7'], {}, 'add'),
    ],
    [
      initializer('wc', [2, 2, 1, 1], Float32Array.of(1.27, -0.5, 0.127, 0.05)), initializer('wt', [2, 2, 1, 1], Float32Array.of(1.27, 0.127, -0.5, 0.05)),
      initializer('wg', [2, 1, 1, 1], Float32Array.of(1.27, 0.127)), initializer('ws', [2, 2, 1, 1], Float32Array.of(1.27, 0.127, 0.5, 0.05)),
      initializer('wm', [32, 3], randomFloats(96, 1), { storage: 'typed' }), initializer('wmm', [32, 3], randomFloats(96, 2)),
      initializer('w16', [2, 2, 1, 1], Uint16Array.of(0x3c00, 0x3c00, 0x3c00, 0x3c00)), initializer('shape', [4], BigInt64Array.of(1n, 2n, 4n, 4n)),
      initializer('addk', [1, 2, 4, 4], randomFloats(32, 4)),
    ],
    [input('x', [1, 2, 4, 4]), input('win', [2, 2, 1, 1])], [output('out', [1, 3]), output('out2', [1, 3]), output('o3', [1, 2, 4, 4]), output('o4', [1, 2, 4, 4]), output('o5', [1, 2, 4, 4]), output('o6', [1, 2, 4, 4]), output('o7', [1, 2, 4, 4])], opset,
  ));
}

const nodeNamed = (m: OnnxModel, name: string) => m.proto.graph!.node.find((n) => n.name === name)!;
const axisAttr = (m: OnnxModel, w: string) => nodeNamed(m, `${w}_DequantizeLinear`).attribute.find((a) => a.name === 'axis')?.i;

describe('weightOnlyInt8', () => {
  const m = net();
  // symmetric (z = 0) to state the scales by hand; the asymmetric default is weight-asym.ts's (weight-asym.test.ts)
  const rewrite = () => { const r = weightOnlyInt8(m, { range: 'max', weightZeroPoint: 'symmetric' }); return { r, q: r.model }; };
  it('rewrites the float32 initializer weights of weighted layers, each once, and only those', () => {
    const { r, q } = rewrite();
    expect(r.tensors).toBe(6);
    const names = q.proto.graph!.initializer.map((t) => t.name);
    for (const w of ['wc', 'wt', 'wg', 'ws', 'wm', 'wmm']) expect(names, w).toEqual(expect.arrayContaining([`${w}_quantized`, `${w}_scale`]));
    for (const w of ['wc', 'wt', 'wg', 'ws', 'wm', 'wmm']) expect(names, w).not.toContain(w);
    expect(names).toEqual(expect.arrayContaining(['w16', 'shape', 'addk'])); // addk: read by an Add, not a weighted layer
    expect(nodeNamed(q, 'add').input).toEqual(['x', 'addk']);
    expect(nodeNamed(q, 'c4').input[1]).toBe('kc'); // a Constant node: not an initializer
    expect(nodeNamed(q, 'c5').input[1]).toBe('win'); // a graph input
    expect(nodeNamed(q, 'c6').input[1]).toBe('w16'); // float16
  });
  it('per output channel: Conv on axis 0, a group-1 ConvTranspose on axis 1; per tensor otherwise', () => {
    const { q } = rewrite();
    expect(axisAttr(q, 'wc')).toBe(0n);
    expect(axisAttr(q, 'wt')).toBe(1n);
    expect(axisAttr(q, 'wg')).toBeUndefined(); // ConvTranspose with group 2
    expect(axisAttr(q, 'ws')).toBeUndefined(); // shared by a Conv (axis 0) and a ConvTranspose (axis 1)
    expect(axisAttr(q, 'wm')).toBeUndefined();
    expect(axisAttr(q, 'wmm')).toBeUndefined();
    expect(getTensor(q, 'wc_scale').dims).toEqual([2]);
    expect(getTensor(q, 'ws_scale').dims).toEqual([]);
    expect(Array.from(getTensor(q, 'wc_scale').data as Float32Array)).toEqual([Math.fround(Math.fround(1.27) / 127), Math.fround(Math.fround(0.127) / 127)]);
    expect(Array.from(getTensor(q, 'wt_quantized').data as Int8Array)).toEqual(Array.from(quantizeWeights(Float32Array.of(1.27, 0.127, -0.5, 0.05), [2, 2, 1, 1], { axis: 1, range: 'max' }).data));
    expect(Array.from(getTensor(q, 'ws_scale').data as Float32Array)).toEqual([Math.fround(Math.fround(1.27) / 127)]);
  });
  it('each consumer reads the dequantized weight; the DequantizeLinear nodes come first and have no zero point', () => {
    const { q } = rewrite();
    expect(nodeNamed(q, 'c1').input).toEqual(['x', 'wc_dequantized']);
    expect(nodeNamed(q, 'c2').input).toEqual(['c', 'wc_dequantized']);
    expect(nodeNamed(q, 't3').input).toEqual(['e', 'ws_dequantized']);
    const ops = q.proto.graph!.node.map((n) => n.opType);
    expect(ops.slice(0, 6)).toEqual(Array(6).fill('DequantizeLinear'));
    expect(nodeNamed(q, 'wm_DequantizeLinear')).toMatchObject({ input: ['wm_quantized', 'wm_scale'], output: ['wm_dequantized'] });
    expect(nodeNamed(q, 'r')).toBe(m.proto.graph!.node.find((n) => n.name === 'r')); // untouched nodes are kept as they are
    expect(m.proto.graph!.node.find((n) => n.name === 'c1')!.input).toEqual(['x', 'wc']); // input not modified
  });
  it('bytes before (raw or typed float data) and after (int8 + float32 scales)', () => {
    const { r } = rewrite();
    const before = 4 * (4 + 4 + 2 + 4 + 96 + 96);
    const after = (4 + 4 * 2) + (4 + 4 * 2) + (2 + 4) + (4 + 4) + (96 + 4) + (96 + 4);
    expect(r.bytes).toEqual({ before, after });
  });
  it('perChannel false: one scale per weight; minElements skips smaller weights; raises the opset to 13', () => {
    const t = weightOnlyInt8(m, { perChannel: false, weightZeroPoint: 'symmetric' });
    expect(axisAttr(t.model, 'wc')).toBeUndefined();
    expect(weightOnlyInt8(m, { minElements: 4 }).tensors).toBe(5); // wg has 2 values
    expect(weightOnlyInt8(m, { minElements: 5 }).tensors).toBe(2);
    const old = weightOnlyInt8(net(12));
    expect(old.model.proto.opsetImport[0]!.version).toBe(13n);
  });
  it('a weight that already has a `_quantized` twin or `_dequantized` output is left alone', () => {
    const { q } = rewrite();
    expect(weightOnlyInt8(q).tensors).toBe(0);
    const m2 = toOnnx(model(
      [node('Conv', ['x', 'w'], ['y'], { kernel_shape: [1, 1] }, 'c'), node('Identity', ['x'], ['v_dequantized']), node('Conv', ['x', 'v'], ['z'], { kernel_shape: [1, 1] }, 'd')],
      [initializer('w', [1, 1, 1, 1], Float32Array.of(1)), initializer('w_quantized', [1], Int8Array.of(1)), initializer('v', [1, 1, 1, 1], Float32Array.of(1))],
      [input('x', [1, 1, 1, 1])], [output('y', [1, 1, 1, 1]), output('z', [1, 1, 1, 1]), output('v_dequantized', [1, 1, 1, 1])], 13,
    ));
    expect(weightOnlyInt8(m2).tensors).toBe(0);
  });
});

describe('fp16Weights', () => {
  const big = (n: number) => Float32Array.from({ length: n }, (_, i) => 1 + i / 3);
  const m = toOnnx(model(
    [node('Add', ['x', 'a'], ['s'], {}, 'add'), node('Mul', ['s', 'b'], ['t'], {}, 'mul'), node('Reshape', ['t', 'shape'], ['y'], {}, 'r')],
    [initializer('a', [16], big(16)), initializer('b', [15], big(15)), initializer('shape', [1], BigInt64Array.of(16n))],
    [input('x', [16])], [output('y', [16])], 13,
  ));
  it('float32 initializers of ≥ 16 values (default) become float16 + Cast(to float32)', () => {
    const r = fp16Weights(m);
    expect(r.tensors).toBe(1);
    expect(r.bytes).toEqual({ before: 64, after: 32 });
    const h = getTensor(r.model, 'a_fp16');
    expect(h.dtype).toBe('float16');
    expect(Array.from(h.data as Uint16Array)).toEqual(Array.from(big(16), floatToHalf));
    const cast = r.model.proto.graph!.node[0]!;
    expect(cast).toMatchObject({ opType: 'Cast', name: 'a_Cast', input: ['a_fp16'], output: ['a_float'] });
    expect(cast.attribute.map((x) => [x.name, x.i])).toEqual([['to', 1n]]);
    expect(nodeNamed(r.model, 'add').input).toEqual(['x', 'a_float']);
    expect(nodeNamed(r.model, 'mul').input).toEqual(['s', 'b']);
    expect(r.model.proto.graph!.initializer.map((t) => t.name)).toEqual(['a_fp16', 'b', 'shape']);
  });
  it('minElements and only choose the tensors', () => {
    expect(fp16Weights(m, { minElements: 15 }).tensors).toBe(2);
    expect(fp16Weights(m, { minElements: 1 }).tensors).toBe(2); // the int64 shape is never converted
    expect(fp16Weights(m, { minElements: 1, only: new Set(['b']) }).model.proto.graph!.initializer.map((t) => t.name)).toEqual(['a', 'b_fp16', 'shape']);
    expect(fp16Weights(m, { minElements: 17 })).toMatchObject({ tensors: 0, bytes: { before: 0, after: 0 } });
  });
});

describe('floatLayerWeightNames', () => {
  it('the float32 initializer weights read directly by weighted layers', () => {
    expect([...floatLayerWeightNames(net())].sort()).toEqual(['wc', 'wg', 'wm', 'wmm', 'ws', 'wt']);
    expect([...floatLayerWeightNames(weightOnlyInt8(net(), { minElements: 5 }).model)].sort()).toEqual(['wc', 'wg', 'ws', 'wt']);
  });
});
