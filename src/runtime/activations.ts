/**
 * Intermediate activations: run a model in onnxruntime with chosen intermediate tensors made graph outputs,
 * over a stream of inputs, handing each activation to a callback as soon as it is computed (nothing is kept),
 * e.g. to accumulate calibration statistics.
 */
import { create } from '@bufbuild/protobuf';
import { TypeProto_TensorSchema, TypeProtoSchema, ValueInfoProtoSchema } from 'onnx-buf';
import type { Tensor } from '../core/dtype.js';
import { UsageError } from '../core/errors.js';
import { serializeOnnx, shallowCopy, withProto, type OnnxModel } from '../io/onnx/bytes.js';
import { createSession, type SessionOptions } from './session.js';

const FLOAT = 1;

/**
 * A copy of `model` whose graph outputs are exactly `tensors` (float tensors computed by nodes; their types
 * declared as float, shapes left to onnxruntime). The original outputs are dropped unless listed, so nodes
 * after the last requested tensor are not run.
 */
export function withIntermediateOutputs(model: OnnxModel, tensors: readonly string[]): OnnxModel {
  const graph = shallowCopy(model.proto.graph!);
  const produced = new Set(graph.node.flatMap((n) => n.output));
  const existing = new Map(graph.output.map((o) => [o.name, o]));
  graph.output = tensors.map((name) => {
    if (!produced.has(name)) throw new UsageError(`tensor '${name}' is not computed by any node of the model; only intermediate tensors can be collected`, name);
    const known = existing.get(name);
    if (known) return known;
    const tensorType = create(TypeProto_TensorSchema, { elemType: FLOAT });
    return create(ValueInfoProtoSchema, { name, type: create(TypeProtoSchema, { value: { case: 'tensorType', value: tensorType } }) });
  });
  const proto = shallowCopy(model.proto);
  proto.graph = graph;
  return withProto(model, proto);
}

export interface ActivationProgress { done: number; total: number; label?: string }

export interface ActivationOptions extends SessionOptions {
  /** Inputs expected (for progress only). */
  total?: number;
  onProgress?: (p: ActivationProgress) => void;
}

export interface ActivationRun {
  /** Inputs run. */
  images: number;
  seconds: { load: number; run: number; callback: number };
}

/**
 * Run `model` (already rewritten to output what is wanted) on every feed of `inputs`, in order, handing each
 * run's outputs to `onOutputs` (timed as callback time) and reporting progress. Shared by the collectors.
 */
export async function runOverInputs(
  model: OnnxModel,
  inputs: AsyncIterable<Readonly<Record<string, Tensor>>>,
  onOutputs: (outputs: Record<string, Tensor>, index: number, feeds: Readonly<Record<string, Tensor>>) => void,
  options: ActivationOptions = {},
): Promise<ActivationRun> {
  const t0 = performance.now();
  const session = await createSession(serializeOnnx(model), { threads: options.threads, graphOptimization: options.graphOptimization });
  const seconds = { load: (performance.now() - t0) / 1000, run: 0, callback: 0 };
  let index = 0;
  try {
    for await (const feeds of inputs) {
      const t1 = performance.now();
      const out = await session.run(feeds);
      const t2 = performance.now();
      onOutputs(out, index, feeds);
      seconds.run += (t2 - t1) / 1000;
      seconds.callback += (performance.now() - t2) / 1000;
      index++;
      options.onProgress?.({ done: index, total: Math.max(index, options.total ?? index), label: 'calibration' });
    }
  } finally {
    await session.release();
  }
  return { images: index, seconds };
}

/**
 * Run `model` on every feed of `inputs` (in order) and call `onActivation(name, value, index)` for each
 * requested tensor of each input. The value's data is only valid during the call.
 */
export async function collectActivations(
  model: OnnxModel,
  tensors: readonly string[],
  inputs: AsyncIterable<Readonly<Record<string, Tensor>>>,
  onActivation: (name: string, value: Tensor, index: number) => void,
  options: ActivationOptions = {},
): Promise<ActivationRun> {
  return runOverInputs(withIntermediateOutputs(model, tensors), inputs, (out, index) => {
    for (const name of tensors) {
      const v = out[name];
      if (v) onActivation(name, v, index);
    }
  }, options);
}
