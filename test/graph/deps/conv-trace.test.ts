/**
 * The conv rules (conv-rules.ts), the tracer's options and node dispatch (trace.ts) and the trace bookkeeping
 * (state.ts) on hand-built graphs: x [1,8,8,8] (a graph input, untraced) → conv `a` (8 → 8, a root) → the nodes
 * under test → `t` (a graph output).
 */
import { create } from '@bufbuild/protobuf';
import { AttributeProto_AttributeType as AT, AttributeProtoSchema, GraphProtoSchema, type NodeProto, type TensorProto } from 'onnx-buf';
import { describe, expect, it } from 'vitest';
import { analyzeChannels, type TraceOptions } from '../../../src/graph/deps/index.js';
import { constant, initializer, model, node, randomFloats, toOnnx, valueInfo } from '../../helpers/onnx-builder.js';

const w = (name: string, dims: number[]) => initializer(name, dims, randomFloats(dims.reduce((a, b) => a * b, 1), 11));
const conv = (x: string, weight: string, out: string, name: string, attrs: Record<string, number | number[]> = {}, bias?: string, op = 'Conv') =>
  node(op, bias ? [x, weight, bias] : [x, weight], [out], { kernel_shape: [1, 1], ...attrs }, name);

function trace(nodes: NodeProto[], inits: TensorProto[] = [], options: TraceOptions = { headPath: null }, opset = 13, extraInputs: string[] = []) {
  const m = model([conv('x', 'wa', 'a', '/model.0/Conv'), ...nodes], [w('wa', [8, 8, 1, 1]), ...inits],
    [valueInfo('x', [1, 8, 8, 8]), ...extraInputs.map((n) => valueInfo(n, [8, 8, 1, 1]))], [valueInfo('t', [1, 8, 8, 8])], opset);
  const dg = analyzeChannels(toOnnx(m), options);
  const t = dg.trace.maps.get('t');
  return {
    dg, map: t && Array.from(t),
    barriers: dg.trace.barriers.filter((b) => b.opType !== 'graph output').map((b) => `${b.opType} '${b.nodeName}': ${b.reason}`),
    members: dg.trace.members.map((m) => `${m.role}:${m.tensor}@${m.axis}${m.groups ? `/${m.groups}` : ''}=${Array.from(m.map).join(',')}`),
  };
}
const A = '0,1,2,3,4,5,6,7';

