import { create } from '@bufbuild/protobuf';
import { SparseTensorProtoSchema } from 'onnx-buf';
import { describe, expect, it } from 'vitest';
import { breakEvenZeros, SPARSE_INDEX_BYTES, sparseStorage } from '../../src/quantize/sparse.js';
import { DT, initializer, input, model, node, output, tensor, toOnnx } from '../helpers/onnx-builder.js';

const zerosBut = (n: number, nonZero: number[]) => { const v = new Float32Array(n); for (const i of nonZero) v[i] = i + 1; return v; };

function net(inits: ReturnType<typeof initializer>[], inputs = [input('x', [1])]) {
  return toOnnx(model([node('Identity', ['x'], ['y'])], inits, inputs, [output('y', [1])], 13));
}

describe('sparseStorage candidates', () => {
  it('numeric initializers of ≥ 16 elements (default) are candidates, largest first; bool, smaller and graph-input ones are not', () => {
    const m = net([
      initializer('small', [15], new Float32Array(15)),
      initializer('f16', [16], new Float32Array(16)),
      initializer('i8', [64], new Int8Array(64)),
      initializer('big', [40], zerosBut(40, [3])),
      initializer('flags', [32], new Uint8Array(32), { dataType: DT.bool }),
      initializer('x2', [32], new Float32Array(32)),
    ], [input('x', [1]), input('x2', [32])]);
    const r = sparseStorage(m);
    expect(r.tensors.map((t) => t.name)).toEqual(['big', 'f16', 'i8']);
    expect(r.tensors.map((t) => [t.elements, t.nonZero, t.sparse])).toEqual([[40, 1, true], [16, 0, true], [64, 0, true]]);
    expect(r.tensors.every((t) => t.sparseBytes < t.denseBytes)).toBe(true);
    expect(r.model.proto.graph!.initializer.map((t) => t.name)).toEqual(['small', 'flags', 'x2']);
    expect(r.model.proto.graph!.sparseInitializer.map((s) => s.values!.name)).toEqual(['f16', 'i8', 'big']);
    expect(r.bytes.before).toBe(r.tensors.reduce((a, t) => a + t.denseBytes, 0));
    expect(r.bytes.after).toBe(r.tensors.reduce((a, t) => a + t.sparseBytes, 0));
  });
  it('minElements sets the threshold; bytes count dense size for the tensors kept dense', () => {
    const m = net([initializer('small', [15], new Float32Array(15)), initializer('dense', [20], Float32Array.from({ length: 20 }, (_, i) => i + 1))]);
    const r = sparseStorage(m, { minElements: 15 });
    expect(r.tensors.map((t) => [t.name, t.sparse])).toEqual([['dense', false], ['small', true]]);
    const dense = r.tensors[0]!;
    expect(r.bytes.after).toBe(dense.denseBytes + r.tensors[1]!.sparseBytes);
    expect(r.bytes.before).toBe(dense.denseBytes + r.tensors[1]!.denseBytes);
    expect(sparseStorage(m, { minElements: 21 })).toEqual({ model: m, tensors: [], bytes: { before: 0, after: 0 } });
  });
  it('keeps sparse initializers the model already has', () => {
    const m = net([initializer('z', [32], new Float32Array(32))]);
    const prior = create(SparseTensorProtoSchema, { values: tensor('old', [0], new Float32Array(0)), indices: tensor('old_i', [0], new BigInt64Array(0)), dims: [4n] });
    m.proto.graph!.sparseInitializer.push(prior);
    const r = sparseStorage(m);
    expect(r.model.proto.graph!.sparseInitializer.map((s) => s.values!.name)).toEqual(['old', 'z']);
  });
  it('a tie in bytes stays dense: float32 [18] with 5 non-zeros is 81 bytes either way; 4 non-zeros go sparse, 6 stay dense', () => {
    const at = (nonZero: number) => sparseStorage(net([initializer('w', [18], Float32Array.from({ length: 18 }, (_, i) => (i < nonZero ? 1 : 0)))])).tensors[0]!;
    expect(at(5)).toMatchObject({ denseBytes: 81, sparseBytes: 81, sparse: false });
    expect(at(4)).toMatchObject({ denseBytes: 81, sparseBytes: 69, sparse: true });
    expect(at(6)).toMatchObject({ denseBytes: 81, sparseBytes: 93, sparse: false });
    // int8 [21] with 1 non-zero: 30 bytes either way
    expect(sparseStorage(net([initializer('q', [21], Int8Array.from({ length: 21 }, (_, i) => (i === 0 ? 7 : 0)))])).tensors[0]).toMatchObject({ denseBytes: 30, sparseBytes: 30, sparse: false });
  });
  it('an initializer of a data type prunekit does not read (uint16) is no candidate and stays as it is', () => {
    const m = net([initializer('u16', [32], new Uint8Array(64), { dataType: 4 }), initializer('z', [32], new Float32Array(32))]);
    const r = sparseStorage(m);
    expect(r.tensors.map((t) => t.name)).toEqual(['z']);
    expect(r.model.proto.graph!.initializer.map((t) => t.name)).toEqual(['u16']);
  });
  it('returns the very same model when no candidate gets smaller', () => {
    const m = net([initializer('dense', [20], Float32Array.from({ length: 20 }, (_, i) => i + 1))]);
    const r = sparseStorage(m);
    expect(r.model).toBe(m);
    expect(r.tensors.map((t) => [t.name, t.sparse])).toEqual([['dense', false]]);
  });
  it('break-even zero fractions follow the 8-byte index', () => {
    expect(SPARSE_INDEX_BYTES).toBe(8);
    expect(breakEvenZeros(4)).toBe(8 / 12);
    expect(breakEvenZeros(8)).toBe(0.5);
  });
});
