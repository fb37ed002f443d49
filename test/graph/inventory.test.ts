import { describe, expect, it } from 'vitest';
import { UnsupportedOpError } from '../../src/core/errors.js';
import { countNonZero, countNonZeroBytes, listLayers, modulePathFromNodeName } from '../../src/graph/index.js';
import { parseOnnx } from '../../src/io/onnx/index.js';
import { constant, DT, initializer, input, model, node, output, randomFloats, tinyConvNet, toBytes, toOnnx } from '../helpers/onnx-builder.js';

describe('listLayers on hand-built models', () => {
  it('finds Conv (plain, depthwise, 1×1) and Gemm with paths, groups, params, biases and MACs', () => {
    const layers = listLayers(toOnnx(tinyConvNet()));
    expect(layers.map((l) => [l.modulePath, l.opType, l.layout, l.dims, l.groups, l.depthwise, l.params, l.biasId])).toEqual([
      ['model.0.conv', 'Conv', 'conv', [8, 3, 3, 3], 1, false, 216, 'model.0.conv.bias'],
      ['model.1.conv', 'Conv', 'conv', [8, 1, 3, 3], 8, true, 72, undefined],
      ['model.2.conv', 'Conv', 'conv', [4, 8, 1, 1], 1, false, 32, undefined],
      ['model.3.linear', 'Gemm', 'nk', [10, 256], 1, false, 2560, 'model.3.linear.bias'],
    ]);
    // MACs by hand: out elements × (Cin/groups × k×k); Gemm M×K×N.
    expect(layers.map((l) => l.macs)).toEqual([8 * 16 * 16 * 27, 8 * 16 * 16 * 9, 4 * 8 * 8 * 8, 1 * 256 * 10]);
    expect(layers[1]!.pathSource).toBe('node-name');
  });

  it('counts a weight shared by several nodes once, directly and through Identity, summing its MACs', () => {
    const w = initializer('shared.weight', [4, 4, 1, 1], randomFloats(16));
    const m = toOnnx(model(
      [
        node('Conv', ['x', 'shared.weight'], ['a'], {}, '/model.0/conv/Conv'),
        node('Conv', ['a', 'shared.weight'], ['b'], {}, '/model.1/conv/Conv'),
        node('Identity', ['shared.weight'], ['w_copy'], {}, '/Identity'),
        node('Conv', ['b', 'w_copy'], ['y'], {}, '/model.2/conv/Conv'),
      ],
      [w], [input('x', [1, 4, 5, 5])], [output('y', [1, 4, 5, 5])],
    ));
    const layers = listLayers(m);
    expect(layers).toHaveLength(1);
    expect(layers[0]!.id).toBe('shared.weight');
    expect(layers[0]!.params).toBe(16);
    expect(layers[0]!.nodeNames).toEqual(['/model.0/conv/Conv', '/model.1/conv/Conv', '/model.2/conv/Conv']);
    expect(layers[0]!.macs).toBe(3 * (4 * 25 * 4));
  });

  it('finds weights in Constant nodes and MatMul with a constant operand on either side', () => {
    const m = toOnnx(model(
      [
        constant('W1', [6, 3], randomFloats(18)),
        node('MatMul', ['x', 'W1'], ['h'], {}, '/model.0/fc1/MatMul'),
        constant('P', [2, 4], randomFloats(8)),
        node('MatMul', ['P', 'x'], ['p'], {}, '/model.1/proj/MatMul'),
        node('MatMul', ['h', 'h2'], ['ignored'], {}, '/model.2/MatMul'),
      ],
      [initializer('h2', [3], randomFloats(3))], [input('x', [1, 4, 6])], [output('h', [1, 4, 3]), output('p', [1, 2, 6])],
    ));
    const layers = listLayers(m);
    expect(layers.map((l) => [l.id, l.opType, l.layout, l.modulePath, l.macs])).toEqual([
      ['W1', 'MatMul', 'kn', 'model.0.fc1', 4 * 3 * 6],
      ['P', 'MatMul', 'mk', 'model.1.proj', 2 * 6 * 4],
    ]);
  });

  it('counts non-zeros (±0 is zero) and reports zeros per layer', () => {
    const data = new Float32Array([0, -0, 1, 0, 2, 0, 0, 0]);
    const m = toOnnx(model([node('Conv', ['x', 'w'], ['y'], {}, '/c/Conv')], [initializer('w', [2, 1, 2, 2], data)], [input('x', [1, 1, 4, 4])], [output('y', [1, 2, 3, 3])]));
    expect(listLayers(m)[0]!.nonZero).toBe(2);
  });

  it('an unsupported weight dtype is an UnsupportedOpError naming the file, the weight and the type', () => {
    const bytes = toBytes(model([node('Conv', ['x', 'w'], ['y'], {}, '/c/Conv')], [initializer('w', [1, 1, 1, 1], new Float32Array(2), { dataType: DT.complex64 })], [input('x', [1, 1, 2, 2])], [output('y', [1, 1, 2, 2])]));
    const m = parseOnnx(bytes, { path: 'bad.onnx' });
    expect(() => listLayers(m)).toThrow(UnsupportedOpError);
    expect(() => listLayers(m)).toThrow("'bad.onnx': weight 'w' of node '/c/Conv': data type complex64 is not supported");
  });
});

describe('countNonZeroBytes agrees with countNonZero, aligned or not', () => {
  const cases = [
    { dtype: 'float32' as const, data: new Float32Array([0, -0, 1.5, NaN, 0, -3]) },
    { dtype: 'float64' as const, data: new Float64Array([0, -0, 1e-310, 0, 2]) },
    { dtype: 'int32' as const, data: new Int32Array([0, -1, 0, 5]) },
    { dtype: 'int8' as const, data: new Int8Array([0, -128, 0, 1]) },
    { dtype: 'float16' as const, data: new Uint16Array([0, 0x8000, 0x3c00, 0]) },
    { dtype: 'int64' as const, data: new BigInt64Array([0n, -1n, 1n << 40n, 0n]) },
  ];
  for (const c of cases) {
    it(c.dtype, () => {
      const expected = countNonZero({ dtype: c.dtype, dims: [c.data.length], data: c.data } as never);
      const bytes = new Uint8Array(c.data.buffer.slice(0));
      const shifted = new Uint8Array(bytes.length + 1);
      shifted.set(bytes, 1);
      expect(countNonZeroBytes(c.dtype, bytes, c.data.length)).toBe(expected);
      expect(countNonZeroBytes(c.dtype, shifted.subarray(1), c.data.length)).toBe(expected);
    });
  }
});

describe('modulePathFromNodeName', () => {
  it('joins scopes and merges the repeated container scopes torch.onnx writes', () => {
    expect(modulePathFromNodeName('/model.9/branch1/m/cv1/conv/Conv')).toBe('model.9.branch1.m.cv1.conv');
    expect(modulePathFromNodeName('/model.2/layers/layers.0/c/Conv')).toBe('model.2.layers.0.c');
    expect(modulePathFromNodeName('/model.6/m.0/m.0.0/attn/qk/conv/Conv')).toBe('model.6.m.0.0.attn.qk.conv');
    expect(modulePathFromNodeName('/model.2/cv1/large_branch/large_branch.0/Conv')).toBe('model.2.cv1.large_branch.0');
    expect(modulePathFromNodeName('/model.22/Concat')).toBe('model.22');
    expect(modulePathFromNodeName('/Conv')).toBeUndefined();
    expect(modulePathFromNodeName('Conv_12')).toBeUndefined();
  });
});
