/**
 * The validation loop shared by the CLI (files, sharp, worker threads: validate.ts) and the web page (dropped
 * files, the browser's decoder): stream letterboxed images through the model, postprocess, and score the
 * detections (Ultralytics' metric or pycocotools'). Everything that touches files or threads comes in through
 * {@link ValidationSetup}.
 */
import { DatasetError, UsageError } from '../core/errors.js';
import { cocoEvaluate, type CocoEvaluation } from './coco/cocoeval.js';
import { cocoEvaluationInput, toCocoResults, type CocoPrediction } from './coco-results.js';
import type { DetectionMetrics, ImageDetections, ImageLabels } from './contract.js';
import type { Dataset, DatasetImage, SkippedImage } from './dataset/types.js';
import type { Detections } from './decode/decode.js';
import type { OutputLayout } from './decode/layouts.js';
import { computeDetectionMetrics } from './metrics/detection-metrics.js';
import type { ModelInfo } from './model-info.js';
import { postprocessOutput, type PostprocessSpec, type RawOutput } from './postprocess.js';
import { createPredictor, type Predictor } from './predictor.js';
import type { ImageStream } from './preprocess/image-stream.js';
import { labelsToOriginal, type LetterboxGeometry } from './preprocess/letterbox.js';

export type MetricMode = 'ultralytics' | 'coco';

export interface ValidateProgress { done: number; total: number; label?: string }

export interface ValidateOptions {
  /** ONNX model file. */
  model: string;
  /** Ultralytics data.yaml or COCO instances json. */
  data: string;
  /** Image folder for a COCO json. */
  images?: string;
  /** Split of a yaml (default 'val'). */
  split?: string;
  /** Square input size (default: the model's static input, else its metadata, else 640). */
  imgsz?: number;
  conf?: number;
  iou?: number;
  maxDet?: number;
  agnostic?: boolean;
  metric?: MetricMode;
  layout?: OutputLayout;
  threads?: number;
  /** onnxruntime intra-op spinning (see SessionOptions.allowSpinning). */
  allowSpinning?: boolean;
  /** Images decoded + letterboxed ahead of inference, at most (default 4). */
  prefetch?: number;
  /**
   * Worker threads for decode + letterbox and for postprocessing (1 each), or 0 to do both on the calling
   * thread. Default: decode + letterbox in a worker when `threads` leaves a CPU core free for it, else on the
   * calling thread (measured: with every core running inference, that worker only slows it down);
   * postprocessing in a worker on any machine with two cores or more (see `postprocessWorkers`).
   */
  workers?: number;
  /** Worker threads for postprocessing alone (0 or 1), when it should differ from `workers`: `workers: 0,
   * postprocessWorkers: 1` decodes on the calling thread and runs NMS in a worker. Default: `workers` when
   * that is given, else 1 on two cores or more (the fastest measured at every thread count). */
  postprocessWorkers?: number;
  /** Keep COCO-format predictions in the result (for --save-predictions). */
  keepPredictions?: boolean;
  /**
   * Validate even when the model's classes (count, or names when the model has them) differ from a yaml
   * dataset's: a warning instead of the UsageError raised before any image is read.
   */
  allowClassMismatch?: boolean;
  onProgress?: (p: ValidateProgress) => void;
}

export interface StageSpeed {
  /** Decode + letterbox time not hidden behind inference, ms per image. */
  preprocessMs: number;
  /** `session.run` time, ms per image; the first image's run (the warm-up) is left out when there are others. */
  inferenceMs: number;
  /** Decode of the output, NMS, box mapping, ms per image. */
  postprocessMs: number;
}

export interface ValidationResult {
  model: string;
  /** What the model computes in: `float32`, `int8 QDQ`, … */
  precision?: string;
  data: string;
  datasetKind: Dataset['kind'];
  metric: MetricMode;
  imgsz: number;
  layout: OutputLayout;
  names: string[];
  /** Images evaluated. */
  images: number;
  /** Non-crowd ground-truth boxes of the evaluated images. */
  instances: number;
  /** Ultralytics metrics (metric 'ultralytics'). */
  metrics?: DetectionMetrics;
  /** pycocotools metrics (metric 'coco'). */
  coco?: Pick<CocoEvaluation, 'stats' | 'perCategory' | 'images' | 'detections'>;
  speed: StageSpeed;
  /** Whole run, ms (images/s = images / wallMs × 1000). */
  wallMs: number;
  skipped: SkippedImage[];
  warnings: string[];
  predictions?: CocoPrediction[];
  /** Where preprocessing ran: 'worker' threads, or the 'main' thread (workers: 0, or a worker failed: fallbackReason). */
  preprocess?: { mode: 'worker' | 'main'; fallbackReason?: string };
  /** Where postprocessing ran, likewise. A worker failure is also listed in `warnings`. */
  postprocess?: { mode: 'worker' | 'main'; fallbackReason?: string };
}

