/**
 * Smaller storage, float compute: `weightOnlyInt8` stores the weights of Conv/ConvTranspose/Gemm/MatMul as int8
 * (per output channel for convs, with a zero point per channel and sum-preserving rounding by default: see
 * weight-asym.ts) behind a DequantizeLinear (≈ 4× smaller weights, standard opset-13 ops, runs on any runtime);
 * `fp16Weights` stores every float32 initializer of ≥ `minElements` values as float16 behind a Cast to float
 * (≈ 2× smaller; onnxruntime folds the Cast at load, so compute stays float32). Biases and small tensors stay
 * float32. Both raise the model to opset 13 only when per-axis DequantizeLinear needs it.
 */
import type { NodeProto, TensorProto } from 'onnx-buf';
import { toFloat32 } from '../core/convert.js';
import type { Tensor } from '../core/dtype.js';
import { floatToHalf } from '../core/half.js';
import { indexGraph, intAttr } from '../graph/onnx-graph.js';
import { attrInt, getTensor, makeNode, makeTensor, shallowCopy, withProto, type OnnxModel } from '../io/onnx/bytes.js';
import { upgradeToOpset13 } from './opset.js';
import { floatWeightedLayers } from './layer-weights.js';
import { quantizeWeightsAsymmetric } from './weight-asym.js';
import { quantizeWeights } from './weights.js';

export interface StorageResult { model: OnnxModel; tensors: number; /** weight bytes before → after */ bytes: { before: number; after: number } }

function rewrite(model: OnnxModel, replace: (name: string, proto: TensorProto) => { inits: TensorProto[]; nodes: NodeProto[]; output: string } | undefined, names: ReadonlySet<string>): StorageResult {
  const graph = shallowCopy(model.proto.graph!);
  const out = new Map<string, string>();
  const inits: TensorProto[] = [];
  const pre: NodeProto[] = [];
  let before = 0, after = 0;
  for (const t of graph.initializer) {
    const r = names.has(t.name) ? replace(t.name, t) : undefined;
    if (!r) { inits.push(t); continue; }
    before += t.rawData.length || t.floatData.length * 4;
    after += r.inits.reduce((a, x) => a + x.rawData.length, 0);
    inits.push(...r.inits);
    pre.push(...r.nodes);
    out.set(t.name, r.output);
  }
  graph.initializer = inits;
  graph.node = [...pre, ...graph.node.map((n) => {
    if (!n.input.some((v) => out.has(v))) return n;
    const c = shallowCopy(n);
    c.input = n.input.map((v) => out.get(v) ?? v);
    return c;
  })];
  const proto = shallowCopy(model.proto);
  proto.graph = graph;
  return { model: withProto(model, proto), tensors: out.size, bytes: { before, after } };
}

/**
 * More than half of the values are exactly 0 (an unstructured-pruned weight): stored symmetric, so its zeros stay
 * int8 0 (`--sparse` and gzip shrink them) instead of each channel's zero point.
 */
export function mostlyZeros(values: Float32Array): boolean {
  let zeros = 0;
  for (const x of values) if (x === 0) zeros++;
  return zeros * 2 > values.length;
}

export interface WeightOnlyOptions {
  perChannel?: boolean;
  range?: 'max' | 'mse';
  minElements?: number;
  /**
   * `asymmetric` (default): a zero point per output channel with sum-preserving rounding (see weight-asym.ts;
   * per-channel weights only, others stay symmetric); `symmetric`: z = 0, nearest rounding (for runtimes that
   * accept only zero points of 0, e.g. TensorRT). A weight more than half zeros stays symmetric ({@link mostlyZeros}).
   */
  weightZeroPoint?: 'symmetric' | 'asymmetric';
  /** Rounding of asymmetric weights (default `sum`). */
  rounding?: 'nearest' | 'sum';
}

/**
 * int8 weights + DequantizeLinear for every weighted layer with a constant float32 weight initializer of at least
 * `minElements` values (default 1). In a QDQ model only the layers kept float match (the others already read int8).
 */
