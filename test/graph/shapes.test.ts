import type { NodeProto, TensorProto } from 'onnx-buf';
import { describe, expect, it } from 'vitest';
import { inferShapes, listLayers } from '../../src/graph/index.js';
import { DT, initializer, input, model, node, output, toOnnx } from '../helpers/onnx-builder.js';

const i64 = (name: string, values: number[], dims = [values.length]) => initializer(name, dims, new BigInt64Array(values.map(BigInt)));
const f32 = (name: string, values: number[], dims = [values.length]) => initializer(name, dims, new Float32Array(values));

/** Shape of `y` after propagating through `nodes` from input x of shape `xDims`. */
function shapeOf(nodes: NodeProto[], inits: TensorProto[], xDims: (number | string)[], opset = 12, imgsz?: number): readonly number[] | undefined {
  const m = toOnnx(model(nodes, inits, [input('x', xDims)], [output('y', [])], opset));
  return inferShapes(m, undefined, { imgsz }).shapes.get('y');
}

describe('inferShapes: one op at a time', () => {
  const cases: { name: string; nodes: NodeProto[]; inits?: TensorProto[]; x: number[]; y: number[]; opset?: number }[] = [
    { name: 'Conv stride 2 pad 1', nodes: [node('Conv', ['x', 'w'], ['y'], { strides: [2, 2], pads: [1, 1, 1, 1] })], inits: [f32('w', new Array(16 * 3 * 9).fill(0), [16, 3, 3, 3])], x: [1, 3, 15, 15], y: [1, 16, 8, 8] },
    { name: 'Conv dilation + SAME_UPPER', nodes: [node('Conv', ['x', 'w'], ['y'], { auto_pad: 'SAME_UPPER', strides: [2, 2], dilations: [2, 2] })], inits: [f32('w', new Array(4 * 9).fill(0), [4, 1, 3, 3])], x: [1, 1, 9, 10], y: [1, 4, 5, 5] },
    { name: 'ConvTranspose stride 2', nodes: [node('ConvTranspose', ['x', 'w'], ['y'], { strides: [2, 2], pads: [1, 1, 1, 1], output_padding: [1, 1] })], inits: [f32('w', new Array(8 * 4 * 9).fill(0), [8, 4, 3, 3])], x: [1, 8, 10, 10], y: [1, 4, 20, 20] },
    { name: 'MaxPool ceil_mode', nodes: [node('MaxPool', ['x'], ['y'], { kernel_shape: [2, 2], strides: [2, 2], ceil_mode: 1 })], x: [1, 3, 7, 7], y: [1, 3, 4, 4] },
    { name: 'AveragePool', nodes: [node('AveragePool', ['x'], ['y'], { kernel_shape: [3, 3], strides: [1, 1], pads: [1, 1, 1, 1] })], x: [1, 3, 7, 9], y: [1, 3, 7, 9] },
    { name: 'GlobalAveragePool', nodes: [node('GlobalAveragePool', ['x'], ['y'])], x: [2, 5, 7, 9], y: [2, 5, 1, 1] },
    { name: 'Gemm transB', nodes: [node('Gemm', ['x', 'w'], ['y'], { transB: 1 })], inits: [f32('w', new Array(30).fill(0), [10, 3])], x: [4, 3], y: [4, 10] },
    { name: 'MatMul batched broadcast', nodes: [node('MatMul', ['x', 'w'], ['y'])], inits: [f32('w', new Array(12).fill(0), [4, 3])], x: [2, 5, 4], y: [2, 5, 3] },
    { name: 'MatMul 1-D second operand', nodes: [node('MatMul', ['x', 'v'], ['y'])], inits: [f32('v', [1, 2, 3, 4])], x: [2, 5, 4], y: [2, 5] },
    { name: 'Add broadcast', nodes: [node('Add', ['x', 'b'], ['y'])], inits: [f32('b', [0, 0, 0], [3, 1, 1])], x: [1, 1, 4, 4], y: [1, 3, 4, 4] },
    { name: 'Concat', nodes: [node('Concat', ['x', 'x'], ['y'], { axis: -3 })], x: [1, 3, 4, 4], y: [1, 6, 4, 4] },
    { name: 'Split attribute (opset 12)', nodes: [node('Split', ['x'], ['a', 'y'], { axis: 1, split: [64, 1] })], x: [1, 65, 8400], y: [1, 1, 8400] },
    { name: 'Split input (opset 13)', nodes: [node('Split', ['x', 's'], ['y', 'b'], { axis: 1 })], inits: [i64('s', [2, 6])], x: [1, 8, 3], y: [1, 2, 3], opset: 13 },
    { name: 'Split equal', nodes: [node('Split', ['x'], ['a', 'y'], { axis: 1 })], x: [1, 8, 3], y: [1, 4, 3] },
    { name: 'Slice with negative step and clamped ends', nodes: [node('Slice', ['x', 'st', 'en', 'ax', 'sp'], ['y'])], inits: [i64('st', [-1, 0]), i64('en', [-1000, 1000]), i64('ax', [1, 2]), i64('sp', [-2, 3])], x: [1, 7, 10], y: [1, 4, 4] },
    { name: 'Resize by scales', nodes: [node('Resize', ['x', 'roi', 'sc'], ['y'], { mode: 'nearest' })], inits: [f32('roi', []), f32('sc', [1, 1, 2, 2])], x: [1, 8, 20, 20], y: [1, 8, 40, 40] },
    { name: 'Resize by sizes', nodes: [node('Resize', ['x', 'roi', '', 'sz'], ['y'])], inits: [f32('roi', []), i64('sz', [1, 8, 13, 17])], x: [1, 8, 20, 20], y: [1, 8, 13, 17] },
    { name: 'Reshape with 0 and -1', nodes: [node('Reshape', ['x', 's'], ['y'])], inits: [i64('s', [0, 4, -1])], x: [2, 8, 6], y: [2, 4, 12] },
    { name: 'Transpose', nodes: [node('Transpose', ['x'], ['y'], { perm: [0, 2, 1] })], x: [1, 84, 8400], y: [1, 8400, 84] },
    { name: 'Transpose default reverses', nodes: [node('Transpose', ['x'], ['y'])], x: [2, 3, 4], y: [4, 3, 2] },
    { name: 'Flatten', nodes: [node('Flatten', ['x'], ['y'], { axis: 1 })], x: [2, 3, 4, 5], y: [2, 60] },
    { name: 'Softmax keeps the shape', nodes: [node('Softmax', ['x'], ['y'], { axis: 1 })], x: [1, 4, 16, 8400], y: [1, 4, 16, 8400] },
    { name: 'ReduceMean keepdims 0 (attribute axes)', nodes: [node('ReduceMean', ['x'], ['y'], { axes: [1], keepdims: 0 })], x: [1, 5, 7], y: [1, 7] },
    { name: 'ReduceSum axes input (opset 13)', nodes: [node('ReduceSum', ['x', 'ax'], ['y'])], inits: [i64('ax', [-1])], x: [1, 5, 7], y: [1, 5, 1], opset: 13 },
    { name: 'Unsqueeze attribute / Squeeze', nodes: [node('Unsqueeze', ['x'], ['u'], { axes: [0, 3] }), node('Squeeze', ['u'], ['y'], { axes: [0] })], x: [4, 5], y: [4, 5, 1] },
    { name: 'Pad (opset 11+ input)', nodes: [node('Pad', ['x', 'p'], ['y'])], inits: [i64('p', [0, 0, 1, 2, 0, 0, 3, 4])], x: [1, 3, 10, 10], y: [1, 3, 14, 16] },
    { name: 'Expand', nodes: [node('Expand', ['x', 's'], ['y'])], inits: [i64('s', [2, 1, 6])], x: [3, 1], y: [2, 3, 6] },
  ];
  for (const c of cases) {
    it(c.name, () => expect(shapeOf(c.nodes, c.inits ?? [], c.x, c.opset ?? 12)).toEqual(c.y));
  }
});

