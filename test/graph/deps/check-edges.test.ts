/**
 * Boundaries of the channel-consistency check and the conv rules left open by check.test.ts and
 * conv-trace.test.ts: parameter ranks, unknown shapes, Slice bounds at 0 and at the dim, ops with three constant
 * inputs that are not Slice, zero-size constants.
 */
import type { NodeProto, TensorProto, ValueInfoProto } from 'onnx-buf';
import { describe, expect, it } from 'vitest';
import { analyzeChannels, checkChannelConsistency } from '../../../src/graph/deps/index.js';
import { constant, initializer, model, node, randomFloats, toOnnx, valueInfo } from '../../helpers/onnx-builder.js';

const w = (name: string, dims: number[]) => initializer(name, dims, randomFloats(dims.reduce((a, b) => a * b, 1), 9));
const c64 = (name: string, ...v: number[]) => constant(name, [v.length], BigInt64Array.from(v.map(BigInt)));

function check(nodes: NodeProto[], inits: TensorProto[] = [], opts: { opset?: number; outputs?: ValueInfoProto[] } = {}) {
  return checkChannelConsistency(toOnnx(model(nodes, inits, [valueInfo('x', [1, 8, 8, 8])], opts.outputs ?? [], opts.opset ?? 13))).violations;
}

describe('checkChannelConsistency: edges', () => {
  it('a bias or normalisation parameter must be rank 1, even when its first dim is right', () => {
    expect(check([node('Conv', ['x', 'w', 'b'], ['y'], { kernel_shape: [1, 1] }, 'c')], [w('w', [4, 8, 1, 1]), w('b', [4, 1])])).toEqual(["Conv 'c': bias [4,1] for 4 output channels"]);
    expect(check([node('InstanceNormalization', ['x', 's', 'b'], ['y'], {}, 'n')], [w('s', [8, 1]), w('b', [8])])).toEqual(["InstanceNormalization 'n': parameter 's' [8,1] for 8 channels"]);
  });
  it('a Concat with an input of unknown shape is not checked', () => {
    expect(check([node('NonZero', ['x'], ['nz'], {}, 'nz'), node('Concat', ['x', 'nz'], ['y'], { axis: 1 }, 'cat')])).toEqual([]);
  });
  it('only Slice has its second and third inputs read as bounds: Clip(x, 0, 6) is fine', () => {
    const scalar = (name: string, v: number) => constant(name, [], Float32Array.of(v));
    expect(check([scalar('lo', 0), scalar('hi', 6), node('Clip', ['x', 'lo', 'hi'], ['y'], {}, 'clip')])).toEqual([]);
  });
  it('Slice: a start past the dim, an end of 0 with such a start, at opset 10; negative ends are not checked', () => {
    const slice = (st: number, en: number, opset = 13) => check([c64('st', st), c64('en', en), c64('ax', 1), node('Slice', ['x', 'st', 'en', 'ax'], ['y'], {}, 'sl')], [], { opset });
    expect(slice(9, 8)).toEqual(["Slice 'sl': slice [9, 8) beyond dim 8 of axis 1"]);
    expect(slice(9, 0)).toEqual(["Slice 'sl': slice [9, 0) beyond dim 8 of axis 1"]);
    expect(slice(9, -1)).toEqual([]);
    expect(slice(2, 9, 10)).toEqual(["Slice 'sl': slice [2, 9) beyond dim 8 of axis 1"]);
  });
  it('an annotation of lower rank whose dims all match is still a violation', () => {
    expect(check([node('Relu', ['x'], ['y'], {}, 'r')], [], { outputs: [valueInfo('y', [1, 8, 8])] })).toEqual(["value 'y': annotated [1,8,8], propagated [1,8,8,8]"]);
  });
  it('a constant with a zero dim (an empty Resize roi) is fine', () => {
    const roi = constant('roi', [0], new Float32Array(0));
    expect(check([roi, constant('sc', [4], Float32Array.of(1, 1, 2, 2)), node('Resize', ['x', 'roi', 'sc'], ['y'], {}, 'rs')])).toEqual([]);
  });
});

describe('conv rules: edges', () => {
  const trace = (nodes: NodeProto[], inits: TensorProto[]) => {
    const m = model([node('Conv', ['x', 'wa'], ['a'], { kernel_shape: [1, 1] }, '/model.0/Conv'), ...nodes], [w('wa', [8, 8, 1, 1]), ...inits],
      [valueInfo('x', [1, 8, 8, 8])], [valueInfo('t', [1, 8, 8, 8])]);
    const dg = analyzeChannels(toOnnx(m), { headPath: null });
    return { dg, barriers: dg.trace.barriers.filter((b) => b.opType !== 'graph output').map((b) => b.reason) };
  };
  it('a bias of rank 2 is no member even when its first dim matches', () => {
    const r = trace([node('Conv', ['a', 'wb', 'bb'], ['t'], { kernel_shape: [1, 1] }, 'c')], [w('wb', [4, 8, 1, 1]), w('bb', [4, 1])]);
    expect(r.dg.trace.members.map((m) => m.tensor)).toEqual(['wa', 'wb', 'wb']);
  });
  it('a depthwise conv that is not ignored pins nothing', () => {
    const r = trace([node('Conv', ['a', 'wd'], ['t'], { kernel_shape: [1, 1], group: 8 }, 'dw')], [w('wd', [8, 1, 1, 1])]);
    expect(r.barriers).toEqual([]);
    expect(r.dg.groups[0]!.prunable).toBe(0); // t is a graph output
  });
  it('a grouped conv on a traced input records its input and output blocks; its root has no module path without one', () => {
    const r = trace([node('Conv', ['a', 'wg'], ['t'], { kernel_shape: [1, 1], group: 2 }, 'grouped')], [w('wg', [6, 4, 1, 1])]);
    expect(r.dg.trace.edits).toEqual([{ kind: 'grouped', node: 1, groups: 2, maps: [Int32Array.from([0, 1, 2, 3, 4, 5, 6, 7]), Int32Array.from([8, 9, 10, 11, 12, 13])] }]);
    expect(r.dg.trace.roots.map((x) => [x.weight, x.modulePath])).toEqual([['wa', 'model.0'], ['wg', '']]);
    expect(r.barriers).toEqual([]);
  });
});
