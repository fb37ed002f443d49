/**
 * Indexes COCO ground truth and results into flat typed arrays grouped as pycocotools' `_prepare` does:
 * per category, per image (ascending ids), ground truths in file order and detections by descending score
 * (stable), truncated to the largest maxDets per image.
 *
 * Built for millions of results: the result columns are read in input order (sequential), scattered
 * into per-category segments, and each segment is then ordered in place through a small scratch copy, so the
 * random accesses stay inside one category's (cache-sized) data. Few large buffers are allocated, because each
 * one adds external-memory pressure that makes V8 run full collections over the caller's heap.
 */
import { DatasetError } from '../../core/errors.js';
import { argsortDescending, bucketSort } from '../metrics/sort.js';
import type { CocoDataset, CocoResultColumns } from './types.js';

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
  /** Number of detections kept (after the per-image maxDets cap). */
  count: number;
  /** [≥count, 6] one record per detection: x y w h px (area = w*h, as pycocotools `loadRes`), score, image index. */
  rec: Float64Array;
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

/** id → index lookup: a dense table for small non-negative integer ids (the COCO norm), else a Map. */
function idLookup(ids: Float64Array): (id: number) => number {
  const max = ids.length ? ids[ids.length - 1]! : -1;
  if (ids.every((v) => Number.isInteger(v) && v >= 0) && max < Math.max(1 << 20, ids.length * 16)) {
    const table = new Int32Array(max + 1).fill(-1);
    ids.forEach((id, i) => (table[id] = i));
    return (id) => (Number.isInteger(id) && id >= 0 && id <= max ? table[id]! : -1);
  }
  const m = new Map<number, number>();
  ids.forEach((id, i) => m.set(id, i));
  return (id) => m.get(id) ?? -1;
}

/** Stable reorder of `order` (indices into `imgs`) by image index: counting sort, or a comparator sort when tiny. */
function sortStableByImage(order: Int32Array, imgs: Int32Array, nImg: number): Int32Array {
  if (order.length * 8 >= nImg) return bucketSort(order, imgs, nImg).order;
  return Int32Array.from(Array.from(order).sort((a, b) => imgs[a]! - imgs[b]!));
}

/**
 * Order (image ascending, score descending, position ascending) of one category's results. When the results
 * already come image by image in ascending order (the usual results file), only each image's run is sorted.
 */
function orderByImageThenScore(imgs: Int32Array, scores: Float64Array, nImg: number): Int32Array {
  const len = imgs.length;
  let sorted = true;
  for (let j = 1; j < len && sorted; j++) sorted = imgs[j - 1]! <= imgs[j]!;
  if (!sorted) return sortStableByImage(argsortDescending(scores), imgs, nImg);
  const order = new Int32Array(len);
  let a = 0;
  while (a < len) {
    let b = a + 1;
    while (b < len && imgs[b] === imgs[a]) b++;
    if (b - a <= 16) {
      for (let j = a; j < b; j++) {
        const v = scores[j]!;
        let k = j - 1;
        while (k >= a && scores[order[k]!]! < v) {
          order[k + 1] = order[k]!;
          k--;
        }
        order[k + 1] = j;
      }
    } else {
      const run = argsortDescending(scores.subarray(a, b));
      for (let j = 0; j < run.length; j++) order[a + j] = a + run[j]!;
    }
    a = b;
  }
  return order;
}

function prepareGt(dataset: CocoDataset, imgOf: (id: number) => number, catOf: (id: number) => number, nImg: number, nCat: number): PreparedGt {
  // Keep annotations of known images and categories, order (category, image, file order).
  const anns = dataset.annotations;
  const gImg = new Int32Array(anns.length);
  const gCat = new Int32Array(anns.length);
  const keep: number[] = [];
  for (let i = 0; i < anns.length; i++) {
    const a = anns[i]!;
    const ii = imgOf(a.image_id);
    const ci = catOf(a.category_id);
    if (ii < 0 || ci < 0) continue;
    gImg[i] = ii;
    gCat[i] = ci;
    keep.push(i);
  }
  const sorted = bucketSort(bucketSort(Int32Array.from(keep), gImg, nImg).order, gCat, nCat);
  const ng = sorted.order.length;
  const gt: PreparedGt = {
    img: new Int32Array(ng), box: new Float64Array(ng * 4), area: new Float64Array(ng),
    crowd: new Uint8Array(ng), idNonZero: new Uint8Array(ng), catOffsets: sorted.offsets,
  };
  for (let j = 0; j < ng; j++) {
    const i = sorted.order[j]!;
    const a = anns[i]!;
    gt.img[j] = gImg[i]!;
    for (let c = 0; c < 4; c++) gt.box[j * 4 + c] = a.bbox[c]!;
    gt.area[j] = a.area;
    gt.crowd[j] = a.iscrowd ? 1 : 0;
    gt.idNonZero[j] = a.id !== 0 ? 1 : 0;
  }
  return gt;
}

