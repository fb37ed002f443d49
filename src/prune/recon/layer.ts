/**
 * Calibrated pruning of one Conv layer from the statistics of its unfolded input (hessian-stats.ts): score
 * every weight (input-aware), choose exactly the requested zeros (or an N:M pattern), then refit the kept
 * weights so the layer's outputs on the calibration data move as little as possible (solve.ts), and, when the
 * layer has a bias, absorb the mean output shift into it (the refit then minimises the output covariance
 * error; with the bias moved by (W − Ŵ)μ the two together give the least-squares affine fit).
 *
 * Scores: `obs` w_q² / [H⁻¹]_qq (OBS saliency), `wanda` |w_q|·‖u_q‖ (Wanda), `magnitude` |w_q|. The data-aware
 * ones are divided by a per-row scale (obs: the row's output energy wᵀHw, wanda: the row's score norm), so a
 * BatchNorm scale folded into a row changes nothing and one threshold per layer does not silence whole
 * channels because their folded scale is small. Existing zeros score 0 and every non-zero weight > 0, so the
 * mask holds every existing zero before any other weight.
 */
import type { NmPattern } from '../nm.js';
import { nmMask, nmSkipReason, reductionOf } from '../nm.js';
import { selectSmallest } from '../select.js';
import { groupCross, groupMean, groupRefMean, groupSecond, permuteHessian, type LayerHessian } from './hessian-stats.js';
import { choleskySolve } from './linalg.js';
import { exactObsMask, obsTrajectory, type ObsTrajectory } from './exact-obs.js';
import { admmMask, type AdmmOptions } from './admm.js';
import { adaptiveNmRow, exactCost, groupSystem, obsSaliency, rowError, solveRowExact, solveRowSparseGpt, type GroupSystem } from './solve.js';

import type { DataCriterion } from '../importance.js';

export type { DataCriterion };
export type SolveMethod = 'auto' | 'exact' | 'sparsegpt' | 'none';

/** Relative damping of H (× mean of its diagonal), as SparseGPT's default. */
export const DEFAULT_DAMP = 0.01;
/** `auto` solves a layer exactly when its estimated cost stays below this many multiply-adds. */
export const EXACT_BUDGET = 4e8;

export interface LayerReconstructOptions {
  criterion: DataCriterion | 'magnitude';
  /** Weights to zero (exactly; existing zeros included). Ignored with `nm`. */
  zeros?: number;
  nm?: NmPattern;
  /** Relative damping (default DEFAULT_DAMP). */
  damp?: number;
  /** Fold the mean output shift into the bias (needs a bias; default true). */
  meanCorrection?: boolean;
  method?: SolveMethod;
  /** Per-row score normalisation (default true). */
  rowNormalize?: boolean;
  /**
   * Rescale each refit row so its output variance on the calibration data equals the original row's
   * (ŵ ← ŵ·√(wᵀHw / ŵᵀHŵ); needs the mean correction, which keeps the output mean). Default false.
   */
  varianceCorrection?: boolean;
  /**
   * N:M only: `adaptive` chooses each group's zeros SparseGPT-style on the row as updated by the earlier groups'
   * removals (solve.ts adaptiveNmRow); `once` takes the N:M pattern of the scores of the unpruned row. Default `once`.
   */
  nmSelection?: 'once' | 'adaptive';
  /**
   * `saliency` (default): the mask is the smallest scores of the unpruned rows (N:M per `nmSelection`);
   * `exactobs`: OBC's greedy per-row removal with exact H⁻¹ downdates (exact-obs.ts), unstructured counts spread
   * over the rows by their step losses (divided by the row's output energy when `rowNormalize`), N:M as a
   * constraint on the greedy steps. Only with the `obs` criterion. `admm`: ADMM with a gradually growing mask
   * (admm.ts; Boža 2024), any criterion (it ranks by its own normalised magnitudes), unstructured or N:M.
   */
  selection?: 'saliency' | 'exactobs' | 'admm';
  /** ADMM penalty, iterations and schedule (`selection: 'admm'` only; admm.ts ADMM_DEFAULTS). */
  admm?: AdmmOptions;
}

