/**
 * `quantizeModelFile`: a float ONNX file → a verified static-INT8 QDQ file: `quantizeModel` (quantize/model.ts),
 * then checks that the result loads with the original output shapes, its per-output SQNR on calibration images,
 * and how many convs onnxruntime fused into integer kernels; records provenance; writes atomically.
 */
import { UsageError } from '../core/errors.js';
import { serializeOnnx } from '../io/onnx/index.js';
import { loadOnnx, saveOnnx } from './onnx-file.js';
import type { CalibrationSource } from '../prune/structured/index.js';
import { verifyQuantized } from '../quantize/verify.js';
import { SATURATION_BOUND } from '../quantize/saturation.js';
import { provenanceValue } from '../core/provenance.js';
import { nextProvenanceKey, type OnnxModel } from '../io/onnx/bytes.js';
import { firstFeeds, quantizeModel, type QuantizeFileOptions, type QuantizeFileResult } from '../quantize/model.js';

export { AUTO_CANDIDATES, quantizeModel } from '../quantize/model.js';
export type { AccuracyStep, LatencyProbe, Placement, PlacementCandidate, QuantizedModel, QuantizeFileOptions, QuantizeFileResult } from '../quantize/model.js';

/** The `metadata_props` entry recording a quantization of `model` (the next free `prunekit[.N]` key). */
function onnxQuantProvenance(model: OnnxModel, fields: Readonly<Record<string, unknown>>): { key: string; value: string } {
  return { key: nextProvenanceKey(model.proto), value: provenanceValue(fields) };
}

export async function quantizeModelFile(input: string, output: string, source: CalibrationSource, options: QuantizeFileOptions = {}): Promise<QuantizeFileResult> {
  const t0 = performance.now();
  if (input === output) throw new UsageError(`-o ${output}: the output would overwrite the input model; choose another path`, output);
  const model = await loadOnnx(input);
  const q = await quantizeModel(model, source, options, input);
  const chosenBytes = q.bytes;
  const quantizedConvs = q.layers.filter((l) => l.op === 'Conv' || l.op === 'ConvTranspose').length;
  const floatBytes = serializeOnnx(model);
  const sq = await verifyQuantized(floatBytes, chosenBytes, quantizedConvs, firstFeeds(source, options.verifyImages ?? 4).feeds(), options.threads);
  const fusion = sq.fusion;
  for (const o of sq.outputs) {
    if (o.dims.join(',') !== o.floatDims.join(',')) throw new UsageError(`internal check failed: output '${o.name}' is [${o.dims.join(',')}] after quantization, [${o.floatDims.join(',')}] before; nothing written`);
  }
  const provenance = onnxQuantProvenance(model, {
    command: 'quantize', mode: 'static-int8', method: options.method ?? 'percentile', percentile: options.method === 'minmax' ? undefined : options.percentile ?? 0.9999,
    activations: options.activationType ?? 'uint8', weights: `int8 symmetric ${options.perChannel === false ? 'per tensor' : 'per output channel'}${options.reduceRange ? ' (7-bit)' : ''}`,
    bias: options.biasType ?? 'float32', silu: options.silu ?? 'integer', saturationBound: options.saturationBound ?? SATURATION_BOUND, exclude: options.exclude?.length ? options.exclude : undefined,
    floatPrefix: q.chosen.prefix, biasCorrection: q.biasCorrection.rounds.length || false, accuracyControl: q.chosen.accuracyFloat,
    placement: q.chosen.placement, calibration: { images: q.calibration.images, ...options.provenance?.() },
    result: { quantizedLayers: q.layers.length, floatNodes: q.plan.float.length, fusedConvs: fusion.integerConvs },
  });
  const saved = await saveOnnx(q.model, output, { force: options.force, metadata: [provenance] });
  return {
    floatPrefix: q.floatPrefix, accuracy: q.accuracy,
    input: { path: input, bytes: model.source?.length ?? floatBytes.length },
    output: { path: saved.path, bytes: saved.bytes },
    plan: q.plan, layers: q.layers, float: q.float, placement: q.placement, calibration: q.calibration,
    biasCorrection: q.biasCorrection, provenance,
    verify: { outputs: sq.outputs, images: sq.images, fusion },
    seconds: { total: (performance.now() - t0) / 1000 },
  };
}
