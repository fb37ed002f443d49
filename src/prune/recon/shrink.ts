/**
 * Shrinkage of a layer's input statistics towards their diagonal (Ledoit–Wolf style): the covariance C of the
 * unfolded input u becomes (1 − α)·C + α·diag(C), i.e. every off-diagonal covariance is scaled by 1 − α while the
 * variances and the means stay. A few calibration images estimate the correlations between inputs worst (the
 * refit leans on exactly those to compensate removed weights), the variances best. Unlike the λI damping, which
 * adds the same λ to every variance, this keeps the scale of each input. With a reference input v (upstream
 * correction) the cross-covariance E[uvᵀ] − μ_u μ_vᵀ is shrunk the same way, so u = v still gives t = w.
 */
import type { LayerHessian } from './hessian-stats.js';

function shrinkMoments(second: Float64Array, sumA: Float64Array, sumB: Float64Array, count: number, groups: number, d: number, keep: number): Float64Array {
  // Σ_p u_a v_b = n(C_ab + μ_a μ_b); C_ab → keep·C_ab off the diagonal: Σ' = keep·Σ + (1 − keep)·n·μ_a μ_b.
  const out = Float64Array.from(second);
  const inv = count > 0 ? 1 / count : 0;
  for (let j = 0; j < groups; j++) {
    const mo = j * d, go = j * d * d;
    for (let a = 0; a < d; a++) {
      const ma = sumA[mo + a]!;
      for (let b = 0; b < d; b++) {
        if (a === b) continue;
        const i = go + a * d + b;
        out[i] = keep * second[i]! + (1 - keep) * ma * sumB[mo + b]! * inv;
      }
    }
  }
  return out;
}

/** The statistics with the (cross-)covariance shrunk towards its diagonal by `alpha` ∈ [0, 1]. Pure. */
export function shrinkHessian(h: LayerHessian, alpha: number): LayerHessian {
  if (!(alpha >= 0 && alpha <= 1)) throw new RangeError(`shrinkHessian: alpha ${alpha} outside [0, 1]`);
  if (alpha === 0) return h;
  const keep = 1 - alpha;
  return {
    ...h,
    cross: shrinkMoments(h.cross, h.sum, h.sum, h.count, h.groups, h.size, keep),
    ...(h.refCross && h.refSum ? { refCross: shrinkMoments(h.refCross, h.sum, h.refSum, h.count, h.groups, h.size, keep) } : {}),
  };
}
