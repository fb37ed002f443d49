/**
 * Sequential calibrated pruning of an ONNX model: the plan and exact counts of unstructured pruning (presets,
 * --target, --scope global, N:M) are kept; what changes is which weights go and the values of the ones kept.
 * Conv layers are processed in graph order, in blocks: for each block, the model as pruned so far runs on the
 * calibration images with the block's layer-input statistics computed inside onnxruntime (runtime/hessians.ts),
 * then each layer of the block is cut and refit from them (layer.ts). So a layer's inputs come from the
 * already-pruned network before its block, and memory holds one block's statistics. Layers without usable
 * statistics (shared weights, non-float32, not Conv) get the plain magnitude cut, in place from the start.
 */
import { UsageError } from '../../core/errors.js';
import { countNonZero, inferShapes, intAttr, intsAttr, resolveIdentity, strAttr, type GraphIndex, type ShapeInfo } from '../../graph/index.js';
import { readTensor, withTensorValues, type OnnxModel } from '../../io/onnx/bytes.js';
import { collectLayerHessians, REFERENCE_SUFFIX, withReference, type HessianRequest } from '../../runtime/index.js';
import type { Tensor } from '../../core/dtype.js';
import { cutLayer, ownedBy, preparePrune, pruneResult, type PreparedPrune, type PruneOptions, type PruneOutcome } from '../prune.js';
import { initialRow, type PruneLayerRow } from '../result.js';
import type { CalibrationSource } from '../structured/calibrate.js';
import { FeedCache } from './feed-cache.js';
import { addImage, newLayerHessian, type LayerHessian } from './hessian-stats.js';
import { planBudgets } from '../allocate-plan.js';
import { dataCounts, scoreTargets } from './allocate.js';
import { layerGains, weightScores } from './gain.js';
import { DEFAULT_DAMP, reconstructLayer, type DataCriterion, type SolveMethod } from './layer.js';
import type { AdmmOptions } from './admm.js';
import { blockFrontier } from './upstream.js';
import { shrinkHessian } from './shrink.js';
import { BlockPasses } from './block-pass.js';
import { positionPlan, type PositionBudget } from './positions.js';
import { nmSkipReason } from '../nm.js';

export interface ReconstructionOptions {
  /** Blocks of layers (default 8): more = closer to layer-by-layer sequential, one calibration pass each. */
  blocks?: number;
  /** Statistics bytes (Float64) one block may hold (default 512 MiB); blocks are split to stay below. */
  maxBlockBytes?: number;
  damp?: number;
  meanCorrection?: boolean;
  method?: SolveMethod;
  rowNormalize?: boolean;
  /** Rescale refit rows to the original output variance (layer.ts). Default true (LeYOLO-Nano global 30%: mAP50 0.5585 vs 0.5549, 50%: 0.4337 vs 0.4176). */
  varianceCorrection?: boolean;
  /** onnxruntime intra-op threads. */
  threads?: number;
  /** Calibration feeds kept in memory between passes (default 512 MiB). */
  cacheBytes?: number;
  /**
   * Run each pass from the activations the previous pass kept at the block boundary (block-pass.ts) instead of
   * from the image: about two forwards of the network in all instead of one prefix per block. Default true;
   * false re-runs the prefix (the first version; same statistics up to float rounding).
   */
  segments?: boolean;
  /** Bytes the cached boundary activations may take as float32 before float16 is used (default 1 GiB). */
  activationBytes?: number;
  /**
   * N:M mask selection (layer.ts): `adaptive` (default; SparseGPT-style, each group chosen on the row as updated
   * by the earlier groups' removals; LeYOLO-Nano 2:4 mAP50 0.316 vs 0.290) or `once` (the pattern of the scores).
   */
  nmSelection?: 'once' | 'adaptive';
  /**
   * Mask selection within a layer (layer.ts `selection`): `saliency`, `exactobs` (OBC's greedy per-row removal) or
   * `admm` (ADMM with a gradually growing mask, admm.ts), each followed by the exact refit. Default
   * {@link defaultSelection}: `admm` for unstructured layer scope with the obs criterion, else `saliency`.
   */
  selection?: 'saliency' | 'exactobs' | 'admm';
  /** `selection: 'admm'`: penalty ρ, iterations and schedule (admm.ts; default ρ 1, 15 iterations, all growing the mask). */
  admm?: AdmmOptions;
  /** Per-layer statistics budget: input cap and position subsampling of large Grams (positions.ts). */
  positions?: PositionBudget;
  /**
   * Refit each layer to the original network's output of the layer (its input taken from the unpruned network
   * run side by side), so earlier layers' errors are corrected rather than reproduced; only each block's frontier
   * layers (upstream.ts). Default true (LeYOLO-Nano 30%: mAP50 0.506 vs 0.484 without); costs a second forward
   * of the network's prefix per block.
   */
  correctUpstream?: boolean;
  /**
   * `data`: the per-layer counts of a global allocation come from the calibration data (OBS estimate of each
   * layer's relative output error, allocate.ts), same total; `plan`: the weight-only allocation (LAMP). Default
   * `data` with `--scope global`; layer scope (presets, `--target`) always keeps the plan's counts. `exactobs`:
   * like `data` but from ExactOBS trajectories (OBC's database, allocate.ts); measured worse (LeYOLO-Nano 50%
   * global with ExactOBS selection: mAP50 0.4688 vs 0.4862), so not the default even with `selection: 'exactobs'`.
   */
  allocation?: 'data' | 'plan' | 'exactobs';
  /**
   * Data-aware global allocation only: no layer loses more than this fraction of its weights (on top of the
   * category caps). Default none; measured worse (LeYOLO-Nano 50% global `--exact-obs`, 0.8: mAP50 0.4731 vs 0.4862).
   */
  maxLayerRatio?: number;
  /**
   * Shrink each layer's input covariance towards its diagonal before the mask and refit, C ← (1 − α)C + α·diag(C)
   * (shrink.ts; Ledoit–Wolf style, on top of the λI damping). Default 0 (none). The global allocation's scores
   * are not shrunk.
   */
  shrink?: number;
  /**
   * Data-aware global allocation only: weight each layer's scores by its measured network gain (gain.ts): `noise`
   * injects noise of relative energy `gainNoise` into each scored layer's output on the first `gainImages`
   * calibration images and scores s_q × g_l^`gainExponent`; `none` (default) ranks by the layer's own relative error.
   */
  gain?: 'none' | 'noise';
  /** Calibration images the gains are measured on (default 4; forwards: images × (layers + 1)). */
  gainImages?: number;
  /** Relative noise energy of the gain measurement (default 0.01). */
  gainNoise?: number;
  /** Exponent p of the gain in s_q × g_l^p (default 1). */
  gainExponent?: number;
}

