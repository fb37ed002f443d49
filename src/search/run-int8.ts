/**
 * `optimize --int8` (Node edge): INT8 on top of the structured choice, under the same budget against the original.
 * Bases, in back-off order: the structured model `optimize` chose (when it cuts something), then the original.
 * Each base is quantized once exactly as `prunekit quantize` does with its defaults (calibrated on the first
 * `calibImages` search images, default 64 as the CLI; placement measured at the search's threads; float prefix);
 * that model is the first candidate (k = 0), so the search is never worse than `quantize` + `val`. For each base
 * and float order the smallest set of extra float-kept layers whose *combined* verified drop (against the
 * original, on every search image) holds the budget less the margin is found (see int8.ts). The holding candidates, the structured-only model and the original are
 * timed in one interleaved run; the fastest holding model wins (the structured-only one too, if INT8 does not pay
 * on this machine). The winner is written and measured on the measurement images.
 */
import { serializeOnnx, type OnnxModel } from '../io/onnx/index.js';
import type { LayerSensitivity } from '../quantize/index.js';
import type { Tensor } from '../core/dtype.js';
import { referenceOf, scoreModel, type Reference, type Score } from './evaluate.js';
import type { ImageSet } from './images.js';
import { buildInt8, floatOrder, int8Units, prepareInt8, smallestHolding, type FloatOrder, type Int8Unit } from './int8.js';
import { timeAgainst } from './latency.js';
import { dropOf, type BudgetMetric, type OptimizeRun } from './run-optimize.js';
import { setSource, type PhaseProgress } from './run-sensitivity.js';
import type { BudgetRule } from '../report/types.js';

export interface Int8StageOptions {
  budget: BudgetRule;
  budgetOn?: BudgetMetric;
  /** A variant holds when its verified drop ≤ budget × (1 − margin) (default 0: the search images' noise margin). */
  margin?: number;
  /** Float orders tried per base (default gain, then sensitivity). */
  orders?: readonly FloatOrder[];
  /** Calibration images: the first n search images (default 64, the `quantize --calib-images` default). */
  calibImages?: number;
  /** Interleaved rounds timing each unit kept float against the INT8 model (default 10; 0 = not timed). */
  unitRounds?: number;
  /** Images of the per-layer sensitivity probe (default 2, the quantize default). */
  sensitivityImages?: number;
  /** Verifications per base and order at most (default 10). */
  maxChecks?: number;
  threads?: number;
  /** Interleaved rounds timing the candidates (default 20; 0 = no timing: the fewest float layers on the most-cut base wins). */
  rounds?: number;
  timing?: <T>(measure: () => Promise<T>) => Promise<T>;
  measure?: ImageSet;
  /** Where the chosen model goes (INT8 or, when INT8 does not pay, the structured model again). */
  output: string;
  force?: boolean;
  onProgress?: PhaseProgress;
}

export interface Int8Candidate {
  base: 'structured' | 'original';
  order: FloatOrder | 'none';
  /** Layers the search kept float on top of quantize's choice (node names), of `units` INT8 units. */
  floatLayers: string[];
  /** Layers quantize itself kept float (float prefix, measured placement). */
  quantizeFloat: string[];
  units: number;
  /** Verified drop on the search images against the original. */
  drop: number;
  holds: boolean;
  speedup: number;
  ciLow: number;
  ciHigh: number;
  chosen: boolean;
}

export interface Int8Stage {
  /** INT8 units of the first base, most sensitive first (output SQNR with only that layer integer). */
  sensitivity: LayerSensitivity[];
  /** INT8 units of the first base, graph order: damage quantized alone / kept float, latency effect (see Int8Unit). */
  units: Int8Unit[];
  /** What quantize chose for each base (float prefix, placement measured at the search's threads). */
  quantize: Array<{ base: string; floatPrefix: string[]; placement: string; placementSpeedups: Array<{ label: string; speedup: number | undefined }> }>;
  /** The drop a variant had to reach on the search images: budget × (1 − margin). */
  threshold: number;
  probes: Array<{ base: string; order: FloatOrder; k: number; drop: number; holds: boolean }>;
  candidates: Int8Candidate[];
  chosen: Int8Candidate | undefined;
  measured: { set: string; inSample: boolean; original: Score; chosen: Score; drop: number; holds: boolean };
  seconds: { calibration: number; sensitivity: number; verify: number; timing: number; total: number };
}

/** `sensitivity --int8`: the INT8 units of `model` quantized as `prunekit quantize` does. */
export interface Int8UnitsRun {
  quantize: Int8Stage['quantize'][number];
  units: Int8Unit[];
  /** Images: calibration (the first `calibImages` search images) and the SQNR probes (the first 2). */
  images: { calibration: string; probes: string };
  seconds: number;
}

