/**
 * Activation ranges computed by onnxruntime inside the graph: for each chosen float tensor, ReduceMin/ReduceMax
 * (MinMax) or, for a percentile p, the k-th largest and smallest values found by TopK over the flattened tensor
 * (k = ⌈(1 − p)·size⌉), appended as graph outputs. Each image yields a few scalars per tensor: streaming, memory
 * independent of the number of images.
 */
import type { Tensor } from '../core/dtype.js';
import { UsageError } from '../core/errors.js';
import { attrInt, attrInts, int64Tensor, makeNode, makeTensor, makeValueInfo, type OnnxModel } from '../io/onnx/bytes.js';
import { editGraph, finishEdit } from './graph-build.js';
import { runOverInputs, type ActivationOptions, type ActivationRun } from './activations.js';

/** One image's range of one tensor. */
export interface ImageRange { min: number; max: number }

export interface RangeStatistic {
  /** 'minmax', or the fraction of values inside the range (e.g. 0.9999). */
  percentile?: number;
}

interface RangeOutputs { tensor: string; min: string; max: string }

/** A copy of `model` whose only outputs are the per-image range scalars of `tensors`. */
export function withRangeOutputs(model: OnnxModel, tensors: readonly string[], stat: RangeStatistic = {}): { model: OnnxModel; outputs: RangeOutputs[] } {
  const edit = editGraph(model);
  const { nodes, inits, outs, fresh } = edit;
  const p = stat.percentile;
  let flatShape: string | undefined, frac: string | undefined;
  if (p !== undefined) {
    if (!(p > 0 && p <= 1)) throw new UsageError(`percentile ${p}: expected a fraction in (0, 1]`);
    flatShape = fresh('pk_range_flat'); frac = fresh('pk_range_tailfrac');
    inits.push(int64Tensor(flatShape, [-1]), makeTensor(frac, { dtype: 'float32', dims: [], data: Float32Array.of(1 - p) }));
  }
  const outputs = tensors.map((name, i) => {
    if (!edit.produced.has(name) && !edit.inputs.has(name)) throw new UsageError(`tensor '${name}' is not computed by the model; only its inputs and node outputs have ranges`, name);
    const min = fresh(`pk_range${i}_min`), max = fresh(`pk_range${i}_max`);
    if (p === undefined || p === 1) {
      nodes.push(makeNode('ReduceMin', [name], [min], [attrInt('keepdims', 0)]), makeNode('ReduceMax', [name], [max], [attrInt('keepdims', 0)]));
    } else {
      const [flat, size, sizef, kf, kc, k64, k, hi, lo] = ['flat', 'size', 'sizef', 'kf', 'kc', 'k64', 'k', 'hi', 'lo'].map((s) => fresh(`pk_range${i}_${s}`)) as [string, string, string, string, string, string, string, string, string];
      nodes.push(
        makeNode('Reshape', [name, flatShape!], [flat]),
        makeNode('Size', [name], [size]),
        makeNode('Cast', [size], [sizef], [attrInt('to', 1)]),
        makeNode('Mul', [sizef, frac!], [kf]),
        makeNode('Ceil', [kf], [kc]),
        makeNode('Cast', [kc], [k64], [attrInt('to', 7)]),
        makeNode('Reshape', [k64, flatShape!], [k]),
        makeNode('TopK', [flat, k], [hi, fresh(`pk_range${i}_hi_idx`)], [attrInt('largest', 1), attrInt('sorted', 0)]),
        makeNode('TopK', [flat, k], [lo, fresh(`pk_range${i}_lo_idx`)], [attrInt('largest', 0), attrInt('sorted', 0)]),
        makeNode('ReduceMin', [hi], [max], [attrInt('keepdims', 0)]),
        makeNode('ReduceMax', [lo], [min], [attrInt('keepdims', 0)]),
      );
    }
    outs.push(makeValueInfo(min, 'float32'), makeValueInfo(max, 'float32'));
    return { tensor: name, min, max };
  });
  return { model: finishEdit(model, edit), outputs };
}

/** Run `model` over `inputs` and hand each image's range of each tensor to `onRange`. */
export async function collectRanges(
  model: OnnxModel,
  tensors: readonly string[],
  inputs: AsyncIterable<Readonly<Record<string, Tensor>>>,
  onRange: (name: string, range: ImageRange, index: number) => void,
  options: ActivationOptions & RangeStatistic = {},
): Promise<ActivationRun> {
  const built = withRangeOutputs(model, tensors, { percentile: options.percentile });
  return runOverInputs(built.model, inputs, (out, index) => {
    for (const o of built.outputs) onRange(o.tensor, { min: (out[o.min]!.data as Float32Array)[0]!, max: (out[o.max]!.data as Float32Array)[0]! }, index);
  }, options);
}

/** One image's per-channel range of one tensor [N, C, …]: min and max over every axis but 1. */
export interface ImageChannelRange { min: Float32Array; max: Float32Array }

/** A copy of `model` whose only outputs are, per tensor of rank `rank` ≥ 2, ReduceMin/ReduceMax over every axis but 1. */
export function withChannelRangeOutputs(model: OnnxModel, tensors: ReadonlyArray<{ name: string; rank: number }>): { model: OnnxModel; outputs: RangeOutputs[] } {
  const edit = editGraph(model);
  const outputs = tensors.map(({ name, rank }, i) => {
    if (!edit.produced.has(name) && !edit.inputs.has(name)) throw new UsageError(`tensor '${name}' is not computed by the model; only its inputs and node outputs have ranges`, name);
    if (!(Number.isInteger(rank) && rank >= 2)) throw new UsageError(`tensor '${name}' has rank ${rank}; per-channel ranges need [N, C, …]`, name);
    const axes = [0, ...Array.from({ length: rank - 2 }, (_, k) => k + 2)];
    const min = edit.fresh(`pk_chrange${i}_min`), max = edit.fresh(`pk_chrange${i}_max`);
    for (const [op, out] of [['ReduceMin', min], ['ReduceMax', max]] as const) {
      if (edit.opset >= 18) {
        const a = edit.fresh(`${out}_axes`);
        edit.inits.push(int64Tensor(a, axes));
        edit.nodes.push(makeNode(op, [name, a], [out], [attrInt('keepdims', 0)]));
      } else edit.nodes.push(makeNode(op, [name], [out], [attrInts('axes', axes), attrInt('keepdims', 0)]));
    }
    edit.outs.push(makeValueInfo(min, 'float32'), makeValueInfo(max, 'float32'));
    return { tensor: name, min, max };
  });
  return { model: finishEdit(model, edit), outputs };
}

/** Run `model` over `inputs` and hand each image's per-channel range of each tensor to `onRange`. */
export async function collectChannelRanges(
  model: OnnxModel,
  tensors: ReadonlyArray<{ name: string; rank: number }>,
  inputs: AsyncIterable<Readonly<Record<string, Tensor>>>,
  onRange: (name: string, range: ImageChannelRange, index: number) => void,
  options: ActivationOptions = {},
): Promise<ActivationRun> {
  const built = withChannelRangeOutputs(model, tensors);
  return runOverInputs(built.model, inputs, (out, index) => {
    for (const o of built.outputs) onRange(o.tensor, { min: out[o.min]!.data as Float32Array, max: out[o.max]!.data as Float32Array }, index);
  }, options);
}
