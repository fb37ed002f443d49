/**
 * The dependency rule of every channel-transparent op in rules.ts, on hand-built graphs:
 * x [1,3,8,8] → conv0 (8 channels, traced) → <op under test> → t. Each case states what the rule must do to
 * conv0's 8 channels: pass them on (and how), record an edit, or pin them (a barrier naming why).
 */
import type { NodeProto, TensorProto } from 'onnx-buf';
import { describe, expect, it } from 'vitest';
import { analyzeChannels } from '../../../src/graph/deps/index.js';
import { constant, initializer, model, node, randomFloats, valueInfo, toOnnx } from '../../helpers/onnx-builder.js';

const i64 = (...v: number[]) => BigInt64Array.from(v.map(BigInt));
const c64 = (name: string, ...v: number[]) => constant(name, [v.length], i64(...v));
const f32 = (name: string, ...v: number[]) => constant(name, [v.length], Float32Array.from(v));

/** conv0 → nodes; `t` is a graph output (so it is pinned as 'graph output' at the end, which tests ignore). */
function trace(nodes: NodeProto[], opset = 13, inits: TensorProto[] = [], extraInputs: string[] = []) {
  const m = model(
    [node('Conv', ['x', 'w0'], ['c'], { kernel_shape: [1, 1] }, '/model.0/Conv'), ...nodes],
    [initializer('w0', [8, 3, 1, 1], randomFloats(24, 5)), ...inits],
    [valueInfo('x', [1, 3, 8, 8]), ...extraInputs.map((n) => valueInfo(n, [4], 7))],
    [valueInfo('t', [1, 8, 8, 8])],
    opset,
  );
  const dg = analyzeChannels(toOnnx(m), { headPath: null });
  const map = dg.trace.maps.get('t');
  return {
    map: map && Array.from(map),
    edits: dg.trace.edits,
    /** Barrier reasons other than the graph output's. */
    barriers: dg.trace.barriers.filter((b) => !/graph output/.test(b.reason)).map((b) => b.reason),
    dg,
  };
}
const ALL = [0, 1, 2, 3, 4, 5, 6, 7];
const slice = (starts: number[], ends: number[], axes?: number[], steps?: number[], opset = 13) => trace([
  c64('st', ...starts), c64('en', ...ends), ...(axes ? [c64('ax', ...axes)] : []), ...(steps ? [c64('sp', ...steps)] : []),
  node('Slice', ['c', 'st', 'en', axes ? 'ax' : '', ...(steps ? ['sp'] : [])].filter((v, k) => k < 3 || v !== '' || steps), ['t']),
], opset);

