/**
 * Small constructors for the ONNX messages that graph rewrites create (nodes, attributes, constant tensors,
 * value infos). Node names default to `<first output>__node`.
 */
import { create } from '@bufbuild/protobuf';
import {
  AttributeProto_AttributeType, AttributeProtoSchema, NodeProtoSchema, TensorProtoSchema, TypeProto_TensorSchema, TypeProtoSchema, ValueInfoProtoSchema,
  type AttributeProto, type NodeProto, type TensorProto, type ValueInfoProto,
} from 'onnx-buf';
import type { Tensor } from '../../core/dtype.js';
import { DTYPE_ONNX } from './dtypes.js';
import { makeTensorProto } from './tensor.js';

export const attrInts = (name: string, values: readonly number[]): AttributeProto =>
  create(AttributeProtoSchema, { name, type: AttributeProto_AttributeType.INTS, ints: values.map((v) => BigInt(v)) });
export const attrInt = (name: string, value: number): AttributeProto =>
  create(AttributeProtoSchema, { name, type: AttributeProto_AttributeType.INT, i: BigInt(value) });
export const attrString = (name: string, value: string): AttributeProto =>
  create(AttributeProtoSchema, { name, type: AttributeProto_AttributeType.STRING, s: new TextEncoder().encode(value) });

export function makeNode(opType: string, input: readonly string[], output: readonly string[], attribute: AttributeProto[] = [], options: { name?: string; domain?: string } = {}): NodeProto {
  return create(NodeProtoSchema, { opType, input: [...input], output: [...output], attribute, name: options.name ?? `${output[0]}__node`, domain: options.domain ?? '' });
}

/** A raw-data TensorProto named `name` holding `values`. */
export function makeTensor(name: string, values: Tensor): TensorProto {
  return makeTensorProto(create(TensorProtoSchema, {}), name, values);
}

export const int64Tensor = (name: string, values: readonly number[]): TensorProto =>
  makeTensor(name, { dtype: 'int64', dims: [values.length], data: BigInt64Array.from(values, (v) => BigInt(v)) });

/** A graph output/value info with an element type and no shape. */
export function makeValueInfo(name: string, dtype: keyof typeof DTYPE_ONNX): ValueInfoProto {
  const elemType = DTYPE_ONNX[dtype];
  return create(ValueInfoProtoSchema, { name, type: create(TypeProtoSchema, { value: { case: 'tensorType', value: create(TypeProto_TensorSchema, { elemType }) } }) });
}
