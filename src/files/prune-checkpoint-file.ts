/**
 * `pruneCheckpointFile`: the file edge of `.pt` → `.pt` (and safetensors → safetensors) pruning. Reads the input (never modified), prunes, and
 * writes the result atomically (temp file + rename; no overwrite without `force`).
 */
import path from 'node:path';
import { FileError } from '../core/errors.js';
import { writeFileAtomic } from './atomic-write.js';
import { checkOutputs } from './output-path.js';
import { readInputFile } from './onnx-file.js';
import type { ClassSource } from '../graph/index.js';
import { loadClassSource } from './class-source-file.js';
import { pruneCheckpoint, type PruneCheckpointOptions } from '../prune/prune-checkpoint.js';
import { pruneSafetensors } from '../prune/prune-safetensors.js';
import { resolvePreset } from './prune-file.js';
import type { PruneResult, PrunedFileResult } from '../prune/result.js';

export type PruneCheckpointFileOptions = Omit<PruneCheckpointOptions, 'preset' | 'label'> & {
  preset?: string;
  config?: string;
  /** safetensors only (a .pt has its own classes): a model yaml or .pt whose module tree gives the classes. */
  arch?: string;
  force?: boolean;
};

export interface PruneCheckpointFileResult extends PrunedFileResult {
  /** Which model object of the checkpoint was pruned (`ema` / `model`) and why. */
  modelNote: string;
}

export async function pruneCheckpointFile(input: string, output: string | undefined, options: PruneCheckpointFileOptions = {}): Promise<PruneCheckpointFileResult> {
  if (output !== undefined && path.resolve(output) === path.resolve(input)) {
    throw new FileError(`'${output}': the output would overwrite the input checkpoint; choose another -o path`, output);
  }
  if (!options.dryRun && output !== undefined) await checkOutputs([{ path: output }], { force: options.force });
  const preset = await resolvePreset(options);
  const bytes = await readInputFile(input, 'checkpoint');
  const label = path.basename(input);
  let out: Uint8Array;
  let result: PruneResult;
  let modelNote: string;
  if (/\.safetensors$/i.test(input)) {
    const sources: ClassSource[] = [...(options.arch ? [await loadClassSource(options.arch)] : []), ...(options.classSources ?? [])];
    ({ bytes: out, result } = pruneSafetensors(bytes, { ...options, preset, label, classSources: sources }));
    modelNote = `safetensors: ${options.arch ? `classes from --arch ${options.arch}` : 'no module classes (name rules of the preset)'}`;
  } else {
    ({ bytes: out, result, modelNote } = pruneCheckpoint(bytes, { ...options, preset, label }));
  }
  let written: { path: string; bytes: number } | undefined;
  if (!options.dryRun && output !== undefined) {
    await writeFileAtomic(output, out, { force: options.force });
    written = { path: output, bytes: out.length };
  }
  return { ...result, files: { input: { path: input, bytes: bytes.length }, output: written }, modelNote };
}