describe('Slice', () => {
  it('of channels [2, 6) keeps those channels and records the edit', () => {
    const r = slice([2], [6], [1]);
    expect(r.map).toEqual([2, 3, 4, 5]);
    expect(r.edits).toEqual([expect.objectContaining({ kind: 'slice', start: 2, end: 6, index: 0, source: 'input' })]);
    expect(r.barriers).toEqual([]);
  });
  it('normalises a negative axis: -3 of a rank-4 tensor is the channel axis', () => {
    expect(slice([2], [6], [-3]).map).toEqual([2, 3, 4, 5]);
    expect(slice([2], [6], [-1]).map).toEqual(ALL); // the width axis: channels pass
  });
  it('clamps bounds to [0, C] and reads negative bounds from the end', () => {
    expect(slice([-3], [100], [1]).map).toEqual([5, 6, 7]);
    expect(slice([-100], [-2], [1]).map).toEqual([0, 1, 2, 3, 4, 5]);
    expect(slice([0], [Number.MAX_SAFE_INTEGER], [1]).map).toEqual(ALL); // exporters write INT64_MAX for 'to the end'
    const r = slice([-3], [100], [1]);
    expect(r.edits[0]).toMatchObject({ start: 5, end: 8 });
  });
  it('finds the channel entry among several axes, and defaults axes to 0..n-1', () => {
    const r = slice([0, 1], [4, 5], [2, 1]);
    expect(r.map).toEqual([1, 2, 3, 4]);
    expect(r.edits[0]).toMatchObject({ index: 1, start: 1, end: 5 });
    const d = slice([0, 3], [1, 7]);
    expect(d.map).toEqual([3, 4, 5, 6]);
    expect(d.edits[0]).toMatchObject({ index: 1 });
  });
  it('a spatial slice passes every channel without an edit', () => {
    const r = slice([0], [4], [2]);
    expect(r.map).toEqual(ALL);
    expect(r.edits).toEqual([]);
  });
  it('pins an empty channel slice and a step on the channel axis; step 1 is fine', () => {
    expect(slice([5], [3], [1]).barriers).toEqual(['empty channel Slice']);
    expect(slice([0], [8], [1], [2]).barriers).toEqual(['Slice with a step on the channel axis']);
    expect(slice([0], [4], [1], [1]).map).toEqual([0, 1, 2, 3]);
    expect(slice([0, 0], [4, 4], [2, 1], [2, 1]).map).toEqual([0, 1, 2, 3]); // the step is on the other axis
  });
  it('pins run-time bounds or axes', () => {
    const rtAxes = trace([c64('st', 0), c64('en', 4), node('Slice', ['c', 'st', 'en', 'ax'], ['t'])], 13, [], ['ax']);
    expect(rtAxes.barriers).toEqual(['Slice with run-time axes']);
    const rtBounds = trace([c64('ax', 1), node('Slice', ['c', 'st', 'en', 'ax'], ['t'])], 13, [], ['st', 'en']);
    expect(rtBounds.barriers).toEqual(['Slice of channels with run-time bounds']);
    const nothing = trace([node('Slice', ['c', 'st', 'en'], ['t'])], 13, [], ['st', 'en']);
    expect(nothing.barriers).toEqual(['Slice with run-time starts and axes']);
  });
  it('opset < 10 reads starts/ends/axes attributes', () => {
    const r = trace([node('Slice', ['c'], ['t'], { starts: [1], ends: [-1], axes: [1] })], 9);
    expect(r.map).toEqual([1, 2, 3, 4, 5, 6]);
    expect(r.edits[0]).toMatchObject({ kind: 'slice', source: 'attribute', start: 1, end: 7 });
  });
});

describe('Pad', () => {
  const pad = (pads: number[], opset = 13) => (opset < 11
    ? trace([node('Pad', ['c'], ['t'], { pads })], opset)
    : trace([c64('p', ...pads), node('Pad', ['c', 'p'], ['t'])], opset));
  it('spatial pads pass the channels (pads input, and the opset-10 attribute)', () => {
    expect(pad([0, 0, 1, 2, 0, 0, 3, 4]).map).toEqual(ALL);
    expect(pad([0, 0, 1, 1, 0, 0, 1, 1], 10).map).toEqual(ALL);
  });
  it('pins padding at the start or at the end of the channel axis (pads[1] and pads[rank + 1])', () => {
    expect(pad([0, 1, 0, 0, 0, 0, 0, 0]).barriers).toEqual(['Pad on the channel axis']);
    expect(pad([0, 0, 0, 0, 0, 1, 0, 0]).barriers).toEqual(['Pad on the channel axis']);
    expect(pad([0, 0, 0, 0, 0, 1, 0, 0], 10).barriers).toEqual(['Pad on the channel axis']);
    expect(pad([1, 0, 0, 0, 1, 0, 0, 0]).barriers).toEqual([]); // batch padding leaves channels alone
  });
  it('pins run-time pads and Pad with an axes input', () => {
    expect(trace([node('Pad', ['c', 'p'], ['t'])], 13, [], ['p']).barriers).toEqual(['Pad with run-time pads']);
    expect(trace([c64('p', 1, 1), c64('ax', 2), node('Pad', ['c', 'p', '', 'ax'], ['t'])], 18).barriers).toEqual(['Pad with run-time pads']);
  });
});

