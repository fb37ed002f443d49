import { describe, expect, it } from 'vitest';
import { UnsupportedOpError } from '../../src/core/errors.js';
import { getTensor, serializeOnnx } from '../../src/io/onnx/index.js';
import { QDQ_OPSET, upgradeToOpset13 } from '../../src/quantize/index.js';
import { compareOutputs } from '../../src/runtime/index.js';
import { initializer, input, model, node, output, randomFloats, toOnnx } from '../helpers/onnx-builder.js';
import { create } from '@bufbuild/protobuf';
import { OperatorSetIdProtoSchema } from 'onnx-buf';

/** x [2,6,4] → Split(axis 1, [2,4]) → Unsqueeze(a, [0]) / Softmax(b, axis 2) / ReduceSum(b, [1]) → Squeeze → outputs. */
function opset11(extras: { irVersion?: number } = {}) {
  const m = model(
    [
      node('Split', ['x'], ['a', 'b'], { axis: 1, split: [2, 4] }, 'split'),
      node('Unsqueeze', ['a'], ['ua'], { axes: [0] }, 'unsq'),
      node('Softmax', ['b'], ['sb'], { axis: 2 }, 'soft'),
      node('Softmax', ['b'], ['sd'], {}, ''), // default axis 1, no name
      node('ReduceSum', ['b'], ['rb'], { axes: [1], keepdims: 1 }, 'rsum'),
      node('Squeeze', ['rb'], ['qb'], { axes: [1] }, 'sq'),
      node('LogSoftmax', ['b'], ['lb'], { axis: 1 }, 'logsoft'),
      node('Hardmax', ['b'], ['hb'], { axis: 2 }, 'hard'),
      node('Relu', ['x'], ['r'], {}, 'relu'),
      node('Identity', ['x'], ['unsq_axes'], {}, 'taken'),
    ],
    // taken names (an initializer, its _1, a node output, a graph input): the new inputs get other names
    [initializer('split_split', [1], Float32Array.of(0)), initializer('split_split_1', [1], Float32Array.of(0))],
    [input('x', [2, 6, 4]), input('rsum_axes', [1])],
    [output('ua', [1, 2, 2, 4]), output('sb', [2, 4, 4]), output('sd', [2, 4, 4]), output('qb', [2, 4]), output('lb', [2, 4, 4]), output('hb', [2, 4, 4]), output('r', [2, 6, 4])],
    11, extras,
  );
  m.opsetImport.push(create(OperatorSetIdProtoSchema, { domain: 'com.microsoft', version: 1n }));
  return toOnnx(m);
}

