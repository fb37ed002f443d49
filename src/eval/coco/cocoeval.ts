/**
 * `cocoEvaluate`: pycocotools `COCOeval(iouType='bbox')` — evaluate, accumulate, summarize — as one pure
 * function over validated COCO values. Results are taken as `COCO.loadRes` takes them: area = w*h, iscrowd 0.
 */
import { UsageError } from '../../core/errors.js';
import type { CocoStats } from '../contract.js';
import { linspace } from '../metrics/numeric.js';
import { accumulateCategory, allocateEvalArrays, type CocoEvalArrays } from './accumulate.js';
import { MatchScratch, matchCategory, type CocoParams } from './match.js';
import { prepareCoco } from './prepare.js';
import { statSpecs, summarizeValue } from './summarize.js';
import { toCocoResultColumns } from './parse.js';
import type { CocoCategoryStats, CocoDataset, CocoResult, CocoResultColumns } from './types.js';

export interface CocoEvaluateOptions {
  dataset: CocoDataset;
  /** Results as objects or (faster, lighter on the heap for millions of boxes) as columns. */
  results: readonly CocoResult[] | CocoResultColumns;
  /** Three ascending detection caps per image; default [1, 10, 100] as pycocotools. */
  maxDets?: readonly number[];
}

export interface CocoEvaluation {
  stats: CocoStats;
  /** One entry per dataset category, ascending id (area `all`). */
  perCategory: CocoCategoryStats[];
  /** Images of the dataset (all are evaluated, as pycocotools does). */
  images: number;
  /** Results evaluated (after the per-image maxDets cap). */
  detections: number;
  /** Results dropped because their category id is not in the dataset (pycocotools drops them silently). */
  unknownCategoryResults: number;
  params: CocoParams;
  /** The raw `precision` [T,R,K,A,M] and `recall` [T,K,A,M] arrays (-1 = undefined). */
  arrays: CocoEvalArrays;
}

/** pycocotools' default bbox parameters for the given maxDets. */
export function cocoParams(maxDets: readonly number[] = [1, 10, 100]): CocoParams {
  if (maxDets.length !== 3 || !maxDets.every((m) => Number.isInteger(m) && m > 0)) {
    throw new UsageError(`maxDets must be three positive integers (got [${maxDets.join(', ')}]); pycocotools' default is [1, 10, 100]`);
  }
  return {
    iouThrs: linspace(0.5, 0.95, Math.round((0.95 - 0.5) / 0.05) + 1),
    recThrs: linspace(0.0, 1.0, Math.round((1.0 - 0.0) / 0.01) + 1),
    areaRng: [[0, 1e5 ** 2], [0, 32 ** 2], [32 ** 2, 96 ** 2], [96 ** 2, 1e5 ** 2]],
    maxDets: [...maxDets].sort((a, b) => a - b),
  };
}

export function cocoEvaluate(options: CocoEvaluateOptions): CocoEvaluation {
  const p = cocoParams(options.maxDets);
  const M = p.maxDets.length;
  const maxDetLast = p.maxDets[M - 1]!;
  const columns = Array.isArray(options.results) ? toCocoResultColumns(options.results as readonly CocoResult[]) : (options.results as CocoResultColumns);
  const prep = prepareCoco(options.dataset, columns, maxDetLast);
  const K = prep.catIds.length;
  const arrays = allocateEvalArrays(p, K);
  const specs = statSpecs(p.maxDets);
  const precisionMaxDets = new Set(specs.filter((s) => s.ap).map((s) => s.maxDets));
  precisionMaxDets.add(100);
  const withPrecision = p.maxDets.map((m) => precisionMaxDets.has(m));
  const matchScratch = new MatchScratch();
  const nGt = new Int32Array(K);
  for (let k = 0; k < K; k++) {
    const matches = matchCategory(prep, k, p, matchScratch);
    accumulateCategory(prep, k, K, matches, p, withPrecision, arrays);
    for (let g = prep.gt.catOffsets[k]!; g < prep.gt.catOffsets[k + 1]!; g++) if (!prep.gt.crowd[g]) nGt[k] = nGt[k]! + 1;
  }
  const stats = {} as CocoStats;
  for (const s of specs) stats[s.key] = summarizeValue(arrays, p, K, s);
  const names = new Map(options.dataset.categories.map((c) => [c.id, c.name]));
  const perCategory: CocoCategoryStats[] = [];
  for (let k = 0; k < K; k++) {
    const id = prep.catIds[k]!;
    perCategory.push({
      categoryId: id,
      name: names.get(id) ?? String(id),
      nGt: nGt[k]!,
      AP: summarizeValue(arrays, p, K, { ap: true, area: 'all', maxDets: 100 }, k),
      AP50: summarizeValue(arrays, p, K, { ap: true, iouThr: 0.5, area: 'all', maxDets: 100 }, k),
      AP75: summarizeValue(arrays, p, K, { ap: true, iouThr: 0.75, area: 'all', maxDets: 100 }, k),
      AR: summarizeValue(arrays, p, K, { ap: false, area: 'all', maxDets: maxDetLast }, k),
    });
  }
  return {
    stats, perCategory, images: prep.imgIds.length, detections: prep.dt.count,
    unknownCategoryResults: prep.unknownCategoryResults, params: p, arrays,
  };
}
