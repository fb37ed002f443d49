/**
 * Per-layer statistics of the unfolded inputs u (im2col columns) over the calibration images, accumulated in
 * Float64 from per-image means and centred Grams (exact: Σu = P·μ, Σuuᵀ = G + P·μμᵀ): per group of the
 * layer the sum [D] and the uncentred cross products [D×D]. From them: the mean, the second moment E[uuᵀ] and
 * the covariance E[uuᵀ] − μμᵀ of any group.
 */

/** Accumulated statistics of one layer's unfolded input. */
export interface LayerHessian {
  groups: number;
  /** Rows per group D = C/groups · kernel size. */
  size: number;
  /** Positions accumulated (over all images). */
  count: number;
  /** Images accumulated. */
  images: number;
  /** [groups × D] Σu. */
  sum: Float64Array;
  /** [groups × D × D] Σuuᵀ. */
  cross: Float64Array;
  /** With a reference input v (the original network's value of u): Σv [groups × D] and Σuvᵀ [groups × D × D]. */
  refSum?: Float64Array;
  refCross?: Float64Array;
}

export function newLayerHessian(groups: number, size: number): LayerHessian {
  return { groups, size, count: 0, images: 0, sum: new Float64Array(groups * size), cross: new Float64Array(groups * size * size) };
}

/** Add one image's per-group mean [g×D] and centred Gram [g×D×D] over `count` positions. */
export function addImage(h: LayerHessian, m: { groups: number; size: number; count: number; mean: ArrayLike<number>; gram: ArrayLike<number>; refMean?: ArrayLike<number>; cross?: ArrayLike<number> }): void {
  const { groups: g, size: d } = h;
  if (m.groups !== g || m.size !== d || m.mean.length !== g * d || m.gram.length !== g * d * d) {
    throw new RangeError(`layer statistics: expected ${g} groups of ${d} rows, got ${m.groups} of ${m.size}`);
  }
  const p = m.count;
  for (let j = 0; j < g; j++) {
    const mo = j * d, go = j * d * d;
    for (let a = 0; a < d; a++) {
      const ma = m.mean[mo + a]!;
      h.sum[mo + a]! += p * ma;
      const pa = p * ma, row = go + a * d;
      for (let b = 0; b < d; b++) h.cross[row + b]! += m.gram[row + b]! + pa * m.mean[mo + b]!;
    }
  }
  if (m.refMean && m.cross) {
    h.refSum ??= new Float64Array(g * d);
    h.refCross ??= new Float64Array(g * d * d);
    for (let j = 0; j < g; j++) {
      const mo = j * d, go = j * d * d;
      for (let a = 0; a < d; a++) {
        h.refSum[mo + a]! += p * m.refMean[mo + a]!;
        const pa = p * m.mean[mo + a]!, row = go + a * d;
        for (let b = 0; b < d; b++) h.refCross[row + b]! += m.cross[row + b]! + pa * m.refMean[mo + b]!;
      }
    }
  }
  h.count += p;
  h.images++;
}

/** Mean of the reference input E[v] of group `j`, or undefined without a reference. */
export function groupRefMean(h: LayerHessian, j: number): Float64Array | undefined {
  if (!h.refSum) return undefined;
  const inv = h.count > 0 ? 1 / h.count : 0;
  return Float64Array.from(h.refSum.subarray(j * h.size, (j + 1) * h.size), (v) => v * inv);
}

/** E[uvᵀ] of group `j` ([D×D], not symmetric); `centred`: E[uvᵀ] − μ_u μ_vᵀ. Undefined without a reference. */
export function groupCross(h: LayerHessian, j: number, centred: boolean): Float64Array | undefined {
  if (!h.refCross) return undefined;
  const d = h.size, inv = h.count > 0 ? 1 / h.count : 0;
  const mu = groupMean(h, j), mv = groupRefMean(h, j)!;
  const src = h.refCross.subarray(j * d * d, (j + 1) * d * d);
  return Float64Array.from(src, (v, i) => v * inv - (centred ? mu[Math.floor(i / d)]! * mv[i % d]! : 0));
}

/** Mean E[u] of group `j` ([D]). */
export function groupMean(h: LayerHessian, j: number): Float64Array {
  const inv = h.count > 0 ? 1 / h.count : 0;
  return Float64Array.from(h.sum.subarray(j * h.size, (j + 1) * h.size), (v) => v * inv);
}

/** E[uuᵀ] of group `j` ([D×D]); with `centred`, the covariance E[uuᵀ] − μμᵀ. Symmetrised. */
export function groupSecond(h: LayerHessian, j: number, centred: boolean): Float64Array {
  const d = h.size, inv = h.count > 0 ? 1 / h.count : 0;
  const mu = groupMean(h, j);
  const src = h.cross.subarray(j * d * d, (j + 1) * d * d);
  const out = new Float64Array(d * d);
  for (let a = 0; a < d; a++) {
    for (let b = a; b < d; b++) {
      let v = 0.5 * (src[a * d + b]! + src[b * d + a]!) * inv;
      if (centred) v -= mu[a]! * mu[b]!;
      out[a * d + b] = v;
      out[b * d + a] = v;
    }
  }
  return out;
}

/**
 * The statistics of the same input with its D rows reordered: row i of the result is row `order[i]` of `h` (in
 * every group; sums, second moments and reference cross moments alike). `order` is a permutation of 0…D−1.
 */
export function permuteHessian(h: LayerHessian, order: ArrayLike<number>): LayerHessian {
  const { groups: g, size: d } = h;
  const vec = (src: Float64Array) => Float64Array.from({ length: g * d }, (_, i) => src[Math.floor(i / d) * d + order[i % d]!]!);
  const mat = (src: Float64Array) => Float64Array.from({ length: g * d * d }, (_, i) => {
    const j = Math.floor(i / (d * d)), a = Math.floor(i / d) % d, b = i % d;
    return src[j * d * d + order[a]! * d + order[b]!]!;
  });
  return {
    ...h, sum: vec(h.sum), cross: mat(h.cross),
    ...(h.refSum ? { refSum: vec(h.refSum) } : {}), ...(h.refCross ? { refCross: mat(h.refCross) } : {}),
  };
}
