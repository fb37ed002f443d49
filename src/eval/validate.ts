/**
 * `validate`: accuracy of a detection model on a dataset, as Ultralytics' validator measures it (or, with
 * `metric: 'coco'`, as pycocotools does). The Node edge of validation: reads the model and dataset files and
 * streams the images with sharp, decode + letterbox of the next images running ahead of inference in a worker
 * thread (see preprocess/prepared-stream.ts), at most `prefetch` images in flight. The loop itself is
 * {@link runValidation} (validate-run.ts), which the web page runs too.
 */
import { availableParallelism } from 'node:os';
import { UsageError } from '../core/errors.js';
import { loadOnnx } from '../files/onnx-file.js';
import { openDataset } from './dataset/open.js';
import { modelInfoOf, type ModelInfo } from './model-info.js';
import { openPostprocessQueue } from './postprocess-queue.js';
import { openPreparedStream } from './preprocess/prepared-stream.js';
import { runValidation, type ValidateOptions, type ValidationResult } from './validate-run.js';

export { classMismatch, groundTruth } from './validate-run.js';
export type { MetricMode, StageSpeed, ValidateOptions, ValidateProgress, ValidationResult } from './validate-run.js';

/** Read what validation needs from an ONNX file's metadata and graph signature. */
export async function readModelInfo(file: string): Promise<ModelInfo> {
  return modelInfoOf(await loadOnnx(file), file);
}

/** 1 worker when inference leaves a core free (`threads` below the cores available), else 0. */
export function defaultWorkers(threads: number | undefined): number {
  return threads !== undefined && threads > 0 && threads < availableParallelism() ? 1 : 0;
}

/**
 * The postprocessing worker when `workers` is not given: 1 whenever the machine has two cores or more. With a
 * core left free it runs there; with every core running inference (no preprocessing worker) it still pays off,
 * because onnxruntime's intra-op threads leave cores idle between parallel sections and NMS runs in those gaps
 * instead of after `session.run` on the main thread (bench/val-throughput.ts: 2 threads on 2 cores, quiet,
 * 0.856× against 0.775× with everything on the main thread).
 */
export function defaultPostprocessWorkers(): number {
  return availableParallelism() >= 2 ? 1 : 0;
}

export async function validate(options: ValidateOptions): Promise<ValidationResult> {
  const started = performance.now();
  const metric = options.metric ?? 'ultralytics';
  if (metric !== 'ultralytics' && metric !== 'coco') throw new UsageError(`unknown metric '${String(metric)}'; use ultralytics or coco`);
  const info = await readModelInfo(options.model);
  const dataset = await openDataset(options.data, { split: options.split, images: options.images, modelNames: info.names });
  const workers = options.workers ?? defaultWorkers(options.threads);
  const postprocessWorkers = options.postprocessWorkers ?? (options.workers ?? defaultPostprocessWorkers());
  return runValidation({
    model: options.model,
    modelSource: options.model,
    info,
    dataset,
    openStream: (size) => openPreparedStream(dataset.images.map((im) => im.path), { size, depth: options.prefetch, workers }),
    postprocess: () => openPostprocessQueue({ workers: postprocessWorkers }),
    startedMs: started,
  }, options);
}
