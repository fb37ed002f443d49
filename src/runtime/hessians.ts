/**
 * Layer Hessians computed by onnxruntime itself, for second-order (OBS/SparseGPT-style) pruning of a Conv: the
 * conv's input x [1, C, …spatial] is unfolded (im2col) by a depthwise Conv with one-hot kernels [C·K, 1, …k]
 * that copies the layer's strides, pads, dilations and auto_pad, so column p of the unfolded matrix is exactly
 * the input vector the layer's kernel multiplies at output position p (zero padding included). Per group j of
 * the layer (D = C/groups · K rows each) the image's mean μ_j [D] and centred Gram
 * G_j = Σ_p (u_p − μ_j)(u_p − μ_j)ᵀ [D, D] over the P output positions come out (MLAS batched MatMul).
 * Row order inside a group is (input channel, kernel tap), the order of the weight's flattened [C/g, …k] axes.
 * The input may be a graph input or an intermediate tensor. A 1×1 conv with unit strides, no padding and unit dilation needs no unfolding (a Reshape). Batch size 1.
 */
import type { Tensor } from '../core/dtype.js';
import { UsageError } from '../core/errors.js';
import { attrInt, attrInts, attrString, int64Tensor, makeNode, makeTensor, makeValueInfo, type OnnxModel } from '../io/onnx/bytes.js';
import { runOverInputs, type ActivationOptions, type ActivationRun } from './activations.js';
import { editGraph, finishEdit, reduceMean } from './graph-build.js';
import { batchOfOne } from './moments.js';
import { withSegment, type Segment, type SegmentSpec } from './segment.js';

/** What to unfold: one Conv layer's input and geometry (attributes as in the Conv node). */
export interface HessianRequest {
  /** Caller's key, handed back with the statistics. */
  key: string;
  /** The conv's input tensor (computed by a node). */
  input: string;
  /** Input channels C. */
  channels: number;
  /** Kernel spatial dims (e.g. [3, 3]). */
  kernel: readonly number[];
  group: number;
  strides?: readonly number[];
  pads?: readonly number[];
  dilations?: readonly number[];
  /** `NOTSET` (default), `SAME_UPPER`, `SAME_LOWER` or `VALID`. */
  autoPad?: string;
  /**
   * Keep every `subsample`-th output position along each spatial axis (default 1: all): the unfolding conv's
   * strides are multiplied by it, so the positions kept are exactly the layer's positions (i·subsample, j·subsample).
   * Ignored with SAME_* auto padding (whose pads depend on the stride).
   */
  subsample?: number;
  /** A second tensor of the same shape (e.g. the original network's value of `input`): its unfolded mean and the centred cross-Gram with it come out too. */
  reference?: string;
}

/** One image's statistics of one request: per group a mean [D] and centred Gram [D×D] (row-major, groups stacked). */
export interface ImageHessian {
  groups: number;
  /** Rows per group: C/groups · kernel size. */
  size: number;
  /** Positions P (output positions of the layer). */
  count: number;
  /** [groups × D]. */
  mean: Float32Array;
  /** [groups × D × D]. */
  gram: Float32Array;
  /** With a reference v: its mean [groups × D] and the centred cross-Gram Σ (u − μ)(v − μ_v)ᵀ [groups × D × D]. */
  refMean?: Float32Array;
  cross?: Float32Array;
}

interface Outputs { key: string; groups: number; size: number; mean: string; gram: string; shape: string; refMean?: string; cross?: string }

const subsampleOf = (r: HessianRequest) => ((r.autoPad ?? 'NOTSET').startsWith('SAME') ? 1 : Math.max(1, Math.floor(r.subsample ?? 1)));
const isIdentityGeometry = (r: HessianRequest) =>
  subsampleOf(r) === 1 && r.kernel.every((k) => k === 1) && (r.strides ?? []).every((s) => s === 1) && (r.pads ?? []).every((p) => p === 0)
  && (r.dilations ?? []).every((d) => d === 1) && (r.autoPad ?? 'NOTSET') !== 'SAME_UPPER' && (r.autoPad ?? 'NOTSET') !== 'SAME_LOWER';

/** One-hot depthwise kernels [C·K, 1, …k]: output channel c·K + t copies tap t of input channel c. */
function oneHot(channels: number, kernel: readonly number[]): Tensor {
  const k = kernel.reduce((a, b) => a * b, 1);
  const data = new Float32Array(channels * k * k);
  for (let c = 0; c < channels; c++) for (let t = 0; t < k; t++) data[(c * k + t) * k + t] = 1;
  return { dtype: 'float32', dims: [channels * k, 1, ...kernel], data };
}

