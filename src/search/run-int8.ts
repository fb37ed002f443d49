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
import { pairedRatioOfMedians } from '../bench/index.js';
import { accepts, DEFAULT_CONFIDENCE, dropBound, pickFaster, within, type MeasuredDrop } from './accept.js';
import { correctedLevel, type DropBootstrapOptions } from './bootstrap.js';
import { buildInt8, floatOrder, int8Units, prepareInt8, smallestHolding, type FloatOrder, type Int8Unit } from './int8.js';
import { timeSamples } from './latency.js';
import { budgetBootstrap, dropOf, type BudgetMetric, type OptimizeRun } from './run-optimize.js';
import { setSource, type PhaseProgress } from './run-sensitivity.js';
import type { BudgetRule } from '../report/types.js';

export interface Int8StageOptions {
  budget: BudgetRule;
  budgetOn?: BudgetMetric;
  /** A variant holds when its drop bound ≤ budget × (1 − margin) (default 0). */
  margin?: number;
  /** One-sided confidence of the paired-bootstrap bound (default DEFAULT_CONFIDENCE; null = point estimate; accept.ts). */
  confidence?: number | null;
  bootstrap?: DropBootstrapOptions;
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
  /** Upper bound of the drop at the selection-corrected level; accepted when ≤ the threshold. */
  bound: number;
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
  /** The bound a variant had to reach on the search images: budget × (1 − margin). */
  threshold: number;
  /** Confidence, plain and corrected level, family (every structured and INT8 candidate verified), why the choice. */
  selection: { confidence: number | null; level: number | null; correctedLevel: number | null; family: number; speedRule: boolean; reason: string };
  /** Every verification; `bound` at the plain level (steers the search), `holds` = bound ≤ threshold. */
  probes: Array<{ base: string; order: FloatOrder; k: number; drop: number; bound: number; holds: boolean }>;
  candidates: Int8Candidate[];
  /** Some candidate is accepted (the written model may still be the original: none measurably faster). */
  feasible: boolean;
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
  /** The structured choice when accepted: its drop, replicate drops and how many structured candidates were verified. */
  structured?: { model: OnnxModel; drop: number; drops?: Float64Array; family?: number };
}