export async function runInt8Units(model: OnnxModel, search: ImageSet, o: { threads?: number; calibImages?: number; unitRounds?: number; timing?: Int8StageOptions['timing']; onProgress?: PhaseProgress } = {}): Promise<Int8UnitsRun> {
  const t0 = performance.now();
  const source = setSource(search, o.calibImages ?? 64);
  const feeds = search.images.slice(0, 2).map((im) => ({ [search.inputName]: { dtype: 'float32' as const, dims: [1, 3, search.imgsz, search.imgsz], data: im.input } }));
  const q = await prepareInt8(model, source, { threads: o.threads, timing: o.timing, feed: feeds[0]! });
  const { units } = await int8Units(q, feeds, { threads: o.threads, rounds: o.unitRounds, timing: o.timing, onProgress: (done, total, label) => o.onProgress?.('scan', { done, total, label }) });
  return {
    quantize: { base: 'original', floatPrefix: q.q.floatPrefix.layers, placement: q.q.placement.chosen, placementSpeedups: q.q.placement.candidates },
    units, images: { calibration: source.description, probes: `the first ${feeds.length} of ${search.description}` }, seconds: (performance.now() - t0) / 1000,
  };
}

/** What the INT8 stage starts from: the original and, when it holds the budget, the structured choice. */
export interface Int8Input {
  model: OnnxModel;
  original: Uint8Array;
  /** The original on every search image (labels, pseudo labels, outputs). */
  reference: Reference;
  structured?: { model: OnnxModel; drop: number };
}

/** The input of the INT8 stage after `optimize`'s structured search. */
export function int8Input(run: OptimizeRun): Int8Input {
  const sens = run.sensitivity;
  const c = run.result.chosen;
  return { model: sens.model, original: sens.original, reference: sens.reference, structured: run.ratios.size > 0 && c?.holds ? { model: run.written.model, drop: c.drop } : undefined };
}

