/**
 * `optimize` end to end (Node edge): sensitivity scan, allocation + verification on the search images, the
 * chosen model rebuilt from its config through `prune --structured --config` (so the config reproduces it),
 * its accuracy measured on the measurement images (or in-sample, said so), and the latency of the explored
 * points measured in one interleaved run.
 */
import { UsageError } from '../core/errors.js';
import { serializeOnnx } from '../io/onnx/bytes.js';
import { pruneChannelsFile, type StructuredFileResult } from '../files/structured-prune-file.js';
import type { BudgetRule } from '../report/types.js';
import { pairedRatioOfMedians } from '../bench/index.js';
import { accepts, DEFAULT_CONFIDENCE, dropBound, pickFaster, within } from './accept.js';
import { correctedLevel, DropBootstrap, type DropBootstrapOptions } from './bootstrap.js';
import { timeSamples } from './latency.js';
import { choiceConfig, configYaml, type ConfigDocument } from './config.js';
import { referenceOf, scoreModel, type Reference, type Score } from './evaluate.js';
import type { ImageSet } from './images.js';
import { optimize, ratiosKey, type Objective, type OptimizeResult, type Verified } from './optimize.js';
import { runSensitivity, setSource, type SensitivityOptions, type SensitivityRun } from './run-sensitivity.js';
import { buildCandidate } from './units.js';

export interface OptimizeRunOptions extends SensitivityOptions {
  /** The budget: one rule on map50 or map5095 (relative `%` or absolute). */
  budget: BudgetRule;
  /** The budget against the labels (default) or the original's detections (see {@link BudgetMetric}). */
  budgetOn?: BudgetMetric;
  /** Noise margin: a combination holds on the search images when its drop bound ≤ budget × (1 − margin) (default 0). */
  margin?: number;
  /**
   * One-sided confidence of the paired-bootstrap upper bound of the drop (default {@link DEFAULT_CONFIDENCE});
   * null = the point estimate (the rule before session 9). See accept.ts.
   */
  confidence?: number | null;
  bootstrap?: DropBootstrapOptions;
  objective: Objective;
  /** Measurement images (not searched on); undefined = in-sample. */
  measure?: ImageSet;
  /** Where the chosen model and its config go. */
  output: string;
  configPath: string;
  force?: boolean;
  maxVerifications?: number;
  /** Interleaved rounds for the explored points' latency (default 20; 0 = do not time them: speed-ups NaN). */
  paretoRounds?: number;
  /** What `prune --calib` takes to repeat the calibration (a yaml or folder), for the config's header. */
  calibrationArg?: string;
}

export interface ParetoPoint {
  via: Verified['via'] | 'original';
  holds: boolean;
  units: number;
  predictedGain: number;
  /** Verified on the search images. */
  searchScore: Score | undefined;
  drop: number;
  /** Upper bound of the drop at the selection-corrected level (= drop without a bootstrap), and whether it is accepted. */
  bound: number;
  accepted: boolean;
  /** Measured speed-up vs the original (paired ratio of medians) with its 95% CI. */
  speedup: number;
  ciLow: number;
  ciHigh: number;
  chosen: boolean;
}

export interface OptimizeRun {
  sensitivity: SensitivityRun;
  result: OptimizeResult;
  /** Chosen ratios by unit id (empty when nothing was chosen). */
  ratios: Map<string, number>;
  config: ConfigDocument;
  written: StructuredFileResult;
  /** Accuracy of the original and the chosen model on the measurement images (the search images when in-sample). */
  measured: { set: string; inSample: boolean; original: Score; chosen: Score; drop: number; holds: boolean };
  pareto: ParetoPoint[];
  selection: Selection;
  seconds: { search: number; verify: number; final: number; pareto: number; total: number };
}

/** How the written point was selected (docs/optimize.md, "Acceptance"). */
export interface Selection {
  /** The bound must be ≤ threshold = budget × (1 − margin). */
  threshold: number;
  /** One-sided confidence (null = point estimate), the plain and the corrected level, the family size. */
  confidence: number | null;
  level: number | null;
  correctedLevel: number | null;
  family: number;
  resamples: number;
  /** The speed rule ran (objective latency, explored points timed). */
  speedRule: boolean;
  /** What was written and why. */
  kept: 'candidate' | 'original' | 'closest';
  reason: string;
}

/**
 * What the budget is measured against: the labels (default), or `agreement` — the original model's own
 * detections (score ≥ 0.25) as labels, for a model whose classes the dataset does not label (a fidelity budget).
 */
export type BudgetMetric = 'labels' | 'agreement';

const metricOf = (s: Score, m: BudgetRule['metric'], on: BudgetMetric) => (on === 'agreement' ? s.agreement : m === 'map50' ? s.map50 : s.map5095);

