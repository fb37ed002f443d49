/**
 * The boundaries of the rules in rules.ts that rules.test.ts leaves open: opset switches at their exact opset,
 * operands traced on several inputs, broadcast shapes at their edges, Split/Concat/Reshape/Shape corner cases.
 * x [1,3,8,8] → conv0 (8 channels, elements 0..7) → nodes → t (a graph output).
 */
import type { NodeProto, TensorProto } from 'onnx-buf';
import { describe, expect, it } from 'vitest';
import { analyzeChannels, detectHeadPath } from '../../../src/graph/deps/index.js';
import { indexGraph } from '../../../src/graph/index.js';
import { constant, initializer, model, node, randomFloats, toOnnx, valueInfo } from '../../helpers/onnx-builder.js';

const i64 = (...v: number[]) => BigInt64Array.from(v.map(BigInt));
const c64 = (name: string, ...v: number[]) => constant(name, [v.length], i64(...v));
const f32 = (name: string, ...v: number[]) => constant(name, [v.length], Float32Array.from(v));
const w = (name: string, dims: number[]) => initializer(name, dims, randomFloats(dims.reduce((a, b) => a * b, 1), 5));
/** A second conv on x: `one` has 1 channel (element 8), `four` 4 channels (8..11), `other` 8 channels (8..15). */
const conv1 = node('Conv', ['x', 'w1'], ['one'], { kernel_shape: [1, 1] }, 'conv1');
const conv4 = node('Conv', ['x', 'w4'], ['four'], { kernel_shape: [1, 1] }, 'conv4');
const conv8 = node('Conv', ['x', 'w8'], ['other'], { kernel_shape: [1, 1] }, 'conv8');
const INITS = [w('w0', [8, 3, 1, 1]), w('w1', [1, 3, 1, 1]), w('w4', [4, 3, 1, 1]), w('w8', [8, 3, 1, 1])];

function trace(nodes: NodeProto[], opset = 13, inits: TensorProto[] = []) {
  const m = model([node('Conv', ['x', 'w0'], ['c'], { kernel_shape: [1, 1] }, 'conv0'), ...nodes], [...INITS, ...inits],
    [valueInfo('x', [1, 3, 8, 8])], [valueInfo('t', [1, 8, 8, 8])], opset);
  const dg = analyzeChannels(toOnnx(m), { headPath: null });
  const map = dg.trace.maps.get('t');
  return {
    map: map && Array.from(map), dg, edits: dg.trace.edits,
    barriers: dg.trace.barriers.filter((b) => b.opType !== 'graph output').map((b) => `${b.nodeName}: ${b.reason}`),
  };
}
const ALL = [0, 1, 2, 3, 4, 5, 6, 7];

describe('operands traced on more than one input', () => {
  it('a unary op reading a traced tensor as a scalar operand pins both', () => {
    const r = trace([node('Clip', ['c', 'c', ''], ['t'], {}, 'clip')]);
    expect(r.barriers).toEqual(['clip: traced tensor used as a scalar operand', 'clip: traced tensor used as a scalar operand']);
    expect(r.map).toBeUndefined();
    expect(trace([f32('lo', 0), node('Clip', ['c', 'lo'], ['t'], {}, 'clip')]).map).toEqual(ALL);
  });
  it('a spatial op with a traced parameter input pins it and its data', () => {
    const r = trace([c64('p', 0, 0, 1, 1, 0, 0, 1, 1), node('Pad', ['c', 'p', 'c'], ['t'], {}, 'pad')]);
    expect(r.barriers).toEqual(['pad: traced tensor used as a Pad parameter', 'pad: traced tensor used as a Pad parameter']);
  });
});

