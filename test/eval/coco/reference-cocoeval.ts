/**
 * A deliberately naive, loop-for-loop restatement of pycocotools COCOeval (bbox) over plain objects — no typed
 * arrays, no reordering tricks — used as an oracle for the optimised `cocoEvaluate` in property tests.
 */
import type { CocoDataset, CocoResult } from '../../../src/eval/coco/index.js';
import { linspace } from '../../../src/eval/metrics/index.js';

interface G { id: number; box: readonly number[]; area: number; crowd: boolean }
interface D { id: number; box: readonly number[]; area: number; score: number }
interface EvalImg { dtScores: number[]; dtMatches: number[][]; dtIgnore: boolean[][]; gtIgnore: boolean[] }

const AREAS: [number, number][] = [[0, 1e10], [0, 1024], [1024, 9216], [9216, 1e10]];

function iou(d: readonly number[], g: readonly number[], crowd: boolean): number {
  const w = Math.min(d[0]! + d[2]!, g[0]! + g[2]!) - Math.max(d[0]!, g[0]!);
  if (w <= 0) return 0;
  const h = Math.min(d[1]! + d[3]!, g[1]! + g[3]!) - Math.max(d[1]!, g[1]!);
  if (h <= 0) return 0;
  const i = w * h;
  const da = d[2]! * d[3]!;
  return i / (crowd ? da : da + g[2]! * g[3]! - i);
}

/** Stable sort by key ascending (mergesort semantics). */
function stableOrder<T>(xs: T[], key: (x: T) => number): T[] {
  return xs.map((x, i) => ({ x, i, k: key(x) })).sort((a, b) => a.k - b.k || a.i - b.i).map((o) => o.x);
}

function evaluateImg(gts: G[], dts: D[], aRng: [number, number], maxDet: number, iouThrs: Float64Array): EvalImg | null {
  if (gts.length === 0 && dts.length === 0) return null;
  const ign = (g: G): boolean => g.crowd || g.area < aRng[0] || g.area > aRng[1];
  const gt = stableOrder(gts, (g) => (ign(g) ? 1 : 0));
  const dt = stableOrder(dts, (d) => -d.score).slice(0, maxDet);
  const gtIgnore = gt.map(ign);
  const dtMatches = [...iouThrs].map(() => dt.map(() => 0));
  const dtIgnore = [...iouThrs].map(() => dt.map(() => false));
  const gtMatched = [...iouThrs].map(() => gt.map(() => 0));
  iouThrs.forEach((t, ti) => {
    dt.forEach((d, di) => {
      let best = Math.min(t, 1 - 1e-10);
      let m = -1;
      for (let gi = 0; gi < gt.length; gi++) {
        if (gtMatched[ti]![gi]! > 0 && !gt[gi]!.crowd) continue;
        if (m > -1 && !gtIgnore[m] && gtIgnore[gi]) break;
        const v = iou(d.box, gt[gi]!.box, gt[gi]!.crowd);
        if (v < best) continue;
        best = v;
        m = gi;
      }
      if (m === -1) return;
      dtIgnore[ti]![di] = gtIgnore[m]!;
      dtMatches[ti]![di] = gt[m]!.id;
      gtMatched[ti]![m] = d.id;
    });
  });
  dt.forEach((d, di) => {
    const out = d.area < aRng[0] || d.area > aRng[1];
    iouThrs.forEach((_, ti) => {
      if (dtMatches[ti]![di] === 0 && out) dtIgnore[ti]![di] = true;
    });
  });
  return { dtScores: dt.map((d) => d.score), dtMatches, dtIgnore, gtIgnore };
}

