/** The quantizer's view of a graph: value types (dtypes.ts), op roles (ops.ts) and what it refuses (check.ts). */
import { describe, expect, it } from 'vitest';
import { UsageError } from '../../src/core/errors.js';
import { indexGraph } from '../../src/graph/onnx-graph.js';
import { checkQuantizable } from '../../src/quantize/index.js';
import { isFloatType, valueTypes } from '../../src/quantize/dtypes.js';
import { ARITHMETIC_OPS, CONCAT, dataInputs, isQuantizableOp, MOVEMENT_OPS, WEIGHTED_OPS } from '../../src/quantize/ops.js';
import { DT, initializer, input, model, node, output, tensor, toOnnx } from '../helpers/onnx-builder.js';

describe('valueTypes', () => {
  const m = toOnnx(model(
    [
      node('Shape', ['x'], ['shape']), node('Size', ['x'], ['size']), node('NonZero', ['x'], ['nz']), node('ArgMax', ['x'], ['am']),
      node('ArgMin', ['x'], ['an']), node('NonMaxSuppression', ['x', 'x'], ['nms']),
      ...['Equal', 'Less', 'Greater', 'LessOrEqual', 'GreaterOrEqual', 'Not', 'And', 'Or', 'Xor', 'IsNaN', 'IsInf'].map((op) => node(op, ['x', 'x'], [`b_${op}`])),
      node('Cast', ['x'], ['cast16'], { to: DT.float16 }), node('Cast', ['shape'], ['castf'], { to: DT.float32 }), node('Cast', ['shape'], ['castd']),
      node('Constant', [], ['k'], { value: tensor('k', [2], Int32Array.of(1, 2)) }), node('Constant', [], ['kf'], { value_float: { f: 1.5 } }),
      node('ConstantOfShape', ['shape'], ['cos'], { value: tensor('v', [1], new BigInt64Array(1)) }), node('ConstantOfShape', ['shape'], ['cosf']),
      node('Where', ['b_Less', 'i64', 'x'], ['wh']), node('Where', ['b_Less'], ['wh0']),
      node('Gather', ['shape', 'i64'], ['g']), node('Relu', ['x'], ['r', '']), node('Relu', ['missing'], ['unknown']),
      node('Relu', [], ['noinput']),
    ],
    [initializer('i64', [1], BigInt64Array.of(0n)), initializer('w16', [1], Uint16Array.of(0))],
    [input('x', [1, 3]), input('ids', [1], DT.int32)], [output('r', [1, 3])], 13,
  ));
  // (typed inside each test: StrykerJS's per-test coverage does not see work done while collecting a describe)
  const typesOf = () => valueTypes(m, indexGraph(m));
  it('graph inputs and initializers by their declared type', () => {
    const types = typesOf();
    expect([types.get('x'), types.get('ids'), types.get('i64'), types.get('w16')]).toEqual([DT.float32, DT.int32, DT.int64, DT.float16]);
  });
  it('index and shape ops give int64, comparisons and logic bool', () => {
    const types = typesOf();
    for (const v of ['shape', 'size', 'nz', 'am', 'an', 'nms']) expect(types.get(v), v).toBe(DT.int64);
    for (const op of ['Equal', 'Less', 'Greater', 'LessOrEqual', 'GreaterOrEqual', 'Not', 'And', 'Or', 'Xor', 'IsNaN', 'IsInf']) expect(types.get(`b_${op}`), op).toBe(DT.bool);
  });
  it('Cast gives its `to` (float without one); Constant and ConstantOfShape their value type (float without one)', () => {
    const types = typesOf();
    expect([types.get('cast16'), types.get('castf'), types.get('castd')]).toEqual([DT.float16, DT.float32, DT.float32]);
    expect([types.get('k'), types.get('kf'), types.get('cos'), types.get('cosf')]).toEqual([DT.int32, DT.float32, DT.int64, DT.float32]);
  });
  it('Where gives the type of its second input; other ops that of their first; unknown stays unknown', () => {
    const types = typesOf();
    expect(types.get('wh')).toBe(DT.int64);
    expect(types.has('wh0')).toBe(false);
    expect(types.get('g')).toBe(DT.int64);
    expect(types.get('r')).toBe(DT.float32);
    expect(types.has('')).toBe(false);
    expect(types.has('unknown')).toBe(false);
    expect(types.has('noinput')).toBe(false);
  });
  it('isFloatType: float32 only', () => {
    const types = typesOf();
    expect(isFloatType(types, 'x')).toBe(true);
    expect(isFloatType(types, 'cast16')).toBe(false);
    expect(isFloatType(types, 'shape')).toBe(false);
    expect(isFloatType(types, 'unknown')).toBe(false);
  });
  it('a graph input without a tensor type is left untyped', () => {
    const p = model([node('Relu', ['x'], ['y'])], [], [input('x', [1])], [output('y', [1])], 13);
    p.graph!.input[0]!.type = undefined;
    const mm = toOnnx(p);
    expect(valueTypes(mm, indexGraph(mm)).size).toBe(0);
  });
});

