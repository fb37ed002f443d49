/**
 * Per-channel means computed by onnxruntime inside the graph: for each chosen tensor x [N, C, …spatial], a
 * ReduceMean over every axis but 1 appended as a graph output (C floats per image). Streaming: nothing but the
 * running sums is kept. Used by bias correction (the mean shift of each quantized conv's output).
 */
import type { Tensor } from '../core/dtype.js';
import { UsageError } from '../core/errors.js';
import { makeValueInfo, type OnnxModel } from '../io/onnx/bytes.js';
import { runOverInputs, type ActivationOptions, type ActivationRun } from './activations.js';
import { editGraph, finishEdit, reduceMean } from './graph-build.js';

interface MeanOutputs { tensor: string; mean: string }

/** A copy of `model` whose only outputs are the per-channel means ([1, C, 1, …]) of `tensors` (each of `rank` ≥ 2). */
export function withChannelMeanOutputs(model: OnnxModel, tensors: ReadonlyArray<{ name: string; rank: number }>): { model: OnnxModel; outputs: MeanOutputs[] } {
  const edit = editGraph(model);
  const outputs = tensors.map(({ name, rank }, i) => {
    if (!edit.produced.has(name)) throw new UsageError(`tensor '${name}' is not computed by any node of the model; only intermediate tensors have channel means`, name);
    if (!(Number.isInteger(rank) && rank >= 2)) throw new UsageError(`tensor '${name}' has rank ${rank}; per-channel means need [N, C, …]`, name);
    const mean = edit.fresh(`pk_chmean${i}`);
    reduceMean(edit, name, mean, [0, ...Array.from({ length: rank - 2 }, (_, k) => k + 2)]);
    edit.outs.push(makeValueInfo(mean, 'float32'));
    return { tensor: name, mean };
  });
  return { model: finishEdit(model, edit), outputs };
}

/**
 * The per-channel means of `tensors` over every image of `inputs` (mean of the per-image means: each image
 * weighs the same). Returns tensor → Float64Array [C].
 */
export async function collectChannelMeans(
  model: OnnxModel,
  tensors: ReadonlyArray<{ name: string; rank: number }>,
  inputs: AsyncIterable<Readonly<Record<string, Tensor>>>,
  options: ActivationOptions = {},
): Promise<{ means: Map<string, Float64Array>; run: ActivationRun }> {
  const built = withChannelMeanOutputs(model, tensors);
  const sums = new Map<string, Float64Array>();
  const run = await runOverInputs(built.model, inputs, (out) => {
    for (const o of built.outputs) {
      const m = out[o.mean]!.data as Float32Array;
      let s = sums.get(o.tensor);
      if (!s) sums.set(o.tensor, (s = new Float64Array(m.length)));
      for (let c = 0; c < m.length; c++) s[c] = s[c]! + m[c]!;
    }
  }, options);
  for (const s of sums.values()) for (let c = 0; c < s.length; c++) s[c] = s[c]! / Math.max(1, run.images);
  return { means: sums, run };
}
