/**
 * The numeric precision a model computes and stores its weights in, for display next to size and latency:
 * `float32`, `float16`, `int8 QDQ` (static: QuantizeLinear/DequantizeLinear on activations and weights),
 * `int8 QOperator` (QLinearConv, ConvInteger, …), `int8 weights` (DequantizeLinear on weights only, float
 * compute), `fp16 weights` (float16 initializers behind Cast, float compute). Pure; reads op types and
 * initializer dtypes only.
 */
import type { OnnxModel } from '../io/onnx/index.js';

export type PrecisionKind = 'float32' | 'float16' | 'float64' | 'bfloat16' | 'int8-qdq' | 'int8-qoperator' | 'int8-weights' | 'fp16-weights';

export interface ModelPrecision {
  kind: PrecisionKind;
  /** Short label, e.g. `int8 QDQ`, `fp16 weights (float32 compute)`. */
  label: string;
}

const QOPERATOR = new Set(['QLinearConv', 'QLinearMatMul', 'ConvInteger', 'MatMulInteger', 'QGemm', 'QLinearAdd', 'QLinearMul', 'QLinearSigmoid', 'QLinearConcat']);
// ONNX TensorProto.DataType codes.
const FLOAT = 1, FLOAT16 = 10, DOUBLE = 11, BFLOAT16 = 16;
const LABELS: Record<PrecisionKind, string> = {
  'float32': 'float32', 'float16': 'float16', 'float64': 'float64', 'bfloat16': 'bfloat16',
  'int8-qdq': 'int8 QDQ', 'int8-qoperator': 'int8 QOperator',
  'int8-weights': 'int8 weights (float compute)', 'fp16-weights': 'fp16 weights (float32 compute)',
};

const numel = (dims: readonly bigint[]): number => dims.reduce((n, d) => n * Number(d), 1);

/** The precision of `model` (see the module comment). */
export function modelPrecision(model: OnnxModel): ModelPrecision {
  const graph = model.proto.graph!;
  const ops = new Set(graph.node.map((n) => n.opType));
  const kind = ((): PrecisionKind => {
    if ([...ops].some((op) => QOPERATOR.has(op))) return 'int8-qoperator';
    if (ops.has('QuantizeLinear') && ops.has('DequantizeLinear')) return 'int8-qdq';
    if (ops.has('DequantizeLinear')) return 'int8-weights';
    // Float models: the dtype holding most initializer elements; float16 behind Cast computes in float32.
    const elements = new Map<number, number>();
    for (const t of graph.initializer) elements.set(t.dataType, (elements.get(t.dataType) ?? 0) + numel(t.dims));
    let top = FLOAT, most = -1;
    for (const dt of [FLOAT, FLOAT16, DOUBLE, BFLOAT16]) {
      const n = elements.get(dt) ?? 0;
      if (n > most) { top = dt; most = n; }
    }
    if (top === FLOAT16) return ops.has('Cast') && inputElemType(model) === FLOAT ? 'fp16-weights' : 'float16';
    if (top === DOUBLE) return 'float64';
    if (top === BFLOAT16) return 'bfloat16';
    return 'float32';
  })();
  return { kind, label: LABELS[kind] };
}

function inputElemType(model: OnnxModel): number | undefined {
  const graph = model.proto.graph!;
  const inits = new Set(graph.initializer.map((t) => t.name));
  const input = graph.input.find((v) => !inits.has(v.name));
  return input?.type?.value.case === 'tensorType' ? input.type.value.value.elemType : undefined;
}