export function weightOnlyInt8(model: OnnxModel, options: WeightOnlyOptions = {}): StorageResult {
  const m = upgradeToOpset13(model);
  const g = indexGraph(m);
  const axisOf = new Map<string, number | undefined>();
  for (const { node: n, weight: ref } of floatWeightedLayers(g)) {
    if (ref.proto.dims.reduce((a, d) => a * Number(d), 1) < (options.minElements ?? 1)) continue;
    if (g.constants.has(`${ref.name}_quantized`) || g.producer.has(`${ref.name}_dequantized`)) continue; // (a weight shared with a quantized layer)
    const axis = n.opType === 'Conv' ? 0 : n.opType === 'ConvTranspose' && intAttr(n, 'group', 1) === 1 ? 1 : undefined;
    axisOf.set(ref.name, axisOf.has(ref.name) && axisOf.get(ref.name) !== axis ? undefined : axis);
  }
  return rewrite(m, (name) => {
    const w = getTensor(m, name, g.constants) as Tensor;
    const axis = axisOf.get(name);
    const wq = `${name}_quantized`, ws = `${name}_scale`, dq = `${name}_dequantized`;
    const values = toFloat32(w);
    if ((options.weightZeroPoint ?? 'asymmetric') === 'asymmetric' && (options.perChannel ?? true) && axis !== undefined && !mostlyZeros(values)) {
      const a = quantizeWeightsAsymmetric(values, w.dims, axis, { rounding: options.rounding });
      const wz = `${name}_zero_point`;
      return {
        inits: [
          makeTensor(wq, { dtype: 'int8', dims: [...w.dims], data: a.data }),
          makeTensor(ws, { dtype: 'float32', dims: [a.scales.length], data: a.scales }),
          makeTensor(wz, { dtype: 'int8', dims: [a.zeroPoints.length], data: a.zeroPoints }),
        ],
        nodes: [makeNode('DequantizeLinear', [wq, ws, wz], [dq], [attrInt('axis', a.axis)], { name: `${name}_DequantizeLinear` })],
        output: dq,
      };
    }
    const q = quantizeWeights(values, w.dims, { perChannel: (options.perChannel ?? true) && axis !== undefined, axis: axis ?? 0, range: options.range });
    const shape = q.axis === undefined ? [] : [q.scales.length];
    // Symmetric: no zero-point input (it defaults to 0 of the int8 input's type).
    return {
      inits: [makeTensor(wq, { dtype: 'int8', dims: [...w.dims], data: q.data }), makeTensor(ws, { dtype: 'float32', dims: shape, data: q.scales })],
      nodes: [makeNode('DequantizeLinear', [wq, ws], [dq], q.axis === undefined ? [] : [attrInt('axis', q.axis)], { name: `${name}_DequantizeLinear` })],
      output: dq,
    };
  }, new Set(axisOf.keys()));
}

/** float16 initializers + Cast(to float32) for every float32 initializer of at least `minElements` values (of `only`, when given). */
export function fp16Weights(model: OnnxModel, options: { minElements?: number; only?: ReadonlySet<string> } = {}): StorageResult {
  const g = indexGraph(model);
  const min = options.minElements ?? 16;
  const names = new Set(model.proto.graph!.initializer.filter((t) => t.dataType === 1 && t.dims.reduce((a, d) => a * Number(d), 1) >= min && (!options.only || options.only.has(t.name))).map((t) => t.name));
  return rewrite(model, (name) => {
    const w = toFloat32(getTensor(model, name, g.constants));
    const half = new Uint16Array(w.length);
    for (let i = 0; i < w.length; i++) half[i] = floatToHalf(w[i]!);
    const dims = getTensor(model, name, g.constants).dims;
    const h = `${name}_fp16`, f = `${name}_float`;
    return { inits: [makeTensor(h, { dtype: 'float16', dims: [...dims], data: half })], nodes: [makeNode('Cast', [h], [f], [attrInt('to', 1)], { name: `${name}_Cast` })], output: f };
  }, names);
}

/** The float32 weight initializers (input 1) of the weighted layers that compute in float (read no DequantizeLinear). */
export function floatLayerWeightNames(model: OnnxModel): Set<string> {
  return new Set(floatWeightedLayers(indexGraph(model)).map((l) => l.weight.name));
}
