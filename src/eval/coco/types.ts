/**
 * COCO annotation and result shapes, named as in the COCO json files (snake_case keys), after validation.
 */

export interface CocoImage {
  id: number;
  file_name: string;
  /** Pixels; 0 when the json omits it. */
  width: number;
  height: number;
}

export interface CocoAnnotation {
  id: number;
  image_id: number;
  category_id: number;
  /** [x, y, w, h] in image pixels. */
  bbox: readonly [number, number, number, number];
  /** Segmentation area in px² (the COCO metric's area ranges use it); `w*h` when the json omits it. */
  area: number;
  /** 0 or 1. */
  iscrowd: number;
}

export interface CocoCategory {
  id: number;
  name: string;
  supercategory?: string;
}

/** An `instances_*.json` ground-truth file. */
export interface CocoDataset {
  images: CocoImage[];
  annotations: CocoAnnotation[];
  categories: CocoCategory[];
}

/** One detection of a COCO results file. */
export interface CocoResult {
  image_id: number;
  category_id: number;
  /** [x, y, w, h] in image pixels. */
  bbox: readonly [number, number, number, number];
  score: number;
}

/**
 * The same results as columns (one entry per detection). Preferred for large result sets: no per-detection
 * objects, so nothing for the garbage collector to walk. `bbox` is [N,4] x y w h px.
 */
export interface CocoResultColumns {
  imageId: Float64Array;
  categoryId: Float64Array;
  bbox: Float64Array;
  score: Float64Array;
}

/** pycocotools-style per-category summary (area `all`). -1 where pycocotools would find nothing to average. */
export interface CocoCategoryStats {
  categoryId: number;
  name: string;
  /** Non-crowd ground-truth boxes of the category. */
  nGt: number;
  /** AP@[.50:.95], maxDets 100. */
  AP: number;
  AP50: number;
  AP75: number;
  /** AR@[.50:.95] at the largest maxDets. */
  AR: number;
}
