/**
 * Channel moments computed by onnxruntime itself: for each chosen intermediate tensor x [1, C, …spatial], a few
 * nodes appended to the graph give its per-channel mean μ [C, 1] and the Gram matrix of the centred values
 * G = Σ_p (x_p − μ)(x_p − μ)ᵀ [C, C] over every spatial position p of the image (MLAS matmul instead of a
 * JavaScript loop; centring per image keeps float32 accurate). Batch size 1 (one calibration image per run).
 */
import type { Tensor } from '../core/dtype.js';
import { UsageError } from '../core/errors.js';
import { runOverInputs, type ActivationOptions, type ActivationRun } from './activations.js';
import { attrInts, int64Tensor, makeNode, makeValueInfo, type OnnxModel } from '../io/onnx/bytes.js';
import { editGraph, finishEdit, reduceMean } from './graph-build.js';

/** One image's moments of one tensor: `count` positions, mean [C], centred Gram [C×C] (row-major). */
export interface ImageMoments { channels: number; count: number; mean: Float32Array; gram: Float32Array }

interface Outputs { tensor: string; channels: number; mean: string; gram: string; shape: string }

/**
 * A copy of `model` whose only outputs are the moments of `tensors` (each with its channel count): per tensor a
 * mean [C, 1], a centred Gram [C, C] and the tensor's shape (int64), so nodes not needed for them are not run.
 */
export function withChannelMoments(model: OnnxModel, tensors: ReadonlyArray<{ name: string; channels: number }>): { model: OnnxModel; outputs: Outputs[] } {
  const edit = editGraph(model);
  const outputs = tensors.map(({ name, channels }, k) => {
    if (!edit.produced.has(name)) throw new UsageError(`tensor '${name}' is not computed by any node of the model; only intermediate tensors can be collected`, name);
    const p = `pk_moments${k}`;
    const [shape2, x2, mean, xc, xt, gram, shape] = ['shape2', 'x', 'mean', 'xc', 'xt', 'gram', 'shape'].map((s) => edit.fresh(`${p}_${s}`)) as [string, string, string, string, string, string, string];
    edit.inits.push(int64Tensor(shape2, [channels, -1]));
    edit.nodes.push(makeNode('Reshape', [name, shape2], [x2]));
    reduceMean(edit, x2, mean, [1]);
    edit.nodes.push(makeNode('Sub', [x2, mean], [xc]), makeNode('Transpose', [xc], [xt], [attrInts('perm', [1, 0])]), makeNode('MatMul', [xc, xt], [gram]), makeNode('Shape', [name], [shape]));
    edit.outs.push(makeValueInfo(mean, 'float32'), makeValueInfo(gram, 'float32'), makeValueInfo(shape, 'int64'));
    return { tensor: name, channels, mean, gram, shape };
  });
  return { model: finishEdit(model, edit), outputs };
}

/**
 * Run `model` on every feed of `inputs` (batch 1) and call `onMoments(name, moments, index)` for each tensor of
 * each input. The arrays are only valid during the call.
 */
export async function collectChannelMoments(
  model: OnnxModel,
  tensors: ReadonlyArray<{ name: string; channels: number }>,
  inputs: AsyncIterable<Readonly<Record<string, Tensor>>>,
  onMoments: (name: string, moments: ImageMoments, index: number) => void,
  options: ActivationOptions = {},
): Promise<ActivationRun> {
  const built = withChannelMoments(model, tensors);
  return runOverInputs(built.model, batchOfOne(inputs), (out, index) => {
    for (const o of built.outputs) {
      const shape = Array.from(out[o.shape]!.data as BigInt64Array, Number);
      const count = shape.reduce((a, b) => a * b, 1) / o.channels;
      onMoments(o.tensor, { channels: o.channels, count, mean: out[o.mean]!.data as Float32Array, gram: out[o.gram]!.data as Float32Array }, index);
    }
  }, options);
}

/** The inputs, refusing any whose batch is not 1 (the moments reshape x to [C, positions]). */
export async function* batchOfOne(inputs: AsyncIterable<Readonly<Record<string, Tensor>>>): AsyncGenerator<Readonly<Record<string, Tensor>>> {
  for await (const feeds of inputs) {
    for (const f of Object.values(feeds)) {
      if (f.dims[0] !== 1) throw new UsageError(`calibration input [${f.dims.join(',')}]: channel moments take one image per run (batch 1)`);
    }
    yield feeds;
  }
}