/** The input of the INT8 stage after `optimize`'s structured search. */
export function int8Input(run: OptimizeRun): Int8Input {
  const sens = run.sensitivity;
  const c = run.result.chosen;
  const ok = run.ratios.size > 0 && c !== undefined && (c.accepted ?? c.holds);
  return { model: sens.model, original: sens.original, reference: sens.reference, structured: ok ? { model: run.written.model, drop: c.drop, drops: c.drops, family: run.selection.family } : undefined };
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
  // Every distinct verified variant (with at least one integer layer): the family the written point is chosen from.
  const variants: Array<{ base: Int8Candidate['base']; order: FloatOrder; floatLayers: string[]; quantizeFloat: string[]; units: number; drop: number; drops?: Float64Array; bytes: Uint8Array }> = [];
  const confidence = o.confidence === undefined ? DEFAULT_CONFIDENCE : o.confidence;
  const boot = budgetBootstrap(sens.reference, o.budget, on, confidence, o.bootstrap);
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
    const verified = new Map<string, MeasuredDrop>();
    for (const order of orders) {
      const names = floatOrder(order, prepared.layers, sensitivity, units);
      await smallestHolding(names.length, async (k) => {
        const key = names.slice(0, k).sort().join('\n');
        let m = verified.get(key);
        if (!m) {
          const bytes = serializeOnnx(buildInt8(prepared, new Set(names.slice(0, k))));
          const sc = await scoreModel(bytes, sens.reference, { threads: o.threads });
          m = { drop: dropOf(o.budget, sens.reference.score, sc, on), drops: boot?.drops(sc.detections) };
          verified.set(key, m);
          // Only a model with at least one integer layer is an INT8 candidate.
          if (k < names.length) variants.push({ base: base.name, order, floatLayers: names.slice(0, k), quantizeFloat, units: names.length, drop: m.drop, drops: m.drops, bytes });
        }
        const bound = dropBound(m, confidence);
        const holds = within(bound, threshold);
        probes.push({ base: base.name, order, k, drop: m.drop, bound, holds });
        o.onProgress?.('verify', { done: ++checks, total: bases.length * orders.length * (o.maxChecks ?? 10), label: `INT8 ${base.name}/${order}: ${k} float, drop ${(100 * m.drop).toFixed(2)}%${m.drops ? `, bound ${(100 * bound).toFixed(2)}%` : ''}` });
        return { drop: m.drop, holds };
      }, o.maxChecks ?? 10);
    }
    seconds.verify += (performance.now() - t) / 1000;
  }
  const structured = bases[0]!.name === 'structured' ? bases[0]! : undefined;
  // Selection: every verified candidate (the structured stage's and the INT8 variants) is one of the family.
  const family = (input.structured?.family ?? 0) + variants.length;
  const accept = { confidence, threshold };
  const pool = [
    ...variants.map((v) => ({ ...v, bound: dropBound(v, confidence, family), holds: accepts(v, accept, family) })),
    ...(structured && input.structured ? [{ base: 'structured' as const, order: 'none' as const, floatLayers: [], quantizeFloat: [], units: 0, drop: structured.drop, bound: dropBound(input.structured, confidence, family), holds: accepts(input.structured, accept, family), bytes: serializeOnnx(structured.model) }] : []),
  ].filter((c) => c.holds);
  let t = performance.now();
  const rounds = o.rounds ?? 20;
  const samples = rounds > 0 && pool.length > 0
    ? await (o.timing ?? ((f) => f()))(() => timeSamples(sens.original, pool.map((c) => c.bytes), {
      threads: o.threads, rounds, onProgress: (p) => o.onProgress?.('final', p),
      feeds: { [search.inputName]: { dtype: 'float32', dims: [1, 3, search.imgsz, search.imgsz], data: search.images[0]!.input } },
    }))
    : undefined;
  seconds.timing = (performance.now() - t) / 1000;
  const est = pool.map((_, i) => (samples ? pairedRatioOfMedians(samples[0]!, samples[i + 1]!) : { ratio: NaN, ciLow: NaN, ciHigh: NaN }));
  const candidates: Int8Candidate[] = pool.map((c, i) => ({ base: c.base, order: c.order, floatLayers: c.floatLayers, quantizeFloat: c.quantizeFloat, units: c.units, drop: c.drop, bound: c.bound, holds: c.holds, speedup: est[i]!.ratio, ciLow: est[i]!.ciLow, ciHigh: est[i]!.ciHigh, chosen: false }));
  // Timed: the speed rule from the original (accept.ts); untimed: the fewest float layers on the most-cut base.
  const pick = samples ? pickFaster([{ eligible: true, drop: 0 }, ...candidates.map((c) => ({ eligible: true, drop: c.drop }))], (i, j) => pairedRatioOfMedians(samples[i]!, samples[j]!)) - 1 : pickCandidate(candidates);
  if (pick >= 0) candidates[pick]!.chosen = true;
  const chosen = pick >= 0 ? candidates[pick] : undefined;
  const chosenBytes = pick >= 0 ? pool[pick]!.bytes : sens.original;
  const selection: Int8Stage['selection'] = {
    confidence, level: confidence === null ? null : correctedLevel(confidence, 1), correctedLevel: confidence === null ? null : correctedLevel(confidence, family), family, speedRule: samples !== undefined,
    reason: pool.length === 0 ? 'no candidate is accepted at the corrected level: the original is written'
      : chosen ? (samples ? 'accepted and measurably faster than the original (and than any accepted point it replaced): 95% CI of the speed-up above 1' : 'accepted; untimed: the fewest float layers on the most-cut base')
        : `${pool.length} candidate(s) accepted, none measurably faster than the original: the original is kept`,
  };
  t = performance.now();
  const { writeFileAtomic } = await import('../files/atomic-write.js');
  await writeFileAtomic(o.output, chosenBytes, { force: o.force });
  const measureRef = o.measure ? await referenceOf(sens.original, o.measure, { threads: o.threads }) : sens.reference;
  const score = await scoreModel(chosenBytes, measureRef, { threads: o.threads });
  const drop = dropOf(o.budget, measureRef.score, score, on);
  seconds.verify += (performance.now() - t) / 1000;
  seconds.total = (performance.now() - t0) / 1000;
  return {
    sensitivity, units, quantize, threshold, selection, probes, candidates, feasible: pool.length > 0, chosen,
    measured: { set: measureRef.set.description, inSample: !o.measure, original: measureRef.score, chosen: { map50: score.map50, map5095: score.map5095, agreement: score.agreement, outputError: score.outputError }, drop, holds: within(drop, o.budget.value) },
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
