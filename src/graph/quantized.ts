/**
 * Is a model already quantized? QDQ (QuantizeLinear/DequantizeLinear pairs) and QOperator models (QLinearConv,
 * ConvInteger, MatMulInteger, …) are: pruning or quantizing them again is refused with a message naming the ops.
 */
import type { OnnxModel } from '../io/onnx/index.js';
import { UsageError } from '../core/errors.js';

const QUANT_OPS = new Set(['QuantizeLinear', 'DequantizeLinear', 'DynamicQuantizeLinear', 'QLinearConv', 'QLinearMatMul', 'ConvInteger', 'MatMulInteger', 'QLinearAdd', 'QLinearMul', 'QGemm', 'QLinearSigmoid', 'QLinearConcat']);

/** The quantization ops of a model (empty for a float model). */
export function quantizationOps(model: OnnxModel): string[] {
  return [...new Set(model.proto.graph!.node.map((n) => n.opType).filter((op) => QUANT_OPS.has(op)))];
}

/** UsageError when `model` is quantized: `action` (e.g. 'prune') must start from the float model. */
export function refuseQuantized(model: OnnxModel, action: string, what = model.path ?? 'model'): void {
  const q = quantizationOps(model);
  if (q.length > 0) throw new UsageError(`${what}: already quantized (contains ${q.join(', ')}); ${action} the float model instead`, model.path);
}
