/**
 * Scoring one candidate model on an image set: run it (its own onnxruntime session), decode + NMS exactly as
 * validation does, and compare with the reference — the original model's outputs and detections on the same
 * images, computed once. Real mAP50 against the labels and the label-free proxies come from the same detections.
 */
import type { ImageDetections, ImageLabels } from '../eval/contract.js';
import { resolveLayout } from '../eval/decode/layouts.js';
import { NMS_DEFAULTS } from '../eval/nms/nms.js';
import { postprocessOutput, type PostprocessSpec } from '../eval/postprocess.js';
import { createSession } from '../runtime/index.js';
import type { ImageSet } from './images.js';
import { map50Of, OutputError, pseudoLabels } from './proxy.js';

export interface Score {
  /** mAP50 / mAP50-95 against the labels. */
  map50: number;
  map5095: number;
  /** mAP50 against the original's confident detections (pseudo labels). */
  agreement: number;
  /** Relative L2 distance of the raw outputs from the original's (0 for the original). */
  outputError: number;
}

export interface Reference {
  set: ImageSet;
  outputs: Float32Array[];
  pseudo: ImageLabels[];
  /** The original's detections on every image (the paired bootstrap replays them). */
  detections: ImageDetections[];
  /** The original's score (outputError 0, agreement ≈ 1). */
  score: Score;
  spec: PostprocessSpec;
}

export interface RunOptions { threads?: number }

async function runAll(model: Uint8Array, set: ImageSet, options: RunOptions, each: (i: number, out: Float32Array) => void): Promise<{ detections: ImageDetections[]; spec: PostprocessSpec; ms: number }> {
  const session = await createSession(model, { threads: options.threads ?? 1 });
  const t0 = performance.now();
  try {
    const outSpec = session.outputs[0]!;
    const layout = resolveLayout(outSpec.shape, { numClasses: set.names.length, output: outSpec.name });
    const spec: PostprocessSpec = { layout, conf: NMS_DEFAULTS.conf, nms: { ...NMS_DEFAULTS }, output: outSpec.name };
    const detections: ImageDetections[] = [];
    for (const [i, im] of set.images.entries()) {
      const res = await session.run({ [set.inputName]: { dtype: 'float32', dims: [1, 3, set.imgsz, set.imgsz], data: im.input } });
      const out = res[outSpec.name]!;
      const data = out.data as Float32Array;
      each(i, data);
      detections.push({ imageId: im.imageId, ...postprocessOutput({ data, dims: out.dims }, spec, im.geometry) });
    }
    return { detections, spec, ms: performance.now() - t0 };
  } finally {
    await session.release();
  }
}

/** Run the original model once: its outputs, detections as pseudo labels, and its own score. */
export async function referenceOf(original: Uint8Array, set: ImageSet, options: RunOptions = {}): Promise<Reference> {
  const outputs: Float32Array[] = [];
  const { detections, spec } = await runAll(original, set, options, (i, out) => { outputs[i] = Float32Array.from(out); });
  const labels = set.images.map((im) => im.labels);
  const pseudo = pseudoLabels(detections, labels);
  const real = map50Of(labels, detections, set.names);
  return { set, outputs, pseudo, detections, spec, score: { ...real, agreement: map50Of(pseudo, detections, set.names).map50, outputError: 0 } };
}

/** Score a candidate on the reference's images. */
export async function scoreModel(candidate: Uint8Array, ref: Reference, options: RunOptions = {}): Promise<Score & { ms: number; detections: ImageDetections[] }> {
  const err = new OutputError();
  const { detections, ms } = await runAll(candidate, ref.set, options, (i, out) => err.add(ref.outputs[i]!, out));
  const real = map50Of(ref.set.images.map((im) => im.labels), detections, ref.set.names);
  return { ...real, agreement: map50Of(ref.pseudo, detections, ref.set.names).map50, outputError: err.value(), ms, detections };
}

/** Relative drop of `value` from `base` (0.01 = 1% lower); 0 when base is 0. */
export const relativeDrop = (base: number, value: number) => (base > 0 ? (base - value) / base : 0);