export interface LayerReconstruction {
  weight: Float32Array;
  /** New bias (undefined when unchanged). */
  bias: Float32Array | undefined;
  /** Weights in the mask (zeroed). */
  masked: number;
  method: 'exact' | 'sparsegpt' | 'none';
  /** ‖ΔY‖² / ‖Y‖² on the calibration data (Y = W·u, bias excluded): mask only, and after the update. */
  error: { before: number; after: number };
  /** Largest relative damping used over the groups (λ / mean diag H). */
  damp: number;
  /** Fewer positions than unknowns per group, or the damping had to be raised. */
  rankDeficient: boolean;
}

interface Conv { data: Float32Array; dims: readonly number[]; groups: number }

/** Positive float32 floor for non-zero weights' scores (the smallest subnormal). */
const FLOOR = 1.401298464324817e-45;

function scoreRow(criterion: LayerReconstructOptions['criterion'], sys: GroupSystem, hUnc: Float64Array, w: Float64Array, original: ArrayLike<number>, normalize: boolean, out: Float32Array, at: number): void {
  const d = sys.size;
  const s = new Float64Array(d);
  if (criterion === 'obs') obsSaliency(sys, w, s);
  else for (let q = 0; q < d; q++) s[q] = Math.abs(w[q]!) * (criterion === 'wanda' ? Math.sqrt(Math.max(0, hUnc[q * d + q]!)) : 1);
  let scale = 1;
  if (normalize && criterion !== 'magnitude') {
    let e = 0;
    if (criterion === 'obs') e = rowError(sys.h, d, w, new Float64Array(d));
    else { for (let q = 0; q < d; q++) e += s[q]! * s[q]!; e = Math.sqrt(e); }
    if (e > 0 && Number.isFinite(e)) scale = 1 / e;
  }
  for (let q = 0; q < d; q++) out[at + q] = original[q] === 0 ? 0 : Math.max(Math.fround(s[q]! * scale), FLOOR);
}

/** ExactOBS mask of a layer (exact-obs.ts): per-row greedy trajectories, N:M per row or a layer-wide count. */
function exactObsLayer(systems: readonly GroupSystem[], rows: Float64Array, original: Float32Array, o: number, d: number, rowsPer: number, nm: NmPattern | undefined, zeros: number, normalize: boolean): Uint8Array {
  const trajectories: ObsTrajectory[] = [];
  const scale = new Float64Array(o).fill(1);
  // Unstructured: a row rarely takes more than twice the mean count; steps past the cap are never chosen.
  const cap = nm ? (d / nm.m) * (nm.m - nm.n) : Math.min(d, Math.ceil((2 * zeros) / o) + 8);
  let available = 0;
  for (let r = 0; r < o; r++) {
    const sys = systems[Math.floor(r / rowsPer)]!;
    const w = rows.subarray(r * d, (r + 1) * d);
    const t = obsTrajectory(sys, w, cap, { nm, forced: original.subarray(r * d, (r + 1) * d).map((v) => (v === 0 ? 1 : 0)) });
    trajectories.push(t);
    available += t.order.length;
    if (normalize) {
      const e = rowError(sys.h, d, w, new Float64Array(d));
      if (e > 0 && Number.isFinite(e)) scale[r] = 1 / e;
    }
  }
  if (nm) {
    const mask = new Uint8Array(o * d);
    trajectories.forEach((t, r) => { for (const q of t.order) mask[r * d + q] = 1; });
    return mask;
  }
  if (available < zeros) {
    // The cap was too tight for this layer (very uneven rows): full trajectories.
    for (let r = 0; r < o; r++) {
      trajectories[r] = obsTrajectory(systems[Math.floor(r / rowsPer)]!, rows.subarray(r * d, (r + 1) * d), d, { forced: original.subarray(r * d, (r + 1) * d).map((v) => (v === 0 ? 1 : 0)) });
    }
  }
  return exactObsMask(trajectories, d, zeros, scale).mask;
}

/**
 * Prune and refit one conv layer ([O, C/g, …k] float32) from its input statistics. Pure. With `nm`, the runs of
 * M are those of nm.ts (M consecutive input channels at one kernel tap): the row, its statistics and the result
 * are reordered so that those runs are contiguous for the selection (adaptive, ExactOBS or once) and back.
 */
