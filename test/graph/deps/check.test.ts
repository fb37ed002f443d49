/**
 * checkChannelConsistency on hand-built graphs: one case per invariant, each with a consistent variant (no
 * violation) and a broken one whose exact message is checked (the message names the node, the tensor and the fix).
 */
import type { NodeProto, TensorProto, ValueInfoProto } from 'onnx-buf';
import { describe, expect, it } from 'vitest';
import { checkChannelConsistency } from '../../../src/graph/deps/index.js';
import { constant, initializer, model, node, randomFloats, toOnnx, valueInfo } from '../../helpers/onnx-builder.js';

const i64 = (...v: number[]) => BigInt64Array.from(v.map(BigInt));
const c64 = (name: string, ...v: number[]) => constant(name, [v.length], i64(...v));
const w = (name: string, dims: number[]) => initializer(name, dims, randomFloats(dims.reduce((a, b) => a * b, 1), 3));

/** x [1,8,8,8] → nodes; `extra` graph inputs are [1,8,8,8] unless given. */
function check(nodes: NodeProto[], inits: TensorProto[] = [], opts: { opset?: number; outputs?: ValueInfoProto[]; valueInfo?: ValueInfoProto[]; inputs?: ValueInfoProto[] } = {}) {
  const m = model(nodes, inits, [valueInfo('x', [1, 8, 8, 8]), ...(opts.inputs ?? [])], opts.outputs ?? [], opts.opset ?? 13);
  if (opts.valueInfo) m.graph!.valueInfo.push(...opts.valueInfo);
  return checkChannelConsistency(toOnnx(m));
}
const conv = (inputs: string[], attrs: Record<string, number | number[]> = {}, op = 'Conv') => node(op, inputs, ['y'], { kernel_shape: [1, 1], ...attrs }, 'c');

describe('checkChannelConsistency: Conv and ConvTranspose', () => {
  it('accepts a plain, a grouped and a depthwise conv whose weights match their input', () => {
    for (const [dims, group] of [[[4, 8, 1, 1], 1], [[6, 4, 1, 1], 2], [[8, 1, 1, 1], 8], [[16, 1, 1, 1], 8]] as const) {
      const r = check([conv(['x', 'w', 'b'], { group })], [w('w', [...dims]), w('b', [dims[0]])]);
      expect(r.violations).toEqual([]);
      expect(r.ok).toBe(true);
    }
  });
  it('names a weight whose in-channels × group differ from the input channels', () => {
    const r = check([conv(['x', 'w'])], [w('w', [4, 6, 1, 1])]);
    expect(r.ok).toBe(false);
    expect(r.violations).toEqual(["Conv 'c': input has 8 channels, weight [4,6,1,1] with group 1 expects 6"]);
    expect(check([conv(['x', 'w'], { group: 2 })], [w('w', [4, 8, 1, 1])]).violations)
      .toEqual(["Conv 'c': input has 8 channels, weight [4,8,1,1] with group 2 expects 16"]);
  });
  it('names output channels not divisible by the group', () => {
    expect(check([conv(['x', 'w'], { group: 2 })], [w('w', [5, 4, 1, 1])]).violations).toEqual(["Conv 'c': 5 output channels not divisible by group 2"]);
  });
  it('checks the bias length and rank against the output channels', () => {
    expect(check([conv(['x', 'w', 'b'])], [w('w', [4, 8, 1, 1]), w('b', [5])]).violations).toEqual(["Conv 'c': bias [5] for 4 output channels"]);
    expect(check([conv(['x', 'w', 'b'])], [w('w', [4, 8, 1, 1]), w('b', [1, 4])]).violations).toEqual(["Conv 'c': bias [1,4] for 4 output channels"]);
  });
  it('ConvTranspose reads in-channels from weight axis 0 and out-channels from axis 1 × group', () => {
    const ok = check([conv(['x', 'w', 'b'], { group: 2 }, 'ConvTranspose')], [w('w', [8, 3, 1, 1]), w('b', [6])]);
    expect(ok.violations).toEqual([]);
    expect(check([conv(['x', 'w', 'b'], {}, 'ConvTranspose')], [w('w', [6, 8, 1, 1]), w('b', [8])]).violations)
      .toEqual(["ConvTranspose 'c': input has 8 channels, weight [6,8,1,1] with group 1 expects 6"]);
    // A bias sized by the in-channels (axis 0, 8) instead of the out-channels (axis 1 × group = 3 × 2 = 6).
    expect(check([conv(['x', 'w', 'b'], { group: 2 }, 'ConvTranspose')], [w('w', [8, 3, 1, 1]), w('b', [8])]).violations)
      .toEqual(["ConvTranspose 'c': bias [8] for 6 output channels"]);
    // No divisibility rule for ConvTranspose (its out-channels are axis 1 × group by construction).
    expect(check([conv(['x', 'w'], { group: 2 }, 'ConvTranspose')], [w('w', [8, 3, 1, 1])]).violations).toEqual([]);
  });
  it('skips a conv whose input or weight shape is unknown', () => {
    // The weight comes from a graph input with a symbolic dim: nothing to compare.
    expect(check([conv(['x', 'wi'])], [], { inputs: [valueInfo('wi', ['o', 'i', 1, 1])] }).violations).toEqual([]);
  });
});

