/**
 * `pruneFile`: the file-level edge of pruning. Loads the model (the input file is only read), resolves the
 * class source and preset, prunes, and writes the result atomically (no overwrite without `force`).
 */
import path from 'node:path';
import { FileError } from '../core/errors.js';
import type { ClassSource } from '../graph/index.js';
import { checkOutputs } from './output-path.js';
import { refuseQuantized } from '../graph/quantized.js';
import { serializeOnnx, type OnnxModel } from '../io/onnx/index.js';
import { loadOnnx } from './onnx-file.js';
import type { Preset } from '../prune/preset.js';
import { getPreset } from '../prune/presets.js';
import { pruneModel, type PruneOptions } from '../prune/prune.js';
import { openPruneStream, provenanceTrailer } from '../prune/prune-stream.js';
import { unstructuredProvenance } from '../prune/provenance.js';
import type { PruneResult, PrunedFileResult } from '../prune/result.js';
import { writePatchedOnnx, writeReplaced } from './prune-write.js';
import type { ReconstructionInfo, ReconstructionOptions } from '../prune/recon/sequential.js';
import type { DataCriterion } from '../prune/recon/layer.js';
import type { CalibrationSource } from '../prune/structured/calibrate.js';
import { UnsupportedOpError, UsageError, errorMessage } from '../core/errors.js';

export interface PruneFileOptions extends Omit<PruneOptions, 'preset' | 'classSources'> {
  /** Built-in preset name (default `uniform` when neither preset nor config is given). */
  preset?: string;
  /** Custom preset file (YAML/JSON); wins over `preset`. */
  config?: string;
  /** Architecture file for module classes (model yaml; .pt when wired in). */
  arch?: string;
  /** Extra class sources (library use), consulted after `arch`. */
  classSources?: readonly ClassSource[];
  /** Overwrite an existing output. */
  force?: boolean;
  /** Calibration inputs: choose the mask from the data and refit the kept weights (sequential reconstruction). */
  calibration?: CalibrationSource;
  /** Within-layer selection with calibration (default obs). */
  dataCriterion?: DataCriterion | 'magnitude';
  reconstruction?: ReconstructionOptions;
}

export interface PruneFileResult extends PrunedFileResult {
  /** The input model as loaded (its inputs/outputs, metadata). */
  model: OnnxModel;
  /** Calibrated reconstruction: images, blocks, timings (undefined without calibration). */
  reconstruction?: ReconstructionInfo;
}

// Preset files and architecture yamls (the YAML parser), calibration (onnxruntime) and verification are
// imported when used, so a plain `prune model.onnx` does not load them.

/** Resolve the preset from a config file or a built-in name. */
export async function resolvePreset(options: { preset?: string; config?: string }): Promise<Preset> {
  if (options.config) return (await import('./preset-config-file.js')).loadPresetConfig(options.config);
  return getPreset(options.preset ?? 'uniform');
}

export async function pruneFile(input: string, output: string | undefined, options: PruneFileOptions = {}): Promise<PruneFileResult> {
  if (output !== undefined && path.resolve(output) === path.resolve(input)) {
    throw new FileError(`'${output}': the output would overwrite the input model; choose another -o path`, output);
  }
  if (!options.dryRun && output !== undefined) await checkOutputs([{ path: output }], { force: options.force });
  const preset = await resolvePreset(options);
  const sources: ClassSource[] = [];
  if (options.arch) sources.push(await (await import('./class-source-file.js')).loadClassSource(options.arch));
  if (options.classSources) sources.push(...options.classSources);
  const model = await loadOnnx(input);
  refuseQuantized(model, 'prune', input);
  const inputBytes = model.source?.length ?? serializeOnnx(model).length;
  const pruneOptions: PruneOptions = { ...options, preset, classSources: sources };
  if (options.dataCriterion && options.dataCriterion !== 'magnitude' && !options.calibration) {
    throw new UsageError(`--criterion ${options.dataCriterion} scores weights from calibration data; add --calib <data.yaml|image folder>`);
  }
  // A global allocation needs a weight-only score: LAMP unless one was given (data criteria pick within layers).
  const allocation = options.scope === 'global' ? options.criterion ?? 'lamp' : options.criterion;
  if (options.calibration) return pruneCalibratedFile(model, input, inputBytes, output, { ...options, ...pruneOptions, criterion: allocation }, options.calibration);
  const dryRun = options.dryRun || output === undefined;
  const stream = openPruneStream(model, { ...pruneOptions, dryRun });
  let result: PruneResult;
  let out: { path: string; bytes: number } | undefined;
  if (!stream.streamable && !options.dryRun && output !== undefined) {
    // External data or typed-field storage: edit in memory and let saveOnnx lay the file out.
    const pruned = pruneModel(model, pruneOptions);
    result = pruned.result;
    const record = unstructuredProvenance(model, result);
    const saved = await writePatchedOnnx(pruned.model, output, { force: options.force, metadata: record ? [record] : undefined });
    out = { path: saved.path, bytes: saved.bytes + (saved.externalDataBytes ?? 0) };
  } else {
    // Stream: cut each layer as the writer reaches its bytes, so only one layer's new values live at a time.
    if (dryRun) for (const _ of stream.replacements());
    else {
      const saved = await writeReplaced(model.source!, output!, stream.replacements(), { force: options.force, trailer: provenanceTrailer(model, stream) });
      out = { path: saved.path, bytes: saved.bytes };
    }
    result = stream.result();
  }
  return { ...result, files: { input: { path: input, bytes: inputBytes }, output: out }, model };
}

/** Calibrated path: reconstruct in memory, check the model in onnxruntime, then write it (never a failing model). */
async function pruneCalibratedFile(model: OnnxModel, input: string, inputBytes: number, output: string | undefined, options: PruneOptions & Pick<PruneFileOptions, 'force' | 'dataCriterion' | 'reconstruction'>, source: CalibrationSource): Promise<PruneFileResult> {
  const { pruneReconstructed } = await import('../prune/recon/sequential.js');
  const { verifyModel } = await import('../prune/verify.js');
  const r = await pruneReconstructed(model, options, source);
  let out: { path: string; bytes: number } | undefined;
  if (!options.dryRun && output !== undefined) {
    try {
      await verifyModel(serializeOnnx(r.model));
    } catch (e) {
      const why = errorMessage(e);
      throw new UnsupportedOpError(`${input}: the reconstructed model failed the onnxruntime check (${why}); nothing was written — please report this model`, input, { cause: e });
    }
    const record = unstructuredProvenance(model, r.result, { calibrated: r.info.images, dataCriterion: options.dataCriterion });
    const saved = await writePatchedOnnx(r.model, output, { force: options.force, metadata: record ? [record] : undefined });
    out = { path: saved.path, bytes: saved.bytes + (saved.externalDataBytes ?? 0) };
  }
  return { ...r.result, files: { input: { path: input, bytes: inputBytes }, output: out }, model, reconstruction: r.info };
}
