/**
 * `pruneFile`: the file-level edge of pruning. Loads the model (the input file is only read), resolves the
 * class source and preset, prunes, and writes the result atomically (no overwrite without `force`).
 */
import path from 'node:path';
import { FileError } from '../core/errors.js';
import type { ClassSource } from '../graph/index.js';
import { loadOnnx, serializeOnnx, type OnnxModel } from '../io/onnx/index.js';
import { loadPresetConfig } from './config-file.js';
import { loadClassSource } from './load-class-source.js';
import type { Preset } from './preset.js';
import { getPreset } from './presets.js';
import { pruneModel, type PruneOptions } from './prune.js';
import type { PruneResult } from './result.js';
import { writePatchedOnnx } from './write.js';

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
}

export interface PruneFileResult extends PruneResult {
  files: { input: { path: string; bytes: number }; output: { path: string; bytes: number } | undefined };
  /** The pruned model in memory (for verification without re-reading). */
  model: OnnxModel;
}

/** Resolve the preset from a config file or a built-in name. */
export async function resolvePreset(options: { preset?: string; config?: string }): Promise<Preset> {
  if (options.config) return loadPresetConfig(options.config);
  return getPreset(options.preset ?? 'uniform');
}

export async function pruneFile(input: string, output: string | undefined, options: PruneFileOptions = {}): Promise<PruneFileResult> {
  if (output !== undefined && path.resolve(output) === path.resolve(input)) {
    throw new FileError(`'${output}': the output would overwrite the input model; choose another -o path`, output);
  }
  const preset = await resolvePreset(options);
  const sources: ClassSource[] = [];
  if (options.arch) sources.push(await loadClassSource(options.arch));
  if (options.classSources) sources.push(...options.classSources);
  const model = await loadOnnx(input);
  const inputBytes = model.source?.length ?? serializeOnnx(model).length;
  const { model: pruned, result } = pruneModel(model, { ...options, preset, classSources: sources });
  let out: { path: string; bytes: number } | undefined;
  if (!options.dryRun && output !== undefined) {
    const saved = await writePatchedOnnx(pruned, output, { force: options.force });
    out = { path: saved.path, bytes: saved.bytes + (saved.externalDataBytes ?? 0) };
  }
  return { ...result, files: { input: { path: input, bytes: inputBytes }, output: out }, model: pruned };
}
