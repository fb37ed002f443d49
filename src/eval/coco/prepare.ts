/**
 * Indexes COCO ground truth and results into flat typed arrays grouped as pycocotools' `_prepare` does:
 * per category, per image (ascending ids), ground truths in file order and detections by descending score
 * (stable), truncated to the largest maxDets per image.
 */
import { DatasetError } from '../../core/errors.js';
import { argsortDescending, bucketSort } from '../metrics/sort.js';
import type { CocoDataset, CocoResult } from './types.js';

export interface PreparedGt {
  /** [n] image index (into `imgIds`). */
  img: Int32Array;
  /** [n,4] x y w h px. */
  box: Float64Array;
  /** [n] annotation `area` px². */
  area: Float64Array;
  crowd: Uint8Array;
  /** [n] 1 when the annotation id is non-zero (pycocotools tests matched ids for truthiness). */
  idNonZero: Uint8Array;
  /** [K+1] category CSR offsets. */
  catOffsets: Int32Array;
}

export interface PreparedDt {
  img: Int32Array;
  /** [n,4] x y w h px. */
  box: Float64Array;
  /** [n] `w*h` (pycocotools `loadRes`). */
  area: Float64Array;
  score: Float64Array;
  /** [n] position of the detection in its (image, category) list after the score sort (0 = best). */
  rank: Int32Array;
  catOffsets: Int32Array;
  /** [n] indices into these arrays: per category (same offsets), by descending score, then image, then input order. */
  byScore: Int32Array;
}

export interface PreparedCoco {
  imgIds: Float64Array;
  catIds: Float64Array;
  gt: PreparedGt;
  dt: PreparedDt;
  /** Results whose category id is not a dataset category (pycocotools drops them silently). */
  unknownCategoryResults: number;
}

function sortedUnique(values: number[]): Float64Array {
  const a = Float64Array.from(values).sort();
  let n = 0;
  for (let i = 0; i < a.length; i++) if (i === 0 || a[i] !== a[n - 1]) a[n++] = a[i]!;
  return a.slice(0, n);
}

function indexOf(ids: Float64Array): Map<number, number> {
  const m = new Map<number, number>();
  ids.forEach((id, i) => m.set(id, i));
  return m;
}

export function prepareCoco(dataset: CocoDataset, results: readonly CocoResult[], maxDet: number): PreparedCoco {
  const imgIds = sortedUnique(dataset.images.map((im) => im.id));
  const catIds = sortedUnique(dataset.categories.map((c) => c.id));
  const imgIndex = indexOf(imgIds);
  const catIndex = indexOf(catIds);
  const nImg = imgIds.length;
  const nCat = catIds.length;

  // Ground truth: keep annotations of known images and categories, order (category, image, file order).
  const anns = dataset.annotations;
  const gImg = new Int32Array(anns.length);
  const gCat = new Int32Array(anns.length);
  const keep: number[] = [];
  for (let i = 0; i < anns.length; i++) {
    const a = anns[i]!;
    const ii = imgIndex.get(a.image_id);
    const ci = catIndex.get(a.category_id);
    if (ii === undefined || ci === undefined) continue;
    gImg[i] = ii;
    gCat[i] = ci;
    keep.push(i);
  }
  const byImg = bucketSort(Int32Array.from(keep), gImg, nImg).order;
  const gSorted = bucketSort(byImg, gCat, nCat);
  const ng = gSorted.order.length;
  const gt: PreparedGt = {
    img: new Int32Array(ng), box: new Float64Array(ng * 4), area: new Float64Array(ng),
    crowd: new Uint8Array(ng), idNonZero: new Uint8Array(ng), catOffsets: gSorted.offsets,
  };
  for (let j = 0; j < ng; j++) {
    const i = gSorted.order[j]!;
    const a = anns[i]!;
    gt.img[j] = gImg[i]!;
    gt.box.set(a.bbox, j * 4);
    gt.area[j] = a.area;
    gt.crowd[j] = a.iscrowd ? 1 : 0;
    gt.idNonZero[j] = a.id !== 0 ? 1 : 0;
  }

  // Detections: every image id must exist (pycocotools asserts); unknown categories are dropped.
  const nr = results.length;
  const dImg = new Int32Array(nr);
  const dCat = new Int32Array(nr);
  const scores = new Float64Array(nr);
  const dKeep: number[] = [];
  let unknownCategoryResults = 0;
  for (let i = 0; i < nr; i++) {
    const r = results[i]!;
    const ii = imgIndex.get(r.image_id);
    if (ii === undefined) {
      throw new DatasetError(`predictions[${i}].image_id ${r.image_id} is not an image of the annotations (${nImg} images): results must come from the same dataset`, 'image_id');
    }
    scores[i] = r.score;
    const ci = catIndex.get(r.category_id);
    if (ci === undefined) {
      unknownCategoryResults++;
      continue;
    }
    dImg[i] = ii;
    dCat[i] = ci;
    dKeep.push(i);
  }
  const byScore = argsortDescending(scores, Int32Array.from(dKeep));
  const dSorted = bucketSort(bucketSort(byScore, dImg, nImg).order, dCat, nCat);

  // Truncate each (category, image) list to maxDet and compact in that order.
  const rankAll = new Int32Array(dSorted.order.length);
  let kept = 0;
  for (let j = 0; j < dSorted.order.length; j++) {
    const i = dSorted.order[j]!;
    const prev = j > 0 ? dSorted.order[j - 1]! : -1;
    const r = prev >= 0 && dImg[prev] === dImg[i] && dCat[prev] === dCat[i] ? rankAll[j - 1]! + 1 : 0;
    rankAll[j] = r;
    if (r < maxDet) kept++;
  }
  const dt: PreparedDt = {
    img: new Int32Array(kept), box: new Float64Array(kept * 4), area: new Float64Array(kept), score: new Float64Array(kept),
    rank: new Int32Array(kept), catOffsets: new Int32Array(nCat + 1), byScore: new Int32Array(0),
  };
  const keptCat = new Int32Array(kept);
  let n = 0;
  for (let j = 0; j < dSorted.order.length; j++) {
    if (rankAll[j]! >= maxDet) continue;
    const i = dSorted.order[j]!;
    const b = results[i]!.bbox;
    dt.img[n] = dImg[i]!;
    dt.box.set(b, n * 4);
    dt.area[n] = b[2] * b[3];
    dt.score[n] = scores[i]!;
    dt.rank[n] = rankAll[j]!;
    keptCat[n] = dCat[i]!;
    (dt.catOffsets[dCat[i]! + 1] as number)++;
    n++;
  }
  for (let c = 0; c < nCat; c++) dt.catOffsets[c + 1] = dt.catOffsets[c + 1]! + dt.catOffsets[c]!;
  // Within a category: stable sort by score over the (image, rank) order = pycocotools' mergesort of the concatenation.
  dt.byScore = bucketSort(argsortDescending(dt.score), keptCat, nCat).order;
  return { imgIds, catIds, gt, dt, unknownCategoryResults };
}