/** Returns the 12 stats in pycocotools order. */
export function referenceCocoEval(ds: CocoDataset, results: CocoResult[], maxDetsIn: readonly number[] = [1, 10, 100]): number[] {
  const maxDets = [...maxDetsIn].sort((a, b) => a - b);
  const iouThrs = linspace(0.5, 0.95, 10);
  const recThrs = linspace(0, 1, 101);
  const imgIds = [...new Set(ds.images.map((i) => i.id))].sort((a, b) => a - b);
  const catIds = [...new Set(ds.categories.map((c) => c.id))].sort((a, b) => a - b);
  const gts = new Map<string, G[]>();
  const dts = new Map<string, D[]>();
  for (const imgId of imgIds) {
    for (const a of ds.annotations) {
      if (a.image_id !== imgId || !catIds.includes(a.category_id)) continue;
      const k = `${a.image_id}/${a.category_id}`;
      gts.set(k, [...(gts.get(k) ?? []), { id: a.id, box: a.bbox, area: a.area, crowd: a.iscrowd === 1 }]);
    }
  }
  results.forEach((r, i) => {
    if (!catIds.includes(r.category_id)) return;
    const k = `${r.image_id}/${r.category_id}`;
    dts.set(k, [...(dts.get(k) ?? []), { id: i + 1, box: r.bbox, area: r.bbox[2] * r.bbox[3], score: r.score }]);
  });
  const T = iouThrs.length, R = recThrs.length, K = catIds.length, A = AREAS.length, M = maxDets.length;
  const precision = new Float64Array(T * R * K * A * M).fill(-1);
  const recall = new Float64Array(T * K * A * M).fill(-1);
  catIds.forEach((catId, k) => {
    AREAS.forEach((aRng, a) => {
      const E = imgIds
        .map((imgId) => evaluateImg(gts.get(`${imgId}/${catId}`) ?? [], dts.get(`${imgId}/${catId}`) ?? [], aRng, maxDets[M - 1]!, iouThrs))
        .filter((e): e is EvalImg => e !== null);
      if (E.length === 0) return;
      maxDets.forEach((maxDet, m) => {
        const entries = E.flatMap((e) => e.dtScores.slice(0, maxDet).map((s, j) => ({ s, e, j })));
        const sorted = stableOrder(entries, (x) => -x.s);
        const npig = E.reduce((n, e) => n + e.gtIgnore.filter((g) => !g).length, 0);
        if (npig === 0) return;
        for (let t = 0; t < T; t++) {
          let tp = 0, fp = 0;
          const rc: number[] = [];
          const pr: number[] = [];
          for (const { e, j } of sorted) {
            const matched = e.dtMatches[t]![j]! !== 0;
            const ignored = e.dtIgnore[t]![j]!;
            if (matched && !ignored) tp++;
            if (!matched && !ignored) fp++;
            rc.push(tp / npig);
            pr.push(tp / (fp + tp + 2.220446049250313e-16));
          }
          const nd = rc.length;
          recall[((t * K + k) * A + a) * M + m] = nd ? rc[nd - 1]! : 0;
          for (let i = nd - 1; i > 0; i--) if (pr[i]! > pr[i - 1]!) pr[i - 1] = pr[i]!;
          recThrs.forEach((thr, r) => {
            const pi = rc.findIndex((v) => v >= thr);
            precision[(((t * R + r) * K + k) * A + a) * M + m] = pi >= 0 ? pr[pi]! : 0;
          });
        }
      });
    });
  });
  const mean = (vals: number[]): number => (vals.length ? vals.reduce((s, v) => s + v, 0) / vals.length : -1);
  const stat = (ap: boolean, iouThr: number | undefined, a: number, maxDet: number): number => {
    const vals: number[] = [];
    for (let t = 0; t < T; t++) {
      if (iouThr !== undefined && iouThrs[t] !== iouThr) continue;
      for (let m = 0; m < M; m++) {
        if (maxDets[m] !== maxDet) continue;
        for (let k = 0; k < K; k++) {
          if (ap) for (let r = 0; r < R; r++) vals.push(precision[(((t * R + r) * K + k) * A + a) * M + m]!);
          else vals.push(recall[((t * K + k) * A + a) * M + m]!);
        }
      }
    }
    return mean(vals.filter((v) => v > -1));
  };
  const [m0, m1, m2] = maxDets as [number, number, number];
  return [
    stat(true, undefined, 0, 100), stat(true, 0.5, 0, m2), stat(true, 0.75, 0, m2), stat(true, undefined, 1, m2), stat(true, undefined, 2, m2), stat(true, undefined, 3, m2),
    stat(false, undefined, 0, m0), stat(false, undefined, 0, m1), stat(false, undefined, 0, m2), stat(false, undefined, 1, m2), stat(false, undefined, 2, m2), stat(false, undefined, 3, m2),
  ];
}
