/**
 * Ranges that follow from other ranges, so calibration need not reduce those tensors in onnxruntime (fewer graph
 * outputs, and onnxruntime keeps its Sigmoid·Mul → QuickGelu fusion in the calibration run). Per image:
 * - `same`: Reshape, Transpose, Flatten, Squeeze, Unsqueeze, Identity output the input's values, so the same range
 *   (exact for MinMax and for a percentile);
 * - `sigmoid`: σ is increasing, so [σ(min), σ(max)] (exact for MinMax and for a percentile, up to float rounding);
 * - `silu`: x·σ(x) (a Mul of x and Sigmoid(x)) over [lo, hi]: the larger end value is the max; the min is the end
 *   value, or SiLU's global minimum −0.2785 (at x = −1.2785) when that lies inside — a superset of the direct
 *   reduction by at most the gap to the nearest actual value (MinMax only: a percentile is not preserved);
 * - `union`: a Concat's range is the union of its inputs' (MinMax only).
 * Rules chain (a Reshape of a Sigmoid output; the graph is acyclic); a tensor whose sources are not all ranged is
 * measured.
 */
import { sigmoid } from '../core/scalar.js';
import type { GraphIndex } from '../graph/onnx-graph.js';

export interface RangeLike { min: number; max: number }

export type RangeRule = { kind: 'same' | 'sigmoid' | 'silu'; from: string } | { kind: 'union'; from: string[] };

/** Ops whose output holds exactly the input's values. */
export const SAME_VALUE_OPS: ReadonlySet<string> = new Set(['Reshape', 'Transpose', 'Flatten', 'Squeeze', 'Unsqueeze', 'Identity']);

/** Where SiLU x·σ(x) is smallest, and its value there. */
export const SILU_ARGMIN = -1.278464542761074;
export const SILU_MIN = -0.2784645427610738;

export const silu = (x: number): number => x * sigmoid(x);

/** Range of SiLU over [lo, hi]. */
export function siluRange(r: RangeLike): RangeLike {
  const a = silu(r.min), b = silu(r.max);
  return { min: r.min < SILU_ARGMIN && SILU_ARGMIN < r.max ? SILU_MIN : Math.min(a, b), max: Math.max(a, b) };
}

/** The range `rule` gives from the ranges of its sources. */
export function applyRule(rule: RangeRule, get: (name: string) => RangeLike): RangeLike {
  switch (rule.kind) {
    case 'same': { const r = get(rule.from); return { min: r.min, max: r.max }; }
    case 'sigmoid': { const r = get(rule.from); return { min: sigmoid(r.min), max: sigmoid(r.max) }; }
    case 'silu': return siluRange(get(rule.from));
    case 'union': {
      const rs = rule.from.map(get);
      return { min: Math.min(...rs.map((r) => r.min)), max: Math.max(...rs.map((r) => r.max)) };
    }
  }
}

/** The rule of `tensor` from its producer, if one applies (`exact`: only rules exact for a percentile). */
function ruleOf(g: GraphIndex, tensor: string, exact: boolean): RangeRule | undefined {
  const p = g.producer.get(tensor);
  if (p === undefined) return undefined;
  const n = g.nodes[p]!;
  const x = n.input[0];
  if (!x) return undefined;
  if (SAME_VALUE_OPS.has(n.opType)) return { kind: 'same', from: x };
  if (n.opType === 'Sigmoid') return { kind: 'sigmoid', from: x };
  if (exact) return undefined;
  if (n.opType === 'Concat') return { kind: 'union', from: [...n.input] };
  if (n.opType === 'Mul') {
    const [u, v] = [n.input[0]!, n.input[1]!];
    for (const [a, b] of [[u, v], [v, u]] as const) {
      const s = g.producer.get(b);
      if (s !== undefined && g.nodes[s]!.opType === 'Sigmoid' && g.nodes[s]!.input[0] === a) return { kind: 'silu', from: a };
    }
  }
  return undefined;
}

const sources = (r: RangeRule): string[] => (r.kind === 'union' ? r.from : [r.from]);

/**
 * Split `tensors` into those to measure and those derived (in an order where every source comes first). A rule
 * applies only when all its sources are among `tensors`; `exact` (percentile calibration) keeps the rules exact
 * for a percentile.
 */
export function planDerivedRanges(g: GraphIndex, tensors: readonly string[], options: { exact?: boolean } = {}): { measured: string[]; derived: Array<{ tensor: string; rule: RangeRule }> } {
  const wanted = new Set(tensors);
  const rules = new Map<string, RangeRule>();
  for (const t of tensors) {
    const r = ruleOf(g, t, options.exact === true);
    if (r && sources(r).every((s) => wanted.has(s))) rules.set(t, r);
  }
  const derived: Array<{ tensor: string; rule: RangeRule }> = [];
  const done = new Set<string>();
  const measured = new Set<string>();
  const visit = (t: string): void => {
    if (done.has(t)) return;
    done.add(t);
    const r = rules.get(t);
    if (!r) { measured.add(t); return; }
    for (const s of sources(r)) visit(s);
    derived.push({ tensor: t, rule: r });
  };
  for (const t of tensors) visit(t);
  return { measured: tensors.filter((t) => measured.has(t)), derived };
}

/** One image's ranges of every tensor: the measured ones plus the derived ones. */
export function withDerived(measured: ReadonlyMap<string, RangeLike>, derived: ReadonlyArray<{ tensor: string; rule: RangeRule }>): Map<string, RangeLike> {
  const all = new Map(measured);
  for (const d of derived) all.set(d.tensor, applyRule(d.rule, (n) => all.get(n)!));
  return all;
}
