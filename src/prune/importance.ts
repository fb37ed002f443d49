/**
 * Importance ("score"): per-element scores used to rank weights ACROSS layers (`--scope global`). Within one
 * layer all four give the same order as |w| (see select.ts), so layer-scope pruning never needs them.
 * - `l1`: |w|; `l2`: w² — the same order as l1 everywhere, so the same masks in every mode.
 * - `l1l2`: α·|w|/mean|w| + (1−α)·w²/mean(w²), α = 0.7: normalised per layer so layers compare.
 * - `lamp`: LAMP (Lee et al. 2021): w_u² / Σ_{v ≥ u} w_v² over the layer sorted by |w| ascending (ties by index).
 * Scores are non-negative float32 (so their bit patterns order like the values).
 */
import { UsageError } from '../core/errors.js';
import { toFloat32 } from '../core/convert.js';
import type { Tensor } from '../core/dtype.js';

export type Criterion = 'l1' | 'l2' | 'l1l2' | 'lamp';
export const CRITERIA: readonly Criterion[] = ['l1', 'l2', 'l1l2', 'lamp'];
export const DEFAULT_ALPHA = 0.7;

export function parseCriterion(text: string): Criterion {
  if (!CRITERIA.includes(text as Criterion)) throw new UsageError(`unknown criterion '${text}'; expected one of ${CRITERIA.join(', ')}`, text);
  return text as Criterion;
}

/** Input-aware criteria of calibrated pruning (`--calib`): Wanda |w|·‖x‖ and the OBS saliency w²/[H⁻¹]qq. */
export type DataCriterion = 'wanda' | 'obs';
export const DATA_CRITERIA: readonly DataCriterion[] = ['wanda', 'obs'];

/** `--criterion` of unstructured pruning: a weight-only criterion, or a data criterion (which needs calibration). */
export function parsePruneCriterion(text: string): { criterion?: Criterion; dataCriterion?: DataCriterion } {
  if (DATA_CRITERIA.includes(text as DataCriterion)) return { dataCriterion: text as DataCriterion };
  if (!CRITERIA.includes(text as Criterion)) throw new UsageError(`unknown criterion '${text}'; expected one of ${[...CRITERIA, ...DATA_CRITERIA].join(', ')}`, text);
  return { criterion: text as Criterion };
}

/** Indices 0..n-1 sorted by |w| ascending, ties by index: stable LSD radix sort on 31-bit float keys. */
export function argsortMagnitude(values: Float32Array): Uint32Array {
  const n = values.length;
  const bits = new Uint32Array(values.buffer, values.byteOffset, n);
  let idx = new Uint32Array(n), tmp = new Uint32Array(n);
  for (let i = 0; i < n; i++) idx[i] = i;
  const count = new Uint32Array(65537);
  for (const shift of [0, 16]) {
    count.fill(0);
    for (let i = 0; i < n; i++) count[(((bits[i]! & 0x7fffffff) >>> shift) & 0xffff) + 1]!++;
    for (let b = 1; b <= 65536; b++) count[b]! += count[b - 1]!;
    for (let i = 0; i < n; i++) {
      const e = idx[i]!;
      tmp[count[((bits[e]! & 0x7fffffff) >>> shift) & 0xffff]!++] = e;
    }
    [idx, tmp] = [tmp, idx];
  }
  return idx;
}

/** Scores of one layer's weights for global ranking. */
export function scoreLayer(t: Tensor, criterion: Criterion, alpha = DEFAULT_ALPHA): Float32Array {
  const w = toFloat32(t);
  const n = w.length;
  const out = new Float32Array(n);
  if (criterion === 'l1') { for (let i = 0; i < n; i++) out[i] = Math.abs(w[i]!); return out; }
  if (criterion === 'l2') { for (let i = 0; i < n; i++) out[i] = w[i]! * w[i]!; return out; }
  if (criterion === 'l1l2') {
    let s1 = 0, s2 = 0;
    for (let i = 0; i < n; i++) { const a = Math.abs(w[i]!); s1 += a; s2 += a * a; }
    const m1 = s1 / n || 1, m2 = s2 / n || 1;
    for (let i = 0; i < n; i++) { const a = Math.abs(w[i]!); out[i] = (alpha * a) / m1 + ((1 - alpha) * a * a) / m2; }
    return out;
  }
  const order = argsortMagnitude(w);
  let tail = 0;
  for (let j = n - 1; j >= 0; j--) {
    const e = order[j]!;
    const sq = w[e]! * w[e]!;
    tail += sq;
    out[e] = tail > 0 ? sq / tail : 0;
  }
  return out;
}
