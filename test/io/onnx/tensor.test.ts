import { describe, expect, it } from 'vitest';
import { ModelFormatError, UnsupportedOpError } from '../../../src/core/errors.js';
import { floatToBf16, floatToHalf } from '../../../src/core/half.js';
import { readTensor, withValues } from '../../../src/io/onnx/index.js';
import { DT, tensor } from '../../helpers/onnx-builder.js';

const CASES = [
  { name: 'float32', values: new Float32Array([1.5, -2, 0, 3.25]) },
  { name: 'float64', values: new Float64Array([1e-300, -2.5, 0, 7]) },
  { name: 'int8', values: new Int8Array([-128, 0, 5, 127]) },
  { name: 'uint8', values: new Uint8Array([0, 1, 200, 255]) },
  { name: 'int32', values: new Int32Array([-(2 ** 31), 0, 42, 2 ** 31 - 1]) },
  { name: 'int64', values: new BigInt64Array([-(2n ** 62n), 0n, 42n, 2n ** 62n]) },
  { name: 'float16', values: new Uint16Array([1, -2, 0, 0.5].map(floatToHalf)) },
  { name: 'bfloat16', values: new Uint16Array([1, -2, 0, 0.5].map(floatToBf16)), dataType: DT.bfloat16 },
] as const;

describe('readTensor: dtypes in raw_data and in the typed fields', () => {
  for (const c of CASES) {
    for (const storage of ['raw', 'typed'] as const) {
      it(`${c.name} via ${storage === 'raw' ? 'raw_data' : 'typed repeated field'}`, () => {
        const t = tensor('w', [2, 2], c.values, { storage, dataType: 'dataType' in c ? c.dataType : undefined });
        const out = readTensor(t);
        expect(out.dtype).toBe(c.name);
        expect(out.dims).toEqual([2, 2]);
        expect(Array.from(out.data as ArrayLike<number | bigint>)).toEqual(Array.from(c.values as ArrayLike<number | bigint>));
      });
    }
  }

  it('views raw_data without copying when aligned, copies when not', () => {
    const t = tensor('w', [4], new Float32Array([1, 2, 3, 4]));
    const aligned = readTensor(t);
    expect(aligned.data.buffer).toBe(t.rawData.buffer);
    const buf = new Uint8Array(17);
    buf.set(t.rawData, 1);
    t.rawData = buf.subarray(1);
    const copied = readTensor(t);
    expect(Array.from(copied.data as Float32Array)).toEqual([1, 2, 3, 4]);
    expect(copied.data.buffer).not.toBe(buf.buffer);
  });

  it('rejects string and complex64 tensors with UnsupportedOpError naming the tensor and the type', () => {
    const s = tensor('labels', [1], new Uint8Array(0), { dataType: DT.string });
    expect(() => readTensor(s)).toThrow(UnsupportedOpError);
    expect(() => readTensor(s)).toThrow(/tensor 'labels': data type string is not supported/);
    const c = tensor('z', [2], new Float32Array(4), { dataType: DT.complex64 });
    expect(() => readTensor(c)).toThrow(/tensor 'z': data type complex64 is not supported/);
  });

  it('rejects absurd dims and short data without allocating', () => {
    const huge = tensor('w', [2 ** 30, 2 ** 30, 2 ** 30], new Float32Array(1), { storage: 'typed' });
    expect(() => readTensor(huge)).toThrow(ModelFormatError);
    expect(() => readTensor(huge)).toThrow(/too many elements/);
    const neg = tensor('w', [-1, 4], new Float32Array(4));
    expect(() => readTensor(neg)).toThrow(/invalid dimension -1/);
    const typedShort = tensor('w', [1000, 1000], new Float32Array(3), { storage: 'typed' });
    expect(() => readTensor(typedShort)).toThrow(/3 values for 1000000 elements/);
    const rawShort = tensor('w', [4, 4], new Float32Array(3));
    expect(() => readTensor(rawShort)).toThrow(/12 data bytes for shape \[4,4\] float32 \(needs 64\)/);
  });
});

describe('withValues', () => {
  it('keeps the storage (raw_data stays raw, float_data stays float_data) and leaves the input alone', () => {
    const raw = tensor('w', [3], new Float32Array([1, 2, 3]));
    const typed = tensor('w', [3], new Float32Array([1, 2, 3]), { storage: 'typed' });
    const values = { dtype: 'float32' as const, dims: [3], data: new Float32Array([0, 5, 0]) };
    const a = withValues(raw, values);
    const b = withValues(typed, values);
    expect(a.rawData.length).toBe(12);
    expect(a.floatData).toEqual([]);
    expect(b.rawData.length).toBe(0);
    expect(b.floatData).toEqual([0, 5, 0]);
    expect(Array.from(readTensor(raw).data as Float32Array)).toEqual([1, 2, 3]);
    expect(typed.floatData).toEqual([1, 2, 3]);
  });

  it('refuses another dtype or element count', () => {
    const t = tensor('w', [2], new Float32Array(2));
    expect(() => withValues(t, { dtype: 'float64', dims: [2], data: new Float64Array(2) })).toThrow(UnsupportedOpError);
    expect(() => withValues(t, { dtype: 'float32', dims: [3], data: new Float32Array(3) })).toThrow(/3 new values for 2 elements/);
  });
});
