/**
 * The JSON of a sensitivity or optimize run (`schema: prunekit.search/1`): plain data for `--json` and for the
 * HTML page. Which images served what is spelled out in `images`.
 */
import type { Int8Stage, Int8UnitsRun } from './run-int8.js';
import type { OptimizeRun } from './run-optimize.js';
import type { SensitivityRun } from './run-sensitivity.js';

export interface SearchUnitJson {
  id: string; group: number; root: string; roots: string[]; channels: number;
  latency: { ratio: number; speedup: number; ciLow: number; ciHigh: number } | null;
  /** Latency saved per unit of proxy damage at the deepest timed cut (the sort key of the page). */
  speedPerDamage: number | null;
  points: Array<{ ratio: number; status: string; channelsAfter: number; macsRemoved: number; paramsRemoved: number; damage: number | null; map50Drop: number | null; map50: number | null; outputError: number | null; latencyGain: number | null }>;
}

export interface SearchJson {
  schema: 'prunekit.search/1';
  command: 'sensitivity' | 'optimize';
  createdAt: string;
  model: string;
  images: { search: string; proxy: string; calibration: string; measurement: string; inSample: boolean };
  proxy: string;
  reference: { map50: number; map5095: number; agreement: number };
  ratios: readonly number[];
  evaluations: number;
  seconds: Record<string, number>;
  rankCorrelation: { agreementVsMap50: number; outputErrorVsMap50: number; points: number };
  units: SearchUnitJson[];
  optimize?: {
    budget: string; objective: string; feasible: boolean; frontierSize: number;
    chosen: { ratios: Record<string, number>; searchDrop: number; searchBound?: number; predictedGain: number } | null;
    measured: OptimizeRun['measured'];
    pareto: OptimizeRun['pareto'];
    /** How the written point was accepted and chosen (absent in JSON written before session 9). */
    selection?: OptimizeRun['selection'];
    explored: Array<{ via: string; holds: boolean; accepted: boolean; drop: number; bound: number; selectionBound: number; gain: number; predictedDamage: number; ratios: Record<string, number> }>;
    output: string; config: string;
  };
  /** `optimize --int8`: the INT8 stage on top of the structured choice. */
  int8?: Int8Stage;
  /** `sensitivity --int8`: the INT8 units of the model as `prunekit quantize` makes it (see Int8Unit). */
  int8Units?: Int8UnitsRun;
}

export function sensitivityJson(run: SensitivityRun, meta: { command: 'sensitivity' | 'optimize'; model: string; measurement?: string; now?: Date }, rank: SearchJson['rankCorrelation']): SearchJson {
  const units: SearchUnitJson[] = run.table.map((u) => {
    const timed = u.latency ? u.points.find((p) => p.ratio === u.latency!.ratio) : undefined;
    const gain = u.latency ? 1 - 1 / u.latency.speedup : 0;
    return {
      id: u.unit.id, group: u.unit.group, root: u.unit.root, roots: u.unit.rootPaths, channels: u.unit.channels,
      latency: u.latency ?? null,
      speedPerDamage: timed?.damage !== undefined ? gain / Math.max(timed.damage, 1e-3) : null,
      points: u.points.map((p) => ({
        ratio: p.ratio, status: p.status, channelsAfter: p.channelsAfter, macsRemoved: p.macsRemoved, paramsRemoved: p.paramsRemoved,
        damage: p.damage ?? null, map50Drop: p.map50Drop ?? null, map50: p.score?.map50 ?? null, outputError: p.score?.outputError ?? null,
        latencyGain: p.latencyGain ?? null,
      })),
    };
  });
  units.sort((a, b) => (b.speedPerDamage ?? -Infinity) - (a.speedPerDamage ?? -Infinity));
  const s = run.reference.score;
  return {
    schema: 'prunekit.search/1', command: meta.command, createdAt: (meta.now ?? new Date()).toISOString(), model: meta.model,
    images: {
      search: run.reference.set.description,
      proxy: run.proxyReference.set.description,
      calibration: run.calibration?.description ?? 'none',
      measurement: meta.measurement ?? `${run.reference.set.description} (in-sample: the result is measured on the images it was searched on)`,
      inSample: meta.measurement === undefined,
    },
    proxy: "agreement damage: relative drop of mAP50 against the original model's detections with score ≥ 0.25 (label-free), on the search images",
    reference: { map50: s.map50, map5095: s.map5095, agreement: s.agreement },
    ratios: run.ratios, evaluations: run.evaluations, seconds: run.seconds, rankCorrelation: rank, units,
  };
}

const obj = (m: ReadonlyMap<string, number>) => Object.fromEntries(m);

export function optimizeJson(run: OptimizeRun, meta: { model: string; budget: string; objective: string; output: string; config: string; now?: Date }, rank: SearchJson['rankCorrelation']): SearchJson {
  const j = sensitivityJson(run.sensitivity, { command: 'optimize', model: meta.model, measurement: run.measured.inSample ? undefined : run.measured.set, now: meta.now }, rank);
  const c = run.result.chosen;
  j.seconds = { ...j.seconds, ...Object.fromEntries(Object.entries(run.seconds).map(([k, v]) => [`optimize.${k}`, v])) };
  j.optimize = {
    budget: meta.budget, objective: meta.objective, feasible: run.result.feasible, frontierSize: run.result.frontierSize,
    chosen: c ? { ratios: obj(run.ratios), searchDrop: c.drop, searchBound: c.selectionBound ?? c.drop, predictedGain: c.gain } : null,
    measured: run.measured, pareto: run.pareto, selection: run.selection,
    explored: run.result.explored.map((v) => ({ via: v.via, holds: v.holds, accepted: v.accepted ?? v.holds, drop: v.drop, bound: v.bound, selectionBound: v.selectionBound ?? v.bound, gain: v.gain, predictedDamage: v.predictedDamage, ratios: obj(v.ratios) })),
    output: meta.output, config: meta.config,
  };
  return j;
}
