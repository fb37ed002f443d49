/**
 * Second-order (OBS) channel scores for structured pruning with calibration (`dataImportance: 'obs'`, issue #12
 * item 5). Removing input channel c of a tensor x and refitting its consumers from the kept channels (what the
 * ridge refit of reconstruct.ts does, x_R ≈ A·x_K + b) leaves the output error of a group OBS step: with Σ the
 * channel covariance of x (damped like the refit) and the consumers' input columns stacked as rows
 * m_r = W[o, :, tap] (one per output and tap, all refit by the same A),
 *   loss(c) = Σ_r m_r[c]² / [Σ⁻¹]_cc,
 * and the refit moves every row m_r ← m_r − (m_r[c] / [Σ⁻¹]_cc)·Σ⁻¹[c, :], while Σ⁻¹ loses row and column c
 * (Σ⁻¹ ← Σ⁻¹ − Σ⁻¹[:, c] Σ⁻¹[c, :] / [Σ⁻¹]_cc). Per tensor the channels are removed greedily (OBC's order: each
 * step the cheapest given the earlier removals and refits), and a channel's score is the running maximum of the
 * step losses up to its removal, so taking any number of the lowest scores takes a prefix of the greedy order.
 * For a 1×1 consumer the first step is exactly the OBS saliency; channels that others predict well (correlated
 * duplicates) go first, but not together, since after the first the second no longer has its twin.
 * Pinned channels (not prunable) are never removed: they stay regressors. Pure.
 */
import { choleskyInverse, dampedCholesky } from '../recon/linalg.js';
import type { TensorMoments } from './channel-stats.js';

/** Relative damping of the channel covariance (the ridge refit's default, channel-fit.ts DEFAULT_RIDGE). */
export const OBS_CHANNEL_DAMP = 1e-4;

/**
 * Greedy OBS scores of one tensor's channels. `rows` [R × C] are the consumers' input columns (row-major);
 * `removable[c]` 0 for pinned channels (score Infinity: never chosen). Returns [C] scores.
 */
export function greedyChannelScores(m: TensorMoments, rows: Float64Array, removable: ArrayLike<number>, relDamp = OBS_CHANNEL_DAMP): Float64Array {
  const c = m.channels;
  const r = rows.length / c;
  const cov = new Float64Array(c * c);
  for (let i = 0; i < c; i++) for (let j = 0; j < c; j++) cov[i * c + j] = m.second[i * c + j]! - m.mean[i]! * m.mean[j]!;
  const inv = choleskyInverse(dampedCholesky(cov, c, relDamp).l, c);
  const w = Float64Array.from(rows);
  const score = new Float64Array(c).fill(Infinity);
  const gone = new Uint8Array(c);
  const norms = new Float64Array(c);
  let run = 0;
  const col = new Float64Array(c);
  for (;;) {
    norms.fill(0);
    for (let k = 0; k < r; k++) for (let i = 0; i < c; i++) { const v = w[k * c + i]!; norms[i]! += v * v; }
    let best = -1, bestLoss = Infinity;
    for (let i = 0; i < c; i++) {
      if (gone[i] || !removable[i]) continue;
      const d = inv[i * c + i]!;
      const loss = d > 0 ? norms[i]! / d : 0;
      if (best < 0 || loss < bestLoss) { best = i; bestLoss = loss; }
    }
    if (best < 0) break;
    run = Math.max(run, bestLoss);
    score[best] = run;
    gone[best] = 1;
    const d = inv[best * c + best]!;
    if (!(d > 0)) continue;
    for (let i = 0; i < c; i++) col[i] = inv[best * c + i]!; // symmetric: the row, read contiguously
    for (let k = 0; k < r; k++) {
      const f = w[k * c + best]! / d;
      if (f === 0) continue;
      for (let i = 0; i < c; i++) w[k * c + i]! -= f * col[i]!;
    }
    for (let i = 0; i < c; i++) {
      const f = col[i]! / d;
      if (f === 0) continue;
      for (let j = 0; j < c; j++) inv[i * c + j]! -= f * col[j]!;
    }
  }
  return score;
}
