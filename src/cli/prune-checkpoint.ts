/**
 * `prunekit prune best.pt -o pruned.pt …`: the `.pt` → `.pt` (and `.safetensors`) branch of the prune command. Same flags and report
 * as ONNX pruning (no --verify: onnxruntime cannot run a checkpoint; no --structured).
 */
import { UsageError } from '../core/errors.js';
import { pruneCheckpointFile, type PruneCheckpointFileResult } from '../files/prune-checkpoint-file.js';
import type { CliContext } from './context.js';
import { progressBar } from './progress.js';
import { categoryTable, layerTable, planHeader, totalsText } from './prune-text.js';
import { writeJson } from './outputs.js';
import { unstructuredOptions, type UnstructuredFlags } from './flags.js';

/** The prune command's flags this branch understands. */
export interface CheckpointPruneFlags extends UnstructuredFlags {
  output?: string; verify?: boolean; json?: string; layers?: boolean; structured?: boolean;
}

export async function runCheckpointPrune(ctx: CliContext, model: string, flags: CheckpointPruneFlags): Promise<void> {
  if (flags.structured) throw new UsageError(`${model}: --structured works on ONNX models; prune the ONNX export, or drop --structured for .pt → .pt`);
  const safetensors = /\.safetensors$/i.test(model);
  if (flags.arch && !safetensors) throw new UsageError(`${model}: a checkpoint carries its own module classes; drop --arch`);
  if (flags.verify === true) throw new UsageError(`${model}: --verify runs onnxruntime and needs an ONNX model`);
  if (!flags.output && !flags.dryRun) throw new UsageError('missing -o/--output OUT (or pass --dry-run)');
  const options = unstructuredOptions(flags);
  if (options.dataCriterion) throw new UsageError(`${model}: --criterion ${options.dataCriterion} needs --calib, which runs the model in onnxruntime; prune the ONNX export`);
  const bar = progressBar(ctx.io, 'prune');
  let result: PruneCheckpointFileResult;
  try {
    result = await pruneCheckpointFile(model, flags.output, { ...options, onProgress: bar.onProgress });
  } finally {
    bar.stop();
  }
  ctx.io.out(planHeader(result));
  ctx.io.out(`model: ${result.modelNote}; BatchNorm is not folded here: conv weights are pruned as stored`);
  ctx.io.out('');
  if (flags.layers || flags.dryRun) ctx.io.out(layerTable(result.layers) + '\n');
  ctx.io.out(categoryTable(result));
  ctx.io.out('');
  ctx.io.out(totalsText(result));
  if (flags.json) {
    const { plan, ...rest } = result;
    const entries = plan.entries.map(({ layer, ...e }) => ({ id: layer.id, modulePath: layer.modulePath, ...e }));
    await writeJson(flags.json, { ...rest, plan: { ...plan, entries } }, { force: flags.force });
    ctx.io.out(`wrote ${flags.json}`);
  }
}