describe('ops', () => {
  it('roles of the ops', () => {
    expect([...WEIGHTED_OPS].sort()).toEqual(['Conv', 'ConvTranspose', 'Gemm', 'MatMul']);
    expect([...ARITHMETIC_OPS].sort()).toEqual(['Add', 'AveragePool', 'GlobalAveragePool', 'LeakyRelu', 'Mul', 'Sigmoid']);
    expect([...MOVEMENT_OPS].sort()).toEqual(['Flatten', 'Identity', 'MaxPool', 'Reshape', 'Resize', 'Slice', 'Split', 'Squeeze', 'Transpose', 'Unsqueeze']);
    expect(CONCAT).toBe('Concat');
    for (const op of ['Conv', 'Add', 'Reshape', 'Concat']) expect(isQuantizableOp(op), op).toBe(true);
    for (const op of ['Relu', 'Softmax', 'Shape', 'concat']) expect(isQuantizableOp(op), op).toBe(false);
  });
  it('data inputs: the activation positions only', () => {
    expect(dataInputs('Reshape', ['x', 'shape'])).toEqual([0]);
    expect(dataInputs('Resize', ['x', '', 'scales'])).toEqual([0]);
    expect(dataInputs('Conv', ['x', 'w', 'b'])).toEqual([0]);
    expect(dataInputs('ConvTranspose', ['x', 'w'])).toEqual([0]);
    expect(dataInputs('Gemm', ['x', 'w', 'b'])).toEqual([0]);
    expect(dataInputs('Concat', ['a', 'b', 'c'])).toEqual([0, 1, 2]);
    expect(dataInputs('Add', ['a', 'b'])).toEqual([0, 1]);
    expect(dataInputs('Mul', ['a', 'b'])).toEqual([0, 1]);
    expect(dataInputs('MatMul', ['a', 'b'])).toEqual([0, 1]);
    expect(dataInputs('Sigmoid', ['a'])).toEqual([0]);
    expect(dataInputs('LeakyRelu', ['a'])).toEqual([0]);
    expect(dataInputs('Slice', ['x', 'starts', 'ends', 'axes'])).toEqual([0]);
  });
});

describe('checkQuantizable', () => {
  const net = (inputs: ReturnType<typeof input>[], nodes = [node('Relu', ['x'], ['y'])]) => {
    const m = toOnnx(model(nodes, [], inputs, [output('y', [1])], 13));
    return m;
  };
  it('accepts a float image batch [N, 3, H, W], with symbolic dims too', () => {
    expect(() => checkQuantizable(net([input('x', [1, 3, 8, 8])]))).not.toThrow();
    expect(() => checkQuantizable(net([input('x', ['batch', 3, 'h', 'w'])]))).not.toThrow();
    expect(() => checkQuantizable(net([input('x', ['batch', 'c', 'h', 'w'])]))).not.toThrow();
  });
  it('refuses other inputs, naming the input, its type and shape', () => {
    expect(() => checkQuantizable(net([input('x', [1, 1, 8, 8])]), 'm.onnx')).toThrow("m.onnx: input 'x' is float32 [1,1,8,8], not an image batch [N,3,H,W] of float32; static quantization calibrates on letterboxed images");
    expect(() => checkQuantizable(net([input('x', [1, 3, 8])]))).toThrow(UsageError);
    expect(() => checkQuantizable(net([input('x', [1, 3, 8, 8, 1])]))).toThrow(UsageError);
    expect(() => checkQuantizable(net([input('x', [1, 3, 8, 8], DT.float16)]))).toThrow(/is float16 \[1,3,8,8\]/);
    expect(() => checkQuantizable(net([]), 'n.onnx')).toThrow('n.onnx: the model has no input to calibrate');
  });
  it('refuses an already quantized model; the default name is the path or "model"', () => {
    const q = net([input('x', [1, 3, 8, 8])], [node('QuantizeLinear', ['x', 's'], ['y'])]);
    expect(() => checkQuantizable(q)).toThrow('model: already quantized (contains QuantizeLinear); quantize the float model instead');
    expect(() => checkQuantizable(net([]))).toThrow('model: the model has no input to calibrate');
    const withPath = { ...net([]), path: 'a/b.onnx' };
    expect(() => checkQuantizable(withPath)).toThrow('a/b.onnx: the model has no input to calibrate');
  });
});
