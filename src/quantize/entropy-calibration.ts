/**
 * `--method entropy`: per planned tensor, a streamed histogram of its values over the calibration images
 * (onnxruntime computes the activations; the histograms are filled here, image after image, memory fixed at
 * {@link HISTOGRAM_BINS} bins per tensor), then the KL-optimal clipping window ({@link entropyRange}). Tensors whose
 * values are another tensor's (Reshape, Transpose, …) or a monotone map of them (Sigmoid) are not histogrammed:
 * their range is derived from their source's chosen range (`planDerivedRanges` with `exact`).
 */
import { DatasetError } from '../core/errors.js';
import { indexGraph } from '../graph/onnx-graph.js';
import type { OnnxModel } from '../io/onnx/bytes.js';
import type { CalibrationSource } from '../prune/structured/index.js';
import { collectActivations, type ActivationOptions } from '../runtime/activations.js';
import { planDerivedRanges, withDerived } from './derived-ranges.js';
import { entropyRange, HistogramAccumulator, type EntropyOptions } from './entropy.js';
import type { TensorRange } from './scales.js';

async function count(items: AsyncIterable<unknown>): Promise<number> {
  let n = 0;
  for await (const _ of items) n++;
  return n;
}

/** Entropy-calibrated ranges of `tensors` of `model` over `source`. */
export async function entropyRanges(model: OnnxModel, tensors: readonly string[], source: CalibrationSource, options: Pick<ActivationOptions, 'threads' | 'onProgress'> & EntropyOptions = {}): Promise<{ ranges: Map<string, TensorRange>; images: number }> {
  const { measured, derived } = planDerivedRanges(indexGraph(model), tensors, { exact: true });
  const hist = new Map(measured.map((t) => [t, new HistogramAccumulator()]));
  // Graph inputs (the image itself, when it is quantized) are histogrammed from the feeds on their way in.
  const graphInputs = new Set(model.proto.graph!.input.map((i) => i.name));
  const feeds = async function* () {
    for await (const f of source.feeds()) {
      for (const t of measured) if (graphInputs.has(t) && f[t]) hist.get(t)!.add(f[t].data as Float32Array);
      yield f;
    }
  };
  const activations = measured.filter((t) => !graphInputs.has(t));
  // Only graph inputs measured: no session to run (onnxruntime refuses a model with no output), the feeds are read through.
  const run = activations.length === 0 ? { images: await count(feeds()) } : await collectActivations(model, activations, feeds(), (name, value) => {
    hist.get(name)!.add(value.data as Float32Array);
  }, { threads: options.threads, total: source.count, onProgress: options.onProgress });
  if (run.images === 0) throw new DatasetError(`calibration: ${source.description} yielded no usable image; pass a dataset yaml or folder with decodable images`);
  const chosen = new Map<string, TensorRange>();
  for (const [t, h] of hist) {
    const r = entropyRange(h.result(), { levels: options.levels, mode: options.mode });
    chosen.set(t, { min: r.min, max: r.max });
  }
  // withDerived gives a new map of fresh { min, max } objects: nothing to copy.
  return { ranges: withDerived(chosen, derived), images: run.images };
}