describe('Resize, Upsample, Pad and pooling at their opset boundaries', () => {
  it('Resize at opset 11 reads scales from input 2 and sizes from input 3', () => {
    expect(trace([f32('sc', 1, 1, 2, 2), node('Resize', ['c', '', 'sc'], ['t'], {}, 'rs')], 11).map).toEqual(ALL);
    expect(trace([c64('sz', 1, 8, 16, 16), node('Resize', ['c', '', '', 'sz'], ['t'], {}, 'rs')], 11).barriers).toEqual(['rs: Resize with explicit sizes']);
    expect(trace([f32('sc', 1, 2, 2, 2), node('Resize', ['c', '', 'sc'], ['t'], {}, 'rs')], 11).barriers).toEqual(['rs: Resize scales unknown or scaling channels']);
  });
  it('Upsample reads scales from input 1 whatever the opset; other attributes are not scales', () => {
    expect(trace([f32('sc', 1, 1, 2, 2), node('Upsample', ['c', 'sc'], ['t'], {}, 'up')], 13).map).toEqual(ALL);
    expect(trace([f32('sc', 1, 1, 2, 2), node('Resize', ['c', '', 'sc'], ['t'], { mode: 'nearest' }, 'rs')], 13).map).toEqual(ALL);
  });
  it('scales of exactly two entries ([N, C] of a rank-2 tensor) are enough; one entry is not', () => {
    expect(trace([f32('sc', 1, 1), node('Resize', ['c', '', 'sc'], ['t'], {}, 'rs')]).map).toEqual(ALL);
    expect(trace([f32('sc', 1), node('Resize', ['c', '', 'sc'], ['t'], {}, 'rs')]).barriers).toEqual(['rs: Resize scales unknown or scaling channels']);
  });
  it('Pad at opset 11 reads its pads input', () => {
    expect(trace([c64('p', 0, 0, 1, 1, 0, 0, 1, 1), node('Pad', ['c', 'p'], ['t'], {}, 'pad')], 11).map).toEqual(ALL);
    expect(trace([c64('p', 0, 1, 0, 0, 0, 0, 0, 0), node('Pad', ['c', 'p'], ['t'], {}, 'pad')], 11).barriers).toEqual(['pad: Pad on the channel axis']);
  });
  it('pooling passes the channels (it is no Reduce: no axes, no keepdims)', () => {
    for (const op of ['MaxPool', 'AveragePool', 'GlobalAveragePool', 'GlobalMaxPool', 'LpPool']) {
      const r = trace([node(op, ['c'], ['t'], op.startsWith('Global') ? {} : { kernel_shape: [2, 2] }, 'pool')]);
      expect(r.map).toEqual(ALL);
      expect(r.barriers).toEqual([]);
    }
  });
  it('ReduceSum before opset 13 reads its axes attribute', () => {
    expect(trace([node('ReduceSum', ['c'], ['t'], { axes: [2, 3] }, 'rs')], 11).map).toEqual(ALL);
    expect(trace([node('ReduceSum', ['c'], ['t'], { axes: [2, 3] }, 'rs')], 12).map).toEqual(ALL);
  });
});

describe('broadcasting elementwise ops', () => {
  it('the output carries the first widest traced operand; a 1-channel traced operand broadcasts without coupling', () => {
    const r = trace([conv8, node('Add', ['c', 'other'], ['t'], {}, 'add')]);
    expect(r.map).toEqual(ALL);
    const one = trace([conv1, node('Mul', ['c', 'one'], ['t'], {}, 'mul')]);
    expect(one.map).toEqual(ALL);
    expect(one.barriers).toEqual([]);
    expect(one.dg.trace.classCount).toBe(9);
    expect(one.dg.groups.map((g) => g.roots)).toEqual([[0], [1]]);
    const first = trace([conv1, node('Mul', ['one', 'c'], ['t'], {}, 'mul')]);
    expect(first.map).toEqual(ALL);
    expect(first.dg.trace.classCount).toBe(9);
  });
  it('pins traced operands of different rank or of channel counts that do not broadcast', () => {
    const ranks = trace([node('ReduceMean', ['c'], ['r'], { axes: [3], keepdims: 0 }), node('Add', ['c', 'r'], ['t'], {}, 'add')]);
    expect(ranks.barriers).toEqual(['add: operands of different rank', 'add: operands of different rank']);
    const counts = trace([conv4, node('Add', ['c', 'four'], ['t'], {}, 'add')]);
    expect(counts.barriers).toEqual(['add: channel counts do not broadcast', 'add: channel counts do not broadcast']);
  });
  it('constants: lower rank broadcast from the right, 1 on the channel axis or no channel axis at all are no members', () => {
    for (const [dims, n] of [[[8], 8], [[1, 1, 1, 1], 1], [[], 1], [[8, 8], 64], [[1, 8, 8], 64]] as const) {
      const r = trace([node('Add', ['c', 'k'], ['t'], {}, 'add')], 13, [initializer('k', [...dims], randomFloats(n, 2))]);
      expect(r.map).toEqual(ALL);
      expect(r.barriers).toEqual([]);
      expect(r.dg.trace.members.filter((m) => m.tensor === 'k')).toEqual([]);
    }
  });
});

