/**
 * One detection model ready for validation: the runtime session, its class names and input size from the
 * Ultralytics metadata, the resolved output layout, and `predict` for one decoded image (letterbox → run →
 * decode → NMS → boxes back in original pixels), timing each stage.
 */
import { performance } from 'node:perf_hooks';
import { toFloat32 } from '../core/convert.js';
import { ModelFormatError, UsageError } from '../core/errors.js';
import { loadOnnx, parseUltralyticsMetadata } from '../io/onnx/index.js';
import { createSession, type RuntimeSession } from '../runtime/index.js';
import type { Detections } from './decode/decode.js';
import { resolveLayout, type OutputLayout, type ResolvedLayout } from './decode/layouts.js';
import type { NmsOptions } from './nms/nms.js';
import { postprocessOutput, type PostprocessSpec, type RawOutput } from './postprocess.js';
import { letterbox, type LetterboxGeometry } from './preprocess/letterbox.js';
import type { Image8 } from './preprocess/resize-linear.js';

export interface ModelInfo {
  /** Class names from metadata, index order; undefined when the model has none. */
  names: string[] | undefined;
  /** Square input side: static input dims, else metadata imgsz, else undefined. */
  inputSize: number | undefined;
  inputName: string;
  /** The input's declared dims (symbolic as strings, unknown as '?'). */
  inputShape: readonly (number | string)[];
  outputName: string;
  outputShape: readonly (number | string)[];
}

/** Read what validation needs from an ONNX file's metadata and graph signature. */
export async function readModelInfo(file: string): Promise<ModelInfo> {
  const model = await loadOnnx(file);
  const md = parseUltralyticsMetadata(model.proto);
  const graph = model.proto.graph!;
  const inits = new Set(graph.initializer.map((t) => t.name));
  const input = graph.input.find((v) => !inits.has(v.name));
  const output = graph.output[0];
  if (!input || !output) throw new ModelFormatError(`${file}: the graph has no input or no output`, file);
  const dimsOf = (v: typeof input): (number | string)[] => {
    const t = v.type?.value.case === 'tensorType' ? v.type.value.value : undefined;
    return (t?.shape?.dim ?? []).map((d) => (d.value.case === 'dimValue' ? Number(d.value.value) : d.value.case === 'dimParam' ? d.value.value : '?'));
  };
  const inDims = dimsOf(input);
  const h = inDims[2], w = inDims[3];
  let inputSize: number | undefined;
  if (typeof h === 'number' && typeof w === 'number') {
    if (h !== w) throw new UsageError(`${file}: input '${input.name}' is ${w}x${h}; validation supports square inputs only`);
    inputSize = h;
  } else if (md.imgsz && md.imgsz[0] === md.imgsz[1]) inputSize = md.imgsz[0];
  let names: string[] | undefined;
  if (md.names && md.names.size > 0) {
    const n = Math.max(...md.names.keys()) + 1;
    names = Array.from({ length: n }, (_, i) => md.names!.get(i) ?? `class_${i}`);
  }
  return { names, inputSize, inputName: input.name, inputShape: inDims, outputName: output.name, outputShape: dimsOf(output) };
}

export interface PredictorOptions extends NmsOptions {
  imgsz: number;
  /** Expected class count (metadata names, else dataset). */
  numClasses?: number;
  layout?: OutputLayout;
  threads?: number;
  /** onnxruntime intra-op spinning (see SessionOptions.allowSpinning). */
  allowSpinning?: boolean;
}

export interface Prediction {
  /** In original image pixels. */
  detections: Detections;
  geometry: LetterboxGeometry;
  inferenceMs: number;
  postprocessMs: number;
}

export interface Predictor {
  readonly layout: ResolvedLayout;
  readonly session: RuntimeSession;
  /** Letterbox into the predictor's reusable input buffer (valid until the next prepare; timed by the caller). */
  prepare(image: Image8): { data: Float32Array; geometry: LetterboxGeometry };
  /** What `postprocessOutput` needs for this model's raw outputs. */
  readonly postprocess: PostprocessSpec;
  /** Run the model on a prepared tensor; the raw float32 output (postprocess it with `postprocessOutput`). */
  infer(data: Float32Array): Promise<{ output: RawOutput; inferenceMs: number }>;
  /** Run the model on a prepared tensor and postprocess. */
  run(input: { data: Float32Array; geometry: LetterboxGeometry }): Promise<Prediction>;
  /** One untimed run on a grey image (first runs are slow), as Ultralytics warms up before validating. */
  warmup(): Promise<void>;
  release(): Promise<void>;
}

export async function createPredictor(file: string, info: ModelInfo, options: PredictorOptions): Promise<Predictor> {
  const session = await createSession(file, { threads: options.threads, allowSpinning: options.allowSpinning });
  const outSpec = session.outputs.find((o) => o.name === info.outputName) ?? session.outputs[0]!;
  const layout = resolveLayout(outSpec.shape.length ? outSpec.shape : info.outputShape, { numClasses: options.numClasses, override: options.layout, output: outSpec.name });
  const size = options.imgsz;
  const conf = options.conf ?? 0.001;
  const inputBuffer = new Float32Array(3 * size * size);
  const { iou, maxDet, maxNms, agnostic, multiLabel } = options;
  const spec: PostprocessSpec = { layout, conf, nms: { conf, iou, maxDet, maxNms, agnostic, multiLabel }, output: outSpec.name };
  const infer = async (data: Float32Array): Promise<{ output: RawOutput; inferenceMs: number }> => {
    const t0 = performance.now();
    const outputs = await session.run({ [info.inputName]: { dtype: 'float32', dims: [1, 3, size, size], data } });
    const inferenceMs = performance.now() - t0;
    const out = outputs[outSpec.name] ?? Object.values(outputs)[0];
    if (!out) throw new ModelFormatError(`${file}: the model returned no output`, file);
    const raw = out.dtype === 'float32' ? (out.data as Float32Array) : toFloat32(out);
    return { output: { data: raw, dims: out.dims }, inferenceMs };
  };
  return {
    layout,
    session,
    postprocess: spec,
    infer,
    prepare: (image) => letterbox(image, size, inputBuffer),
    async run({ data, geometry }) {
      const { output, inferenceMs } = await infer(data);
      const t1 = performance.now();
      const detections = postprocessOutput(output, spec, geometry);
      return { detections, geometry, inferenceMs, postprocessMs: performance.now() - t1 };
    },
    async warmup() {
      await session.run({ [info.inputName]: { dtype: 'float32', dims: [1, 3, size, size], data: new Float32Array(3 * size * size).fill(114 / 255) } });
    },
    release: () => session.release(),
  };
}
