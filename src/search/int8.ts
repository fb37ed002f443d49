/**
 * INT8 units of the search. The INT8 model of a base is exactly what `prunekit quantize` makes with its defaults
 * (quantize's `quantizeModel`: percentile calibration, float prefix, placement measured at the search's threads,
 * float16 storage of float-kept weights): the search never starts worse than `quantize` would. Every layer that
 * model makes integer (weighted layers and standalone arithmetic; an activation follows its layer) is a unit with
 * two states, integer or kept float. Per unit: its damage when it alone is integer (output SQNR against float,
 * quantize's own probe), the damage it does in the INT8 model (the SQNR gained when it alone returns to float),
 * and its measured latency effect (the INT8 model with it float, timed interleaved against the INT8 model). The
 * search then keeps float the first k units of an order with the smallest k whose verified drop holds the budget
 * (see smallestHolding; adding float layers is the back-off). Building and scoring come in through callbacks.
 */
import { serializeOnnx, type OnnxModel } from '../io/onnx/bytes.js';
import type { CalibrationSource } from '../prune/structured/index.js';
import type { Tensor } from '../core/dtype.js';
import { bytesSqnr, quantizeModel, referenceOutputs, type LatencyProbe, type LayerSensitivity, type QuantizedModel } from '../quantize/index.js';
import { timeAgainst } from './latency.js';

/** A float model quantized once as `prunekit quantize` does; every variant (more layers float) is built from it. */
export interface Int8Base {
  /** The float model. */
  float: OnnxModel;
  q: QuantizedModel;
  /** Node names of the INT8 units (the layers `q` makes integer), graph order. */
  layers: string[];
}

export interface Int8Options {
  threads?: number;
  /** Wraps every latency measurement (e.g. the bench lock). */
  timing?: <T>(measure: () => Promise<T>) => Promise<T>;
  /** Interleaved rounds of quantize's placement measurement (default 30, the `quantize --bench-runs` default). */
  placementRounds?: number;
}

/** The quantize entry point with the `prunekit quantize` CLI's defaults, placement measured at `threads`. */
export async function prepareInt8(model: OnnxModel, source: CalibrationSource, options: Int8Options & { feed: Record<string, Tensor> }): Promise<Int8Base> {
  const floatBytes = serializeOnnx(model);
  const timing = options.timing ?? ((f) => f());
  const measure: LatencyProbe = async (candidates) => (await timing(() => timeAgainst(floatBytes, candidates.map((c) => c.bytes), { threads: options.threads, rounds: options.placementRounds ?? 30, feeds: options.feed }))).map((e) => e.ratio);
  const q = await quantizeModel(model, source, { placement: 'auto', measure, allowSlower: true, floatPrefix: {}, biasCorrection: false, threads: options.threads });
  return { float: model, q, layers: q.units };
}

/** The INT8 model of `base` with the layers named in `keepFloat` also left float. */
export function buildInt8(base: Int8Base, keepFloat: ReadonlySet<string>): OnnxModel {
  return keepFloat.size === 0 ? base.q.model : base.q.variant(keepFloat);
}

/** One INT8 unit as `sensitivity` and `optimize --int8` list it. */
export interface Int8Unit {
  node: string;
  kind: string | undefined;
  /** Output SQNR (dB) against float with only this layer integer: the lower, the more it costs when quantized. */
  quantizedSqnrDb: number;
  /** Output SQNR (dB) gained by the INT8 model when this layer alone is kept float: the damage it does there. */
  keptFloatGainDb: number;
  /** Speed of the INT8 model with this layer float, relative to the INT8 model (paired ratio of medians; < 1 = slower); NaN when not timed. */
  keptFloatSpeed: number;
  keptFloatCi: [number, number];
}

/** Measure every unit of `base` (see {@link Int8Unit}) on `feeds`; `rounds` 0 skips the timing. */
export async function int8Units(base: Int8Base, feeds: ReadonlyArray<Readonly<Record<string, Tensor>>>, options: { threads?: number; rounds?: number; chunk?: number; timing?: Int8Options['timing']; onProgress?: (done: number, total: number, label: string) => void } = {}): Promise<{ units: Int8Unit[]; sensitivity: LayerSensitivity[] }> {
  const n = base.layers.length;
  const sensitivity = await base.q.sensitivity(feeds, (d) => options.onProgress?.(d, 3 * n, 'INT8 unit quantized alone'));
  const ref = await referenceOutputs(base.float, feeds, options.threads);
  const full = await bytesSqnr(base.q.bytes, feeds, ref, options.threads);
  const gain: number[] = [];
  for (const [i, node] of base.layers.entries()) {
    gain.push((await bytesSqnr(serializeOnnx(base.q.variant(new Set([node]))), feeds, ref, options.threads)) - full);
    options.onProgress?.(n + i + 1, 3 * n, 'INT8 unit kept float');
  }
  const speed = base.layers.map(() => ({ ratio: NaN, ciLow: NaN, ciHigh: NaN }));
  const rounds = options.rounds ?? 10;
  const chunk = options.chunk ?? 16;
  if (rounds > 0) {
    for (let at = 0; at < n; at += chunk) {
      const names = base.layers.slice(at, at + chunk);
      const models = names.map((u) => serializeOnnx(base.q.variant(new Set([u]))));
      const est = await (options.timing ?? ((f) => f()))(() => timeAgainst(base.q.bytes, models, { threads: options.threads, rounds, feeds: feeds[0]! as Record<string, Tensor> }));
      est.forEach((e, j) => { speed[at + j] = e; });
      options.onProgress?.(2 * n + Math.min(n, at + chunk), 3 * n, 'INT8 unit latency');
    }
  }
  const byNode = new Map(sensitivity.map((s) => [s.node, s]));
  const units = base.layers.map((node, i) => ({
    node, kind: byNode.get(node)?.kind, quantizedSqnrDb: byNode.get(node)?.sqnrDb ?? NaN, keptFloatGainDb: gain[i]!,
    keptFloatSpeed: speed[i]!.ratio, keptFloatCi: [speed[i]!.ciLow, speed[i]!.ciHigh] as [number, number],
  }));
  return { units, sensitivity };
}

