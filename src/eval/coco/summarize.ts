/**
 * pycocotools `summarize` for bbox: the 12 stats (means over entries > -1, or -1 when there are none) and the
 * exact text lines pycocotools prints.
 */
import type { CocoStats } from '../contract.js';
import { pairwiseSum } from '../metrics/numeric.js';
import type { CocoEvalArrays } from './accumulate.js';
import type { CocoParams } from './match.js';

export const AREA_LABELS = ['all', 'small', 'medium', 'large'] as const;
export type AreaLabel = (typeof AREA_LABELS)[number];

export interface StatSpec {
  key: keyof CocoStats;
  ap: boolean;
  iouThr?: number;
  area: AreaLabel;
  maxDets: number;
}

/** The 12 stats in pycocotools order (`_summarizeDets`); AP@[.50:.95] uses the literal maxDets 100 as pycocotools does. */
export function statSpecs(maxDets: readonly number[]): StatSpec[] {
  const [m0, m1, m2] = maxDets as [number, number, number];
  return [
    { key: 'AP', ap: true, area: 'all', maxDets: 100 },
    { key: 'AP50', ap: true, iouThr: 0.5, area: 'all', maxDets: m2 },
    { key: 'AP75', ap: true, iouThr: 0.75, area: 'all', maxDets: m2 },
    { key: 'APs', ap: true, area: 'small', maxDets: m2 },
    { key: 'APm', ap: true, area: 'medium', maxDets: m2 },
    { key: 'APl', ap: true, area: 'large', maxDets: m2 },
    { key: 'AR1', ap: false, area: 'all', maxDets: m0 },
    { key: 'AR10', ap: false, area: 'all', maxDets: m1 },
    { key: 'AR100', ap: false, area: 'all', maxDets: m2 },
    { key: 'ARs', ap: false, area: 'small', maxDets: m2 },
    { key: 'ARm', ap: false, area: 'medium', maxDets: m2 },
    { key: 'ARl', ap: false, area: 'large', maxDets: m2 },
  ];
}

/**
 * Mean of the entries > -1 of precision (ap) or recall, restricted to IoU `iouThr` (exact float equality, as
 * pycocotools' `np.where(iouThr == p.iouThrs)`), area index, maxDets value and optionally one category.
 */
export function summarizeValue(
  arrays: CocoEvalArrays, p: CocoParams, K: number, spec: Omit<StatSpec, 'key'>, category?: number,
): number {
  const T = p.iouThrs.length, R = p.recThrs.length, A = p.areaRng.length, M = p.maxDets.length;
  const a = AREA_LABELS.indexOf(spec.area);
  const ts: number[] = [];
  for (let t = 0; t < T; t++) if (spec.iouThr === undefined || p.iouThrs[t] === spec.iouThr) ts.push(t);
  const ms: number[] = [];
  for (let m = 0; m < M; m++) if (p.maxDets[m] === spec.maxDets) ms.push(m);
  const k0 = category ?? 0, k1 = category === undefined ? K : category + 1;
  const vals = new Float64Array(ts.length * (spec.ap ? R : 1) * (k1 - k0) * ms.length);
  let n = 0;
  for (const t of ts) {
    if (spec.ap) {
      for (let r = 0; r < R; r++) {
        for (let k = k0; k < k1; k++) {
          for (const m of ms) {
            const v = arrays.precision[(((t * R + r) * K + k) * A + a) * M + m]!;
            if (v > -1) vals[n++] = v;
          }
        }
      }
    } else {
      for (let k = k0; k < k1; k++) {
        for (const m of ms) {
          const v = arrays.recall[((t * K + k) * A + a) * M + m]!;
          if (v > -1) vals[n++] = v;
        }
      }
    }
  }
  return n === 0 ? -1 : pairwiseSum(vals, 0, n) / n;
}

/** Python's `'{:0.3f}'.format(x)`: like `toFixed(3)` but ties (exact binary midpoints) round half to even. */
export function formatFixed3(x: number): string {
  const y = x * 16;
  if (Number.isInteger(y) && y % 2 !== 0) {
    const lo = Math.floor(x * 1000);
    const n = lo % 2 === 0 ? lo : lo + 1;
    return (n / 1000).toFixed(3);
  }
  return x.toFixed(3);
}

/** One pycocotools summary line, e.g. ` Average Precision  (AP) @[ IoU=0.50:0.95 | area=   all | maxDets=100 ] = 0.446`. */
export function formatStatLine(spec: StatSpec, value: number, iouThrs: Float64Array): string {
  const title = (spec.ap ? 'Average Precision' : 'Average Recall').padEnd(18);
  const type = spec.ap ? '(AP)' : '(AR)';
  const iou = spec.iouThr === undefined
    ? `${iouThrs[0]!.toFixed(2)}:${iouThrs[iouThrs.length - 1]!.toFixed(2)}`
    : spec.iouThr.toFixed(2);
  return ` ${title} ${type} @[ IoU=${iou.padEnd(9)} | area=${spec.area.padStart(6)} | maxDets=${String(spec.maxDets).padStart(3)} ] = ${formatFixed3(value)}`;
}

/** The 12 lines pycocotools' `summarize()` prints, for a computed {@link CocoStats}. */
export function formatCocoStats(stats: CocoStats, maxDets: readonly number[] = [1, 10, 100]): string[] {
  const iouThrs = Float64Array.of(0.5, 0.95);
  return statSpecs(maxDets).map((s) => formatStatLine(s, stats[s.key], iouThrs));
}