/** Drop in the rule's units: relative (fraction of base) or absolute (metric units). */
export function dropOf(rule: BudgetRule, base: Score, cand: Score, on: BudgetMetric = 'labels'): number {
  const b = metricOf(base, rule.metric, on), c = metricOf(cand, rule.metric, on);
  return rule.kind === 'relative' ? (b > 0 ? (b - c) / b : 0) : b - c;
}

export async function runOptimize(o: OptimizeRunOptions): Promise<OptimizeRun> {
  if (o.budget.metric !== 'map50' && o.budget.metric !== 'map5095') throw new UsageError(`--max-drop ${o.budget.text}: optimize budgets map50 or map50-95`);
  const t0 = performance.now();
  const sens = await runSensitivity({ ...o, skipLatency: o.objective !== 'latency' });
  const t1 = performance.now();
  const units = sens.table.map((u) => u.unit);
  const on = o.budgetOn ?? 'labels';
  const threshold = o.budget.value * (1 - (o.margin ?? 0));
  const confidence = o.confidence === undefined ? DEFAULT_CONFIDENCE : o.confidence;
  const boot = budgetBootstrap(sens.reference, o.budget, on, confidence, o.bootstrap);
  const build = (ratios: ReadonlyMap<string, number>) => serializeOnnx(buildCandidate(sens.model, units, ratios, sens.build).model);
  const searched = await optimize(sens.table, {
    objective: o.objective, budget: threshold, confidence, maxVerifications: o.maxVerifications,
    onProgress: (p) => o.onProgress?.('verify', p),
    verify: async (ratios) => {
      const s = await scoreModel(build(ratios), sens.reference, { threads: o.threads });
      return { drop: dropOf(o.budget, sens.reference.score, s, on), drops: boot?.drops(s.detections), detail: { map50: s.map50, map5095: s.map5095, agreement: s.agreement } };
    },
  });
  const t2 = performance.now();
  // The explored points (and the original) timed in one interleaved run, before choosing: the speed rule needs it.
  const explored = searched.explored;
  const set = sens.reference.set;
  const samples = o.paretoRounds === 0 || explored.length === 0 ? undefined : await (o.timing ?? ((f) => f()))(() => timeSamples(sens.original, explored.map((v) => build(v.ratios)), {
    threads: o.threads, rounds: o.paretoRounds ?? 20, onProgress: (p) => o.onProgress?.('final', p),
    feeds: { [set.inputName]: { dtype: 'float32', dims: [1, 3, set.imgsz, set.imgsz], data: set.images[0]!.input } },
  }));
  const t3 = performance.now();
  const { chosen, selection } = selectPoint(explored, { confidence, threshold, objective: o.objective, samples, resamples: boot?.plan.resamples ?? 0 });
  const result: OptimizeResult = { ...searched, chosen, feasible: selection.kept === 'candidate' || selection.kept === 'original' };
  const ratios = chosen && (result.feasible || chosen.gain > 0) ? chosen.ratios : new Map<string, number>();
  const config = choiceConfig(units, ratios, 'optimize', `chosen by prunekit optimize for ${o.budget.text} (${o.objective})`);
  const { writeFileAtomic } = await import('../files/atomic-write.js');
  const header = [
    `prunekit optimize: ${o.model}, budget ${o.budget.text}, objective ${o.objective}, searched on ${o.search.description}`,
    `reproduce: prunekit prune ${o.model} --structured --config ${o.configPath} --round-to ${sens.build.roundTo ?? 16}`
      + (o.calibrationArg ? ` --calib ${o.calibrationArg} --calib-images ${sens.calibration?.images ?? 0}` : ''),
  ];
  await writeFileAtomic(o.configPath, configYaml(config, header), { force: o.force });
  const calibration = o.calibration === 'none' ? undefined
    : o.calibration === undefined || o.calibration === 'search' ? setSource(o.search, sens.calibrationImages?.length ?? 0) : o.calibration;
  const written = await pruneChannelsFile(o.model, o.output, {
    config: o.configPath, roundTo: sens.build.roundTo, ignore: o.ignore, keepHeadInputs: o.keepHeadInputs,
    pruneHead: o.headPath === null, calibration, threads: o.threads, force: o.force,
  });
  const finalBytes = serializeOnnx(written.model);
  const measureRef = o.measure ? await referenceOf(sens.original, o.measure, { threads: o.threads }) : sens.reference;
  const chosenScore = await scoreModel(finalBytes, measureRef, { threads: o.threads });
  const drop = dropOf(o.budget, measureRef.score, chosenScore, on);
  const t4 = performance.now();
  return {
    sensitivity: sens, result, ratios, config, written,
    measured: {
      set: measureRef.set.description, inSample: !o.measure, original: measureRef.score,
      chosen: { map50: chosenScore.map50, map5095: chosenScore.map5095, agreement: chosenScore.agreement, outputError: chosenScore.outputError },
      drop, holds: within(drop, o.budget.value),
    },
    pareto: paretoOf(sens.reference.score, result, samples), selection,
    seconds: { search: (t1 - t0) / 1000, verify: (t2 - t1) / 1000, final: (t4 - t3) / 1000, pareto: (t3 - t2) / 1000, total: (t4 - t0) / 1000 },
  };
}

