/**
 * N:M semi-structured sparsity along the reduction axis: in every run of M consecutive weights of one output's
 * reduction vector, keep the N largest |w| (zero M−N; ties lowest index first; existing zeros count).
 * Reduction vectors per layout: conv [O, C/g·k…] and nk [N, K] and mk [.., M, K] are contiguous rows;
 * kn [.., K, N] runs down a column (stride N); convtranspose [I, O/g, k…] (groups 1) runs over (i, k) for one o.
 * Layers whose reduction size is not a multiple of M are skipped (reported by the caller).
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

/** Reduction geometry of a layer: `vectors` reduction vectors of `size`, element j of vector v at `index(v, j)`. */
export interface Reduction { size: number; vectors: number; index: (v: number, j: number) => number }

export function reductionOf(layer: Pick<WeightLayer, 'layout' | 'dims' | 'groups'>): Reduction | undefined {
  const d = layer.dims;
  const total = numel(d);
  switch (layer.layout) {
    case 'conv':
    case 'nk':
    case 'mk': {
      const size = layer.layout === 'conv' ? total / d[0]! : d[d.length - 1]!;
      return { size, vectors: total / size, index: (v, j) => v * size + j };
    }
    case 'kn': {
      const k = d[d.length - 2]!, n = d[d.length - 1]!;
      return { size: k, vectors: total / k, index: (v, j) => Math.floor(v / n) * k * n + j * n + (v % n) };
    }
    case 'convtranspose': {
      if (layer.groups !== 1) return undefined;
      const i = d[0]!, o = d[1]!, s = total / (i * o);
      return { size: i * s, vectors: o, index: (v, j) => Math.floor(j / s) * o * s + v * s + (j % s) };
    }
  }
}

/** Magnitude of element i (float dtypes; float16/bf16 by their bit patterns, which order like |w|). */
function magnitudes(t: Tensor): ArrayLike<number> {
  if (t.dtype === 'float16' || t.dtype === 'bfloat16') return Uint16Array.from(t.data as Uint16Array, (x) => x & 0x7fff);
  return t.data as ArrayLike<number>;
}

/** N:M mask (1 = zero) or undefined when the reduction size is not a multiple of M. */
export function nmMask(t: Tensor, layer: Pick<WeightLayer, 'layout' | 'dims' | 'groups'>, p: NmPattern): Uint8Array | undefined {
  const r = reductionOf(layer);
  if (!r || r.size % p.m !== 0) return undefined;
  const mag = magnitudes(t);
  const mask = new Uint8Array(t.data.length);
  const idx = new Array<number>(p.m);
  const drop = p.m - p.n;
  for (let v = 0; v < r.vectors; v++) {
    for (let g = 0; g < r.size; g += p.m) {
      // Every layout's index grows with j, so a strict `<` below keeps the lowest index among equal magnitudes.
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
