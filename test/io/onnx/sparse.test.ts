import { create } from '@bufbuild/protobuf';
import { SparseTensorProtoSchema } from 'onnx-buf';
import { describe, expect, it } from 'vitest';
import { ModelFormatError } from '../../../src/core/errors.js';
import { countStoredNonZero, getTensor, parseOnnx, readTensor, serializeOnnx, toDenseTensor, toSparseTensor } from '../../../src/io/onnx/index.js';
import { input, model, node, output, tensor, toBytes } from '../../helpers/onnx-builder.js';

/** 12 values, shape [3,4]: zeros at 0,1,3,4,5,7,8,10,11; −0 at index 9 is a stored value, not a zero. */
const values = Float32Array.of(0, 0, 1.5, 0, 0, 0, -2, 0, 0, -0, 0, 0);
const dense = tensor('w', [3, 4], values);

const sparseOf = (idx: { dataType: number; dims: number[]; data: BigInt64Array | Int32Array }, vals: Float32Array, dims = [3, 4]) =>
  create(SparseTensorProtoSchema, { dims: dims.map(BigInt), values: tensor('w', [vals.length], vals), indices: tensor('', idx.dims, idx.data, { dataType: idx.dataType }) });

describe('toSparseTensor / toDenseTensor', () => {
  it('keeps the non-zero elements (−0 included) with ascending int64 linear indices, and round-trips byte for byte', () => {
    const s = toSparseTensor(dense);
    expect(s.values!.name).toBe('w');
    expect(s.dims).toEqual([3n, 4n]);
    expect(s.indices!.dataType).toBe(7);
    expect(Array.from(readTensor(s.indices!).data as BigInt64Array)).toEqual([2n, 6n, 9n]);
    expect(Array.from(readTensor(s.values!).data as Float32Array)).toEqual([1.5, -2, -0]);
    expect(Object.is((readTensor(s.values!).data as Float32Array)[2], -0)).toBe(true);
    const back = toDenseTensor(s);
    expect(back.name).toBe('w');
    expect(Array.from(back.rawData)).toEqual(Array.from(dense.rawData));
    expect(countStoredNonZero(dense)).toEqual({ elements: 12, nonZero: 3 });
  });

  it('reads values stored in float_data, not only raw_data', () => {
    const typed = tensor('w', [3, 4], values, { storage: 'typed' });
    expect(Array.from(readTensor(toDenseTensor(toSparseTensor(typed))).data as Float32Array)).toEqual(Array.from(values));
  });

  it('decodes the [NNZ, rank] coordinate form and narrower index types', () => {
    const coo = sparseOf({ dataType: 7, dims: [2, 2], data: BigInt64Array.of(0n, 2n, 2n, 1n) }, Float32Array.of(5, 7));
    expect(Array.from(readTensor(toDenseTensor(coo)).data as Float32Array)).toEqual([0, 0, 5, 0, 0, 0, 0, 0, 0, 7, 0, 0]);
    const i32 = sparseOf({ dataType: 6, dims: [2], data: Int32Array.of(1, 11) }, Float32Array.of(5, 7));
    expect(Array.from(readTensor(toDenseTensor(i32)).data as Float32Array)).toEqual([0, 5, 0, 0, 0, 0, 0, 0, 0, 0, 0, 7]);
  });

  it('rejects indices out of range, not ascending or not matching the values', () => {
    expect(() => toDenseTensor(sparseOf({ dataType: 7, dims: [2], data: BigInt64Array.of(3n, 12n) }, Float32Array.of(1, 2)))).toThrow(/index 12 at position 1 is out of range \[0, 12\)/);
    expect(() => toDenseTensor(sparseOf({ dataType: 7, dims: [2], data: BigInt64Array.of(5n, 5n) }, Float32Array.of(1, 2)))).toThrow(/not ascending/);
    expect(() => toDenseTensor(sparseOf({ dataType: 7, dims: [3], data: BigInt64Array.of(1n, 2n, 3n) }, Float32Array.of(1, 2)))).toThrow(ModelFormatError);
  });
});

describe('parseOnnx of a model with sparse initializers', () => {
  it('reads them as dense initializers and re-encodes on save', () => {
    const m = model([node('Add', ['x', 'w'], ['y'])], [], [input('x', [3, 4])], [output('y', [3, 4])]);
    m.graph!.sparseInitializer = [toSparseTensor(dense)];
    const bytes = toBytes(m);
    const parsed = parseOnnx(bytes, { path: 's.onnx' });
    expect(parsed.proto.graph!.sparseInitializer).toEqual([]);
    expect(Array.from(getTensor(parsed, 'w').data as Float32Array)).toEqual(Array.from(values));
    expect(parsed.patches).toBeUndefined();
    expect(serializeOnnx(parsed)).not.toBe(bytes);
    const bad = model([node('Add', ['x', 'w'], ['y'])], [], [input('x', [3, 4])], [output('y', [3, 4])]);
    bad.graph!.sparseInitializer = [sparseOf({ dataType: 7, dims: [1], data: BigInt64Array.of(40n) }, Float32Array.of(1))];
    expect(() => parseOnnx(toBytes(bad), { path: 'bad.onnx' })).toThrow(/^'bad.onnx': sparse initializer 'w': index 40/);
  });
});
