/**
 * N:M semi-structured sparsity along the reduction axis: in every run of M consecutive weights of one output's
 * reduction vector, keep the N largest |w| (zero M−N; ties lowest index first; existing zeros count).
 * Reduction vectors per layout: nk [N, K] and mk [.., M, K] are contiguous rows; kn [.., K, N] runs down a column
 * (stride N); convtranspose [I, O/g, k…] (groups 1) runs over (i, k) for one o. conv [O, C/g, k…] runs over its
 * row tap by tap, the input channels of one tap consecutive (j = tap·C/g + c), so a run of M is M consecutive input
 * channels at one kernel tap of one output channel — the layout of sparse tensor cores (KRSC: TensorRT, ASP);
 * a 1×1 conv's row is its plain order. Layers whose runs would not fit the lanes (conv: C/g; the others: the
 * reduction size) in whole runs of M are skipped (reported by the caller, {@link nmSkipReason}).
 */
import { UsageError } from '../core/errors.js';
import { numel } from '../core/dtype.js';
import type { Tensor } from '../core/dtype.js';
import type { WeightLayer } from '../graph/index.js';

export interface NmPattern { n: number; m: number }

/** Parse `2:4`. UsageError unless 1 ≤ N < M ≤ 64. */
export function parseNm(text: string): NmPattern {
  const m = /^\s*(\d+)\s*:\s*(\d+)\s*$/.exec(text);
  const n = m ? Number(m[1]) : NaN, mm = m ? Number(m[2]) : NaN;
  if (!m || !(n >= 1) || !(n < mm) || mm > 64) throw new UsageError(`--nm ${text}: expected N:M with 1 <= N < M <= 64, e.g. 2:4`);
  return { n, m: mm };
}

/**
 * Reduction geometry of a layer: `vectors` reduction vectors of `size`, element j of vector v at `index(v, j)`;
 * runs of M are taken within consecutive blocks of `lanes` elements (conv: the C/g input channels of one tap).
 */
export interface Reduction { size: number; vectors: number; lanes: number; index: (v: number, j: number) => number }

export function reductionOf(layer: Pick<WeightLayer, 'layout' | 'dims' | 'groups'>): Reduction | undefined {
  const d = layer.dims;
  const total = numel(d);
  switch (layer.layout) {
    case 'conv': {
      const size = total / d[0]!, lanes = d[1]!, taps = size / lanes;
      return { size, vectors: d[0]!, lanes, index: (v, j) => v * size + (j % lanes) * taps + Math.floor(j / lanes) };
    }
    case 'nk':
    case 'mk': {
      const size = d[d.length - 1]!;
      return { size, vectors: total / size, lanes: size, index: (v, j) => v * size + j };
    }
    case 'kn': {
      const k = d[d.length - 2]!, n = d[d.length - 1]!;
      return { size: k, vectors: total / k, lanes: k, index: (v, j) => Math.floor(v / n) * k * n + j * n + (v % n) };
    }
    case 'convtranspose': {
      if (layer.groups !== 1) return undefined;
      const i = d[0]!, o = d[1]!, s = total / (i * o);
      return { size: i * s, vectors: o, lanes: i * s, index: (v, j) => Math.floor(j / s) * o * s + v * s + (j % s) };
    }
  }
}

/** Magnitude of element i (float dtypes; float16/bf16 by their bit patterns, which order like |w|). */
function magnitudes(t: Tensor): ArrayLike<number> {
  if (t.dtype === 'float16' || t.dtype === 'bfloat16') return Uint16Array.from(t.data as Uint16Array, (x) => x & 0x7fff);
  return t.data as ArrayLike<number>;
}

/** Why `layer` takes no N:M pattern (undefined when it does): lanes not a multiple of M, or no reduction axis. */
export function nmSkipReason(layer: Pick<WeightLayer, 'layout' | 'dims' | 'groups'>, p: NmPattern): string | undefined {
  const r = reductionOf(layer);
  if (!r) return 'no N:M reduction axis (grouped ConvTranspose)';
  if (r.lanes % p.m === 0) return undefined;
  return r.lanes === r.size ? `reduction size not a multiple of ${p.m}` : `input channels per group (${r.lanes}) not a multiple of ${p.m}`;
}

/** N:M mask (1 = zero) or undefined when the layer takes no N:M pattern ({@link nmSkipReason}). */
export function nmMask(t: Tensor, layer: Pick<WeightLayer, 'layout' | 'dims' | 'groups'>, p: NmPattern): Uint8Array | undefined {
  const r = reductionOf(layer);
  if (!r || r.lanes % p.m !== 0) return undefined;
  const mag = magnitudes(t);
  const mask = new Uint8Array(t.data.length);
  const idx = new Array<number>(p.m);
  const drop = p.m - p.n;
  for (let v = 0; v < r.vectors; v++) {
    for (let g = 0; g < r.size; g += p.m) {
      // Within a run every layout's index grows with j, so a strict `<` below keeps the lowest index among equal magnitudes.
      for (let j = 0; j < p.m; j++) idx[j] = r.index(v, g + j);
      for (let c = 0; c < drop; c++) {
        let best = -1, bestMag = Infinity;
        for (let j = 0; j < p.m; j++) {
          const e = idx[j]!;
          if (mask[e]) continue;
          // |w| (float16/bfloat16 bit patterns are already non-negative). NaN compares false: it is chosen only
          // when nothing else is left, as is +-Infinity (the first unmasked one).
          const a = Math.abs(mag[e]!);
          if (best < 0 || a < bestMag) { best = e; bestMag = Number.isNaN(a) ? Infinity : a; }
        }
        mask[best] = 1;
      }
    }
  }
  return mask;
}