export interface ReconstructionInfo {
  description: string;
  images: number;
  /** Calibration passes (one per block). */
  blocks: number;
  /** Layers refit from statistics, and layers cut by magnitude for want of them. */
  layers: { reconstructed: number; magnitude: number };
  /** Output positions per image summed over the refit layers' statistics (the rows each H was summed over). */
  positions: number;
  /** Layers whose statistics had fewer positions than unknowns or needed more damping. */
  rankDeficient: string[];
  seconds: { total: number; run: number; statistics: number; solve: number };
  /** Network gains of the allocation (`gain: 'noise'`): images, forwards run (images × (layers + 1)) and seconds. */
  gains?: { images: number; forwards: number; seconds: number };
  /** Boundary activations cached between passes: peak bytes and whether float32 values were kept as float16. */
  activations?: { peakBytes: number; half: boolean };
}

interface Target { index: number; node: number; request: Omit<HessianRequest, 'key'>; key: string; bias: string | undefined; bytes: number }

/** The Conv node reading each weight (undefined when shared by several nodes or not a Conv). */
function convNodes(g: GraphIndex): Map<string, number[]> {
  const by = new Map<string, number[]>();
  g.nodes.forEach((n, i) => {
    if (!n.input[1]) return;
    const w = resolveIdentity(g, n.input[1]);
    if (!g.constants.has(w)) return;
    let list = by.get(w);
    if (!list) by.set(w, (list = []));
    list.push(i);
  });
  return by;
}