describe('upgradeToOpset13', () => {
  it('returns an opset ≥ 13 model unchanged and refuses opsets below 10', () => {
    const m13 = toOnnx(model([node('Relu', ['x'], ['y'])], [], [input('x', [1])], [output('y', [1])], 13));
    expect(upgradeToOpset13(m13)).toBe(m13);
    const m14 = toOnnx(model([node('Relu', ['x'], ['y'])], [], [input('x', [1])], [output('y', [1])], 14));
    expect(upgradeToOpset13(m14)).toBe(m14);
    expect(QDQ_OPSET).toBe(13);
    const m9 = toOnnx(model([node('Relu', ['x'], ['y'])], [], [input('x', [1])], [output('y', [1])], 9));
    expect(() => upgradeToOpset13(m9)).toThrow(UnsupportedOpError);
    expect(() => upgradeToOpset13(m9)).toThrow('opset 9 is too old to quantize (needs ≥ 10; re-export the model with opset ≥ 13)');
    const m10 = toOnnx(model([node('Relu', ['x'], ['y'])], [], [input('x', [1])], [output('y', [1])], 10));
    expect(upgradeToOpset13(m10).proto.opsetImport[0]!.version).toBe(13n);
  });

  it('moves split/axes attributes to int64 inputs, under fresh names', () => {
    const m = opset11();
    const up = upgradeToOpset13(m);
    const nodes = new Map(up.proto.graph!.node.map((n) => [n.name, n]));
    expect(nodes.get('split')!.input).toEqual(['x', 'split_split_2']);
    expect(nodes.get('split')!.attribute.map((a) => a.name)).toEqual(['axis']);
    expect(getTensor(up, 'split_split_2')).toMatchObject({ dtype: 'int64', dims: [2] });
    expect(Array.from(getTensor(up, 'split_split_2').data as BigInt64Array)).toEqual([2n, 4n]);
    expect(nodes.get('unsq')!.input).toEqual(['a', 'unsq_axes_1']);
    expect(Array.from(getTensor(up, 'unsq_axes_1').data as BigInt64Array)).toEqual([0n]);
    expect(nodes.get('rsum')!.input).toEqual(['b', 'rsum_axes_1']);
    expect(nodes.get('rsum')!.attribute.map((a) => a.name)).toEqual(['keepdims']);
    expect(nodes.get('sq')!.input).toEqual(['rb', 'sq_axes']);
    expect(nodes.get('relu')).toBe(m.proto.graph!.node[8]); // untouched nodes are the same objects
    expect(m.proto.graph!.node[0]!.input).toEqual(['x']); // the input model is not modified
    expect(m.proto.graph!.node[0]!.attribute.map((a) => a.name)).toEqual(['axis', 'split']);
  });

  it('turns Softmax/LogSoftmax/Hardmax into Flatten(axis) → op(axis −1) → Reshape to the input shape', () => {
    const up = upgradeToOpset13(opset11());
    const nodes = up.proto.graph!.node;
    const soft = nodes.find((n) => n.name === 'soft')!;
    expect(soft.input).toEqual(['sb_flat2d']);
    expect(soft.output).toEqual(['sb_2d']);
    expect(soft.attribute.map((a) => [a.name, a.i])).toEqual([['axis', -1n]]);
    const flat = nodes.find((n) => n.output[0] === 'sb_flat2d')!;
    expect(flat.opType).toBe('Flatten');
    expect(flat.input).toEqual(['b']);
    expect(flat.attribute.map((a) => [a.name, a.i])).toEqual([['axis', 2n]]);
    expect(nodes.find((n) => n.output[0] === 'sb_inshape')).toMatchObject({ opType: 'Shape', input: ['b'] });
    expect(nodes.find((n) => n.output[0] === 'sb')).toMatchObject({ opType: 'Reshape', input: ['sb_2d', 'sb_inshape'] });
    // the default axis of the old Softmax is 1
    expect(nodes.find((n) => n.output[0] === 'sd_flat2d')!.attribute.map((a) => [a.name, a.i])).toEqual([['axis', 1n]]);
    expect(nodes.find((n) => n.output[0] === 'lb_2d')!.opType).toBe('LogSoftmax');
    expect(nodes.find((n) => n.output[0] === 'hb_2d')!.opType).toBe('Hardmax');
  });

  it('raises the default domain to 13 and IR to ≥ 7, leaves other domains, and computes the same outputs in onnxruntime', async () => {
    const m = opset11({ irVersion: 6 });
    const up = upgradeToOpset13(m);
    expect(up.proto.opsetImport.map((o) => [o.domain, o.version])).toEqual([['', 13n], ['com.microsoft', 1n]]);
    expect(up.proto.irVersion).toBe(7n);
    expect(m.proto.opsetImport[0]!.version).toBe(11n);
    expect(upgradeToOpset13(opset11({ irVersion: 8 })).proto.irVersion).toBe(8n);
    const drop = (x: typeof m) => { const p = x.proto; p.opsetImport = p.opsetImport.filter((o) => o.domain === ''); return serializeOnnx(x); };
    const diff = await compareOutputs(drop(opset11()), drop(up));
    expect(diff.map((d) => d.name)).toEqual(['ua', 'sb', 'sd', 'qb', 'lb', 'hb', 'r']);
    for (const d of diff) expect(d.maxAbsDiff, d.name).toBeLessThan(1e-6);
  });

  it('leaves nodes of other domains alone even when their op name matches', () => {
    const p = model([node('Softmax', ['x'], ['y'], { axis: 1 }, 'ms')], [initializer('w', [1], randomFloats(1))], [input('x', [2, 3])], [output('y', [2, 3])], 11);
    p.graph!.node[0]!.domain = 'com.example';
    const up = upgradeToOpset13(toOnnx(p));
    expect(up.proto.graph!.node.map((n) => n.opType)).toEqual(['Softmax']);
    const q = model([node('Softmax', ['x'], ['y'], { axis: 1 }, 'ai')], [], [input('x', [2, 3])], [output('y', [2, 3])], 11);
    q.graph!.node[0]!.domain = 'ai.onnx';
    q.opsetImport[0]!.domain = 'ai.onnx'; // the default domain by its name: raised too
    expect(upgradeToOpset13(toOnnx(q)).proto.opsetImport.map((o) => [o.domain, o.version])).toEqual([['ai.onnx', 13n]]);
    expect(upgradeToOpset13(toOnnx(q)).proto.graph!.node.map((n) => n.opType)).toEqual(['Flatten', 'Shape', 'Softmax', 'Reshape']);
    // Split without a split attribute (equal parts) stays as it is
    const s = toOnnx(model([node('Split', ['x'], ['a', 'b'], { axis: 1 }, 'eq')], [], [input('x', [2, 4])], [output('a', [2, 2]), output('b', [2, 2])], 11));
    expect(upgradeToOpset13(s).proto.graph!.node[0]!.input).toEqual(['x']);
  });
});