export function prepareCoco(dataset: CocoDataset, results: CocoResultColumns, maxDet: number): PreparedCoco {
  const imgIds = sortedUnique(dataset.images.map((im) => im.id));
  const catIds = sortedUnique(dataset.categories.map((c) => c.id));
  const imgOf = idLookup(imgIds);
  const catOf = idLookup(catIds);
  const nImg = imgIds.length;
  const nCat = catIds.length;
  const gt = prepareGt(dataset, imgOf, catOf, nImg, nCat);

  // Pass 1: every image id must exist (pycocotools asserts); count per category (unknown ones are dropped).
  const nr = results.score.length;
  const rImg = new Int32Array(nr);
  const rCat = new Int32Array(nr);
  const catStart = new Int32Array(nCat + 1);
  let unknownCategoryResults = 0;
  for (let i = 0; i < nr; i++) {
    const ii = imgOf(results.imageId[i]!);
    if (ii < 0) {
      throw new DatasetError(`predictions[${i}].image_id ${results.imageId[i]} is not an image of the annotations (${nImg} images): results must come from the same dataset`, 'image_id');
    }
    rImg[i] = ii;
    const ci = catOf(results.categoryId[i]!);
    rCat[i] = ci;
    if (ci < 0) unknownCategoryResults++;
    else catStart[ci + 1]!++;
  }
  for (let c = 0; c < nCat; c++) catStart[c + 1] = catStart[c + 1]! + catStart[c]!;

  // Pass 2: scatter each kept result, packed as one 6-double record [x, y, w, h, score, image], into its
  // category's segment (input order kept). One write stream per category keeps the scatter cache-friendly.
  const n = catStart[nCat]!;
  const rec = new Float64Array(n * 6);
  const cursor = catStart.slice(0, nCat);
  let largest = 0;
  for (let c = 0; c < nCat; c++) largest = Math.max(largest, catStart[c + 1]! - catStart[c]!);
  for (let i = 0; i < nr; i++) {
    const c = rCat[i]!;
    if (c < 0) continue;
    const q = cursor[c]!++ * 6;
    rec[q] = results.bbox[i * 4]!;
    rec[q + 1] = results.bbox[i * 4 + 1]!;
    rec[q + 2] = results.bbox[i * 4 + 2]!;
    rec[q + 3] = results.bbox[i * 4 + 3]!;
    rec[q + 4] = results.score[i]! + 0; // -0 → 0
    rec[q + 5] = rImg[i]!;
  }

  // Pass 3, per category, in place: copy its segment to scratch, order the results by (image, descending
  // score, input order), write back the first maxDet of each image compacted (the write position never passes
  // the segment start), then the category's stable score order for accumulate.
  // rCat and rImg are dead after pass 2: their memory becomes rank and byScore (fresh pages are costly).
  const dt: PreparedDt = { count: 0, rec, rank: rCat.subarray(0, n), catOffsets: new Int32Array(nCat + 1), byScore: rImg.subarray(0, n) };
  const sImg = new Int32Array(largest);
  const sScore = new Float64Array(largest);
  const sRec = new Float64Array(largest * 6);
  let w = 0;
  for (let c = 0; c < nCat; c++) {
    const s0 = catStart[c]!, s1 = catStart[c + 1]!, len = s1 - s0;
    const wStart = w;
    dt.catOffsets[c] = wStart;
    if (len === 0) continue;
    sRec.set(rec.subarray(s0 * 6, s1 * 6));
    for (let j = 0; j < len; j++) {
      sScore[j] = sRec[j * 6 + 4]!;
      sImg[j] = sRec[j * 6 + 5]!;
    }
    const imgs = sImg.subarray(0, len);
    const order = orderByImageThenScore(imgs, sScore.subarray(0, len), nImg);
    let rank = 0;
    for (let j = 0; j < len; j++) {
      const e = order[j]!;
      rank = j > 0 && imgs[order[j - 1]!] === imgs[e] ? rank + 1 : 0;
      if (rank >= maxDet) continue;
      for (let k = 0; k < 6; k++) rec[w * 6 + k] = sRec[e * 6 + k]!;
      dt.rank[w] = rank;
      sScore[w - wStart] = sRec[e * 6 + 4]!; // sScore is free once `order` is known: reuse it for compacted scores
      w++;
    }
    // Stable score sort of the (image, rank) concatenation = pycocotools' mergesort in accumulate.
    const bySc = argsortDescending(sScore.subarray(0, w - wStart));
    for (let j = 0; j < bySc.length; j++) dt.byScore[wStart + j] = wStart + bySc[j]!;
  }
  dt.catOffsets[nCat] = w;
  dt.count = w;
  return { imgIds, catIds, gt, dt, unknownCategoryResults };
}