/** How the model's classes differ from the dataset's, or undefined when they agree. */
export function classMismatch(model: { names?: readonly string[]; count?: number }, data: readonly string[]): string | undefined {
  const count = model.names?.length ?? model.count;
  if (count !== undefined && count !== data.length) return `the model predicts ${count} classes but the dataset has ${data.length}`;
  const i = model.names ? model.names.findIndex((n, k) => n !== data[k]) : -1;
  if (i >= 0) return `the model's class names differ from the dataset's (first at index ${i}: model '${model.names![i]}', dataset '${data[i]}')`;
  return undefined;
}

/** Stop (or, allowed, warn) on a class mismatch, before any image is read. */
function checkClasses(problem: string | undefined, data: string, allow: boolean | undefined, warnings: string[]): void {
  if (!problem) return;
  if (!allow) throw new UsageError(`${data}: ${problem}, so its metrics would mean nothing; validate on the dataset the model was trained for (prunekit val --force runs anyway)`, data);
  warnings.push(`${problem}; class indices are compared as they are`);
}

/** Ground truth of a dataset image in original pixels (normalised YOLO boxes go through the letterbox frame). */
export function groundTruth(image: DatasetImage, g: LetterboxGeometry): ImageLabels {
  const l = image.labels;
  const base = { imageId: image.imageId, width: g.originalWidth, height: g.originalHeight };
  if (l.kind === 'normalized') return { ...base, boxesXyxy: labelsToOriginal(l.boxesCxcywh, g), classes: l.classes };
  return { ...base, boxesXyxy: l.boxesXyxy, classes: l.classes, crowd: l.crowd, areas: l.areas };
}

/** Postprocessing of raw outputs: a worker-thread queue in Node, in-thread elsewhere ({@link inThreadPostprocess}). */
export interface PostprocessSink {
  submit(raw: RawOutput, spec: PostprocessSpec, geometry: LetterboxGeometry): Promise<{ detections: Detections; postprocessMs: number }>;
  readonly mode: 'worker' | 'main';
  /** Why a worker sink fell back to the calling thread, if it did. */
  readonly fallbackReason: string | undefined;
  close(): Promise<void>;
}

/** Postprocess on the calling thread (the same pure function the worker runs). */
export function inThreadPostprocess(): PostprocessSink {
  return {
    async submit(raw, spec, geometry) {
      const t0 = performance.now();
      const detections = postprocessOutput(raw, spec, geometry);
      return { detections, postprocessMs: performance.now() - t0 };
    },
    mode: 'main',
    fallbackReason: undefined,
    close: async () => undefined,
  };
}

/** What a validation runs on, opened by the edge (CLI or page). */
export interface ValidationSetup {
  /** The model as named in the result (a path in Node, a file name in the page). */
  model: string;
  /** What the runtime loads: a path or the model's bytes. */
  modelSource: string | Uint8Array;
  info: ModelInfo;
  dataset: Dataset;
  /** Opens the stream of letterboxed inputs of `dataset.images`, in order, at `size`. */
  openStream(size: number): ImageStream;
  /** Opens the postprocessing sink. */
  postprocess(size: number): PostprocessSink;
  /** When the run started (performance.now()), for `wallMs`; default: when runValidation was called. */
  startedMs?: number;
}