describe('Resize / Upsample', () => {
  it('scales of 1 on the channel axis pass; scaling channels or explicit sizes pin', () => {
    expect(trace([f32('sc', 1, 1, 2, 2), node('Resize', ['c', '', 'sc'], ['t'])]).map).toEqual(ALL);
    expect(trace([f32('sc', 1, 2, 2, 2), node('Resize', ['c', '', 'sc'], ['t'])]).barriers).toEqual(['Resize scales unknown or scaling channels']);
    expect(trace([c64('sz', 1, 8, 16, 16), node('Resize', ['c', '', '', 'sz'], ['t'])]).barriers).toEqual(['Resize with explicit sizes']);
    expect(trace([node('Resize', ['c', '', 'sc'], ['t'])], 13, [], ['sc']).barriers).toEqual(['Resize scales unknown or scaling channels']);
  });
  it('opset 10 Resize and Upsample read scales from input 1; opset 7 Upsample from its attribute', () => {
    expect(trace([f32('sc', 1, 1, 2, 2), node('Resize', ['c', 'sc'], ['t'])], 10).map).toEqual(ALL);
    expect(trace([f32('sc', 1, 3, 2, 2), node('Upsample', ['c', 'sc'], ['t'])], 9).barriers).toEqual(['Resize scales unknown or scaling channels']);
    expect(trace([node('Upsample', ['c'], ['t'], { scales: { floats: [1, 1, 2, 2] } })], 7).map).toEqual(ALL);
  });
});

describe('Reduce', () => {
  it('over spatial axes passes the channels, with the rank keepdims gives', () => {
    const keep = trace([node('ReduceMean', ['c'], ['t'], { axes: [2, 3], keepdims: 1 })]);
    expect(keep.map).toEqual(ALL);
    expect(keep.dg.trace.maps.has('t')).toBe(true);
    const drop = trace([node('ReduceMax', ['c'], ['t'], { axes: [-1, -2], keepdims: 0 }), node('Unsqueeze', ['t'], ['u'], { axes: [2, 3] })]);
    expect(drop.map).toEqual(ALL);
    // The reduced tensor has rank 2: a channel Slice on axis -1 (= 1) of it sees the channels.
    const r2 = trace([node('ReduceMax', ['c'], ['r'], { axes: [2, 3], keepdims: 0 }), c64('st', 1), c64('en', 3), c64('ax', -1), node('Slice', ['r', 'st', 'en', 'ax'], ['t'])]);
    expect(r2.map).toEqual([1, 2]);
  });
  it('over the channel axis (or all axes) ends the trace without a barrier', () => {
    for (const attrs of [{ axes: [1] }, { axes: [-3] }, {}] as Record<string, number[]>[]) {
      const r = trace([node('ReduceSum', ['c'], ['t'], attrs)], 11);
      expect(r.map).toBeUndefined();
      expect(r.dg.trace.barriers).toEqual([]);
    }
  });
  it('removing the batch axis pins; keeping it does not', () => {
    expect(trace([node('ReduceMean', ['c'], ['t'], { axes: [0], keepdims: 0 })]).barriers).toEqual(['Reduce removing the batch axis']);
    expect(trace([node('ReduceMean', ['c'], ['t'], { axes: [0], keepdims: 1 })]).map).toEqual(ALL);
  });
  it('ReduceSum from opset 13 and every Reduce from opset 18 take axes as an input', () => {
    expect(trace([c64('ax', 2, 3), node('ReduceSum', ['c', 'ax'], ['t'])], 13).map).toEqual(ALL);
    expect(trace([c64('ax', 1), node('ReduceSum', ['c', 'ax'], ['t'])], 13).map).toBeUndefined();
    expect(trace([c64('ax', 2), node('ReduceMean', ['c', 'ax'], ['t'])], 18).map).toEqual(ALL);
    expect(trace([node('ReduceMean', ['c', 'ax'], ['t'])], 18, [], ['ax']).barriers).toEqual(['Reduce over run-time axes']);
    // Before opset 18 ReduceMean reads its attribute and ignores a second input.
    expect(trace([c64('ax', 1), node('ReduceMean', ['c', 'ax'], ['t'], { axes: [2] })], 13).map).toEqual(ALL);
  });
});

