/**
 * Data-aware global allocation for calibrated pruning (`--scope global` with `--calib`): how many weights each
 * layer loses is chosen from the calibration data instead of a weight-only ranking (LAMP). Every weight gets
 * the OBS estimate of the relative output error its removal adds to its layer,
 *   s_q = w_q² / [H⁻¹]_qq / Σ_rows wᵀHw     (H: the layer's unfolded-input second moment, damped),
 * and one threshold over all layers picks the smallest — greedy minimisation of the sum of the layers'
 * relative output errors. Layers whose weights carry much of a small input space (the first conv, depthwise
 * 5×5) get fewer zeros than wide 1×1 convs. The total is exactly the one the weight-only allocation gave; layers
 * without statistics keep their weight-only counts; the category caps hold.
 *
 * With `selection: 'exactobs'` the estimate is OBC's database instead of single removals: every row's greedy
 * ExactOBS trajectory (exact-obs.ts) gives each weight the loss of the step that removes it (running maximum
 * along the row, so any threshold takes a prefix of every trajectory), divided by the layer's output energy —
 * the layers' error-vs-count curves with the compensation of every earlier removal, merged by one threshold.
 */
import type { Tensor } from '../../core/dtype.js';
import type { OnnxModel } from '../../io/onnx/bytes.js';
import { collectLayerHessians, type ActivationOptions, type HessianRequest } from '../../runtime/index.js';
import type { Budget } from '../allocate.js';
import { globalCounts } from '../global.js';
import { addImage, groupSecond, newLayerHessian, type LayerHessian } from './hessian-stats.js';
import { obsTrajectory } from './exact-obs.js';
import { groupSystem, obsSaliency, rowError } from './solve.js';

/** Scores (float32, ≥ 0; existing zeros 0, others > 0) of one conv [O, C/g, …k] from its statistics. */
export function layerSaliency(conv: { data: Float32Array; groups: number }, stats: LayerHessian, options: { centred: boolean; damp: number; selection?: 'saliency' | 'exactobs' }): Float32Array {
  const d = stats.size, g = stats.groups, o = conv.data.length / d, rowsPer = o / g;
  const raw = new Float64Array(o * d);
  let energy = 0;
  for (let j = 0; j < g; j++) {
    const sys = groupSystem(groupSecond(stats, j, options.centred), d, options.damp);
    for (let r = j * rowsPer; r < (j + 1) * rowsPer; r++) {
      const w = Float64Array.from(conv.data.subarray(r * d, (r + 1) * d));
      if (options.selection === 'exactobs') {
        const t = obsTrajectory(sys, w, d, { forced: conv.data.subarray(r * d, (r + 1) * d).map((v) => (v === 0 ? 1 : 0)) });
        let run = 0;
        for (let s = 0; s < t.order.length; s++) { run = Math.max(run, t.loss[s]!); raw[r * d + t.order[s]!] = run; }
      } else raw.set(obsSaliency(sys, w), r * d);
      energy += rowError(sys.h, d, w, new Float64Array(d));
    }
  }
  const scale = energy > 0 && Number.isFinite(energy) ? 1 / energy : 1;
  return Float32Array.from(raw, (v, i) => (conv.data[i] === 0 ? 0 : Math.max(Math.fround(v * scale), 1.401298464324817e-45)));
}

/**
 * Zeros per plan entry: entries with `scores` share the zeros the weight-only allocation gave them in total
 * (`counts` summed over those entries) by one threshold on the scores; the others keep `counts`.
 */
export function dataCounts(budgets: readonly Budget[], counts: readonly number[], scores: ReadonlyArray<Float32Array | undefined>): number[] {
  const shared = budgets.map((b, i) => scores[i] !== undefined && !b.protected && b.ratio > 0);
  let want = 0;
  budgets.forEach((b, i) => { if (shared[i]) want += Math.max(counts[i]!, b.zeros); });
  const chosen = globalCounts(budgets, scores.map((s, i) => (shared[i] ? s : undefined)), want);
  return counts.map((c, i) => (shared[i] ? chosen[i]! : c));
}

/** A layer to score: its plan index, weights, whether its bias absorbs the mean, and its statistics request. */
export interface AllocationTarget { index: number; key: string; request: Omit<HessianRequest, 'key'>; weight: () => Float32Array; centred: boolean }

/**
 * Score every target on `model` (the unpruned network) in as few calibration passes as `blocks` allows (one
 * pass per block of statistics), for {@link dataCounts}.
 */
export async function scoreTargets(
  model: OnnxModel, blocks: ReadonlyArray<readonly AllocationTarget[]>, feeds: () => AsyncIterable<Readonly<Record<string, Tensor>>>,
  options: { damp: number; run: ActivationOptions; selection?: 'saliency' | 'exactobs' },
): Promise<Map<number, Float32Array>> {
  const scores = new Map<number, Float32Array>();
  for (const block of blocks) {
    const stats = new Map<string, LayerHessian>();
    const requests = [...new Map(block.map((t) => [t.key, { ...t.request, key: t.key }])).values()];
    await collectLayerHessians(model, requests, feeds(), (key, m) => {
      let h = stats.get(key);
      if (!h) stats.set(key, (h = newLayerHessian(m.groups, m.size)));
      addImage(h, m);
    }, options.run);
    for (const t of block) {
      const h = stats.get(t.key);
      if (h) scores.set(t.index, layerSaliency({ data: t.weight(), groups: t.request.group }, h, { centred: t.centred, damp: options.damp, selection: options.selection }));
    }
  }
  return scores;
}