/** What a plan entry needs for statistics, or why it cannot have them. */
function targetOf(prep: PreparedPrune, index: number, users: Map<string, number[]>, nm: PruneOptions['nm'], shapes: ShapeInfo | undefined, budget: PositionBudget | undefined): Target | undefined | string {
  const l = prep.plan.entries[index]!.layer;
  if (nm && nmSkipReason(l, nm) !== undefined) return undefined; // left to the plain cut, which reports the skip
  const nodes = users.get(l.id) ?? [];
  if (l.opType !== 'Conv' || l.layout !== 'conv') return `${l.opType} layers are cut by magnitude`;
  if (l.dtype !== 'float32') return `${l.dtype} weights are cut by magnitude`;
  if (nodes.length !== 1) return 'weight shared by several nodes';
  const g = prep.graph, i = nodes[0]!, n = g.nodes[i]!;
  const input = n.input[0];
  if (!input) return 'conv without input';
  let bias: string | undefined;
  if (n.input[2]) {
    const b = n.input[2];
    const ref = g.constants.get(b);
    const t = ref?.kind === 'initializer' && !g.graphInputs.has(b) && (g.consumers.get(b) ?? []).length === 1 ? readTensor(ref.proto) : undefined;
    bias = t?.dtype === 'float32' ? b : undefined;
  }
  const kernel = l.dims.slice(2);
  const group = intAttr(n, 'group', 1);
  const channels = l.dims[1]! * group;
  const size = l.dims.slice(1).reduce((a, b) => a * b, 1);
  const out = n.output[0] ? shapes?.shapes.get(n.output[0]) : undefined;
  const spatial = out && out.length > 2 && out.every((d) => typeof d === 'number') ? (out.slice(2) as number[]) : undefined;
  const plan = positionPlan(group, size, spatial, budget);
  if ('reason' in plan) return plan.reason;
  const request = {
    input, channels, kernel, group, strides: intsAttr(n, 'strides'), pads: intsAttr(n, 'pads'), dilations: intsAttr(n, 'dilations'), autoPad: strAttr(n, 'auto_pad', 'NOTSET'),
    ...(plan.subsample > 1 ? { subsample: plan.subsample } : {}),
  };
  const key = JSON.stringify(request);
  return { index, node: i, request, key, bias, bytes: group * size * size * 8 };
}

/** Consecutive targets in `blocks` groups of similar size, split further to stay under `maxBytes` each. */
export function splitBlocks<T extends { bytes: number }>(targets: readonly T[], blocks: number, maxBytes: number): T[][] {
  const per = Math.max(1, Math.ceil(targets.length / Math.max(1, blocks)));
  const out: T[][] = [];
  let cur: T[] = [], bytes = 0;
  for (const t of targets) {
    if (cur.length > 0 && (cur.length >= per || bytes + t.bytes > maxBytes)) { out.push(cur); cur = []; bytes = 0; }
    cur.push(t);
    bytes += t.bytes;
  }
  if (cur.length > 0) out.push(cur);
  return out;
}

/** Multiply each scored layer's allocation scores (in `scores`) by its measured network gain (gain.ts). */
async function weightByGain(
  model: OnnxModel, prep: PreparedPrune, targets: readonly Target[], scores: Map<number, Float32Array>, feeds: () => AsyncIterable<Readonly<Record<string, Tensor>>>,
  ro: ReconstructionOptions, onProgress: PruneOptions['onProgress'],
): Promise<ReconstructionInfo['gains']> {
  const t0 = performance.now();
  const images = Math.max(1, ro.gainImages ?? 4);
  async function* first(): AsyncGenerator<Readonly<Record<string, Tensor>>> {
    let n = 0;
    for await (const f of feeds()) { if (n++ >= images) return; yield f; }
  }
  const scored = targets.filter((t) => scores.has(t.index));
  const { gains, images: used, forwards } = await layerGains(model, scored.map((t) => ({ index: t.index, output: prep.graph.nodes[t.node]!.output[0]!, rank: t.request.kernel.length + 2 })), first(), {
    relative: ro.gainNoise, run: { threads: ro.threads, total: images, onProgress: (p) => onProgress?.({ done: p.done, total: p.total, label: 'calibration: layer gains' }) },
  });
  for (const [i, g] of gains) scores.set(i, weightScores(scores.get(i)!, g, ro.gainExponent));
  return { images: used, forwards, seconds: (performance.now() - t0) / 1000 };
}

/**
 * The mask selection when none is asked for: ADMM for unstructured layer scope (presets, `--target`) with the obs
 * criterion — LeYOLO-Nano 30%: mAP50 0.5613 / mAP50-95 0.4240 against 0.5051 / 0.3846 with the one-shot saliency,
 * 10% 0.5733 / 0.4344 against 0.5739 / 0.4356 (session 9) — and the one-shot saliency otherwise (global scope:
 * 30% ADMM 0.5563 / 0.4274 against 0.5585 / 0.4251; N:M: adaptive beats ADMM; an explicit `--criterion wanda`).
 */
export function defaultSelection(options: Pick<PruneOptions, 'scope' | 'nm'>, criterion: DataCriterion | 'magnitude'): 'saliency' | 'admm' {
  return options.scope !== 'global' && options.nm === undefined && criterion === 'obs' ? 'admm' : 'saliency';
}

export interface CalibratedPruneOptions extends PruneOptions {
  /** Within-layer selection; the allocation (global scope) uses LAMP for data criteria. */
  dataCriterion?: DataCriterion | 'magnitude';
  reconstruction?: ReconstructionOptions;
}