describe('Reshape', () => {
  const reshape = (shape: number[], attrs = {}) => trace([c64('sh', ...shape), node('Reshape', ['c', 'sh'], ['t'], attrs)]);
  it('keeping [N, C] in front passes the channels; an explicit C is an edit, 0 (copy) is not', () => {
    const r = reshape([1, 8, 64]);
    expect(r.map).toEqual(ALL);
    expect(r.edits).toEqual([expect.objectContaining({ kind: 'reshape' })]);
    const z = reshape([0, 0, -1]);
    expect(z.map).toEqual(ALL);
    expect(z.edits).toEqual([]);
  });
  it('pins a reshape that moves or merges the channel axis, and allowzero', () => {
    expect(reshape([1, -1]).barriers).toEqual(['Reshape that moves the channel axis']);
    expect(reshape([1, 4, 128]).barriers).toEqual(['Reshape that moves the channel axis']);
    expect(reshape([2, 8, 32]).barriers).toEqual(['Reshape that moves the channel axis']);
    expect(reshape([8]).barriers).toEqual(['Reshape that moves the channel axis']);
    expect(reshape([0, 0, -1], { allowzero: 1 }).barriers).toEqual(['Reshape that moves the channel axis']);
  });
});

describe('Shape', () => {
  const shapeThen = (consumer: NodeProto[], attrs = {}) => trace([node('Shape', ['c'], ['s'], attrs), ...consumer, node('Identity', ['c'], ['t'])]);
  it('reading spatial dims (Gather, Slice of the shape) is harmless', () => {
    expect(shapeThen([c64('i', 2), node('Gather', ['s', 'i'], ['h'])]).barriers).toEqual([]);
    expect(shapeThen([c64('i', -1), node('Gather', ['s', 'i'], ['h'])]).barriers).toEqual([]);
    expect(shapeThen([c64('a', 2), c64('b', 4), node('Slice', ['s', 'a', 'b'], ['hw'])]).barriers).toEqual([]);
    expect(shapeThen([c64('a', 0), c64('b', 1), node('Slice', ['s', 'a', 'b'], ['n'])]).barriers).toEqual([]);
  });
  it('reading the channel count pins', () => {
    const pinned = ['Shape whose channel count is used'];
    expect(shapeThen([c64('i', 1), node('Gather', ['s', 'i'], ['ch'])]).barriers).toEqual(pinned);
    expect(shapeThen([c64('i', -3), node('Gather', ['s', 'i'], ['ch'])]).barriers).toEqual(pinned);
    expect(shapeThen([c64('a', 0), c64('b', 2), node('Slice', ['s', 'a', 'b'], ['nc'])]).barriers).toEqual(pinned);
    expect(shapeThen([c64('a', 1), c64('b', 2), node('Slice', ['s', 'a', 'b'], ['nc'])]).barriers).toEqual(pinned);
    expect(shapeThen([c64('a', -3), c64('b', 100), node('Slice', ['s', 'a', 'b'], ['nc'])]).barriers).toEqual(pinned);
    expect(shapeThen([node('Concat', ['s', 's'], ['ss'], { axis: 0 })]).barriers).toEqual(pinned);
    expect(shapeThen([], { start: 2 }).barriers).toEqual(pinned); // a start/end attribute: pinned whoever reads it
    expect(shapeThen([c64('i', 0), node('Gather', ['s', 'i'], ['n'])], { start: 2 }).barriers).toEqual(pinned);
  });
});

