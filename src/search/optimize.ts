/**
 * The optimiser: from a sensitivity table to one choice of per-unit ratios that maximises the objective within
 * the real accuracy budget. The allocator (allocate.ts) gives, for every proxy budget, the best-gain combination
 * assuming additive damage; the combination is then *verified* (built and scored on the search images with
 * labels) because damages do not add up exactly. A bracket-and-bisect over the frontier finds the last
 * combination that holds the budget; from the best one that missed, a greedy back-off removes one ladder step at
 * a time (the step that saves the most damage per gain given up, damage = the larger of proxy and single-cut real
 * drop) until the verified drop holds, and the better of the two wins. Pure orchestration: building and scoring come in through `verify`.
 */
import { formatPercent } from '../core/format.js';
import { dropBound, within } from './accept.js';
import { allocationFrontier, type Allocation, type AllocationUnit } from './allocate.js';
import { effectivePoints, type LadderPoint, type UnitSensitivity } from './sensitivity.js';

export type Objective = 'latency' | 'macs' | 'size';

export interface Verified {
  /** Unit id → ratio. */
  ratios: Map<string, number>;
  /** Predicted (additive) proxy damage and objective gain. */
  predictedDamage: number;
  gain: number;
  /** Verified relative drop of the budget metric on the search images. */
  drop: number;
  /** Upper confidence bound of the drop at the search's plain level (= drop without a bootstrap). */
  bound: number;
  /** Sorted paired-bootstrap replicate drops (not serialised). */
  drops?: Float64Array;
  /** Extra numbers the verifier returns (scores), kept for the report. */
  detail: Record<string, number>;
  /** How the point was reached. */
  via: 'frontier' | 'back-off';
  /** Holds at the plain level (what steers the search). */
  holds: boolean;
  /** Set by the final selection (run-optimize): the bound at the selection-corrected level, and whether it is accepted. */
  selectionBound?: number;
  accepted?: boolean;
}

export interface VerifyResult { drop: number; detail?: Record<string, number>; drops?: Float64Array }

export interface OptimizeOptions {
  objective: Objective;
  /** Allowed relative drop of the budget metric (0.01 = 1%): the threshold the bound must reach. */
  budget: number;
  /** One-sided confidence of the bound a candidate holds by (default: none, the point estimate; see accept.ts). */
  confidence?: number | null;
  verify: (ratios: Map<string, number>) => Promise<VerifyResult>;
  /** Verifications at most (default 24). */
  maxVerifications?: number;
  onProgress?: (p: { done: number; total: number; label?: string }) => void;
}

export interface OptimizeResult {
  /** The chosen point: the best verified gain that holds the budget; else the verified point of smallest drop. */
  chosen: Verified | undefined;
  /** True when `chosen` holds the budget and cuts something. */
  feasible: boolean;
  /** Every verified point, in verification order. */
  explored: Verified[];
  /** Allocator frontier size (proxy space). */
  frontierSize: number;
}

/** Gain of a ladder point under the objective. */
export function gainOf(p: LadderPoint, objective: Objective): number {
  if (objective === 'latency') return p.latencyGain ?? 0;
  return objective === 'macs' ? p.macsRemoved : p.paramsRemoved;
}

/**
 * Proxy damage per unit of head-output error: the median of damage / outputError over the points where both are
 * positive (0 when there is none). Puts the continuous output error on the proxy's scale.
 */
export function outputErrorScale(points: readonly LadderPoint[]): number {
  const r = points.flatMap((p) => ((p.damage ?? 0) > 0 && (p.score?.outputError ?? 0) > 0 ? [p.damage! / p.score!.outputError] : [])).sort((a, b) => a - b);
  if (r.length === 0) return 0;
  const m = r.length >> 1;
  return r.length % 2 ? r[m]! : (r[m - 1]! + r[m]!) / 2;
}

/**
 * The damage the allocator charges a point. A cut the agreement proxy sees as free (damage ≤ 0: no detection of
 * the original moved on the proxy images) is charged its head-output error on the proxy's scale instead
 * (`scale`, see {@link outputErrorScale}). Without it every "free" cut ties at 0 and the frontier's first point
 * bundles all of them (LeYOLO-Nano, 16 proxy images, objective macs: 6.6% of MACs at proxy damage 0, real drop
 * 8.7%); with it they enter the frontier one at a time, the least disturbing per gain first.
 */
export function allocatorDamage(p: LadderPoint, scale: number): number {
  const d = p.damage ?? 0;
  return d > 0 ? d : Math.max(0, scale * (p.score?.outputError ?? 0));
}

/**
 * Allocation units (measured ladder points) of a table: `units` with the allocator damage (proxy, ties at 0
 * broken by the output error), and `cautious` with the larger of that and the single cut's real mAP50 drop (the
 * back-off's: once a combination misses, the cut that really hurt goes first, even when the proxy underrated it).
 */
export function allocationUnits(table: readonly UnitSensitivity[], objective: Objective): { units: AllocationUnit[]; cautious: AllocationUnit[]; points: LadderPoint[][] } {
  const points = table.map(effectivePoints);
  const scale = outputErrorScale(points.flat());
  const make = (damage: (p: LadderPoint) => number) => table.map((u, k) => ({ id: u.unit.id, options: points[k]!.map((p) => ({ damage: Math.max(0, damage(p)), gain: gainOf(p, objective) })) }));
  return { units: make((p) => allocatorDamage(p, scale)), cautious: make((p) => Math.max(allocatorDamage(p, scale), p.map50Drop ?? 0)), points };
}