/** Prune `model` with calibrated, sequential reconstruction on `source`. Pure apart from running onnxruntime. */
export async function pruneReconstructed(model: OnnxModel, options: CalibratedPruneOptions, source: CalibrationSource): Promise<PruneOutcome & { info: ReconstructionInfo }> {
  const t0 = performance.now();
  const ro = options.reconstruction ?? {};
  const criterion = options.dataCriterion ?? 'obs';
  const selection = ro.selection ?? defaultSelection(options, criterion);
  if (ro.shrink !== undefined && !(ro.shrink >= 0 && ro.shrink <= 1)) throw new UsageError(`reconstruction.shrink ${ro.shrink}: expected a fraction in [0, 1]`);
  let prep = preparePrune(model, { ...options, dryRun: false });
  const entries = prep.plan.entries;
  const allocating = options.scope === 'global' && !options.nm && !prep.note && (ro.allocation ?? 'data') !== 'plan';
  const rows: PruneLayerRow[] = entries.map((e) => initialRow(e));
  const users = convNodes(prep.graph);
  let shapes: ShapeInfo | undefined;
  try { shapes = inferShapes(model, prep.graph); } catch { shapes = undefined; } // unknown shapes: no subsampling
  const targets: Target[] = [];
  const magnitude = new Map<string, Tensor>();
  const owned = ownedBy(model);
  entries.forEach((e, i) => {
    const row = rows[i]!;
    const work = !e.protected && (options.nm !== undefined || prep.counts[i]! > row.zerosBefore || (allocating && e.ratio > 0));
    const t = work ? targetOf(prep, i, users, options.nm, shapes, ro.positions) : undefined;
    if (t !== undefined && typeof t !== 'string') { targets.push(t); return; }
    const cut = cutLayer(prep, i, { nm: options.nm }, owned);
    rows[i] = cut.row;
    if (cut.values) magnitude.set(e.layer.id, cut.values);
    if (typeof t === 'string') cut.row.reconstruction = { method: 'magnitude', errorBefore: null, errorAfter: null, reason: t };
  });
  const cache = new FeedCache(() => source.feeds(), ro.cacheBytes);
  const damp = ro.damp ?? DEFAULT_DAMP;
  let gainInfo: ReconstructionInfo['gains'];
  if (allocating && targets.length > 0) {
    const scoring = targets.map((t) => ({
      index: t.index, key: t.key, request: t.request, centred: (ro.meanCorrection ?? true) && t.bias !== undefined,
      weight: () => readTensor(prep.graph.constants.get(entries[t.index]!.layer.id)!.proto, model.external).data as Float32Array,
    }));
    const byBlock = splitBlocks(targets.map((t, i) => ({ ...scoring[i]!, bytes: t.bytes })), 1, ro.maxBlockBytes ?? 512 << 20);
    const scores = await scoreTargets(model, byBlock, () => cache.feeds(), {
      damp, selection: ro.allocation === 'exactobs' ? 'exactobs' : undefined, run: { threads: ro.threads, total: source.count, onProgress: (p) => options.onProgress?.({ done: p.done, total: source.count, label: 'calibration: allocation' }) },
    });
    if (ro.gain === 'noise') gainInfo = await weightByGain(model, prep, targets, scores, () => cache.feeds(), ro, options.onProgress);
    const cap = ro.maxLayerRatio;
    const budgets = planBudgets(prep.plan).map((b) => (cap === undefined ? b : { ...b, max: Math.min(b.max, cap) }));
    prep = { ...prep, counts: dataCounts(budgets, prep.counts, entries.map((_, i) => scores.get(i))) };
  }
  let current = magnitude.size > 0 ? withTensorValues(model, magnitude) : model;
  const changed = new Set(magnitude.keys());
  const upstream = ro.correctUpstream ?? true;
  targets.sort((a, b) => a.node - b.node);
  const blocks = splitBlocks(targets, ro.blocks ?? 8, ro.maxBlockBytes ?? 512 << 20);
  const seconds = { total: 0, run: 0, statistics: 0, solve: 0 };
  const info: ReconstructionInfo = { description: source.description, images: 0, blocks: blocks.length, layers: { reconstructed: 0, magnitude: magnitude.size }, positions: 0, rankDeficient: [], seconds, ...(gainInfo ? { gains: gainInfo } : {}) };
  const total = blocks.length * source.count;
  const passes = (ro.segments ?? true) ? new BlockPasses(shapes, prep.graph, blocks.map((bl) => bl.map((t) => ({ node: t.node, input: t.request.input }))), {
    images: source.count, budget: ro.activationBytes, reference: upstream,
  }) : undefined;
  for (const [b, block] of blocks.entries()) {
    const stats = new Map<string, LayerHessian>();
    // With upstream correction each request also unfolds the original network's value of the input.
    const reference = upstream && changed.size > 0;
    // Only the block's frontier layers are corrected (upstream.ts): the others would correct the same error again.
    const frontier = blockFrontier(prep.graph, block.map((t) => ({ node: t.node, input: t.request.input })));
    const requests = [...new Map(block.map((t, i) => [t.key, {
      ...t.request, key: t.key, reference: reference && frontier[i] && !prep.graph.graphInputs.has(t.request.input) ? `${t.request.input}${REFERENCE_SUFFIX}` : undefined,
    }])).values()];
    const pass = passes ? await passes.pass(b, reference, () => cache.feeds()) : undefined;
    const run = await collectLayerHessians(reference ? withReference(current, model, changed) : current, requests, pass?.feeds ?? cache.feeds(), (key, m) => {
      let h = stats.get(key);
      if (!h) stats.set(key, (h = newLayerHessian(m.groups, m.size)));
      addImage(h, m);
    }, { ...pass?.options, threads: ro.threads, total: source.count, onProgress: (p) => options.onProgress?.({ done: b * source.count + p.done, total, label: `calibration block ${b + 1}/${blocks.length}` }) });
    passes?.advance(reference);
    if (passes && b === 0) cache.clear(); // later passes read the cached boundary activations, not the images
    if (run.images === 0) throw new UsageError(`calibration: ${source.description} yielded no usable image; pass a dataset yaml or folder with decodable images`);
    info.images = run.images;
    seconds.run += run.seconds.run + run.seconds.load;
    seconds.statistics += run.seconds.callback;
    const ts = performance.now();
    const updates = new Map<string, Tensor>();
    for (const t of block) {
      const e = entries[t.index]!, l = e.layer, row = rows[t.index]!;
      const w = readTensor(prep.graph.constants.get(l.id)!.proto, current.external);
      const biasT = t.bias ? readTensor(prep.graph.constants.get(t.bias)!.proto) : undefined;
      const h = ro.shrink ? shrinkHessian(stats.get(t.key)!, ro.shrink) : stats.get(t.key)!;
      const r = reconstructLayer({ data: w.data as Float32Array, dims: l.dims, groups: t.request.group }, biasT?.data as Float32Array | undefined, h, {
        criterion, zeros: prep.counts[t.index], nm: options.nm, damp, meanCorrection: ro.meanCorrection, method: ro.method, rowNormalize: ro.rowNormalize, varianceCorrection: ro.varianceCorrection ?? true, nmSelection: ro.nmSelection ?? 'adaptive', selection, admm: ro.admm,
      });
      const values: Tensor = { dtype: 'float32', dims: l.dims, data: r.weight };
      updates.set(l.id, values);
      if (r.bias && t.bias) updates.set(t.bias, { dtype: 'float32', dims: [r.bias.length], data: r.bias });
      row.ratio = options.nm ? (options.nm.m - options.nm.n) / options.nm.m : prep.counts[t.index]! / l.params;
      row.zerosAfter = l.params - countNonZero(values);
      row.reconstruction = { method: r.method, errorBefore: r.error.before, errorAfter: r.error.after, damp: r.damp, rankDeficient: r.rankDeficient };
      if (r.rankDeficient) info.rankDeficient.push(l.modulePath || l.id);
      info.positions += h.count / Math.max(1, h.images);
      info.layers.reconstructed++;
    }
    current = withTensorValues(current, updates);
    for (const k of updates.keys()) changed.add(k);
    seconds.solve += (performance.now() - ts) / 1000;
  }
  seconds.total = (performance.now() - t0) / 1000;
  if (passes) info.activations = { peakBytes: passes.peakBytes, half: passes.half };
  const result = pruneResult(model, prep, rows, options);
  // The within-layer criterion is the data one; a global allocation ranked by the data (allocate.ts) or by prep.criterion (LAMP).
  const named = selection === 'admm' ? 'ADMM' : criterion === 'obs' && selection === 'exactobs' ? 'obs, ExactOBS' : criterion;
  result.options.criterion = options.scope === 'global' ? `${named} (allocation: ${allocating ? `${ro.allocation === 'exactobs' ? 'ExactOBS' : 'obs'} error${ro.gain === 'noise' ? ' × measured network gain' : ''} on the calibration data` : prep.criterion})` : named;
  return { model: current, result, info };
}
