/**
 * What static quantization refuses, before any work: a model that is already quantized (QDQ or QOperator) and a
 * model whose first input is not an image batch [N, 3, H, W] of floats (calibration feeds letterboxed images).
 */
import { UsageError } from '../core/errors.js';
import { quantizationOps, refuseQuantized } from '../graph/quantized.js';
import { modelInputs, type OnnxModel } from '../io/onnx/bytes.js';

export { quantizationOps };

/** Throw UsageError unless `model` is a float model with an image input. */
export function checkQuantizable(model: OnnxModel, what = model.path ?? 'model'): void {
  refuseQuantized(model, 'quantize', what);
  const input = modelInputs(model.proto)[0];
  if (!input) throw new UsageError(`${what}: the model has no input to calibrate`, model.path);
  const dims = input.shape;
  const channels = dims[1];
  if (input.dtype !== 'float32' || dims.length !== 4 || (typeof channels === 'number' && channels !== 3)) {
    throw new UsageError(`${what}: input '${input.name}' is ${input.dtype} [${dims.join(',')}], not an image batch [N,3,H,W] of float32; static quantization calibrates on letterboxed images`, model.path);
  }
}
