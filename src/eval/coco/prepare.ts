/**
 * Indexes COCO ground truth and results into flat typed arrays grouped as pycocotools' `_prepare` does:
 * per category, per image (ascending ids), ground truths in file order and detections by descending score
 * (stable), truncated to the largest maxDets per image.
 *
 * Built for millions of results: the result objects are read twice in input order (sequential), scattered
 * into per-category segments, and each segment is then ordered in place through a small scratch copy, so the
 * random accesses stay inside one category's (cache-sized) data. Few large buffers are allocated, because each
 * one adds external-memory pressure that makes V8 run full collections over the caller's heap.
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
  /** [n,4] x y w h px (area = w*h, as pycocotools `loadRes`). */
  box: Float64Array;
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

export function prepareCoco(dataset: CocoDataset, results: readonly CocoResult[], maxDet: number): PreparedCoco {
  const imgIds = sortedUnique(dataset.images.map((im) => im.id));
  const catIds = sortedUnique(dataset.categories.map((c) => c.id));
  const imgOf = idLookup(imgIds);
  const catOf = idLookup(catIds);
  const nImg = imgIds.length;
  const nCat = catIds.length;
  const gt = prepareGt(dataset, imgOf, catOf, nImg, nCat);

  // Pass 1: every image id must exist (pycocotools asserts); count per category (unknown ones are dropped).
  const nr = results.length;
  const rCat = new Int32Array(nr);
  const catStart = new Int32Array(nCat + 1);
  let unknownCategoryResults = 0;
  for (let i = 0; i < nr; i++) {
    const r = results[i]!;
    if (imgOf(r.image_id) < 0) {
      throw new DatasetError(`predictions[${i}].image_id ${r.image_id} is not an image of the annotations (${nImg} images): results must come from the same dataset`, 'image_id');
    }
    const ci = catOf(r.category_id);
    rCat[i] = ci;
    if (ci < 0) unknownCategoryResults++;
    else catStart[ci + 1]!++;
  }
  for (let c = 0; c < nCat; c++) catStart[c + 1] = catStart[c + 1]! + catStart[c]!;

  // Pass 2: scatter into per-category segments, input order kept (one sequential write stream per category).
  const n = catStart[nCat]!;
  const dt: PreparedDt = {
    img: new Int32Array(n), box: new Float64Array(n * 4), score: new Float64Array(n),
    rank: new Int32Array(n), catOffsets: new Int32Array(nCat + 1), byScore: new Int32Array(n),
  };
  const cursor = catStart.slice(0, nCat);
  let largest = 0;
  for (let c = 0; c < nCat; c++) largest = Math.max(largest, catStart[c + 1]! - catStart[c]!);
  for (let i = 0; i < nr; i++) {
    const c = rCat[i]!;
    if (c < 0) continue;
    const r = results[i]!;
    const q = cursor[c]!++;
    dt.img[q] = imgOf(r.image_id);
    dt.score[q] = r.score + 0; // -0 → 0
    const b = r.bbox;
    dt.box[q * 4] = b[0];
    dt.box[q * 4 + 1] = b[1];
    dt.box[q * 4 + 2] = b[2];
    dt.box[q * 4 + 3] = b[3];
  }

  // Pass 3, per category, in place through a scratch copy: order by (image, descending score, input order),
  // keep the first maxDet of each image, compact; then the category's stable score order for accumulate.
  const sImg = new Int32Array(largest);
  const sScore = new Float64Array(largest);
  const sBox = new Float64Array(largest * 4);
  let w = 0;
  for (let c = 0; c < nCat; c++) {
    const s0 = catStart[c]!, s1 = catStart[c + 1]!, len = s1 - s0;
    const wStart = w;
    dt.catOffsets[c] = wStart;
    if (len === 0) continue;
    const imgs = sImg.subarray(0, len);
    imgs.set(dt.img.subarray(s0, s1));
    sScore.set(dt.score.subarray(s0, s1));
    sBox.set(dt.box.subarray(s0 * 4, s1 * 4));
    const order = sortStableByImage(argsortDescending(sScore.subarray(0, len)), imgs, nImg);
    let rank = 0;
    for (let j = 0; j < len; j++) {
      const e = order[j]!;
      rank = j > 0 && imgs[order[j - 1]!] === imgs[e] ? rank + 1 : 0;
      if (rank >= maxDet) continue;
      dt.img[w] = imgs[e]!;
      dt.score[w] = sScore[e]!;
      for (let k = 0; k < 4; k++) dt.box[w * 4 + k] = sBox[e * 4 + k]!;
      dt.rank[w] = rank;
      w++;
    }
    // Stable score sort of the (image, rank) concatenation = pycocotools' mergesort in accumulate.
    const bySc = argsortDescending(dt.score.subarray(wStart, w));
    for (let j = 0; j < bySc.length; j++) dt.byScore[wStart + j] = wStart + bySc[j]!;
  }
  dt.catOffsets[nCat] = w;
  if (w < n) {
    dt.img = dt.img.slice(0, w);
    dt.box = dt.box.slice(0, w * 4);
    dt.score = dt.score.slice(0, w);
    dt.rank = dt.rank.slice(0, w);
    dt.byScore = dt.byScore.slice(0, w);
  }
  return { imgIds, catIds, gt, dt, unknownCategoryResults };
}