export async function runInt8Stage(input: Int8Input, o: Int8StageOptions): Promise<Int8Stage> {
  const t0 = performance.now();
  const sens = input;
  const search = sens.reference.set;
  const on = o.budgetOn ?? 'labels';
  const orders = o.orders ?? ['gain', 'sensitivity'];
  const threshold = o.budget.value * (1 - (o.margin ?? 0));
  const bases: Array<{ name: Int8Candidate['base']; model: OnnxModel; drop: number }> = [];
  if (input.structured) bases.push({ name: 'structured', ...input.structured });
  bases.push({ name: 'original', model: sens.model, drop: 0 });
  const source = setSource(search, o.calibImages ?? 64);
  const feed = { [search.inputName]: { dtype: 'float32' as const, dims: [1, 3, search.imgsz, search.imgsz], data: search.images[0]!.input } };
  const feeds: Array<Record<string, Tensor>> = search.images.slice(0, o.sensitivityImages ?? 2).map((im) => ({ [search.inputName]: { dtype: 'float32', dims: [1, 3, search.imgsz, search.imgsz], data: im.input } }));
  const probes: Int8Stage['probes'] = [];
  const found: Array<Omit<Int8Candidate, 'speedup' | 'ciLow' | 'ciHigh' | 'chosen'> & { bytes: Uint8Array }> = [];
  let sensitivity: LayerSensitivity[] = [];
  let units: Int8Unit[] = [];
  const quantize: Int8Stage['quantize'] = [];
  const seconds = { calibration: 0, sensitivity: 0, verify: 0, timing: 0, total: 0 };
  let checks = 0;
  for (const base of bases) {
    let t = performance.now();
    const prepared = await prepareInt8(base.model, source, { threads: o.threads, timing: o.timing, feed });
    quantize.push({ base: base.name, floatPrefix: prepared.q.floatPrefix.layers, placement: prepared.q.placement.chosen, placementSpeedups: prepared.q.placement.candidates });
    seconds.calibration += (performance.now() - t) / 1000;
    if (units.length === 0) {
      t = performance.now();
      ({ units, sensitivity } = await int8Units(prepared, feeds, { threads: o.threads, rounds: o.unitRounds, timing: o.timing, onProgress: (done, total, label) => o.onProgress?.('scan', { done, total, label }) }));
      seconds.sensitivity += (performance.now() - t) / 1000;
    }
    const quantizeFloat = prepared.q.float.filter((f) => /^(float prefix|placement)/.test(f.reason)).map((f) => f.node);
    t = performance.now();
    // Orders share their first probes (k = 0 is the same model in every order): verified once per float set.
    const verified = new Map<string, number>();
    for (const order of orders) {
      const names = floatOrder(order, prepared.layers, sensitivity, units);
      const built = new Map<number, Uint8Array>();
      const res = await smallestHolding(names.length, async (k) => {
        const bytes = serializeOnnx(buildInt8(prepared, new Set(names.slice(0, k))));
        built.set(k, bytes);
        const key = names.slice(0, k).sort().join('\n');
        const drop = verified.get(key) ?? dropOf(o.budget, sens.reference.score, await scoreModel(bytes, sens.reference, { threads: o.threads }), on);
        verified.set(key, drop);
        const holds = drop <= threshold;
        probes.push({ base: base.name, order, k, drop, holds });
        o.onProgress?.('verify', { done: ++checks, total: bases.length * orders.length * (o.maxChecks ?? 10), label: `INT8 ${base.name}/${order}: ${k} float, drop ${(100 * drop).toFixed(2)}%` });
        return { drop, holds };
      }, o.maxChecks ?? 10);
      // Only a model with at least one integer layer is an INT8 candidate.
      const key = res.best ? names.slice(0, res.best.k).sort().join('\n') : '';
      if (res.best && res.best.k < names.length && !found.some((c) => c.base === base.name && [...c.floatLayers].sort().join('\n') === key)) {
        found.push({ base: base.name, order, floatLayers: names.slice(0, res.best.k), quantizeFloat, units: names.length, drop: res.best.drop, holds: true, bytes: built.get(res.best.k)! });
      }
    }
    seconds.verify += (performance.now() - t) / 1000;
  }
  const structured = bases[0]!.name === 'structured' ? bases[0]! : undefined;
  const structuredBytes = structured ? serializeOnnx(structured.model) : undefined;
  const pool = [...found, ...(structured && structuredBytes ? [{ base: 'structured' as const, order: 'none' as const, floatLayers: [], quantizeFloat: [], units: 0, drop: structured.drop, holds: true, bytes: structuredBytes }] : [])];
  let t = performance.now();
  const rounds = o.rounds ?? 20;
  const est = rounds > 0 && pool.length > 0
    ? await (o.timing ?? ((f) => f()))(() => timeAgainst(sens.original, pool.map((c) => c.bytes), {
      threads: o.threads, rounds, onProgress: (p) => o.onProgress?.('final', p),
      feeds: { [search.inputName]: { dtype: 'float32', dims: [1, 3, search.imgsz, search.imgsz], data: search.images[0]!.input } },
    }))
    : pool.map(() => ({ ratio: NaN, ciLow: NaN, ciHigh: NaN }));
  seconds.timing = (performance.now() - t) / 1000;
  const candidates: Int8Candidate[] = pool.map((c, i) => ({ base: c.base, order: c.order, floatLayers: c.floatLayers, quantizeFloat: c.quantizeFloat, units: c.units, drop: c.drop, holds: c.holds, speedup: est[i]!.ratio, ciLow: est[i]!.ciLow, ciHigh: est[i]!.ciHigh, chosen: false }));
  const pick = pickCandidate(candidates);
  if (pick >= 0) candidates[pick]!.chosen = true;
  const chosen = pick >= 0 ? candidates[pick] : undefined;
  const chosenBytes = pick >= 0 ? pool[pick]!.bytes : sens.original;
  t = performance.now();
  const { writeFileAtomic } = await import('../files/atomic-write.js');
  await writeFileAtomic(o.output, chosenBytes, { force: o.force });
  const measureRef = o.measure ? await referenceOf(sens.original, o.measure, { threads: o.threads }) : sens.reference;
  const score = await scoreModel(chosenBytes, measureRef, { threads: o.threads });
  const drop = dropOf(o.budget, measureRef.score, score, on);
  seconds.verify += (performance.now() - t) / 1000;
  seconds.total = (performance.now() - t0) / 1000;
  return {
    sensitivity, units, quantize, threshold, probes, candidates, chosen,
    measured: { set: measureRef.set.description, inSample: !o.measure, original: measureRef.score, chosen: { map50: score.map50, map5095: score.map5095, agreement: score.agreement, outputError: score.outputError }, drop, holds: drop <= o.budget.value + 1e-12 },
    seconds,
  };
}

/**
 * Index of the candidate to keep: the fastest that holds the budget (measured speed-up; ties → the smaller drop).
 * Untimed (NaN speed-ups): the INT8 candidate with the fewest float layers, the most-cut base first. -1 when none holds.
 */
export function pickCandidate(c: readonly Pick<Int8Candidate, 'holds' | 'speedup' | 'drop' | 'floatLayers' | 'order' | 'base'>[]): number {
  let best = -1;
  const timed = c.some((x) => Number.isFinite(x.speedup));
  const better = (a: (typeof c)[number], b: (typeof c)[number]) => {
    if (timed) return a.speedup > b.speedup || (a.speedup === b.speedup && a.drop < b.drop);
    const ia = a.order === 'none' ? 1 : 0, ib = b.order === 'none' ? 1 : 0;
    if (ia !== ib) return ia < ib;
    if (a.floatLayers.length !== b.floatLayers.length) return a.floatLayers.length < b.floatLayers.length;
    return a.base === 'structured' && b.base !== 'structured';
  };
  c.forEach((x, i) => {
    if (!x.holds || (timed && !Number.isFinite(x.speedup))) return;
    if (best < 0 || better(x, c[best]!)) best = i;
  });
  return best;
}