describe('checkChannelConsistency: normalisation, elementwise, Concat, Split, Slice', () => {
  const bn = (dims: number[]) => check(
    [node('BatchNormalization', ['x', 'g', 'b', 'm', 'v'], ['y'], {}, 'bn')],
    [w('g', [8]), w('b', dims), w('m', [8]), w('v', [8])],
  );
  it('normalisation parameters must be [C]', () => {
    expect(bn([8]).violations).toEqual([]);
    expect(bn([4]).violations).toEqual(["BatchNormalization 'bn': parameter 'b' [4] for 8 channels"]);
    expect(bn([1, 8]).violations).toEqual(["BatchNormalization 'bn': parameter 'b' [1,8] for 8 channels"]);
  });
  it('elementwise operands must broadcast (PRelu is exempt: its slope broadcasts unidirectionally)', () => {
    expect(check([node('Add', ['x', 'k'], ['y'], {}, 'add')], [w('k', [1, 8, 1, 1])]).violations).toEqual([]);
    expect(check([node('Add', ['x', 'k'], ['y'], {}, 'add')], [w('k', [1, 6, 1, 1])]).violations).toEqual(["Add 'add': operands [1,8,8,8] [1,6,1,1] do not broadcast"]);
    expect(check([node('Mul', ['x', 'k', 'x'], ['y'], {}, 'mul')], [w('k', [3, 1, 1])]).violations).toEqual(["Mul 'mul': operands [1,8,8,8] [3,1,1] [1,8,8,8] do not broadcast"]);
    expect(check([node('PRelu', ['x', 'k'], ['y'], {}, 'p')], [w('k', [6, 1, 1])]).violations).toEqual([]);
  });
  it('Concat inputs must agree on every axis but the concat axis (negative axes normalised)', () => {
    const inputs = [valueInfo('u', [1, 4, 8, 8]), valueInfo('v', [1, 8, 4, 8])];
    expect(check([node('Concat', ['x', 'u'], ['y'], { axis: 1 }, 'cat')], [], { inputs }).violations).toEqual([]);
    expect(check([node('Concat', ['x', 'u'], ['y'], { axis: -3 }, 'cat')], [], { inputs }).violations).toEqual([]);
    expect(check([node('Concat', ['x', 'v'], ['y'], { axis: 2 }, 'cat')], [], { inputs }).violations).toEqual([]);
    expect(check([node('Concat', ['x', 'u'], ['y'], { axis: 2 }, 'cat')], [], { inputs }).violations)
      .toEqual(["Concat 'cat': inputs [1,8,8,8] [1,4,8,8] disagree off axis 2"]);
    expect(check([node('Concat', ['x', 'r'], ['y'], { axis: 1 }, 'cat')], [], { inputs: [valueInfo('r', [1, 8, 8])] }).violations)
      .toEqual(["Concat 'cat': inputs [1,8,8,8] [1,8,8] disagree off axis 1"]);
  });
  it('Split sizes must add up to the split axis (attribute before opset 13, input from 13; negative axes normalised)', () => {
    expect(check([c64('s', 3, 5), node('Split', ['x', 's'], ['a', 'b'], { axis: 1 }, 'sp')]).violations).toEqual([]);
    expect(check([c64('s', 3, 5), node('Split', ['x', 's'], ['a', 'b'], { axis: -3 }, 'sp')]).violations).toEqual([]);
    expect(check([c64('s', 3, 4), node('Split', ['x', 's'], ['a', 'b'], { axis: 1 }, 'sp')]).violations).toEqual(["Split 'sp': split sizes [3,4] for 8 along axis 1"]);
    expect(check([node('Split', ['x'], ['a', 'b'], { axis: 1, split: [4, 5] }, 'sp')], [], { opset: 12 }).violations).toEqual(["Split 'sp': split sizes [4,5] for 8 along axis 1"]);
    expect(check([node('Split', ['x'], ['a', 'b'], { axis: 1, split: [4, 4] }, 'sp')], [], { opset: 12 }).violations).toEqual([]);
    // The default axis is 0 (the batch of 1).
    expect(check([c64('s', 1), node('Split', ['x', 's'], ['a'], {}, 'sp')]).violations).toEqual([]);
  });
  it('Slice bounds must lie within the sliced dim; negative bounds and INT64_MAX-style ends are not checked', () => {
    const slice = (st: number, en: number, ax?: number) => check([
      c64('st', st), c64('en', en), ...(ax === undefined ? [] : [c64('ax', ax)]),
      node('Slice', ['x', 'st', 'en', ...(ax === undefined ? [] : ['ax'])], ['y'], {}, 'sl'),
    ]);
    expect(slice(2, 8, 1).violations).toEqual([]);
    expect(slice(8, 8, 1).violations).toEqual([]);
    expect(slice(2, 9, 1).violations).toEqual(["Slice 'sl': slice [2, 9) beyond dim 8 of axis 1"]);
    expect(slice(9, 10, -3).violations).toEqual(["Slice 'sl': slice [9, 10) beyond dim 8 of axis 1"]);
    expect(slice(-3, 100, 1).violations).toEqual([]);
    expect(slice(0, -1, 1).violations).toEqual([]);
    expect(slice(0, 2 ** 31, 1).violations).toEqual([]);
    expect(slice(0, 2 ** 31 - 1, 1).violations).toEqual([`Slice 'sl': slice [0, ${2 ** 31 - 1}) beyond dim 8 of axis 1`]);
    // Without axes, entry k slices axis k: axis 0 has size 1.
    expect(slice(0, 2).violations).toEqual(["Slice 'sl': slice [0, 2) beyond dim 1 of axis 0"]);
    expect(slice(0, 1).violations).toEqual([]);
  });
  it('does not check Slice before opset 10 (bounds are attributes there)', () => {
    expect(check([node('Slice', ['x'], ['y'], { starts: [0], ends: [20], axes: [1] }, 'sl')], [], { opset: 9 }).violations).toEqual([]);
  });
});