export function reconstructLayer(conv: Conv, bias: Float32Array | undefined, stats: LayerHessian, options: LayerReconstructOptions): LayerReconstruction {
  const o = conv.dims[0]!, d = stats.size, g = stats.groups;
  if (conv.data.length !== o * d || g !== conv.groups || o % g !== 0) {
    throw new RangeError(`reconstructLayer: weight [${conv.dims.join(',')}] (groups ${conv.groups}) does not match statistics of ${g} groups × ${d}`);
  }
  if (!options.nm) return reconstructRows(conv, bias, stats, options);
  const layer = { layout: 'conv' as const, dims: conv.dims, groups: g };
  const reason = nmSkipReason(layer, options.nm);
  if (reason) throw new RangeError(`reconstructLayer: ${reason}`);
  const r = reductionOf(layer)!;
  const order = Int32Array.from({ length: d }, (_, j) => r.index(0, j));
  if (order.every((v, j) => v === j)) return reconstructRows(conv, bias, stats, options);
  const permuted = new Float32Array(o * d);
  for (let row = 0; row < o; row++) for (let j = 0; j < d; j++) permuted[row * d + j] = conv.data[row * d + order[j]!]!;
  const out = reconstructRows({ data: permuted, dims: [o, d], groups: g }, bias, permuteHessian(stats, order), options);
  const weight = new Float32Array(o * d);
  for (let row = 0; row < o; row++) for (let j = 0; j < d; j++) weight[row * d + order[j]!] = out.weight[row * d + j]!;
  return { ...out, weight };
}

