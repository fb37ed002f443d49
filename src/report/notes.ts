/**
 * The honesty notes of a comparison: what the numbers can and cannot support. Pure.
 */
import { formatSparsity } from '../core/format.js';
import type { AccuracySection, LatencySection, SizeSection } from './types.js';

/** Caveats for a comparison, in reading order. */
export function honestyNotes(parts: { accuracy: AccuracySection | null; latency: LatencySection | null; size: SizeSection }): string[] {
  const notes: string[] = [];
  const { latency, size, accuracy } = parts;
  const zeroedOnly = size.onlyZeroedWeights === true;
  const sparsity = formatSparsity(size.candidate.params, size.candidate.nonZeroParams);
  if (latency) {
    const cmp = latency.comparison;
    if (zeroedOnly && !cmp.significant) {
      notes.push(
        `The candidate differs from the base only by weights set to zero (unstructured sparsity, ${sparsity} of weight parameters). ` +
          `onnxruntime's CPU kernels are dense and multiply zeros like any other value, so a latency ratio of about 1.0× is expected — ` +
          `and that is what was measured: ${cmp.verdict}. A speedup needs structured pruning (channels removed) or a sparse runtime.`,
      );
    } else if (zeroedOnly && cmp.significant) {
      notes.push(
        `The candidate differs from the base only by zeroed weights, which dense CPU kernels do not skip, yet the measurement says ${cmp.verdict}. ` +
          `Treat this as a property of this run (memory layout, machine drift, denormals) rather than of pruning: rerun before relying on it.`,
      );
    } else if (!cmp.significant) {
      notes.push(`Latency: ${cmp.verdict} — the measured difference is within run-to-run noise on this machine.`);
    }
    notes.push(
      `Latency was measured on this machine only (${latency.environment}; ${latency.settings}); ratios carry a ` +
        `${Math.round(cmp.confidence * 100)}% bootstrap interval over paired rounds, and no speedup is stated without it.`,
    );
  } else {
    notes.push('Latency was not measured in this run, so no speed claim is made.');
  }
  if (zeroedOnly && size.base.fileBytes === size.candidate.fileBytes) {
    notes.push('The file size is unchanged: ONNX stores zeros densely. The zeros only pay off under compression (zip) or a sparse format.');
  }
  if (accuracy && accuracy.images < 100) {
    notes.push(`Accuracy comes from ${accuracy.images} images only; differences of a few points can be noise on so small a set.`);
  }
  return notes;
}