describe('normalisation, Concat, Split', () => {
  it('BatchNormalization members name their input slots 1..4', () => {
    const inits = ['g', 'b', 'm', 'v'].map((n) => w(n, [8]));
    const r = trace([node('BatchNormalization', ['c', 'g', 'b', 'm', 'v'], ['t'], {}, 'bn')], 13, inits);
    expect(r.dg.trace.members.filter((m) => m.node === 1).map((m) => [m.tensor, m.input, m.role])).toEqual([['g', 1, 'bn-scale'], ['b', 2, 'param'], ['m', 3, 'param'], ['v', 4, 'param']]);
  });
  it('Concat of untraced inputs only is not traced; of different ranks or unequal channels off the channel axis pins', () => {
    const none = trace([node('Concat', ['x', 'x'], ['u'], { axis: 1 }), node('Identity', ['c'], ['t'])]);
    expect(none.barriers).toEqual([]);
    expect(none.dg.trace.maps.has('u')).toBe(false);
    const ranks = trace([node('ReduceMean', ['c'], ['r'], { axes: [3], keepdims: 0 }), node('Concat', ['c', 'r'], ['t'], { axis: 2 }, 'cat')]);
    expect(ranks.barriers).toEqual(['cat: Concat of different ranks', 'cat: Concat of different ranks']);
    const unequal = trace([conv4, node('Concat', ['c', 'four'], ['t'], { axis: 2 }, 'cat')]);
    expect(unequal.barriers).toEqual(['cat: Concat on the batch axis or of unequal channels', 'cat: Concat on the batch axis or of unequal channels']);
    const coupled = trace([conv8, node('Concat', ['c', 'other'], ['t'], { axis: 3 }, 'cat')]);
    expect(coupled.map).toEqual(ALL);
    expect(coupled.dg.trace.classCount).toBe(8);
  });
  it('Split before opset 13 reads its split attribute; sizes must match the outputs in number too', () => {
    const r = trace([node('Split', ['c'], ['t', 'u'], { axis: 1, split: [3, 5] }, 'sp')], 12);
    expect(r.map).toEqual([0, 1, 2]);
    expect(r.edits).toEqual([{ kind: 'split', node: 1, maps: [Int32Array.of(0, 1, 2), Int32Array.of(3, 4, 5, 6, 7)], source: 'attribute' }]);
    expect(trace([node('Split', ['c'], ['t', 'u'], { axis: 1 }, 'sp')], 12).edits).toEqual([{ kind: 'split', node: 1, maps: [Int32Array.of(0, 1, 2, 3), Int32Array.of(4, 5, 6, 7)], source: 'equal' }]);
    expect(trace([c64('sz', 2, 3, 3), node('Split', ['c', 'sz'], ['t', 'u'], { axis: 1 }, 'sp')]).barriers).toEqual(['sp: Split sizes do not add up']);
  });
  it('an empty split part pins nothing when it reaches a barrier', () => {
    const r = trace([c64('sz', 0, 8), node('Split', ['c', 'sz'], ['e', 't'], { axis: 1 }, 'sp'), node('Transpose', ['e'], ['et'], {}, 'tr')]);
    expect(r.map).toEqual(ALL);
    expect(r.barriers).toEqual([]);
  });
});