const ratiosOf = (a: Allocation, units: readonly AllocationUnit[], points: readonly LadderPoint[][]) =>
  new Map(a.choice.flatMap((k, u) => (k >= 0 ? [[units[u]!.id, points[u]![k]!.ratio] as [string, number]] : [])));

/** A canonical key of a choice of ratios (unit order does not matter). */
export const ratiosKey = (r: ReadonlyMap<string, number>) => [...r].map(([id, v]) => `${id}@${v}`).sort().join(' ');

export async function optimize(table: readonly UnitSensitivity[], options: OptimizeOptions): Promise<OptimizeResult> {
  const { units, cautious, points } = allocationUnits(table, options.objective);
  const maxDamage = units.reduce((s, u) => s + Math.max(0, ...u.options.map((o) => o.damage)), 0);
  const frontier = allocationFrontier(units, { budget: Math.max(maxDamage, 1e-9), bins: 4000 }).filter((a) => a.gain > 0);
  const limit = options.maxVerifications ?? 24;
  const explored: Verified[] = [];
  const tick = (label: string) => options.onProgress?.({ done: explored.length, total: limit, label });
  // A combination reached twice (the back-off often walks through frontier points) is verified once.
  const cache = new Map<string, VerifyResult>();
  const check = async (a: Allocation, via: Verified['via']): Promise<Verified> => {
    const ratios = ratiosOf(a, units, points);
    const key = ratiosKey(ratios);
    const r = cache.get(key) ?? await options.verify(ratios);
    cache.set(key, r);
    const bound = dropBound(r, options.confidence ?? null);
    const v: Verified = { ratios, predictedDamage: a.damage, gain: a.gain, drop: r.drop, bound, drops: r.drops, detail: r.detail ?? {}, via, holds: within(bound, options.budget) };
    explored.push(v);
    tick(`${via}: gain ${formatPercent(a.gain)}, drop ${formatPercent(r.drop, 2)}${bound !== r.drop ? ` (bound ${formatPercent(bound, 2)})` : ''}`);
    return v;
  };
  // Bracket the budget on the frontier by doubling/halving a proxy budget (starting at the real budget: the proxy
  // is a relative mAP50 drop too), then bisect: lo holds (or is "before the first"), hi misses.
  let lo = -1, hi = frontier.length;
  let failAt: Allocation | undefined;
  const indexAt = (b: number) => {
    let i = -1;
    while (i + 1 < frontier.length && frontier[i + 1]!.damage <= b) i++;
    return i;
  };
  const probe = async (i: number) => {
    const v = await check(frontier[i]!, 'frontier');
    if (v.holds) lo = Math.max(lo, i);
    else {
      hi = Math.min(hi, i);
      if (!failAt || frontier[i]!.gain > failAt.gain) failAt = frontier[i];
    }
    return v.holds;
  };
  let b = Math.max(options.budget, 1e-4);
  for (let tries = 0; tries < 12 && hi - lo > 1 && explored.length < limit; tries++) {
    const i = indexAt(b);
    if (i <= lo || i >= hi) { b = i <= lo ? b * 2 : b / 2; if (i <= lo && i === frontier.length - 1) break; continue; }
    b = (await probe(i)) ? b * 2 : b / 2;
    if (lo >= 0 && hi < frontier.length) break;
  }
  while (hi - lo > 1 && explored.length < limit) await probe(lo + Math.max(1, Math.floor((hi - lo) / 2)));
  // Greedy back-off from the best (largest-gain) miss: one ladder step at a time, ranked by the cautious damage.
  let cur = failAt;
  const passGain = lo >= 0 ? frontier[lo]!.gain : 0;
  while (cur && explored.length < limit) {
    const step = backOffStep(cur, cautious);
    if (!step || step.gain <= passGain) break;
    const v = await check(step, 'back-off');
    if (v.holds) break;
    cur = step;
  }
  const holding = explored.filter((v) => v.holds && v.gain > 0).sort((a, b) => b.gain - a.gain);
  const closest = [...explored].sort((a, b) => a.bound - b.bound)[0];
  const chosen = holding[0] ?? closest;
  return { chosen, feasible: holding.length > 0, explored, frontierSize: frontier.length };
}

/**
 * One back-off step: move one unit one rung down its ladder (or off), the move that removes the most damage per
 * gain given up (ties: the smaller loss of gain, then unit order). undefined when nothing is cut.
 */
export function backOffStep(a: Allocation, units: readonly AllocationUnit[]): Allocation | undefined {
  let best: { u: number; k: number; score: number; loss: number } | undefined;
  a.choice.forEach((k, u) => {
    if (k < 0) return;
    const opts = units[u]!.options;
    const from = opts[k]!;
    const to = k > 0 ? opts[k - 1]! : { damage: 0, gain: 0 };
    const saved = from.damage - to.damage, loss = Math.max(0, from.gain - to.gain);
    const score = loss > 0 ? saved / loss : saved > 0 ? Infinity : -Infinity;
    if (!best || score > best.score || (score === best.score && loss < best.loss)) best = { u, k: k - 1, score, loss };
  });
  if (!best) return undefined;
  const b: { u: number; k: number } = best;
  const choice = [...a.choice];
  choice[b.u] = b.k;
  let damage = 0, gain = 0;
  choice.forEach((k, u) => {
    if (k < 0) return;
    damage += units[u]!.options[k]!.damage;
    gain += units[u]!.options[k]!.gain;
  });
  return { choice, damage, gain };
}