describe('inferShapes: folding shape arithmetic', () => {
  it('Shape → Gather → Unsqueeze → Concat → Reshape (the torch.view chain)', () => {
    const nodes = [
      node('Shape', ['x'], ['s']),
      node('Gather', ['s', 'i0'], ['n'], { axis: 0 }),
      node('Gather', ['s', 'i1'], ['c'], { axis: 0 }),
      node('Unsqueeze', ['n'], ['n1'], { axes: [0] }),
      node('Mul', ['c', 'two'], ['c2']),
      node('Unsqueeze', ['c2'], ['c3'], { axes: [0] }),
      node('Concat', ['n1', 'c3', 'minus1'], ['shape'], { axis: 0 }),
      node('Reshape', ['x', 'shape'], ['y']),
    ];
    const inits = [i64('i0', [0], []), i64('i1', [1], []), i64('two', [2], []), i64('minus1', [-1])];
    expect(shapeOf(nodes, inits, [1, 4, 6, 6])).toEqual([1, 8, 18]);
  });

  it('the pad arithmetic torch.onnx emits for F.pad (ConstantOfShape, Concat, Reshape, Slice step -1, Transpose, Cast)', () => {
    const nodes = [
      node('ConstantOfShape', ['four'], ['zeros'], { value: initializer('v', [1], new BigInt64Array([0n])) }),
      node('Concat', ['pads2', 'zeros'], ['p8'], { axis: 0 }),
      node('Reshape', ['p8', 'shape42'], ['p42']),
      node('Slice', ['p42', 'st', 'en', 'ax', 'sp'], ['rev']),
      node('Transpose', ['rev'], ['tr'], { perm: [1, 0] }),
      node('Reshape', ['tr', 'minus1'], ['flat']),
      node('Cast', ['flat'], ['pads'], { to: DT.int64 }),
      node('Pad', ['x', 'pads'], ['y'], { mode: 'constant' }),
    ];
    const inits = [
      i64('four', [4]), i64('pads2', [1, 2, 3, 4]), i64('shape42', [4, 2]), i64('st', [-1]), i64('en', [-1000]),
      i64('ax', [0]), i64('sp', [-1]), i64('minus1', [-1]),
    ];
    // F.pad(x, (1, 2, 3, 4)) pads W by (1, 2) and H by (3, 4).
    expect(shapeOf(nodes, inits, [1, 2, 10, 10])).toEqual([1, 2, 17, 13]);
  });

  it('Range and Constant value_ints fold', () => {
    const nodes = [
      node('Constant', [], ['lim'], { value_ints: [5] }),
      node('Range', ['zero', 'lim5', 'one'], ['r']),
      node('Shape', ['r'], ['rs']),
      node('Concat', ['rs', 'lim'], ['shape'], { axis: 0 }),
      node('Reshape', ['x', 'shape'], ['y']),
    ];
    expect(shapeOf(nodes, [i64('zero', [0], []), i64('lim5', [5], []), i64('one', [1], [])], [25])).toEqual([5, 5]);
  });
});

