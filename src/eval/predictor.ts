/**
 * One detection model ready for validation: the runtime session, its class names and input size from the
 * Ultralytics metadata, the resolved output layout, and `predict` for one decoded image (letterbox → run →
 * decode → NMS → boxes back in original pixels), timing each stage.
 */
import { toFloat32 } from '../core/convert.js';
import { ModelFormatError } from '../core/errors.js';
import { createSession, type RuntimeSession } from '../runtime/session.js';
import type { Detections } from './decode/decode.js';
import { resolveLayout, type OutputLayout, type ResolvedLayout } from './decode/layouts.js';
import type { NmsOptions } from './nms/nms.js';
import { postprocessOutput, type PostprocessSpec, type RawOutput } from './postprocess.js';
import { letterbox, type LetterboxGeometry } from './preprocess/letterbox.js';
import type { Image8 } from './preprocess/resize-linear.js';
import type { ModelInfo } from './model-info.js';

export { modelInfoOf, type ModelInfo } from './model-info.js';

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
  release(): Promise<void>;
}

/** `file`: a path (Node) or the model's bytes (also a label for messages when a path). */
export async function createPredictor(file: string | Uint8Array, info: ModelInfo, options: PredictorOptions): Promise<Predictor> {
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
    if (!out) throw new ModelFormatError(`${typeof file === 'string' ? file : 'model'}: the model returned no output`, typeof file === 'string' ? file : undefined);
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
    release: () => session.release(),
  };
}