/** Validate `setup.model` on `setup.dataset` (options `model`, `data`, `images`, `split` are the edge's). */
export async function runValidation(setup: ValidationSetup, options: Omit<ValidateOptions, 'model' | 'data'>): Promise<ValidationResult> {
  const started = setup.startedMs ?? performance.now();
  const metric = options.metric ?? 'ultralytics';
  if (metric !== 'ultralytics' && metric !== 'coco') throw new UsageError(`unknown metric '${String(metric)}'; use ultralytics or coco`);
  const { info, dataset } = setup;
  const warnings = [...dataset.warnings];
  const names = info.names ?? dataset.names;
  if (info.names && dataset.kind === 'yolo') checkClasses(classMismatch({ names: info.names }, dataset.names), dataset.source, options.allowClassMismatch, warnings);
  if (!info.names) warnings.push(`the model has no 'names' metadata; using the dataset's ${dataset.names.length} class names`);
  if (options.imgsz !== undefined && info.inputSize !== undefined && options.imgsz !== info.inputSize) {
    throw new UsageError(`--imgsz ${options.imgsz} does not match the model's fixed input size ${info.inputSize}; omit --imgsz or re-export the model`);
  }
  const imgsz = options.imgsz ?? info.inputSize ?? 640;
  const total = dataset.images.length;
  // Pre- and postprocessing (workers, in Node) start now, so their start-up overlaps with session creation.
  const stream = setup.openStream(imgsz);
  const postQueue = setup.postprocess(imgsz);
  const skipped = [...dataset.skipped];
  const labels: ImageLabels[] = [];
  const detections: ImageDetections[] = [];
  const evaluated: DatasetImage[] = [];
  let pre = 0, inf = 0, post = 0, firstInf = 0;
  let predictor: Predictor | undefined;
  try {
    predictor = await createPredictor(setup.modelSource, info, {
      imgsz, numClasses: names.length, layout: options.layout, threads: options.threads, allowSpinning: options.allowSpinning,
      conf: options.conf, iou: options.iou, maxDet: options.maxDet, agnostic: options.agnostic,
    });
    if (!info.names && dataset.kind === 'yolo' && predictor.layout.layout !== 'e2e') {
      checkClasses(classMismatch({ count: predictor.layout.numClasses }, dataset.names), dataset.source, options.allowClassMismatch, warnings);
    }
    if (predictor.layout.layout !== 'e2e' && predictor.layout.numClasses !== names.length) {
      warnings.push(`the output carries ${predictor.layout.numClasses} classes but ${names.length} names are known`);
      while (names.length < predictor.layout.numClasses) names.push(`class_${names.length}`);
    }
    // No separate warm-up run: the first image's inference is the warm-up (its result is used, its time is
    // left out of the inference speed when there are others), which saves one inference per validation.
    // Postprocessing of image i (in the worker) overlaps with inference of the next images; at most `depth`
    // outputs wait for it.
    const pendingPost: Promise<void>[] = [];
    const depth = Math.max(1, options.prefetch ?? 4);
    for (let i = 0; i < total; i++) {
      const item = dataset.images[i]!;
      const t0 = performance.now();
      const prepared = await stream.next();
      if (!prepared.ok) {
        skipped.push({ path: item.path, reason: prepared.reason });
        options.onProgress?.({ done: i + 1, total, label: item.imageId });
        continue;
      }
      pre += performance.now() - t0;
      const { output, inferenceMs } = await predictor.infer(prepared.data);
      stream.recycle(prepared.data);
      if (evaluated.length === 0) firstInf = inferenceMs;
      else inf += inferenceMs;
      const k = evaluated.length;
      evaluated.push(item);
      const geometry = prepared.geometry;
      labels.push(groundTruth(item, geometry));
      pendingPost.push(postQueue.submit(output, predictor.postprocess, geometry).then((r) => {
        detections[k] = { imageId: item.imageId, ...r.detections };
        post += r.postprocessMs;
      }));
      if (pendingPost.length > depth) await pendingPost.shift();
      options.onProgress?.({ done: i + 1, total, label: item.imageId });
    }
    await Promise.all(pendingPost);
  } catch (e) {
    await closeAll(stream, postQueue, predictor);
    throw e;
  }
  // The workers wind down (on their own threads) while the metrics are computed here.
  const closing = closeAll(stream, postQueue, predictor);
  let result: ValidationResult;
  try {
    if (evaluated.length === 0) throw new DatasetError(`${dataset.source}: no image could be evaluated (${skipped.length} skipped; first: ${skipped[0]?.path}: ${skipped[0]?.reason})`, dataset.source);
    const decodeFailures = skipped.length - dataset.skipped.length;
    for (const reason of [stream.fallbackReason, postQueue.fallbackReason]) if (reason !== undefined) warnings.push(`${reason}; the rest ran on the main thread`);
    if (skipped.length > 0) warnings.push(`${skipped.length} image(s) skipped (${dataset.skipped.length} for labels or missing files, ${decodeFailures} unreadable)`);
    const instances = labels.reduce((s, l) => s + l.classes.filter((_, g) => !l.crowd?.[g]).length, 0);
    result = {
      model: setup.model, precision: setup.info.precision, data: dataset.source, datasetKind: dataset.kind, metric, imgsz, layout: predictor.layout.layout, names,
      images: evaluated.length, instances,
      speed: { preprocessMs: pre / evaluated.length, inferenceMs: evaluated.length > 1 ? inf / (evaluated.length - 1) : firstInf, postprocessMs: post / evaluated.length },
      wallMs: 0, skipped, warnings,
      preprocess: { mode: stream.mode, ...(stream.fallbackReason !== undefined ? { fallbackReason: stream.fallbackReason } : {}) },
      postprocess: { mode: postQueue.mode, ...(postQueue.fallbackReason !== undefined ? { fallbackReason: postQueue.fallbackReason } : {}) },
    };
    if (metric === 'ultralytics') {
      result.metrics = computeDetectionMetrics({ labels, detections, names });
    } else {
      const { gt, results } = cocoEvaluationInput(dataset, evaluated, labels, detections, names);
      const ev = cocoEvaluate({ dataset: gt, results });
      result.coco = { stats: ev.stats, perCategory: ev.perCategory, images: ev.images, detections: ev.detections };
    }
    if (options.keepPredictions) result.predictions = toCocoResults(evaluated, detections, dataset.categoryIds);
  } finally {
    await closing;
  }
  result.wallMs = performance.now() - started;
  return result;
}

/** Stop the workers and release the session (the session's release is synchronous, after the workers were told to stop). */
async function closeAll(stream: ImageStream, postQueue: PostprocessSink, predictor: Predictor | undefined): Promise<void> {
  await Promise.all([stream.close(), postQueue.close(), predictor?.release()]);
}
