/**
 * File-level structured pruning (the file edge of {@link pruneChannelsModel}): load, resolve the preset/config
 * and class sources, prune and check channels, write the result (nothing is written when a check fails).
 */
import path from 'node:path';
import { FileError } from '../core/errors.js';
import type { ClassSource } from '../graph/index.js';
import { checkOutputs } from './output-path.js';
import { refuseQuantized } from '../graph/quantized.js';
import { serializeOnnx } from '../io/onnx/index.js';
import { loadOnnx, saveOnnx } from './onnx-file.js';
import { loadClassSource } from './class-source-file.js';
import { resolvePreset } from './prune-file.js';
import { checkStructuredOptions } from '../prune/structured/prune-channels.js';
import { pruneChannelsModel, type StructuredModelOptions, type StructuredModelResult } from '../prune/structured/prune-model.js';

export type { CalibrationInfo, CalibrationSource } from '../prune/structured/calibrate.js';

export interface StructuredFileOptions extends Omit<StructuredModelOptions, 'preset' | 'classSources'> {
  /** Built-in preset whose per-category ratios apply to channels (ignored when `ratio` or `target` is set). */
  preset?: string;
  config?: string;
  arch?: string;
  dryRun?: boolean;
  force?: boolean;
}

export interface StructuredFileResult extends Omit<StructuredModelResult, 'bytes'> {
  files: { input: { path: string; bytes: number }; output: { path: string; bytes: number; modelBytes: number } | undefined };
}

export async function pruneChannelsFile(input: string, output: string | undefined, options: StructuredFileOptions = {}): Promise<StructuredFileResult> {
  if (output !== undefined && path.resolve(output) === path.resolve(input)) {
    throw new FileError(`'${output}': the output would overwrite the input model; choose another -o path`, output);
  }
  if (!options.dryRun && output !== undefined) await checkOutputs([{ path: output }], { force: options.force });
  checkStructuredOptions(options);
  const model = await loadOnnx(input);
  refuseQuantized(model, 'prune', input);
  const inputBytes = model.source?.length ?? serializeOnnx(model).length;
  const byPreset = options.target === undefined && options.ratio === undefined;
  const preset = byPreset ? await resolvePreset(options) : undefined;
  const classSources: ClassSource[] = byPreset && options.arch ? [await loadClassSource(options.arch)] : [];
  const { bytes: _bytes, ...result } = await pruneChannelsModel(model, input, { ...options, preset, classSources });
  let out: StructuredFileResult['files']['output'];
  if (!options.dryRun && output !== undefined) {
    const saved = await saveOnnx(result.model, output, { force: options.force, metadata: result.provenance ? [result.provenance] : undefined });
    out = { path: saved.path, bytes: saved.bytes + (saved.externalDataBytes ?? 0), modelBytes: saved.bytes };
  }
  return { ...result, files: { input: { path: input, bytes: inputBytes }, output: out } };
}