describe('inferShapes: inputs and failures', () => {
  it('fixes dynamic dims from imgsz and batch 1', () => {
    const m = toOnnx(model([node('Conv', ['x', 'w'], ['y'], { strides: [2, 2] })], [f32('w', new Array(4 * 3).fill(0), [4, 3, 1, 1])], [input('x', ['batch', 3, 'h', 'w'])], [output('y', [])]));
    const info = inferShapes(m, undefined, { imgsz: { height: 320, width: 480 } });
    expect(info.inputs).toEqual([{ name: 'x', dims: [1, 3, 320, 480] }]);
    expect(info.shapes.get('y')).toEqual([1, 4, 160, 240]);
    expect(inferShapes(m).shapes.get('y')).toEqual([1, 4, 320, 320]);
  });

  it('an unknown op leaves its outputs unknown and says why, without throwing', () => {
    const m = toOnnx(model([node('FancyOp', ['x'], ['z']), node('Relu', ['z'], ['y'])], [], [input('x', [1, 2])], [output('y', [])]));
    const info = inferShapes(m);
    expect(info.shapes.has('y')).toBe(false);
    expect(info.unknownOutputs).toBe(2);
    expect(info.problems).toHaveLength(1);
    expect(info.problems[0]).toMatchObject({ opType: 'FancyOp', reason: 'no shape rule for op FancyOp' });
  });

  it('leaves MACs undefined where shapes are unknown', () => {
    const m = toOnnx(model([node('FancyOp', ['x'], ['z']), node('Conv', ['z', 'w'], ['y'])], [f32('w', [1, 1, 1, 1], [4, 1, 1, 1])], [input('x', [1, 1, 2, 2])], [output('y', [])]));
    expect(inferShapes(m).shapes.get('y')).toBeUndefined();
    expect(listLayers(m)[0]!.macs).toBeUndefined();
  });
});
