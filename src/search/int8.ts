/**
 * INT8 units of the search. Every layer static INT8 would make integer (the quantize plan's ranked layers: weighted
 * layers and standalone arithmetic; an activation follows its layer) is a unit with two states, integer or kept
 * float. Its sensitivity is measured by quantize's own probe (the model with only that layer integer; output SQNR
 * against float on a few calibration images). The search keeps float the first k layers of an order — the most
 * sensitive first, or graph order (a float prefix) — with the smallest k whose verified drop holds the budget:
 * k = 0, 1, 2, 4, … until one holds, then bisection between the last miss and the first hold (adding float layers
 * is the back-off). Everything through the public quantize API; building and scoring come in through callbacks.
 */
import { indexGraph, type GraphIndex } from '../graph/onnx-graph.js';
import type { OnnxModel } from '../io/onnx/bytes.js';
import type { CalibrationSource } from '../prune/structured/index.js';
import type { Tensor } from '../core/dtype.js';
import {
  buildQuantized, calibrateRanges, layerSensitivity, planQuantization, rankedLayers, upgradeToOpset13,
  type LayerSensitivity, type QuantPlan, type TensorRange,
} from '../quantize/index.js';

/** A float model calibrated for INT8 once: every variant (which layers stay float) is built from it. */
export interface Int8Base {
  /** The model raised to opset 13. */
  model: OnnxModel;
  g: GraphIndex;
  /** The plan with every quantizable layer integer. */
  plan: QuantPlan;
  ranges: Map<string, TensorRange>;
  /** Node names of the ranked layers (the INT8 units), graph order. */
  layers: string[];
}

/** Raise to opset 13, plan every layer integer and calibrate the activation ranges on `source`, once. */
export async function prepareInt8(model: OnnxModel, source: CalibrationSource, options: { threads?: number } = {}): Promise<Int8Base> {
  const m13 = upgradeToOpset13(model);
  const g = indexGraph(m13);
  const plan = planQuantization(m13, {}, g);
  const { ranges } = await calibrateRanges(m13, plan.tensors, source, { threads: options.threads });
  const layers = rankedLayers(plan).sort((a, b) => a - b).map((i) => g.nodes[i]!.name);
  return { model: m13, g, plan, ranges, layers };
}

/** The QDQ model of `base` with the layers named in `keepFloat` left float. */
export function buildInt8(base: Int8Base, keepFloat: ReadonlySet<string>): OnnxModel {
  const plan = planQuantization(base.model, { keepFloat: (info) => (keepFloat.has(info.node.name) ? 'kept float by optimize' : undefined) }, base.g);
  return buildQuantized(base.model, plan, base.ranges, {}, base.g).model;
}

/** Each INT8 unit's sensitivity (output SQNR with only that layer integer; ascending = most sensitive first). */
export function int8Sensitivity(base: Int8Base, feeds: ReadonlyArray<Readonly<Record<string, Tensor>>>, options: { threads?: number; onLayer?: (done: number, total: number) => void } = {}): Promise<LayerSensitivity[]> {
  return layerSensitivity(base.model, base.g, base.plan, {}, base.ranges, feeds, { threads: options.threads, onLayer: options.onLayer });
}

export type FloatOrder = 'sensitivity' | 'prefix';

/** Layer names in the order they return to float: the most sensitive first, or graph order. */
export function floatOrder(order: FloatOrder, layers: readonly string[], sensitivity: readonly LayerSensitivity[]): string[] {
  if (order === 'prefix') return [...layers];
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