describe('conv rules', () => {
  it('a plain conv consumes its input on weight axis 1 and starts a root of its output channels, with its bias', () => {
    const r = trace([conv('a', 'wb', 't', '/model.1/Conv', {}, 'bb')], [w('wb', [4, 8, 1, 1]), w('bb', [4])]);
    expect(r.members).toEqual([`out:wa@0=${A}`, `in:wb@1=${A}`, 'out:wb@0=8,9,10,11', 'param:bb@0=8,9,10,11']);
    expect(r.dg.trace.roots.map((x) => [x.weight, x.channels, x.base, x.modulePath, x.nodeName])).toEqual([['wa', 8, 0, 'model.0', '/model.0/Conv'], ['wb', 4, 8, 'model.1', '/model.1/Conv']]);
    expect(r.map).toEqual([8, 9, 10, 11]);
    expect(Array.from(r.dg.trace.rootOf)).toEqual([0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1]);
  });
  it('ConvTranspose takes its input on weight axis 0 and its output on axis 1', () => {
    const r = trace([conv('a', 'wb', 't', '/model.1/ConvTranspose', {}, 'bb', 'ConvTranspose')], [w('wb', [8, 6, 1, 1]), w('bb', [6])]);
    expect(r.members).toEqual([`out:wa@0=${A}`, `in:wb@0=${A}`, 'out:wb@1=8,9,10,11,12,13', 'param:bb@0=8,9,10,11,12,13']);
    expect(r.map).toHaveLength(6);
  });
  it('pins a weight that does not match its input channels, a weight or bias computed at run time; skips a bias of the wrong size', () => {
    expect(trace([conv('a', 'wb', 't', 'c')], [w('wb', [4, 6, 1, 1])]).barriers).toEqual(["Conv 'c': weight 'wb' does not match the input channels"]);
    const rtWeight = trace([conv('a', 'wi', 't', 'c')], [], { headPath: null }, 13, ['wi']);
    expect(rtWeight.barriers).toEqual(["Conv 'c': conv weight is computed at run time"]);
    expect(rtWeight.map).toBeUndefined();
    const rtBias = trace([conv('a', 'wb', 't', 'c', {}, 'bi')], [w('wb', [4, 8, 1, 1])], { headPath: null }, 13, ['bi']);
    expect(rtBias.barriers).toEqual(["Conv 'c': conv bias is computed at run time"]);
    const wrongBias = trace([conv('a', 'wb', 't', 'c', {}, 'bb')], [w('wb', [4, 8, 1, 1]), w('bb', [5])]);
    expect(wrongBias.barriers).toEqual([]);
    expect(wrongBias.members.some((m) => m.startsWith('param:bb'))).toBe(false);
    const rank2Bias = trace([conv('a', 'wb', 't', 'c', {}, 'bb')], [w('wb', [4, 8, 1, 1]), w('bb', [1, 4])]);
    expect(rank2Bias.members.some((m) => m.startsWith('param:bb'))).toBe(false);
  });
  it('a depthwise conv with a channel multiplier repeats each input channel mult times', () => {
    const r = trace([conv('a', 'wd', 't', 'c', { group: 8 }, 'bd')], [w('wd', [16, 1, 1, 1]), w('bd', [16])]);
    expect(r.map).toEqual([0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6, 7, 7]);
    expect(r.members).toEqual([`out:wa@0=${A}`, 'out:wd@0=0,0,1,1,2,2,3,3,4,4,5,5,6,6,7,7', 'param:bd@0=0,0,1,1,2,2,3,3,4,4,5,5,6,6,7,7']);
    expect(r.dg.trace.edits).toEqual([{ kind: 'group', node: 1, map: Int32Array.from([0, 1, 2, 3, 4, 5, 6, 7]) }]);
    expect(r.dg.trace.roots).toHaveLength(1);
  });
  it('a grouped conv on an untraced input is a root with one grouped map; a grouped ConvTranspose or uneven groups pin', () => {
    const m = model([conv('x', 'wg', 't', 'g', { group: 2 })], [w('wg', [6, 4, 1, 1])], [valueInfo('x', [1, 8, 8, 8])], [valueInfo('t', [1, 6, 8, 8])]);
    const dg = analyzeChannels(toOnnx(m), { headPath: null });
    expect(dg.trace.roots.map((r) => r.weight)).toEqual(['wg']);
    expect(dg.trace.edits).toEqual([{ kind: 'grouped', node: 0, groups: 2, maps: [Int32Array.from([0, 1, 2, 3, 4, 5])] }]);
    expect(trace([conv('a', 'wg', 't', 'g', { group: 2 }, undefined, 'ConvTranspose')], [w('wg', [8, 3, 1, 1])]).barriers).toEqual(["ConvTranspose 'g': grouped ConvTranspose (group=2)"]);
    expect(trace([conv('a', 'wg', 't', 'g', { group: 2 })], [w('wg', [5, 4, 1, 1])]).barriers).toEqual(["Conv 'g': grouped Conv (group=2)"]);
    expect(trace([conv('a', 'wg', 't', 'g', { group: 2 })], [w('wg', [6, 3, 1, 1])]).barriers).toEqual(["Conv 'g': grouped Conv (group=2)"]);
  });
  it('a protected grouped conv keeps its outputs and records its input blocks; ignored convs pin their outputs (by weight, node name or module)', () => {
    const head = trace([conv('a', 'wg', 't', '/model.1/Conv', { group: 2 }, 'bg')], [w('wg', [6, 4, 1, 1]), w('bg', [6])], { headPath: 'model.1' });
    expect(head.dg.trace.roots.map((r) => r.weight)).toEqual(['wa']);
    expect(head.dg.trace.edits).toEqual([{ kind: 'grouped', node: 1, groups: 2, maps: [Int32Array.from([0, 1, 2, 3, 4, 5, 6, 7])] }]);
    expect(head.members).toEqual([`out:wa@0=${A}`, `in:wg@1/2=${A}`]);
    for (const ignore of ['wd', '/model.1/Conv', 'model.1']) {
      const r = trace([conv('a', 'wd', 't', '/model.1/Conv', { group: 8 })], [w('wd', [8, 1, 1, 1])], { headPath: null, ignore: [ignore] });
      expect(r.barriers).toEqual(["Conv '/model.1/Conv': ignored layer"]);
    }
    // A module path ignores everything inside it: 'model' holds model.0 and model.1.
    expect(trace([conv('a', 'wd', 't', '/model.1/Conv', { group: 8 })], [w('wd', [8, 1, 1, 1])], { headPath: null, ignore: ['model'] }).barriers)
      .toEqual(["Conv '/model.0/Conv': ignored layer", "Conv '/model.1/Conv': ignored layer"]);
    for (const [attrs, dims] of [[{ group: 2 }, [6, 4, 1, 1]], [{}, [4, 8, 1, 1]]] as const) {
      expect(trace([conv('a', 'wd', 't', '/model.1/Conv', attrs)], [w('wd', [...dims])], { headPath: null, ignore: ['wd'] }).barriers).toEqual(["Conv '/model.1/Conv': ignored layer"]);
    }
    expect(trace([conv('a', 'wd', 't', '/model.1/Conv')], [w('wd', [4, 8, 1, 1])], { headPath: null, ignore: ['model.10', 'other'] }).barriers).toEqual([]);
  });
});

