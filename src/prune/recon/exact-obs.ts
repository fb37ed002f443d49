/**
 * ExactOBS mask selection (Optimal Brain Compression, Frantar & Alistarh 2022): per output row, weights are
 * removed one at a time greedily, each time the one whose removal raises the row's output error least *given the
 * removals so far and the refit of the rest*: q = argmin w_q² / [H⁻¹]_qq, then the OBS update
 *   w ← w − (w_q / [H⁻¹]_qq)·H⁻¹[:, q],   H⁻¹ ← H⁻¹ − H⁻¹[:, q] H⁻¹[q, :] / [H⁻¹]_qq
 * (the exact inverse of H with row/column q deleted). Unlike the one-shot saliency (scores of the unpruned row)
 * every choice sees the compensation of the earlier ones. The weights along the trajectory are exactly the
 * least-squares refit of the removed set, so only the order is kept and solve.ts refits the final mask.
 *
 * Unstructured: every row's trajectory is recorded with the loss each step adds; a layer-wide count of zeros is
 * spread over the rows by taking the smallest step losses over all rows (OBC's global step selection), where a
 * step's priority is the running maximum of its row's step losses so that the choice is a prefix of every
 * trajectory. N:M: a group of M consecutive weights leaves the candidates once M−N of it are removed, and the row
 * stops at D·(M−N)/M removals.
 *
 * Cost per row Σ n² over the remaining sizes n (the inverse is kept compacted to the weights still in the row),
 * about D³/3 for a full trajectory. Pure.
 */
import type { NmPattern } from '../nm.js';
import { selectSmallest } from '../select.js';
import type { GroupSystem } from './solve.js';

/** One row's greedy removal order and the output error each removal added. */
export interface ObsTrajectory {
  /** Original indices in the order removed. */
  order: Int32Array;
  /** Loss added by each step (w_q² / [H⁻¹]_qq at that step; ≥ 0). */
  loss: Float64Array;
}

/**
 * Greedy OBS trajectory of `steps` removals from row `w` (not modified). `forced` indices (the layer's existing
 * zeros) are removed first, at loss 0. With `nm`, a group of M consecutive weights is closed after M−N removals.
 */
export function obsTrajectory(sys: GroupSystem, w: ArrayLike<number>, steps: number, options: { nm?: NmPattern; forced?: ArrayLike<number> } = {}): ObsTrajectory {
  const d = sys.size;
  const total = Math.min(d, Math.max(0, steps));
  const inv = Float64Array.from(sys.inverse());
  const cur = Float64Array.from({ length: d }, (_, i) => w[i]!);
  // Position p of the compacted system holds original index idx[p]; the active block is [0, n).
  const idx = Int32Array.from({ length: d }, (_, i) => i);
  const order = new Int32Array(total), loss = new Float64Array(total);
  const nm = options.nm;
  const groupCount = nm ? new Int32Array(Math.ceil(d / nm.m)) : undefined;
  const forced = new Uint8Array(d);
  let pendingForced = 0;
  if (options.forced) for (let i = 0; i < d; i++) if (options.forced[i]) { forced[i] = 1; pendingForced++; }
  let n = d;
  const col = new Float64Array(d);
  for (let s = 0; s < total; s++) {
    let best = -1, bestScore = Infinity;
    for (let p = 0; p < n; p++) {
      const q = idx[p]!;
      if (groupCount && groupCount[Math.floor(q / nm!.m)]! >= nm!.m - nm!.n) continue;
      if (pendingForced > 0 && !forced[q]) continue;
      const dq = inv[p * d + p]!;
      const sc = dq > 0 ? (cur[p]! * cur[p]!) / dq : 0;
      if (sc < bestScore) { best = p; bestScore = sc; }
    }
    if (best < 0) {
      // Only forced zeros in closed N:M groups were left: drop the forcing and choose freely.
      if (pendingForced > 0) { pendingForced = 0; s--; continue; }
      return { order: order.slice(0, s), loss: loss.slice(0, s) };
    }
    const q = idx[best]!;
    order[s] = q;
    loss[s] = forced[q] ? 0 : bestScore;
    if (forced[q]) pendingForced--;
    if (groupCount) groupCount[Math.floor(q / nm!.m)]!++;
    const dq = inv[best * d + best]!;
    if (dq > 0) {
      const f = cur[best]! / dq;
      for (let i = 0; i < n; i++) col[i] = inv[best * d + i]!; // symmetric: the row, read contiguously
      for (let i = 0; i < n; i++) cur[i]! -= f * col[i]!;
      for (let i = 0; i < n; i++) {
        const c = col[i]! / dq;
        if (c === 0) continue;
        const row = i * d;
        for (let j = 0; j < n; j++) inv[row + j]! -= c * col[j]!;
      }
    }
    // Move the removed position to the end of the active block (swap rows, columns and entries).
    const last = n - 1;
    if (best !== last) {
      for (let j = 0; j < n; j++) { const a = inv[best * d + j]!; inv[best * d + j] = inv[last * d + j]!; inv[last * d + j] = a; }
      for (let i = 0; i < n; i++) { const a = inv[i * d + best]!; inv[i * d + best] = inv[i * d + last]!; inv[i * d + last] = a; }
      const a = cur[best]!; cur[best] = cur[last]!; cur[last] = a;
      const b = idx[best]!; idx[best] = idx[last]!; idx[last] = b;
    }
    n--;
  }
  return { order, loss };
}

/**
 * Layer-wide ExactOBS mask: `zeros` removals spread over the rows' trajectories by the smallest step losses
 * (each divided by its row's `scale`, e.g. 1 / the row's output energy so a folded BN scale does not decide),
 * as prefixes of every trajectory. Rows are [o × size]; `mask` gets 1 for removed. Returns the per-row counts.
 */
export function exactObsMask(trajectories: readonly ObsTrajectory[], size: number, zeros: number, scale: ArrayLike<number>): { mask: Uint8Array; counts: Int32Array } {
  const o = trajectories.length;
  const priority = new Float32Array(o * size).fill(Infinity);
  trajectories.forEach((t, r) => {
    let run = 0;
    for (let s = 0; s < t.order.length; s++) {
      run = Math.max(run, t.loss[s]! * scale[r]!);
      // A real removal never scores 0 (it would tie with the forced zeros); the smallest positive float32 floors it.
      priority[r * size + s] = t.loss[s] === 0 ? run : Math.max(Math.fround(run), 1.401298464324817e-45);
    }
  });
  const chosen = selectSmallest({ dtype: 'float32', dims: [o * size], data: priority }, Math.min(zeros, o * size));
  const mask = new Uint8Array(o * size);
  const counts = new Int32Array(o);
  trajectories.forEach((t, r) => {
    let c = 0;
    while (c < size && chosen[r * size + c]) c++;
    if (c > t.order.length) throw new RangeError(`exactObsMask: row ${r} needs ${c} removals but its trajectory has ${t.order.length}`);
    for (let s = 0; s < c; s++) mask[r * size + t.order[s]!] = 1;
    counts[r] = c;
  });
  return { mask, counts };
}
