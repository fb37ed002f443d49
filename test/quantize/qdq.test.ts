import { describe, expect, it } from 'vitest';
import { toFloat32 } from '../../src/core/convert.js';
import { indexGraph } from '../../src/graph/onnx-graph.js';
import { getTensor, serializeOnnx, type OnnxModel } from '../../src/io/onnx/index.js';
import { asymmetricParams, insertQdq, quantizeLayer, type QuantParams, type QuantPlan } from '../../src/quantize/index.js';
import { createSession } from '../../src/runtime/index.js';
import { initializer, input, model, node, output, randomFloats, toOnnx } from '../helpers/onnx-builder.js';

/**
 * x [1,2,4,4] ┬ Conv A (wA, bA) → a ┬ ConvTranspose T (wT [3,2,1,1], group 1) → t → ConvTranspose G (wG, group 2) → g
 *             └ Conv A2 (wA, bA) → a2 (graph output)                              g → Flatten → f ┬ Gemm (wM, bM) → out (graph output)
 *                                                                                                  └ MatMul (wK) → mm (graph output)
 */
function net(): OnnxModel {
  return toOnnx(model(
    [
      node('Conv', ['x', 'wA', 'bA'], ['a'], { kernel_shape: [1, 1] }, 'A'),
      node('Conv', ['x', 'wA', 'bA'], ['a2'], { kernel_shape: [1, 1] }, 'A2'),
      node('ConvTranspose', ['a', 'wT'], ['t'], { kernel_shape: [1, 1] }, 'T'),
      node('ConvTranspose', ['t', 'wG'], ['g'], { kernel_shape: [1, 1], group: 2 }, 'G'),
      node('Flatten', ['g'], ['f'], { axis: 1 }, 'F'),
      node('Gemm', ['f', 'wM', 'bM'], ['out'], {}, 'M'),
      node('MatMul', ['f', 'wK'], ['mm'], {}, 'K'),
    ],
    [
      initializer('wA', [3, 2, 1, 1], randomFloats(6, 1)), initializer('bA', [3], randomFloats(3, 2)),
      initializer('wT', [3, 2, 1, 1], randomFloats(6, 3)), initializer('wG', [2, 1, 1, 1], Float32Array.of(0.5, -0.25)),
      initializer('wM', [32, 5], randomFloats(160, 4)), initializer('bM', [5], randomFloats(5, 5)), initializer('wK', [32, 5], randomFloats(160, 6)),
      initializer('pk0_scale', [1], Float32Array.of(1)), // a name the rewrite must not reuse
    ],
    [input('x', [1, 2, 4, 4])], [output('a2', [1, 3, 4, 4]), output('out', [1, 5]), output('mm', [1, 5])], 13,
  ));
}

const plan = (quantized: number[], tensors: string[]): QuantPlan => ({ quantized: new Set(quantized), tail: new Set(), float: [], tensors, kinds: new Map() });
const ALL = plan([0, 1, 2, 3, 4, 5, 6], ['x', 'a', 'a2', 't', 'g', 'f', 'out', 'mm']);
const P = (min: number, max: number, dtype: 'uint8' | 'int8' = 'uint8'): QuantParams => asymmetricParams(min, max, dtype);
const params = (dtype: 'uint8' | 'int8' = 'uint8') => new Map(ALL.tensors.map((t, k) => [t, P(-1 - k, 2 + k, dtype)]));

const nums = (t: { data: ArrayLike<number> | BigInt64Array }) => Array.from(t.data as ArrayLike<number>);
const byOutput = (m: OnnxModel, name: string) => m.proto.graph!.node.find((n) => n.output.includes(name))!;
const byName = (m: OnnxModel, name: string) => m.proto.graph!.node.find((n) => n.name === name)!;
const axisOf = (n: ReturnType<typeof byName>) => n.attribute.find((a) => a.name === 'axis')?.i;

