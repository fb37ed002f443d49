/**
 * Build a {@link ComparisonReport} from measured parts: validation metrics of both models, a two-model bench
 * result, size figures, per-layer sparsity and an optional budget. Pure.
 */
import type { BenchResult } from '../bench/index.js';
import type { DetectionMetrics } from '../eval/index.js';
import { checkBudget } from './budget.js';
import { honestyNotes } from './notes.js';
import type {
  AccuracySection, AccuracyValues, BudgetRule, ClassRow, ComparisonReport, LatencySection, ReportModel, SizeSection, SparsitySection,
} from './types.js';

const ZERO: AccuracyValues = { precision: 0, recall: 0, map50: 0, map5095: 0 };

function values(m: { precision: number; recall: number; map50: number; map5095: number }): AccuracyValues {
  return { precision: m.precision, recall: m.recall, map50: m.map50, map5095: m.map5095 };
}

/** Accuracy section from both models' metrics; per-class rows are joined by class index. */
export function accuracySection(dataset: string, images: number, base: DetectionMetrics, candidate: DetectionMetrics): AccuracySection {
  const cand = new Map(candidate.perClass.map((c) => [c.classIndex, c]));
  const seen = new Set<number>();
  const perClass: ClassRow[] = base.perClass.map((b) => {
    seen.add(b.classIndex);
    const c = cand.get(b.classIndex);
    return { classIndex: b.classIndex, name: b.name, images: b.images, instances: b.instances, base: values(b), candidate: c ? values(c) : ZERO };
  });
  for (const c of candidate.perClass) {
    if (!seen.has(c.classIndex)) perClass.push({ classIndex: c.classIndex, name: c.name, images: c.images, instances: c.instances, base: ZERO, candidate: values(c) });
  }
  perClass.sort((a, b) => a.classIndex - b.classIndex);
  const curve = (m: DetectionMetrics) => ({ recall: Array.from(m.prCurve.recall), precision: Array.from(m.prCurve.precision) });
  return {
    dataset, images, base: values(base), candidate: values(candidate), perClass,
    prCurve: { base: curve(base), candidate: curve(candidate) },
  };
}

/** Latency section from a bench of exactly [base, candidate]. */
export function latencySection(bench: BenchResult): LatencySection {
  const [b, c] = bench.models;
  const cmp = bench.comparisons[0];
  if (!b || !c || !cmp) throw new RangeError('latencySection needs a bench result of two models');
  const cfg = bench.config;
  const env = bench.environment;
  const runs = cfg.seconds !== null ? `${bench.rounds} rounds in ${cfg.seconds}s` : `${bench.rounds} rounds`;
  return {
    settings: `onnxruntime CPU, threads ${cfg.threads}, graph-opt ${cfg.graphOptimization}, batch ${cfg.batch}, warm-up ${cfg.warmup}, ${runs} interleaved in random order`,
    environment: `${env.cpuModel.trim()} × ${env.cpus}, ${env.platform} ${env.arch}, node ${env.node}`,
    base: { ...b.latency, loadMs: b.loadMs, rssDeltaBytes: b.rssDeltaBytes },
    candidate: { ...c.latency, loadMs: c.loadMs, rssDeltaBytes: c.rssDeltaBytes },
    samplesMs: { base: [...b.samplesMs], candidate: [...c.samplesMs] },
    comparison: {
      ratio: cmp.ratio, ciLow: cmp.ciLow, ciHigh: cmp.ciHigh, confidence: cmp.confidence, resamples: cmp.resamples,
      significant: cmp.significant, noiseThreshold: cmp.noiseThreshold, verdict: cmp.verdict,
    },
  };
}

export interface ComparisonParts {
  base: ReportModel;
  candidate: ReportModel;
  /** ISO timestamp. */
  createdAt: string;
  title?: string;
  accuracy: AccuracySection | null;
  latency: LatencySection | null;
  size: SizeSection;
  sparsity: SparsitySection | null;
  /** Budget rules; checked only when accuracy was measured. */
  budget?: readonly BudgetRule[];
}

export function assembleReport(p: ComparisonParts): ComparisonReport {
  const budget = p.budget && p.budget.length && p.accuracy ? checkBudget(p.budget, p.accuracy.base, p.accuracy.candidate) : null;
  return {
    schema: 'prunekit.comparison/1',
    createdAt: p.createdAt,
    title: p.title ?? `prunekit: ${p.candidate.label} vs ${p.base.label}`,
    base: p.base,
    candidate: p.candidate,
    accuracy: p.accuracy,
    latency: p.latency,
    size: p.size,
    sparsity: p.sparsity,
    budget,
    notes: honestyNotes({ accuracy: p.accuracy, latency: p.latency, size: p.size }),
  };
}
