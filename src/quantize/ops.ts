/**
 * What each ONNX op is to the quantizer. Weighted ops have int8 weights and fuse with their Q/DQ pairs into integer
 * kernels (QLinearConv, QLinearMatMul); arithmetic ops have integer kernels in onnxruntime (QLinearAdd, QLinearMul,
 * QLinearSigmoid, QLinearAveragePool, QLinearGlobalAveragePool); data-movement ops only move values, so their
 * output reuses their input's scale and zero point and onnxruntime drops the Q/DQ pair around them.
 */

export const WEIGHTED_OPS: ReadonlySet<string> = new Set(['Conv', 'ConvTranspose', 'Gemm', 'MatMul']);
export const ARITHMETIC_OPS: ReadonlySet<string> = new Set(['Add', 'Mul', 'Sigmoid', 'AveragePool', 'GlobalAveragePool', 'LeakyRelu']);
/** Ops whose outputs hold values of their data input (shared scale). Concat is handled apart (see the plan). */
export const MOVEMENT_OPS: ReadonlySet<string> = new Set(['Reshape', 'Transpose', 'Flatten', 'Squeeze', 'Unsqueeze', 'Split', 'Slice', 'MaxPool', 'Resize', 'Identity']);
export const CONCAT = 'Concat';

/** Ops the quantizer can put between Q/DQ pairs. */
export function isQuantizableOp(op: string): boolean {
  return WEIGHTED_OPS.has(op) || ARITHMETIC_OPS.has(op) || MOVEMENT_OPS.has(op) || op === CONCAT;
}

/** Input positions of a node that carry activations to quantize (the others are shapes, indices, weights, biases). */
export function dataInputs(op: string, inputs: readonly string[]): number[] {
  if (op === CONCAT) return inputs.map((_, i) => i);
  if (op === 'Add' || op === 'Mul' || op === 'MatMul') return [0, 1];
  return [0]; // data movement (the rest are shapes, scales, indices), Conv/ConvTranspose/Gemm (weights, bias), unary ops
}
