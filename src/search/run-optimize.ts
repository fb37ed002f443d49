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
import { timeAgainst } from './latency.js';
import { choiceConfig, configYaml, type ConfigDocument } from './config.js';
import { referenceOf, scoreModel, type Score } from './evaluate.js';
import type { ImageSet } from './images.js';
import { optimize, type Objective, type OptimizeResult, type Verified } from './optimize.js';
import { runSensitivity, setSource, type SensitivityOptions, type SensitivityRun } from './run-sensitivity.js';
import { buildCandidate } from './units.js';

export interface OptimizeRunOptions extends SensitivityOptions {
  /** The budget: one rule on map50 or map5095 (relative `%` or absolute). */
  budget: BudgetRule;
  /** The budget against the labels (default) or the original's detections (see {@link BudgetMetric}). */
  budgetOn?: BudgetMetric;
  /** Noise margin: a combination holds on the search images when its drop ≤ budget × (1 − margin) (default 0). */
  margin?: number;
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
  seconds: { search: number; verify: number; final: number; pareto: number; total: number };
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
  const result = await optimize(sens.table, {
    objective: o.objective, budget: o.budget.value * (1 - (o.margin ?? 0)), maxVerifications: o.maxVerifications,
    onProgress: (p) => o.onProgress?.('verify', p),
    verify: async (ratios) => {
      const built = buildCandidate(sens.model, units, ratios, sens.build);
      const s = await scoreModel(serializeOnnx(built.model), sens.reference, { threads: o.threads });
      return { drop: dropOf(o.budget, sens.reference.score, s, o.budgetOn), detail: { map50: s.map50, map5095: s.map5095, agreement: s.agreement } };
    },
  });
  const t2 = performance.now();
  const ratios = result.chosen && (result.feasible || result.chosen.gain > 0) ? result.chosen.ratios : new Map<string, number>();
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
  const drop = dropOf(o.budget, measureRef.score, chosenScore, o.budgetOn);
  const t3 = performance.now();
  const pareto = await (o.timing ?? ((f) => f()))(() => measurePareto(sens, result, finalBytes, o));
  const t4 = performance.now();
  return {
    sensitivity: sens, result, ratios, config, written,
    measured: {
      set: measureRef.set.description, inSample: !o.measure, original: measureRef.score,
      chosen: { map50: chosenScore.map50, map5095: chosenScore.map5095, agreement: chosenScore.agreement, outputError: chosenScore.outputError },
      drop, holds: drop <= o.budget.value + 1e-12,
    },
    pareto,
    seconds: { search: (t1 - t0) / 1000, verify: (t2 - t1) / 1000, final: (t3 - t2) / 1000, pareto: (t4 - t3) / 1000, total: (t4 - t0) / 1000 },
  };
}

/** Latency of the original, every explored point and the chosen model, in one interleaved run. */
async function measurePareto(sens: SensitivityRun, result: OptimizeResult, finalBytes: Uint8Array, o: OptimizeRunOptions): Promise<ParetoPoint[]> {
  const units = sens.table.map((u) => u.unit);
  const points = result.explored;
  const set = sens.reference.set;
  const untimed = { ratio: NaN, ciLow: NaN, ciHigh: NaN };
  const est = o.paretoRounds === 0 ? [...points, undefined].map(() => untimed) : await timeAgainst(sens.original, [...points.map((v) => serializeOnnx(buildCandidate(sens.model, units, v.ratios, sens.build).model)), finalBytes], {
    threads: o.threads, rounds: o.paretoRounds ?? 20, onProgress: (p) => o.onProgress?.('final', p),
    feeds: { [set.inputName]: { dtype: 'float32', dims: [1, 3, set.imgsz, set.imgsz], data: set.images[0]!.input } },
  });
  const out: ParetoPoint[] = [{ via: 'original', holds: true, units: 0, predictedGain: 0, searchScore: sens.reference.score, drop: 0, speedup: 1, ciLow: 1, ciHigh: 1, chosen: false }];
  points.forEach((v, i) => {
    const chosen = v === result.chosen;
    // The chosen point's speed is the written model's (the same graph, timed separately as the final model).
    const e = chosen ? est[points.length]! : est[i]!;
    out.push({
      via: v.via, holds: v.holds, units: v.ratios.size, predictedGain: v.gain, drop: v.drop, speedup: e.ratio, ciLow: e.ciLow, ciHigh: e.ciHigh,
      searchScore: { map50: v.detail.map50 ?? NaN, map5095: v.detail.map5095 ?? NaN, agreement: v.detail.agreement ?? NaN, outputError: NaN },
      chosen,
    });
  });
  return out;
}