/**
 * `gain` order: the units that buy the most output SQNR per latency they cost when kept float, first — score
 * = gain dB / (slowdown + 1%), slowdown = max(0, 1 − speed); untimed units count as slowdown 0. Units that gain
 * nothing (≤ 0 dB) go last, in graph order.
 */
export function gainOrder(units: readonly Int8Unit[]): string[] {
  const score = (u: Int8Unit) => u.keptFloatGainDb / ((Number.isFinite(u.keptFloatSpeed) ? Math.max(0, 1 - u.keptFloatSpeed) : 0) + 0.01);
  const pos = units.filter((u) => u.keptFloatGainDb > 0).sort((a, b) => score(b) - score(a));
  const seen = new Set(pos.map((u) => u.node));
  return [...pos.map((u) => u.node), ...units.filter((u) => !seen.has(u.node)).map((u) => u.node)];
}

export type FloatOrder = 'gain' | 'sensitivity' | 'prefix';

/**
 * Layer names in the order they return to float: `gain` (see {@link gainOrder}; needs `units`), the most sensitive
 * when quantized alone first (`sensitivity`), or graph order (`prefix`). Names not in `layers` are dropped; layers
 * the ranking does not know follow in graph order.
 */
export function floatOrder(order: FloatOrder, layers: readonly string[], sensitivity: readonly LayerSensitivity[], units: readonly Int8Unit[] = []): string[] {
  if (order === 'prefix') return [...layers];
  if (order === 'gain') {
    const present = new Set(layers);
    const ranked = gainOrder(units).filter((n) => present.has(n));
    const seen = new Set(ranked);
    return [...ranked, ...layers.filter((n) => !seen.has(n))];
  }
  const present = new Set(layers);
  const ranked = [...sensitivity].sort((a, b) => a.sqnrDb - b.sqnrDb).map((s) => s.node).filter((n) => present.has(n));
  const seen = new Set(ranked);
  return [...ranked, ...layers.filter((n) => !seen.has(n))];
}

export interface KProbe { k: number; drop: number; holds: boolean }

/**
 * The smallest k in 0…n for which `check(k)` holds, for a drop that should not grow with k but is measured with
 * noise (real mAP50 on a few dozen images moves by ±2–3% between neighbouring INT8 variants). Doubling
 * k = 0, 1, 2, 4, … (capped at n) until two consecutive probes hold — a single lucky hold followed by a miss is not
 * trusted — then bisection between the largest miss below and that hold. The answer is the smallest probed k such
 * that every probed k' ≥ k holds (monotone-consistent), so a hold contradicted by a miss above it never wins.
 * At most `limit` checks; `best` undefined when no k qualifies.
 */
export async function smallestHolding(n: number, check: (k: number) => Promise<{ drop: number; holds: boolean }>, limit = 12): Promise<{ best: KProbe | undefined; probes: KProbe[] }> {
  const probes: KProbe[] = [];
  const probe = async (k: number) => {
    const r = await check(k);
    const p = { k, drop: r.drop, holds: r.holds };
    probes.push(p);
    return p;
  };
  let prev: KProbe | undefined;
  let confirmed: number | undefined;
  for (let k = 0; probes.length < limit; k = k === 0 ? 1 : Math.min(n, 2 * k)) {
    const p = await probe(k);
    if (p.holds && (prev?.holds || k >= n)) { confirmed = prev?.holds ? prev.k : k; break; }
    if (k >= n) break;
    prev = p;
  }
  if (confirmed !== undefined) {
    let hold = confirmed;
    let miss = Math.max(-1, ...probes.filter((p) => !p.holds && p.k < hold).map((p) => p.k));
    while (hold - miss > 1 && probes.length < limit) {
      const mid = miss + ((hold - miss) >> 1);
      if ((await probe(mid)).holds) hold = mid;
      else miss = mid;
    }
  }
  return { best: consistentHold(probes), probes };
}

/** The smallest probed k that holds with every probed k' ≥ k holding too; undefined when none. */
export function consistentHold(probes: readonly KProbe[]): KProbe | undefined {
  const sorted = [...probes].sort((a, b) => a.k - b.k);
  let best: KProbe | undefined;
  for (let i = sorted.length - 1; i >= 0 && sorted[i]!.holds; i--) best = sorted[i];
  return best;
}
