/**
 * Worker side of compressing a dropped `.pt` / `.pth` / `.safetensors` file: the library's pure
 * `pruneCheckpoint` / `pruneSafetensors` (what `prunekit prune best.pt -o out.pt` runs between reading and
 * writing the file), so the page's download is byte-identical to the CLI's output for the same settings.
 * A checkpoint cannot be run here (that needs PyTorch); validation runs its ONNX export (the "twin"), checked
 * against the checkpoint's class names and, for the compressed twin, its zeros.
 */
import { UsageError } from '../../src/core/errors.js';
import type { InspectReport } from '../../src/graph/summary.js';
import type { Preset } from '../../src/prune/preset.js';
import type { PruneProgress } from '../../src/prune/prune.js';
import { pruneCheckpoint } from '../../src/prune/prune-checkpoint.js';
import { pruneSafetensors } from '../../src/prune/prune-safetensors.js';
import type { PruneResult } from '../../src/prune/result.js';
import type { LayerRow } from './protocol.js';

/** A dropped checkpoint: its bytes and, when it has them, its class names (index order). */
export interface HeldWeights { name: string; bytes: Uint8Array; names: string[] | undefined }

export const isSafetensorsName = (name: string): boolean => /\.safetensors$/i.test(name);

/** `best.pt` → `best-pruned.pt` (the extension is kept). */
export function prunedName(name: string): string {
  const m = /^(.*?)(\.[^.]*)?$/.exec(name)!;
  return `${m[1]}-pruned${m[2] ?? ''}`;
}

export interface CheckpointPruneOutcome {
  name: string; bytes: Uint8Array; result: PruneResult; modelNote: string;
}

/**
 * Prune the checkpoint as `prunekit prune <file> --preset P [--target T] -o out` does (safetensors: no `--arch`,
 * so the preset's name rules give the categories). Structured pruning and INT8 need an ONNX graph.
 */
export function pruneHeldWeights(w: HeldWeights, settings: { mode: string; preset: Preset; target?: number }, onProgress: (p: PruneProgress) => void): CheckpointPruneOutcome {
  if (settings.mode !== 'unstructured') {
    throw new UsageError(`${w.name}: ${settings.mode === 'int8' ? 'INT8 quantization' : 'structured pruning'} works on ONNX models; drop the ONNX export, or zero weights of the checkpoint (unstructured)`);
  }
  const options = { preset: settings.preset, target: settings.target, label: w.name, onProgress };
  if (isSafetensorsName(w.name)) {
    const r = pruneSafetensors(w.bytes, options);
    return { name: prunedName(w.name), bytes: r.bytes, result: r.result, modelNote: 'safetensors: no module classes (name rules of the preset)' };
  }
  const r = pruneCheckpoint(w.bytes, options);
  return { name: prunedName(w.name), bytes: r.bytes, result: r.result, modelNote: r.modelNote };
}

/** The layer table rows of a checkpoint prune (after the cut; no MACs without a graph). */
export function checkpointRows(result: PruneResult): LayerRow[] {
  return result.layers.map((r) => ({
    modulePath: r.modulePath, classChain: r.classChain.join(' > '), category: r.category, opType: r.opType,
    dims: [...r.dims], params: r.params, nonZero: r.params - r.zerosAfter, macs: null,
  }));
}

/**
 * What is doubtful about an ONNX twin of the dropped checkpoint: other class names than the checkpoint's, or,
 * for the twin of the compressed checkpoint, fewer than half the zero weights the checkpoint holds after the prune
 * (an export keeps the zeros: BatchNorm folding scales weights, it does not fill zeros; an exporter may drop a
 * training-only branch, hence the margin). Empty when none.
 */
export function twinWarnings(w: HeldWeights, twin: { name: string; names: string[] | undefined; report: InspectReport }, zeroed: number | undefined): string[] {
  const out: string[] = [];
  if (w.names && twin.names && w.names.join('\u0000') !== twin.names.join('\u0000')) {
    out.push(`${twin.name} has ${twin.names.length} classes (${twin.names.slice(0, 5).join(', ')}${twin.names.length > 5 ? ', …' : ''}), ${w.name} has ${w.names.length} (${w.names.slice(0, 5).join(', ')}${w.names.length > 5 ? ', …' : ''}): is it the export of this checkpoint?`);
  }
  if (zeroed !== undefined && twin.report.totals.zeroWeights < zeroed / 2) {
    out.push(`${twin.name} holds ${twin.report.totals.zeroWeights.toLocaleString('en-US')} zero weights, less than half of the compressed checkpoint's ${zeroed.toLocaleString('en-US')}: is it the export of the compressed checkpoint?`);
  }
  return out;
}