describe('tracer dispatch and options', () => {
  it('a protected non-conv node with keepHeadInputs pins what enters it; without, it traces as usual', () => {
    const nodes = [node('Relu', ['a'], ['t'], {}, '/model.1/act/Relu')];
    expect(trace(nodes, [], { headPath: 'model.1', keepHeadInputs: true }).barriers).toEqual(["Relu '/model.1/act/Relu': protected layer (detection head)"]);
    expect(trace(nodes, [], { headPath: 'model.1' }).map?.join()).toBe(A);
    expect(trace(nodes, [], { headPath: 'model.2', keepHeadInputs: true }).barriers).toEqual([]);
  });
  it('the default head is the last model.<i> of the node names; none without such names', () => {
    const r = trace([conv('a', 'wb', 't', '/model.3/cv/Conv')], [w('wb', [4, 8, 1, 1])], {});
    expect(r.dg.trace.roots.map((x) => x.weight)).toEqual(['wa']);
    const plain = model([conv('x', 'wa', 'a', 'first'), conv('a', 'wb', 't', 'second')], [w('wa', [8, 8, 1, 1]), w('wb', [4, 8, 1, 1])], [valueInfo('x', [1, 8, 8, 8])], [valueInfo('t', [1, 4, 8, 8])]);
    expect(analyzeChannels(toOnnx(plain)).trace.roots.map((x) => [x.weight, x.modulePath])).toEqual([['wa', ''], ['wb', '']]);
  });
  it('custom-domain ops and unknown ops are barriers; the ai.onnx domain is the default one', () => {
    const custom = node('Relu', ['a'], ['t'], {}, 'r');
    custom.domain = 'com.microsoft';
    expect(trace([custom]).barriers).toEqual(["Relu 'r': custom op com.microsoft.Relu"]);
    const onnxDomain = node('Relu', ['a'], ['t'], {}, 'r');
    onnxDomain.domain = 'ai.onnx';
    expect(trace([onnxDomain]).map?.join()).toBe(A);
    expect(trace([node('Transpose', ['a'], ['t'], { perm: [0, 2, 3, 1] }, 'tr')]).barriers).toEqual(["Transpose 'tr': Transpose is a barrier"]);
  });
  it('a Loop or Scan body (graphs attribute, nested graphs) that reads a traced value pins it', () => {
    const inner = create(GraphProtoSchema, { name: 'inner', node: [node('Relu', ['a'], ['r'], {}, 'inner_relu')] });
    const outer = create(GraphProtoSchema, { name: 'outer', node: [node('If', ['c'], ['o'], {}, 'nested')] });
    outer.node[0]!.attribute.push(create(AttributeProtoSchema, { name: 'then_branch', type: AT.GRAPH, g: inner }));
    const scan = node('Scan', ['x'], ['t'], { num_scan_inputs: 1 }, 'scan');
    scan.attribute.push(create(AttributeProtoSchema, { name: 'bodies', type: AT.GRAPHS, graphs: [outer] }));
    const r = trace([scan]);
    expect(r.barriers).toEqual(["Scan 'scan': read inside a Scan subgraph"]);
    const direct = node('Loop', ['', '', 'a'], ['t'], {}, 'loop');
    direct.attribute.push(create(AttributeProtoSchema, { name: 'body', type: AT.GRAPH, g: create(GraphProtoSchema, { name: 'b' }) }));
    expect(trace([direct]).barriers).toEqual(["Loop 'loop': Loop with a subgraph"]);
  });
  it('groups list each barrier once and every member that touches them', () => {
    const r = trace([node('Transpose', ['a'], ['u'], {}, 'tr'), node('Transpose', ['a'], ['v'], {}, 'tr'), node('Relu', ['a'], ['t'], {}, 'r')]);
    const g = r.dg.groups[0]!;
    expect(g.barriers).toEqual(["Transpose 'tr': Transpose is a barrier", "graph output 't': graph output"]);
    expect(g.members).toEqual([0]);
    expect(g.prunable).toBe(0);
    expect(r.dg.groupOfClass).toHaveLength(8);
  });
});

