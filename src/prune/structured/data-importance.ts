/**
 * Data-aware channel importance from calibration statistics: a channel matters by how much signal it sends
 * into the next layers, `Σ_consumers Var(x_c) · ‖W[:, c]‖²` (its variance at each consumer conv's input times
 * the squared norm of that consumer's input slice, summed over kernel taps). Its mean is not counted: bias
 * compensation / reconstruction restores it. Weight norms alone cannot see that a large filter feeds a channel
 * that barely varies on real images, or that a small one feeds a busy channel (measured on LeYOLO-Nano: the L1
 * filter norm is hardly better than a random choice one-shot; see docs/structured.md).
 *
 * Groups without any consumer statistics keep the weight-based scores; within a group, a class no consumer
 * with statistics sees scores as the group's best (kept rather than removed blindly). Scores are normalised
 * within each group (best = 1), like channelImportance.
 */
import { toFloat32 } from '../../core/convert.js';
import type { DependencyGraph } from '../../graph/deps/index.js';
import { constantOf, indexGraph, intAttr, type GraphIndex } from '../../graph/index.js';
import { readTensor, type OnnxModel } from '../../io/onnx/bytes.js';
import type { ChannelStats } from './channel-stats.js';

/**
 * Per class (indexed by class id): the data-aware score, in [0, 1] within each group; `fallback` (weight-based
 * importance) for groups no statistics cover.
 */
export function activationImportance(model: OnnxModel, dg: DependencyGraph, stats: ChannelStats, fallback: Float64Array, g: GraphIndex = indexGraph(model)): Float64Array {
  const { trace } = dg;
  const score = new Float64Array(trace.classCount);
  const covered = new Uint8Array(trace.classCount);
  for (const node of g.nodes) {
    if (node.opType !== 'Conv' || intAttr(node, 'group', 1) !== 1) continue;
    const x = node.input[0] ?? '';
    const map = trace.maps.get(x);
    const moments = stats.tensors.get(x);
    const ref = node.input[1] ? constantOf(g, node.input[1]) : undefined;
    if (!map || !moments || moments.channels !== map.length || !ref) continue;
    const t = readTensor(ref.proto, model.external);
    if (t.dtype !== 'float32' && t.dtype !== 'float16' && t.dtype !== 'float64') continue;
    const w = toFloat32(t);
    const [outCh, inCh] = [t.dims[0] ?? 0, t.dims[1] ?? 0];
    if (inCh !== map.length) continue;
    const taps = w.length / (outCh * inCh);
    const c = moments.channels;
    for (let i = 0; i < inCh; i++) {
      const mu = moments.mean[i]!;
      const variance = Math.max(0, moments.second[i * c + i]! - mu * mu);
      let norm = 0;
      for (let o = 0; o < outCh; o++) {
        const base = (o * inCh + i) * taps;
        for (let k = 0; k < taps; k++) { const v = w[base + k]!; norm += v * v; }
      }
      const cls = trace.classOf[map[i]!]!;
      score[cls]! += variance * norm;
      covered[cls] = 1;
    }
  }
  const out = Float64Array.from(fallback);
  for (const gr of dg.groups) {
    if (!gr.classes.some((cl) => covered[cl])) continue;
    let max = 0;
    for (const cl of gr.classes) if (covered[cl]) max = Math.max(max, score[cl]!);
    for (const cl of gr.classes) out[cl] = max > 0 ? (covered[cl] ? score[cl]! / max : 1) : fallback[cl]!;
  }
  return out;
}