/** The paired bootstrap of the budget's metric on the search images (undefined for the point-estimate rule). */
export function budgetBootstrap(ref: Reference, rule: BudgetRule, on: BudgetMetric, confidence: number | null, options?: DropBootstrapOptions): DropBootstrap | undefined {
  if (confidence === null) return undefined;
  const labels = on === 'agreement' ? ref.pseudo : ref.set.images.map((im) => im.labels);
  return new DropBootstrap(labels, ref.detections, on === 'agreement' || rule.metric === 'map50' ? 'map50' : 'map5095', rule.kind, options);
}

/**
 * The final choice among the explored points: each is accepted when its bound at the selection-corrected level
 * (family = every explored point) is within the threshold and it cuts something. Objective latency with timings:
 * the speed rule from the original (accept.ts, `pickFaster`); otherwise the accepted point of largest gain.
 * Nothing accepted: the point of smallest bound ('closest', written and reported as not holding).
 * Sets `selectionBound` and `accepted` on the points.
 */
export function selectPoint(explored: readonly Verified[], o: { confidence: number | null; threshold: number; objective: Objective; samples?: readonly Float64Array[]; resamples: number }): { chosen: Verified | undefined; selection: Selection } {
  // The family: the distinct combinations verified (one reached twice is one candidate).
  const family = new Set(explored.map((v) => ratiosKey(v.ratios))).size;
  for (const v of explored) {
    v.selectionBound = dropBound(v, o.confidence, family);
    v.accepted = v.gain > 0 && accepts(v, { confidence: o.confidence, threshold: o.threshold }, family);
  }
  const accepted = explored.filter((v) => v.accepted);
  const speedRule = o.objective === 'latency' && o.samples !== undefined;
  const base = {
    threshold: o.threshold, confidence: o.confidence, family, resamples: o.resamples, speedRule,
    level: o.confidence === null ? null : correctedLevel(o.confidence, 1), correctedLevel: o.confidence === null ? null : correctedLevel(o.confidence, family),
  };
  if (accepted.length === 0) {
    const closest = [...explored].sort((a, b) => a.selectionBound! - b.selectionBound!)[0];
    return { chosen: closest, selection: { ...base, kept: 'closest', reason: 'no explored point is accepted at the corrected level; the one of smallest bound is written' } };
  }
  if (speedRule) {
    const s = o.samples!;
    const pick = pickFaster([{ eligible: true, drop: 0 }, ...explored.map((v) => ({ eligible: v.accepted!, drop: v.drop }))], (i, j) => pairedRatioOfMedians(s[i]!, s[j]!));
    if (pick === 0) return { chosen: undefined, selection: { ...base, kept: 'original', reason: `${accepted.length} point(s) accepted, none measurably faster than the original (95% CI of the speed-up not above 1): the original is kept` } };
    return { chosen: explored[pick - 1], selection: { ...base, kept: 'candidate', reason: 'accepted and measurably faster (95% CI of the speed-up above 1 against the original and any less compressed accepted point it replaced)' } };
  }
  const best = [...accepted].sort((a, b) => b.gain - a.gain)[0]!;
  return { chosen: best, selection: { ...base, kept: 'candidate', reason: `accepted point of largest ${o.objective} gain` } };
}

/** The Pareto table: the original and every explored point with its measured speed-up (NaN when untimed). */
function paretoOf(reference: Score, result: OptimizeResult, samples: readonly Float64Array[] | undefined): ParetoPoint[] {
  const out: ParetoPoint[] = [{ via: 'original', holds: true, accepted: true, units: 0, predictedGain: 0, searchScore: reference, drop: 0, bound: 0, speedup: 1, ciLow: 1, ciHigh: 1, chosen: result.feasible && result.chosen === undefined }];
  result.explored.forEach((v, i) => {
    const e = samples ? pairedRatioOfMedians(samples[0]!, samples[i + 1]!) : { ratio: NaN, ciLow: NaN, ciHigh: NaN };
    out.push({
      via: v.via, holds: v.holds, accepted: v.accepted ?? v.holds, units: v.ratios.size, predictedGain: v.gain, drop: v.drop, bound: v.selectionBound ?? v.drop,
      speedup: e.ratio, ciLow: e.ciLow, ciHigh: e.ciHigh,
      searchScore: { map50: v.detail.map50 ?? NaN, map5095: v.detail.map5095 ?? NaN, agreement: v.detail.agreement ?? NaN, outputError: NaN },
      chosen: v === result.chosen,
    });
  });
  return out;
}
