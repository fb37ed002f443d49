/**
 * Postprocessing of one raw model output, a pure function (so it can run in a worker thread): layout check,
 * decode, NMS (or the end-to-end model's own detections), boxes mapped back to original image pixels.
 */
import { decodeOutput, type Detections } from './decode/decode.js';
import { resolveLayout, type ResolvedLayout } from './decode/layouts.js';
import { nonMaxSuppression, type NmsOptions } from './nms/nms.js';
import { scaleBoxesToOriginal, type LetterboxGeometry } from './preprocess/letterbox.js';

/** What postprocessing needs to know about the model and the thresholds (structured-clonable). */
export interface PostprocessSpec {
  layout: ResolvedLayout;
  /** Confidence threshold. */
  conf: number;
  nms: NmsOptions;
  /** Output tensor name (for error messages). */
  output: string;
}

/** Raw float32 output of one image: `data` laid out as `dims`. */
export interface RawOutput {
  data: Float32Array;
  dims: readonly number[];
}

/** Detections in original image pixels from one image's raw output. */
export function postprocessOutput(raw: RawOutput, spec: PostprocessSpec, geometry: LetterboxGeometry): Detections {
  const actual = resolveLayout(raw.dims, { numClasses: spec.layout.numClasses, override: spec.layout.layout, output: spec.output });
  const decoded = decodeOutput(raw.data, actual, spec.conf);
  const det = decoded.kind === 'final' ? decoded.detections : nonMaxSuppression(decoded.candidates, spec.nms);
  return { ...det, boxesXyxy: scaleBoxesToOriginal(det.boxesXyxy, geometry) };
}