describe('Slice and Reshape boundaries', () => {
  it('Slice at opset 10 reads its inputs; an empty range (start = end) pins', () => {
    expect(trace([c64('st', 2), c64('en', 6), c64('ax', 1), node('Slice', ['c', 'st', 'en', 'ax'], ['t'], {}, 'sl')], 10).map).toEqual([2, 3, 4, 5]);
    expect(trace([c64('st', 3), c64('en', 3), c64('ax', 1), node('Slice', ['c', 'st', 'en', 'ax'], ['t'], {}, 'sl')]).barriers).toEqual(['sl: empty channel Slice']);
    expect(trace([c64('st', 3), c64('en', 4), c64('ax', 1), node('Slice', ['c', 'st', 'en', 'ax'], ['t'], {}, 'sl')]).map).toEqual([3]);
  });
  it('Reshape to [N, C] keeps the channels; a 1-channel tensor is pinned (its 1 may be any broadcast dim)', () => {
    const r = trace([node('GlobalAveragePool', ['c'], ['g']), c64('sh', 1, 8), node('Reshape', ['g', 'sh'], ['t'], {}, 'rs')]);
    expect(r.map).toEqual(ALL);
    expect(r.edits).toEqual([{ kind: 'reshape', node: 3, map: Int32Array.from(ALL) }]);
    // The reshaped tensor has rank 2: a Slice on its axis -1 is a channel slice.
    const ranked = trace([node('GlobalAveragePool', ['c'], ['g']), c64('sh', 1, 8), node('Reshape', ['g', 'sh'], ['r']),
      c64('st', 1), c64('en', 3), c64('ax', -1), node('Slice', ['r', 'st', 'en', 'ax'], ['t'])]);
    expect(ranked.map).toEqual([1, 2]);
    const one = trace([conv1, c64('sh', 1, 1, 64), node('Reshape', ['one', 'sh'], ['t'], {}, 'rs')]);
    expect(one.barriers).toEqual(['rs: Reshape that moves the channel axis']);
  });
});

describe('Shape consumers', () => {
  const shapeThen = (consumers: NodeProto[], opset = 13) => trace([node('Shape', ['c'], ['s'], {}, 'shape'), ...consumers, node('Identity', ['c'], ['t'])], opset);
  const pinned = ['shape: Shape whose channel count is used'];
  it('every consumer must be harmless: one reading the channels pins', () => {
    expect(shapeThen([c64('i', 2), node('Gather', ['s', 'i'], ['h']), c64('j', 1), node('Gather', ['s', 'j'], ['ch'])]).barriers).toEqual(pinned);
    expect(shapeThen([c64('i', 2, 1), node('Gather', ['s', 'i'], ['hc'])]).barriers).toEqual(pinned);
    expect(shapeThen([c64('i', 2, 3), node('Gather', ['s', 'i'], ['hw'])]).barriers).toEqual([]);
  });
  it('a Slice of the shape counts at opset 10; a multi-entry Slice and other consumers whose second inputs are constants pin', () => {
    expect(shapeThen([c64('a', 2), c64('b', 4), node('Slice', ['s', 'a', 'b'], ['hw'])], 10).barriers).toEqual([]);
    expect(shapeThen([c64('a', 2, 0), c64('b', 4, 1), node('Slice', ['s', 'a', 'b'], ['hw'])]).barriers).toEqual(pinned);
    expect(shapeThen([c64('a', 2), c64('b', 4), node('Concat', ['s', 'a', 'b'], ['sab'], { axis: 0 })]).barriers).toEqual(pinned);
    expect(shapeThen([c64('d', 2, 4), node('Gather', ['d', 's'], ['g'])]).barriers).toEqual(pinned);
    const end = trace([node('Shape', ['c'], ['s'], { end: 1 }, 'shape'), node('Identity', ['c'], ['t'])]);
    expect(end.barriers).toEqual(pinned);
  });
});

describe('head detection', () => {
  it('is the largest model.<i> in node names, model.0 included; none without such names', () => {
    const g = (names: string[]) => indexGraph(toOnnx(model(names.map((n) => node('Relu', ['x'], [`${n}_o`], {}, n)), [], [valueInfo('x', [1])], [])));
    expect(detectHeadPath(g(['/model.0/Relu']))).toBe('model.0');
    expect(detectHeadPath(g(['/model.3/Relu', '/model.10/Relu', '/model.2/Relu']))).toBe('model.10');
    expect(detectHeadPath(g(['relu', 'other']))).toBeUndefined();
  });
  it('an ignore list does not ignore convs without a module path', () => {
    const m = model([node('Conv', ['x', 'w0'], ['t'], { kernel_shape: [1, 1] }, 'plain')], [w('w0', [8, 3, 1, 1])], [valueInfo('x', [1, 3, 8, 8])], [valueInfo('t', [1, 8, 8, 8])]);
    const dg = analyzeChannels(toOnnx(m), { headPath: null, ignore: ['model.9'] });
    expect(dg.trace.barriers.map((b) => b.reason)).toEqual(['graph output']);
  });
});
