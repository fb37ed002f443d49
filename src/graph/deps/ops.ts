/**
 * How ONNX operators treat the channel axis (axis 1 of an NCHW tensor). Used by the dependency tracer and the
 * channel-consistency checker; anything not listed here is a barrier.
 */

/** One input, output has the same shape (channel i of the output depends on channel i of the input only). */
export const UNARY_OPS: ReadonlySet<string> = new Set([
  'Relu', 'Sigmoid', 'Tanh', 'HardSigmoid', 'HardSwish', 'LeakyRelu', 'Clip', 'Elu', 'Selu', 'Celu', 'Softplus',
  'Softsign', 'Gelu', 'Erf', 'Exp', 'Log', 'Neg', 'Abs', 'Sqrt', 'Reciprocal', 'Mish', 'ThresholdedRelu', 'Sign',
  'Floor', 'Ceil', 'Round', 'Sin', 'Cos', 'Identity', 'Dropout', 'Cast', 'Not', 'IsNaN', 'IsInf',
]);

/** Unary ops that keep the channel axis and change only spatial dims. */
export const SPATIAL_OPS: ReadonlySet<string> = new Set([
  'MaxPool', 'AveragePool', 'GlobalAveragePool', 'GlobalMaxPool', 'LpPool', 'GlobalLpPool', 'Resize', 'Upsample',
  'Pad', 'ReduceMean', 'ReduceMax', 'ReduceMin', 'ReduceSum', 'ReduceL1', 'ReduceL2',
]);

/** Elementwise ops with numpy broadcasting over several inputs. */
export const BROADCAST_OPS: ReadonlySet<string> = new Set(['Add', 'Sub', 'Mul', 'Div', 'Pow', 'Max', 'Min', 'Sum', 'Mean', 'PRelu']);

/** Per-channel normalisations: inputs 1.. are [C] parameters. */
export const NORM_OPS: ReadonlySet<string> = new Set(['BatchNormalization', 'InstanceNormalization']);

export const REDUCE_OPS: ReadonlySet<string> = new Set(['ReduceMean', 'ReduceMax', 'ReduceMin', 'ReduceSum', 'ReduceL1', 'ReduceL2']);

/** Normalise a possibly negative axis for a tensor of rank `rank`. */
export function normAxis(axis: number, rank: number): number {
  return axis < 0 ? axis + rank : axis;
}