describe('trace bookkeeping', () => {
  it('reads integer constants stored as int32, int64, uint8 or float; other types count as run time', () => {
    const slice = (st: TensorProto | NodeProto) => trace([
      ...('opType' in st ? [st] : []), constant('en', [1], BigInt64Array.of(5n)), constant('ax', [1], Int32Array.of(1)),
      node('Slice', ['a', 'st', 'en', 'ax'], ['t'], {}, 's'),
    ], 'opType' in st ? [] : [st]);
    expect(slice(constant('st', [1], Int32Array.of(2))).map).toEqual([2, 3, 4]);
    expect(slice(constant('st', [1], Uint8Array.of(3))).map).toEqual([3, 4]);
    expect(slice(constant('st', [1], Float32Array.of(1))).map).toEqual([1, 2, 3, 4]);
    expect(slice(constant('st', [1], Uint8Array.of(1), { dataType: 9 })).barriers).toEqual(["Slice 's': Slice of channels with run-time bounds"]);
    expect(slice(initializer('st', [1], Int8Array.of(4))).map).toEqual([4]);
  });
  it('reads Resize scales stored as float64; float16 scales count as unknown', () => {
    expect(trace([constant('sc', [4], Float64Array.of(1, 1, 2, 2)), node('Resize', ['a', '', 'sc'], ['t'], {}, 'rs')]).map?.join()).toBe(A);
    expect(trace([constant('sc', [4], Uint16Array.of(0x3c00, 0x3c00, 0x4000, 0x4000)), node('Resize', ['a', '', 'sc'], ['t'], {}, 'rs')]).barriers)
      .toEqual(["Resize 'rs': Resize scales unknown or scaling channels"]);
  });
  it('couples channels of a residual element by element into classes, and keeps uncoupled ones apart', () => {
    const r = trace([conv('a', 'wb', 'b', 'cb'), node('Add', ['a', 'b'], ['s'], {}, 'add'), conv('s', 'wc', 't', 'cc')], [w('wb', [8, 8, 1, 1]), w('wc', [4, 8, 1, 1])]);
    const { classOf, classCount, pinnedClass } = r.dg.trace;
    expect(Array.from(classOf)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11]);
    expect(classCount).toBe(12);
    expect(Array.from(pinnedClass)).toEqual([0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1]);
    expect(r.dg.groups.map((g) => [g.roots, g.prunable, g.classes.length])).toEqual([[[0, 1], 8, 8], [[2], 0, 4]]);
  });
  it('a chain of couplings merges transitively (Add of a and b, then of b and c)', () => {
    const r = trace([conv('a', 'wb', 'b', 'cb'), conv('b', 'wc', 'c', 'cc'), node('Add', ['a', 'b'], ['s1'], {}, 'add1'), node('Add', ['c', 'b'], ['s2'], {}, 'add2'),
      node('Concat', ['s1', 's2'], ['t'], { axis: 1 })], [w('wb', [8, 8, 1, 1]), w('wc', [8, 8, 1, 1])]);
    const c = r.dg.trace.classOf;
    for (let i = 0; i < 8; i++) expect([c[8 + i], c[16 + i]]).toEqual([c[i], c[i]]);
    expect(r.dg.trace.classCount).toBe(8);
    expect(r.dg.groups).toHaveLength(1);
  });
});
