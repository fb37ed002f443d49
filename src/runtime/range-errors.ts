/**
 * Quantization error of candidate ranges, computed by onnxruntime inside the graph: for each chosen tensor x and
 * each candidate (scale, uint8 zero point), x − DequantizeLinear(QuantizeLinear(x)) summed squared
 * (ReduceSumSquare) — one scalar per candidate and image, so the MSE-optimal range of every tensor is found
 * without moving any activation into JavaScript.
 */
import type { Tensor } from '../core/dtype.js';
import { UsageError } from '../core/errors.js';
import { attrInt, makeNode, makeTensor, makeValueInfo, type OnnxModel } from '../io/onnx/bytes.js';
import { runOverInputs, type ActivationOptions, type ActivationRun } from './activations.js';
import { editGraph, finishEdit } from './graph-build.js';

/** One candidate quantization of a tensor: x ≈ (q − zeroPoint)·scale, q uint8. */
export interface CandidateQuant { scale: number; zeroPoint: number }

/** A copy of `model` whose only outputs are Σ (x − DQ(Q(x)))² for each tensor and candidate. */
export function withRangeErrorOutputs(model: OnnxModel, tensors: ReadonlyArray<{ name: string; candidates: readonly CandidateQuant[] }>): { model: OnnxModel; outputs: Array<{ tensor: string; sse: string[] }> } {
  const edit = editGraph(model);
  const outputs = tensors.map(({ name, candidates }, i) => {
    if (!edit.produced.has(name) && !edit.inputs.has(name)) throw new UsageError(`tensor '${name}' is not computed by the model; only its inputs and node outputs have ranges`, name);
    const sse = candidates.map((c, k) => {
      const p = `pk_rerr${i}_${k}`;
      const [s, z, q, dq, e, out] = ['s', 'z', 'q', 'dq', 'e', 'sse'].map((x) => edit.fresh(`${p}_${x}`)) as [string, string, string, string, string, string];
      edit.inits.push(makeTensor(s, { dtype: 'float32', dims: [], data: Float32Array.of(c.scale) }), makeTensor(z, { dtype: 'uint8', dims: [], data: Uint8Array.of(c.zeroPoint) }));
      edit.nodes.push(
        makeNode('QuantizeLinear', [name, s, z], [q]), makeNode('DequantizeLinear', [q, s, z], [dq]),
        makeNode('Sub', [name, dq], [e]), makeNode('ReduceSumSquare', [e], [out], [attrInt('keepdims', 0)]),
      );
      edit.outs.push(makeValueInfo(out, 'float32'));
      return out;
    });
    return { tensor: name, sse };
  });
  return { model: finishEdit(model, edit), outputs };
}

/** Σ over `inputs` of each tensor's squared quantization error per candidate (tensor → Float64Array [candidates]). */
export async function collectRangeErrors(
  model: OnnxModel,
  tensors: ReadonlyArray<{ name: string; candidates: readonly CandidateQuant[] }>,
  inputs: AsyncIterable<Readonly<Record<string, Tensor>>>,
  options: ActivationOptions = {},
): Promise<{ errors: Map<string, Float64Array>; run: ActivationRun }> {
  const built = withRangeErrorOutputs(model, tensors);
  const errors = new Map(built.outputs.map((o) => [o.tensor, new Float64Array(o.sse.length)]));
  const run = await runOverInputs(built.model, inputs, (out) => {
    for (const o of built.outputs) {
      const acc = errors.get(o.tensor)!;
      o.sse.forEach((name, k) => { acc[k] = acc[k]! + (out[name]!.data as Float32Array)[0]!; });
    }
  }, options);
  return { errors, run };
}