describe('elementwise, normalisation, Concat, Split', () => {
  it('a broadcasting constant over the channels becomes a member on its channel axis', () => {
    for (const [dims, axis] of [[[1, 8, 1, 1], 1], [[8, 1, 1], 0]] as const) {
      const m = trace([node('Mul', ['c', 'k'], ['t'])], 13, [initializer('k', [...dims], randomFloats(8, 3))]);
      expect(m.map).toEqual(ALL);
      expect(m.dg.trace.members.filter((x) => x.tensor === 'k').map((x) => [x.role, x.axis])).toEqual([['param', axis]]);
    }
    expect(trace([node('Add', ['c', 'k'], ['t'])], 13, [initializer('k', [1, 1, 8], randomFloats(8, 3))]).dg.trace.members.some((x) => x.tensor === 'k')).toBe(false);
    expect(trace([node('Add', ['c', 'k'], ['t'])], 13, [initializer('k', [1, 4, 1, 1], randomFloats(4, 3))]).barriers).toEqual(['constant does not broadcast over the channels']);
    expect(trace([node('Add', ['c', 'k'], ['t'])], 13, [initializer('k', [1, 1, 8, 8, 1], randomFloats(64, 3))]).barriers).toEqual(['constant of higher rank']);
    expect(trace([node('Add', ['c', 'k'], ['t'])], 13, [], ['k']).barriers).toEqual(['Add with a tensor whose channels are not traced']);
  });
  it('InstanceNormalization with [C] parameters passes; other parameter shapes pin', () => {
    const ok = trace([node('InstanceNormalization', ['c', 's', 'b'], ['t'])], 13, [initializer('s', [8], randomFloats(8, 1)), initializer('b', [8], randomFloats(8, 2))]);
    expect(ok.map).toEqual(ALL);
    expect(ok.dg.trace.members.filter((x) => x.tensor === 's' || x.tensor === 'b').map((x) => x.role)).toEqual(['bn-scale', 'param']);
    const bad = trace([node('InstanceNormalization', ['c', 's', 'b'], ['t'])], 13, [initializer('s', [4], randomFloats(4, 1)), initializer('b', [8], randomFloats(8, 2))]);
    expect(bad.barriers).toEqual(['InstanceNormalization parameters are not constant [C] tensors']);
  });
  it('Concat on axis -3 stacks channels; on a spatial axis couples the inputs; with an untraced input pins', () => {
    expect(trace([node('Concat', ['c', 'c'], ['t'], { axis: -3 })]).map).toEqual([...ALL, ...ALL]);
    expect(trace([node('Concat', ['c', 'c'], ['t'], { axis: 2 })]).map).toEqual(ALL);
    expect(trace([node('Concat', ['c', 'c'], ['t'], { axis: 0 })]).barriers).toEqual(['Concat on the batch axis or of unequal channels', 'Concat on the batch axis or of unequal channels']);
    expect(trace([node('Concat', ['c', 'u'], ['t'], { axis: 1 })], 13, [initializer('u', [1, 2, 8, 8], randomFloats(128, 1))]).barriers).toEqual(['Concat with an untraced input']);
  });
  it('Split on axis -3 divides the channels (sizes input, or equal parts); sizes that do not add up pin', () => {
    const r = trace([c64('sz', 3, 5), node('Split', ['c', 'sz'], ['t', 'u'], { axis: -3 })]);
    expect(r.map).toEqual([0, 1, 2]);
    expect(Array.from(r.dg.trace.maps.get('u')!)).toEqual([3, 4, 5, 6, 7]);
    expect(trace([node('Split', ['c'], ['t', 'u'], { axis: 1 })]).map).toEqual([0, 1, 2, 3]);
    expect(trace([c64('sz', 3, 4), node('Split', ['c', 'sz'], ['t', 'u'], { axis: 1 })]).barriers).toEqual(['Split sizes do not add up']);
    expect(trace([node('Split', ['c'], ['t', 'u', 'v'], { axis: 1 })]).barriers).toEqual(['uneven Split without sizes']);
    expect(trace([node('Split', ['c'], ['t', 'u'], { axis: 2 })]).map).toEqual(ALL);
    expect(trace([node('Split', ['c', 'sz'], ['t', 'u'], { axis: 1 })], 13, [], ['sz']).barriers).toEqual(['Split with run-time sizes']);
  });
});