describe('checkChannelConsistency: annotations and constants', () => {
  const relu = [node('Relu', ['x'], ['y'], {}, 'r')];
  it('a value_info or graph output annotation must agree with the propagated shape; symbolic dims match anything', () => {
    expect(check(relu, [], { outputs: [valueInfo('y', [1, 8, 8, 8])] }).violations).toEqual([]);
    expect(check(relu, [], { outputs: [valueInfo('y', ['n', 8, 'h', 'w'])] }).violations).toEqual([]);
    expect(check(relu, [], { outputs: [valueInfo('y', [1, 6, 8, 8])] }).violations).toEqual(["value 'y': annotated [1,6,8,8], propagated [1,8,8,8]"]);
    expect(check(relu, [], { outputs: [valueInfo('y', ['n', 6, 8])] }).violations).toEqual(["value 'y': annotated [?,6,8], propagated [1,8,8,8]"]);
    expect(check(relu, [], { valueInfo: [valueInfo('y', [1, 8, 8, 7])] }).violations).toEqual(["value 'y': annotated [1,8,8,7], propagated [1,8,8,8]"]);
  });
  it('an annotation of an unknown value, or without a shape, is not checked', () => {
    const noShape = valueInfo('y', []);
    const t = noShape.type!.value;
    if (t.case === 'tensorType') t.value.shape = undefined;
    expect(check(relu, [], { outputs: [noShape] }).violations).toEqual([]);
    expect(check(relu, [], { valueInfo: [valueInfo('elsewhere', [1, 2])] }).violations).toEqual([]);
  });
  it('names a constant input with a negative dim', () => {
    const bad = w('k', [1, 8, 1, 1]);
    bad.dims = [1n, -8n, 1n, 1n];
    const r = check([node('Mul', ['x', 'k'], ['y'], {}, 'mul')], [bad]);
    expect(r.violations).toEqual(["Mul 'mul': constant 'k' has a negative dim"]);
  });
  it('counts the outputs whose shape could not be derived', () => {
    const r = check([node('NonZero', ['x'], ['nz'], {}, 'nz'), node('Relu', ['nz'], ['y'], {}, 'r')]);
    expect(r.ok).toBe(true);
    expect(r.unknownOutputs).toBe(2); // NonZero's output and the Relu after it
  });
});
