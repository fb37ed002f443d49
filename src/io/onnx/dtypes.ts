/** ONNX TensorProto.DataType codes ↔ prunekit dtypes. */
import type { DType } from '../../core/dtype.js';

export const ONNX_DTYPE: Readonly<Record<number, DType>> = {
  1: 'float32', 2: 'uint8', 3: 'int8', 5: 'int16', 6: 'int32', 7: 'int64', 9: 'bool', 10: 'float16', 11: 'float64',
  16: 'bfloat16',
};

export const ONNX_DTYPE_NAME: Readonly<Record<number, string>> = {
  0: 'undefined', 1: 'float32', 2: 'uint8', 3: 'int8', 4: 'uint16', 5: 'int16', 6: 'int32', 7: 'int64', 8: 'string',
  9: 'bool', 10: 'float16', 11: 'float64', 12: 'uint32', 13: 'uint64', 14: 'complex64', 15: 'complex128',
  16: 'bfloat16', 17: 'float8e4m3fn', 18: 'float8e4m3fnuz', 19: 'float8e5m2', 20: 'float8e5m2fnuz', 21: 'uint4',
  22: 'int4', 23: 'float4e2m1',
};

export const DTYPE_ONNX: Readonly<Record<DType, number>> = {
  float32: 1, uint8: 2, int8: 3, int16: 5, int32: 6, int64: 7, bool: 9, float16: 10, float64: 11, bfloat16: 16,
};

/** Human name of an ONNX data type code (for messages). */
export function onnxDTypeName(code: number): string {
  return ONNX_DTYPE_NAME[code] ?? `data type ${code}`;
}