/** {@link reconstructLayer} with N:M runs contiguous in each row (the row order of the statistics). */
function reconstructRows(conv: Conv, bias: Float32Array | undefined, stats: LayerHessian, options: LayerReconstructOptions): LayerReconstruction {
  const o = conv.dims[0]!, d = stats.size, g = stats.groups;
  const rowsPer = o / g;
  const damp = options.damp ?? 0.01;
  const correct = (options.meanCorrection ?? true) && bias !== undefined;
  const normalize = options.rowNormalize ?? true;
  const systems: GroupSystem[] = [];
  const uncentred: Float64Array[] = [];
  const means: Float64Array[] = [];
  const refMeans: Array<Float64Array | undefined> = [];
  // With a reference (the original network's layer input v), each row is first moved to the weights that best
  // reproduce its original output from the current input u, damped towards w (not towards 0):
  //   t = argmin E‖tᵀu − wᵀv‖² + λ‖t − w‖² = w + (H + λI)⁻¹ (E[u vᵀ] − H) w   (centred with a bias).
  // The undamped form (H + λI)⁻¹ E[u vᵀ] w shrinks every low-variance direction of w towards 0 even when u = v,
  // which compounded over a network destroys it.
  const rows = new Float64Array(o * d);
  for (let i = 0; i < o * d; i++) rows[i] = conv.data[i]!;
  let rankDeficient = stats.count < d, maxDamp = 0;
  for (let j = 0; j < g; j++) {
    const hUnc = groupSecond(stats, j, false);
    const sys = groupSystem(correct ? groupSecond(stats, j, true) : hUnc, d, damp);
    systems.push(sys);
    uncentred.push(hUnc);
    means.push(groupMean(stats, j));
    refMeans.push(groupRefMean(stats, j));
    const cross = groupCross(stats, j, correct);
    if (cross) {
      for (let r = j * rowsPer; r < (j + 1) * rowsPer; r++) {
        const cw = new Float64Array(d);
        for (let a = 0; a < d; a++) {
          let v = 0;
          for (let b = 0; b < d; b++) v += (cross[a * d + b]! - sys.h[a * d + b]!) * conv.data[r * d + b]!;
          cw[a] = v;
        }
        const step = choleskySolve(sys.l, d, cw);
        for (let q = 0; q < d; q++) rows[r * d + q] = conv.data[r * d + q]! + step[q]!;
      }
    }
    rankDeficient ||= sys.raised;
    let diag = 0;
    for (let q = 0; q < d; q++) diag += sys.h[q * d + q]!;
    if (diag > 0) maxDamp = Math.max(maxDamp, sys.lambda / (diag / d));
  }
  /** The one-shot scores of every row (only the saliency selection reads them). */
  const scoreTensor = () => {
    const scores = new Float32Array(o * d);
    for (let r = 0; r < o; r++) {
      const j = Math.floor(r / rowsPer);
      scoreRow(options.criterion, systems[j]!, uncentred[j]!, rows.subarray(r * d, (r + 1) * d), conv.data.subarray(r * d, (r + 1) * d), normalize, scores, r * d);
    }
    return { dtype: 'float32' as const, dims: conv.dims, data: scores };
  };
  let mask: Uint8Array | undefined;
  if (options.selection === 'admm' && (!options.nm || d % options.nm.m === 0)) {
    const forced = Uint8Array.from(conv.data, (v) => (v === 0 ? 1 : 0));
    mask = admmMask({ systems, rowsPer, rows, forced, zeros: options.zeros ?? 0, nm: options.nm, normalize }, options.admm);
  } else if (options.selection === 'exactobs' && options.criterion === 'obs' && (!options.nm || d % options.nm.m === 0)) {
    mask = exactObsLayer(systems, rows, conv.data, o, d, rowsPer, options.nm, options.zeros ?? 0, normalize);
  } else if (options.nm && options.nmSelection === 'adaptive' && d % options.nm.m === 0) {
    mask = new Uint8Array(o * d);
    for (let r = 0; r < o; r++) adaptiveNmRow(systems[Math.floor(r / rowsPer)]!, rows.subarray(r * d, (r + 1) * d), options.nm.n, options.nm.m, mask, r * d);
  } else mask = options.nm ? nmMask({ ...scoreTensor(), dims: [o, d] }, { layout: 'nk', dims: [o, d], groups: 1 }, options.nm) : selectSmallest(scoreTensor(), options.zeros ?? 0);
  if (!mask) throw new RangeError(`reconstructLayer: reduction size ${d} is not a multiple of ${options.nm!.m}`);
  let method = options.method ?? 'auto';
  if (method === 'auto') {
    let cost = 0;
    for (let r = 0; r < o; r++) {
      let k = 0;
      for (let q = 0; q < d; q++) k += mask[r * d + q]!;
      cost += exactCost(d, k);
    }
    method = cost <= EXACT_BUDGET ? 'exact' : 'sparsegpt';
  }
  const weight = new Float32Array(o * d);
  const newBias = correct ? Float32Array.from(bias) : undefined;
  let before = 0, after = 0, energy = 0, masked = 0;
  const zero = new Float64Array(d);
  for (let r = 0; r < o; r++) {
    const j = Math.floor(r / rowsPer);
    const sys = systems[j]!, hUnc = uncentred[j]!;
    const w0 = rows.subarray(r * d, (r + 1) * d);
    const m = mask.subarray(r * d, (r + 1) * d);
    const w = Float64Array.from(w0, (v, q) => (m[q] ? 0 : v));
    for (let q = 0; q < d; q++) masked += m[q]!;
    before += rowError(hUnc, d, w0, w);
    energy += rowError(hUnc, d, w0, zero);
    if (method !== 'none') {
      w.set(w0);
      if (method === 'exact') solveRowExact(sys, w, m); else solveRowSparseGpt(sys, w, m);
    }
    if (newBias && options.varianceCorrection) {
      const want = rowError(sys.h, d, w0, zero), got = rowError(sys.h, d, w, zero);
      if (want > 0 && got > 0 && Number.isFinite(want / got)) {
        const s = Math.sqrt(want / got);
        for (let q = 0; q < d; q++) w[q]! *= s;
      }
    }
    if (newBias) {
      const mu = means[j]!, mv = refMeans[j];
      let shift = 0;
      // b̂ = b + w·μ_v − ŵ·μ_u (μ_v = μ_u without a reference, t = w).
      for (let q = 0; q < d; q++) shift += (mv ? conv.data[r * d + q]! * mv[q]! - w[q]! * mu[q]! : (w0[q]! - w[q]!) * mu[q]!);
      newBias[r]! += shift;
      after += rowError(sys.h, d, w0, w);
    } else after += rowError(hUnc, d, w0, w);
    for (let q = 0; q < d; q++) weight[r * d + q] = m[q] ? 0 : w[q]!;
  }
  const rel = (e: number) => (energy > 0 ? e / energy : 0);
  if (!weight.every(Number.isFinite) || (newBias && !newBias.every(Number.isFinite))) {
    // Non-finite statistics: keep the mask, drop the refit.
    const plain = Float32Array.from(conv.data, (v, i) => (mask[i] ? 0 : v));
    return { weight: plain, bias: undefined, masked, method: 'none', error: { before: rel(before), after: rel(before) }, damp: maxDamp, rankDeficient };
  }
  return { weight, bias: newBias, masked, method, error: { before: rel(before), after: rel(after) }, damp: maxDamp, rankDeficient };
}