describe('insertQdq', () => {
  // (rewritten inside each test: StrykerJS's per-test coverage does not see work done while collecting a describe)
  const m = net();
  const rewrite = () => { const r = insertQdq(m, ALL, params(), { biasType: 'int32' }); return { r, q: r.model }; };

  it('one Q/DQ pair per planned tensor, with scalar float32 scale and uint8 zero point under fresh names', () => {
    const { r, q } = rewrite();
    expect(r.tensors).toBe(8);
    const graph = q.proto.graph!;
    expect(graph.node.filter((n) => n.opType === 'QuantizeLinear')).toHaveLength(8);
    const qx = byOutput(q, 'pk0_q');
    expect(qx.opType).toBe('QuantizeLinear');
    expect(qx.input).toEqual(['x', 'pk0_scale_1', 'pk0_zp']);
    expect(qx.name).toBe('pk0_Q');
    expect(byOutput(q, 'pk0_dq')).toMatchObject({ opType: 'DequantizeLinear', input: ['pk0_q', 'pk0_scale_1', 'pk0_zp'], name: 'pk0_DQ' });
    const s = getTensor(q, 'pk0_scale_1'), z = getTensor(q, 'pk0_zp');
    expect([s.dtype, s.dims, s.data[0]]).toEqual(['float32', [], P(-1, 2).scale]);
    expect([z.dtype, z.dims, z.data[0]]).toEqual(['uint8', [], P(-1, 2).zeroPoint]);
    // the graph input's pair comes first, before any node reads it
    expect(graph.node[0]!.name).toBe('pk0_Q');
    expect(graph.node[1]!.name).toBe('pk0_DQ');
    // consumers read the DQ output; Conv A's output pair follows Conv A
    expect(byName(q, 'A').input[0]).toBe('pk0_dq');
    const iA = graph.node.findIndex((n) => n.name === 'A');
    expect(graph.node[iA + 1]!.name).toBe('pk1_Q');
    expect(byName(q, 'T').input[0]).toBe('pk1_dq');
  });

  it('int8 activations get int8 zero points', () => {
    const r8 = insertQdq(m, ALL, params('int8'));
    const z = getTensor(r8.model, 'pk3_zp');
    expect([z.dtype, z.data[0]]).toEqual(['int8', P(-4, 5, 'int8').zeroPoint]);
  });

  it('a graph output keeps its name on the DQ; its producer writes pk<k>_float', () => {
    const { q } = rewrite();
    expect(byName(q, 'A2').output).toEqual(['pk2_float']);
    expect(byOutput(q, 'pk2_q').input[0]).toBe('pk2_float');
    expect(byOutput(q, 'a2')).toMatchObject({ opType: 'DequantizeLinear', input: ['pk2_q', 'pk2_scale', 'pk2_zp'] });
    expect(byName(q, 'M').output).toEqual(['pk6_float']);
    expect(q.proto.graph!.output.map((o) => o.name)).toEqual(['a2', 'out', 'mm']);
  });

  it('weights: Conv per output channel (axis 0), ConvTranspose per channel on axis 1 only with group 1, Gemm/MatMul per tensor', () => {
    const { r, q } = rewrite();
    expect(r.layers).toEqual([
      { node: 'A', op: 'Conv', weight: 'wA', channels: 3, perChannel: true, widened: 0 },
      { node: 'A2', op: 'Conv', weight: 'wA', channels: 3, perChannel: true, widened: 0 },
      { node: 'T', op: 'ConvTranspose', weight: 'wT', channels: 2, perChannel: true, widened: 0 },
      { node: 'G', op: 'ConvTranspose', weight: 'wG', channels: 1, perChannel: false, widened: 0 },
      { node: 'M', op: 'Gemm', weight: 'wM', channels: 1, perChannel: false, widened: 0 },
      { node: 'K', op: 'MatMul', weight: 'wK', channels: 1, perChannel: false, widened: 0 },
    ]);
    expect(axisOf(byOutput(q, 'wA_dq'))).toBe(0n);
    expect(axisOf(byOutput(q, 'wT_dq'))).toBe(1n);
    expect(axisOf(byOutput(q, 'wG_dq'))).toBeUndefined();
    expect(getTensor(q, 'wT_scale').dims).toEqual([2]);
    expect(getTensor(q, 'wG_scale').dims).toEqual([]);
    expect(getTensor(q, 'wM_scale').dims).toEqual([]);
    expect(byOutput(q, 'wM_dq').input).toEqual(['wM_quantized', 'wM_scale']);
    expect(byOutput(q, 'wM_dq').name).toBe('wM_DQ');
    const wT = getTensor(q, 'wT_quantized');
    expect([wT.dtype, wT.dims]).toEqual(['int8', [3, 2, 1, 1]]);
    const ref = quantizeLayer(toFloat32(getTensor(m, 'wT')), [3, 2, 1, 1], undefined, P(-2, 3).scale, { axis: 1 });
    expect(nums(wT)).toEqual(Array.from(ref.weight.data));
    expect(nums(getTensor(q, 'wT_scale'))).toEqual(Array.from(ref.weight.scales));
  });

  it('a weight read by two layers at the same input scale is quantized once; the float weights are dropped', () => {
    const { q } = rewrite();
    expect(byName(q, 'A').input).toEqual(['pk0_dq', 'wA_dq', 'bA_dq']);
    expect(byName(q, 'A2').input).toEqual(['pk0_dq', 'wA_dq', 'bA_dq']);
    const names = q.proto.graph!.initializer.map((t) => t.name);
    expect(names.filter((n) => n.startsWith('wA'))).toEqual(['wA_quantized', 'wA_scale']);
    for (const w of ['wA', 'bA', 'wT', 'wG', 'wM', 'bM', 'wK', 'pk0_scale']) expect(names, w).not.toContain(w);
    expect(q.proto.graph!.node.filter((n) => n.name === 'wA_DQ')).toHaveLength(1);
  });

  it('int32 bias: per axis (axis 0) with per-channel weights, a scalar scale with a per-tensor weight', () => {
    const { q } = rewrite();
    const bA = getTensor(q, 'bA_quantized'), sA = getTensor(q, 'bA_scale');
    expect([bA.dtype, bA.dims, sA.dims]).toEqual(['int32', [3], [3]]);
    expect(axisOf(byOutput(q, 'bA_dq'))).toBe(0n);
    const ref = quantizeLayer(toFloat32(getTensor(m, 'wA')), [3, 2, 1, 1], toFloat32(getTensor(m, 'bA')), P(-1, 2).scale, { axis: 0 });
    expect(nums(bA)).toEqual(Array.from(ref.bias!.data));
    expect(nums(sA)).toEqual(Array.from(ref.bias!.scales));
    const bM = getTensor(q, 'bM_quantized'), sM = getTensor(q, 'bM_scale');
    expect([bM.dims, sM.dims, sM.data.length]).toEqual([[5], [], 1]);
    expect(axisOf(byOutput(q, 'bM_dq'))).toBeUndefined();
    expect(byOutput(q, 'bM_dq').name).toBe('bM_DQ');
  });

  it('runs in onnxruntime, close to the float model', async () => {
    const { q } = rewrite();
    const feeds = { x: { dtype: 'float32' as const, dims: [1, 2, 4, 4], data: randomFloats(32, 9) } };
    const run = async (mm: OnnxModel) => { const s = await createSession(serializeOnnx(mm), { threads: 1 }); try { return await s.run(feeds); } finally { await s.release(); } };
    const [f, qq] = [await run(m), await run(q)];
    for (const name of ['a2', 'out', 'mm']) {
      const a = toFloat32(f[name]!), b = toFloat32(qq[name]!);
      const scale = Math.max(...a.map(Math.abs));
      a.forEach((v, i) => expect(Math.abs(v - b[i]!), `${name}[${i}]`).toBeLessThan(0.15 * scale + 0.05));
    }
  });

  it('options: per-tensor Conv weights, float bias by default, reduce-range weights in ±63', () => {
    const r2 = insertQdq(m, ALL, params(), { perChannel: false, reduceRange: true });
    const q2 = r2.model;
    expect(r2.layers[0]).toMatchObject({ node: 'A', channels: 1, perChannel: false });
    expect(r2.layers[2]).toMatchObject({ node: 'T', channels: 1, perChannel: false });
    expect(byName(q2, 'A').input).toEqual(['pk0_dq', 'wA_dq', 'bA']);
    expect(getTensor(q2, 'bA').dtype).toBe('float32');
    for (const w of ['wA', 'wT', 'wM', 'wK']) {
      const d = Array.from(getTensor(q2, `${w}_quantized`).data as Int8Array);
      expect(Math.max(...d.map(Math.abs)), w).toBe(63);
    }
  });

  it('a weight shared at two input scales is quantized twice under fresh names', () => {
    const p = params();
    p.set('x', P(-1, 2));
    const shared = toOnnx(model(
      [node('Conv', ['x', 'w'], ['a'], { kernel_shape: [1, 1] }, 'c1'), node('Conv', ['a', 'w'], ['b'], { kernel_shape: [1, 1] }, 'c2')],
      [initializer('w', [2, 2, 1, 1], randomFloats(4, 7))], [input('x', [1, 2, 2, 2])], [output('b', [1, 2, 2, 2])], 13,
    ));
    const rs = insertQdq(shared, plan([0, 1], ['x', 'a', 'b']), new Map([['x', P(-1, 2)], ['a', P(-3, 3)], ['b', P(-1, 1)]]));
    expect(byName(rs.model, 'c1').input[1]).toBe('w_dq');
    expect(byName(rs.model, 'c2').input[1]).toBe('w_dq_1');
    expect(rs.model.proto.graph!.node.filter((n) => n.opType === 'DequantizeLinear').map((n) => n.name)).toEqual(['pk0_DQ', 'w_DQ', 'pk1_DQ', 'w_DQ_1', 'pk2_DQ']);
  });

  it('leaves float: a tensor without parameters, a layer whose input has none, a node outside the plan, a weight computed at run time', () => {
    const p = params();
    p.delete('a');
    const r3 = insertQdq(m, plan([0, 2, 3], ['x', 'a', 't']), p);
    expect(r3.tensors).toBe(2); // x and t; a has no parameters
    expect(byName(r3.model, 'T').input).toEqual(['a', 'wT']); // input a has no parameters: float weight kept
    expect(byName(r3.model, 'A').input).toEqual(['pk0_dq', 'wA_dq', 'bA']);
    expect(byName(r3.model, 'A2').input).toEqual(['x', 'wA', 'bA']); // not in the plan: float weights, and the exact graph input (only quantized readers read its DQ)
    expect(r3.layers.map((l) => l.node)).toEqual(['A', 'G']);
    expect(r3.model.proto.graph!.initializer.map((t) => t.name)).toEqual(expect.arrayContaining(['wA', 'bA', 'wT', 'wA_quantized']));
    const dyn = toOnnx(model([node('Conv', ['x', 'w'], ['y'], { kernel_shape: [1, 1] }, 'c')], [], [input('x', [1, 2, 2, 2]), input('w', [2, 2, 1, 1])], [output('y', [1, 2, 2, 2])], 13));
    const rd = insertQdq(dyn, plan([0], ['x']), new Map([['x', P(0, 1)]]));
    expect(rd.layers).toEqual([]);
    expect(byName(rd.model, 'c').input).toEqual(['pk0_dq', 'w']);
  });

  it('drops nodes nobody reads, transitively, and does not modify its input', () => {
    const dead = toOnnx(model(
      [node('Relu', ['x'], ['r1'], {}, 'r1'), node('Relu', ['r1'], ['r2'], {}, 'r2'), node('Relu', ['x'], ['y'], {}, 'keep')],
      [initializer('unused', [1], Float32Array.of(1))], [input('x', [1])], [output('y', [1])], 13,
    ));
    const rd = insertQdq(dead, plan([], []), new Map());
    expect(rd.model.proto.graph!.node.map((n) => n.name)).toEqual(['keep']);
    expect(rd.model.proto.graph!.initializer).toEqual([]);
    // a node with one used output stays; an initializer that is itself a graph output stays
    const half = toOnnx(model(
      [node('Split', ['x'], ['s1', 's2'], { axis: 0 }, 'split'), node('Relu', ['s1'], ['y'], {}, 'relu')],
      [initializer('k', [1], Float32Array.of(1))], [input('x', [2])], [output('y', [1]), output('k', [1])], 13,
    ));
    const rh = insertQdq(half, plan([], []), new Map());
    expect(rh.model.proto.graph!.node.map((n) => n.name)).toEqual(['split', 'relu']);
    expect(rh.model.proto.graph!.initializer.map((t) => t.name)).toEqual(['k']);
    expect(dead.proto.graph!.node).toHaveLength(3);
    expect(m.proto.graph!.node.map((n) => n.input[0])).toEqual(['x', 'x', 'a', 't', 'g', 'f', 'f']);
    expect(m.proto.graph!.initializer).toHaveLength(8);
  });

  it('fresh names skip every taken name; a planned Reshape keeps its shape input (only weighted ops get int8 weights)', () => {
    const mm = toOnnx(model(
      [node('Reshape', ['x', 'shape'], ['y'], {}, 'pk0_Q'), node('Identity', ['y'], ['z'], {}, 'pk0_Q_1')],
      [initializer('shape', [2], BigInt64Array.of(1n, 4n)), initializer('pk0_zp', [1], Uint8Array.of(0)), initializer('pk0_zp_1', [1], Uint8Array.of(0))],
      [input('x', [1, 4])], [output('z', [1, 4])], 13,
    ));
    const r = insertQdq(mm, plan([0], ['x']), new Map([['x', P(0, 1)]]));
    expect(byOutput(r.model, 'pk0_q')).toMatchObject({ name: 'pk0_Q_2', input: ['x', 'pk0_scale', 'pk0_zp_2'] });
    expect(byOutput(r.model, 'pk0_dq').name).toBe('pk0_DQ');
    expect(byName(r.model, 'pk0_Q').input).toEqual(['pk0_dq', 'shape']);
    expect(r.layers).toEqual([]);
  });

  it('a weight shared by two layers with different biases: one weight and one bias tensor each', () => {
    const mm = toOnnx(model(
      [node('Conv', ['x', 'w', 'b1'], ['a'], { kernel_shape: [1, 1] }, 'c1'), node('Conv', ['x', 'w', 'b2'], ['b'], { kernel_shape: [1, 1] }, 'c2')],
      [initializer('w', [2, 2, 1, 1], randomFloats(4, 7)), initializer('b1', [2], Float32Array.of(1, 2)), initializer('b2', [2], Float32Array.of(3, 4))],
      [input('x', [1, 2, 2, 2])], [output('a', [1, 2, 2, 2]), output('b', [1, 2, 2, 2])], 13,
    ));
    const r = insertQdq(mm, plan([0, 1], ['x']), new Map([['x', P(-1, 2)]]), { biasType: 'int32' });
    expect(byName(r.model, 'c1').input).toEqual(['pk0_dq', 'w_dq', 'b1_dq']);
    expect(byName(r.model, 'c2').input).toEqual(['pk0_dq', 'w_dq_1', 'b2_dq']);
  });

  it('uses the graph index it is given (defaults to the model\'s own)', () => {
    const { q } = rewrite();
    expect(insertQdq(m, ALL, params(), { biasType: 'int32' }, indexGraph(m)).model.proto.graph!.node.map((n) => n.name)).toEqual(q.proto.graph!.node.map((n) => n.name));
  });
});
