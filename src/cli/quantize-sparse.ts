/**
 * `prunekit quantize MODEL --sparse -o OUT` (alone, or after `--weights-only` / `--fp16-weights`): initializers
 * stored as ONNX `sparse_initializer` where that is smaller. Checked to give the same outputs as the dense model in
 * onnxruntime; prints each tensor's zeros and bytes; refuses (nothing written) when no tensor gets smaller.
 */
import { UsageError } from '../core/index.js';
import type { OnnxModel } from '../io/onnx/index.js';
import type { SparseStorageResult } from '../quantize/sparse.js';
import { formatBytes, formatPercent } from '../core/format.js';

/** Stored tensors listed without --layers (the largest). */
const SHOWN = 5;
const pct = (x: number) => formatPercent(x);

/** The summary lines of a sparse-storage pass (`all`: one line per candidate tensor). */
export function sparseText(r: SparseStorageResult, all: boolean): string[] {
  const stored = r.tensors.filter((t) => t.sparse);
  const lines = [`sparse_initializer: ${stored.length} of ${r.tensors.length} tensors stored sparse (int64 indices), tensors ${formatBytes(r.bytes.before)} → ${formatBytes(r.bytes.after)}`];
  const shown = all ? r.tensors : stored.slice(0, SHOWN);
  for (const t of shown) lines.push(`  ${t.name}: ${pct(1 - t.nonZero / t.elements)} zeros, ${formatBytes(t.denseBytes)} dense, ${formatBytes(t.sparseBytes)} sparse${t.sparse ? ' → sparse' : ''}`);
  if (!all && stored.length > SHOWN) lines.push(`  … ${stored.length - SHOWN} more stored sparse (--layers lists every tensor)`);
  return lines;
}

/** Why nothing was stored sparse, in one line. */
export function noSparseGain(r: SparseStorageResult, model: string): string {
  const zeros = r.tensors.map((t) => 1 - t.nonZero / t.elements);
  const best = zeros.length ? Math.max(...zeros) : 0;
  const all = r.tensors.reduce((a, t) => a + t.elements, 0), nz = r.tensors.reduce((a, t) => a + t.nonZero, 0);
  return `--sparse: no tensor of ${model} is smaller as a sparse_initializer (each non-zero costs an 8-byte int64 index, so a float32 tensor needs > 66.7% zeros; here ${pct(all ? 1 - nz / all : 0)} of the weights are zero, at most ${pct(best)} in one tensor); gzip the dense file instead, zeros compress well`;
}

/**
 * Apply sparse storage to `model` (the original or a storage rewrite of it), prove in onnxruntime that outputs are
 * unchanged, and give the new model with its summary. `required`: refuse when no tensor gets smaller.
 */
export async function applySparse(model: OnnxModel, name: string, options: { required: boolean; all: boolean }): Promise<{ model: OnnxModel; lines: string[] }> {
  const { sparseStorage } = await import('../quantize/sparse.js');
  const { serializeOnnx } = await import('../io/onnx/index.js');
  const { compareOutputs } = await import('../runtime/index.js');
  const r = sparseStorage(model);
  if (!r.tensors.some((t) => t.sparse)) {
    if (options.required) throw new UsageError(`${noSparseGain(r, name)}; nothing written`);
    return { model, lines: [`${noSparseGain(r, name)}: stored dense`] };
  }
  const diff = await compareOutputs(serializeOnnx(model), serializeOnnx(r.model));
  const off = diff.filter((d) => d.maxAbsDiff !== 0);
  if (off.length > 0) throw new UsageError(`internal check failed: the sparse model's outputs differ (${off.map((d) => `${d.name} by ${d.maxAbsDiff}`).join(', ')}); nothing written`);
  return { model: r.model, lines: [...sparseText(r, options.all), `verify: onnxruntime loads it; outputs ${diff.map((d) => `${d.name}[${d.dims.join(',')}]`).join(' ')} identical to the dense model's`] };
}