/** A copy of `model` whose only outputs are the unfolded-input statistics of every request. */
export function withLayerHessians(model: OnnxModel, requests: readonly HessianRequest[]): { model: OnnxModel; outputs: Outputs[] } {
  const edit = editGraph(model);
  const outputs = requests.map((r, n) => {
    if (!edit.produced.has(r.input) && !edit.inputs.has(r.input)) throw new UsageError(`tensor '${r.input}' is neither a graph input nor computed by a node of the model`, r.input);
    if (r.channels % r.group !== 0) throw new RangeError(`hessian request ${r.key}: ${r.channels} channels in ${r.group} groups`);
    const k = r.kernel.reduce((a, b) => a * b, 1);
    const size = (r.channels / r.group) * k;
    const p = `pk_hessian${n}`;
    const [shape3, ut, gram, shape, w] = ['shape3', 'ut', 'gram', 'shape', 'w'].map((q) => edit.fresh(`${p}_${q}`)) as [string, string, string, string, string];
    const unfold = (x: string, tag: string): { centred: string; mean: string } => {
      let cols = x;
      if (!isIdentityGeometry(r)) {
        cols = edit.fresh(`${p}_${tag}cols`);
        edit.nodes.push(makeNode('Conv', [x, w], [cols], attrs));
      }
      const [u, mu, uc] = ['u', 'mean', 'uc'].map((q) => edit.fresh(`${p}_${tag}${q}`)) as [string, string, string];
      edit.nodes.push(makeNode('Reshape', [cols, shape3], [u]));
      reduceMean(edit, u, mu, [2]);
      edit.nodes.push(makeNode('Sub', [u, mu], [uc]));
      if (tag === '') edit.nodes.push(makeNode('Shape', [u], [shape]));
      return { centred: uc, mean: mu };
    };
    const attrs = [attrInts('kernel_shape', r.kernel), attrInt('group', r.channels)];
    if (!isIdentityGeometry(r)) {
      edit.inits.push(makeTensor(w, oneHot(r.channels, r.kernel)));
      const f = subsampleOf(r);
      if (r.strides || f > 1) attrs.push(attrInts('strides', (r.strides ?? r.kernel.map(() => 1)).map((st) => st * f)));
      if (r.dilations) attrs.push(attrInts('dilations', r.dilations));
      if (r.autoPad && r.autoPad !== 'NOTSET') attrs.push(attrString('auto_pad', r.autoPad));
      else if (r.pads) attrs.push(attrInts('pads', r.pads));
    }
    edit.inits.push(int64Tensor(shape3, [r.group, size, -1]));
    const a = unfold(r.input, '');
    edit.nodes.push(makeNode('Transpose', [a.centred], [ut], [attrInts('perm', [0, 2, 1])]), makeNode('MatMul', [a.centred, ut], [gram]));
    const mean = a.mean;
    let ref: { refMean: string; cross: string } | undefined;
    if (r.reference) {
      const b = unfold(r.reference, 'ref');
      const [vt, cross] = ['vt', 'cross'].map((q) => edit.fresh(`${p}_${q}`)) as [string, string];
      edit.nodes.push(makeNode('Transpose', [b.centred], [vt], [attrInts('perm', [0, 2, 1])]), makeNode('MatMul', [a.centred, vt], [cross]));
      edit.outs.push(makeValueInfo(b.mean, 'float32'), makeValueInfo(cross, 'float32'));
      ref = { refMean: b.mean, cross };
    }
    edit.outs.push(makeValueInfo(mean, 'float32'), makeValueInfo(gram, 'float32'), makeValueInfo(shape, 'int64'));
    return { key: r.key, groups: r.group, size, mean, gram, shape, ...ref };
  });
  return { model: finishEdit(model, edit), outputs };
}

export interface HessianRunOptions extends ActivationOptions {
  /**
   * Run only the segment of the model that computes the statistics (and `segment.keep`) from `segment.given`:
   * the inputs then hold the given tensors' values by name (float16 values for those in `segment.half`).
   */
  segment?: SegmentSpec;
  /** With a segment: each input's kept tensors by name (float16 for those in `segment.half`), valid during the call. */
  onKept?: (kept: Record<string, Tensor>, index: number) => void;
}

/** The feeds a segment reads, under its input names; refuses a missing one. */
async function* segmentFeeds(segment: Segment, inputs: AsyncIterable<Readonly<Record<string, Tensor>>>): AsyncGenerator<Readonly<Record<string, Tensor>>> {
  for await (const values of inputs) {
    const feeds: Record<string, Tensor> = {};
    for (const i of segment.inputs) {
      const v = values[i.name];
      if (!v) throw new UsageError(`segment input '${i.name}' has no value`, i.name);
      feeds[segment.feedName(i.name)] = v;
    }
    yield feeds;
  }
}

/**
 * Run `model` on every feed of `inputs` (batch 1) and call `onHessian(key, stats, index)` for each request of
 * each input. The arrays are only valid during the call. With `options.segment`, only the part of the model
 * between the given tensors and the statistics runs (segment.ts).
 */
export async function collectLayerHessians(
  model: OnnxModel,
  requests: readonly HessianRequest[],
  inputs: AsyncIterable<Readonly<Record<string, Tensor>>>,
  onHessian: (key: string, stats: ImageHessian, index: number) => void,
  options: HessianRunOptions = {},
): Promise<ActivationRun> {
  const built = withLayerHessians(model, requests);
  const segment = options.segment ? withSegment(built.model, options.segment) : undefined;
  const feeds = segment ? segmentFeeds(segment, inputs) : batchOfOne(inputs);
  return runOverInputs(segment?.model ?? built.model, feeds, (out, index) => {
    if (segment && options.onKept) {
      const kept: Record<string, Tensor> = {};
      for (const k of options.segment!.keep) kept[k] = out[segment.outputName(k)]!;
      options.onKept(kept, index);
    }
    for (const o of built.outputs) {
      const dims = Array.from(out[o.shape]!.data as BigInt64Array, Number);
      const ref = o.refMean && o.cross ? { refMean: out[o.refMean]!.data as Float32Array, cross: out[o.cross]!.data as Float32Array } : {};
      onHessian(o.key, { groups: o.groups, size: o.size, count: dims[2]!, mean: out[o.mean]!.data as Float32Array, gram: out[o.gram]!.data as Float32Array, ...ref }, index);
    }
  }, options);
}
