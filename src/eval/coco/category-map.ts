/**
 * The standard mapping between the 80 contiguous class indices of COCO-trained detectors (Ultralytics order,
 * 0 = person … 79 = toothbrush) and the 91-scheme category ids of the COCO json files.
 */

/** `COCO80_TO_91[i]` is the COCO json `category_id` of model class `i`. */
export const COCO80_TO_91: readonly number[] = Object.freeze([
  1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 13, 14, 15, 16, 17, 18, 19, 20, 21,
  22, 23, 24, 25, 27, 28, 31, 32, 33, 34, 35, 36, 37, 38, 39, 40, 41, 42, 43, 44,
  46, 47, 48, 49, 50, 51, 52, 53, 54, 55, 56, 57, 58, 59, 60, 61, 62, 63, 64, 65,
  67, 70, 72, 73, 74, 75, 76, 77, 78, 79, 80, 81, 82, 84, 85, 86, 87, 88, 89, 90,
]);

/** Inverse of {@link COCO80_TO_91}: model class index of a COCO category id, or -1 for ids outside the 80. */
export function coco91ToCoco80(categoryId: number): number {
  return COCO80_TO_91.indexOf(categoryId);
}
