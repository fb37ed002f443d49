/**
 * Rules of prepare's id lookup and parse's messages that the other coco tests leave open (Stryker survivors of
 * prepare.ts and parse.ts): an unknown id is "not found" in the Map lookup too (ids that are not small
 * non-negative integers), not some other image or category; the unknown-image error names its key; a category
 * without an id is named by its index.
 */
import { describe, expect, it } from 'vitest';
import { DatasetError } from '../../../src/core/errors.js';
import { cocoEvaluate, parseCocoDataset, type CocoDataset, type CocoResult } from '../../../src/eval/coco/index.js';

/** Fractional ids force the Map lookup (the dense table takes only small non-negative integers). */
const d: CocoDataset = {
  images: [0.5, 1.5].map((id) => ({ id, file_name: `${id}.jpg`, width: 100, height: 100 })),
  categories: [{ id: 2.5, name: 'a' }, { id: 7.5, name: 'b' }],
  annotations: [
    { id: 1, image_id: 0.5, category_id: 2.5, bbox: [10, 10, 20, 20], area: 400, iscrowd: 0 },
    { id: 2, image_id: 1.5, category_id: 7.5, bbox: [10, 10, 20, 20], area: 400, iscrowd: 0 },
    // neither an image nor a category of the dataset: no ground truth anywhere
    { id: 3, image_id: 1.5, category_id: 3, bbox: [40, 40, 20, 20], area: 400, iscrowd: 0 },
    { id: 4, image_id: 9, category_id: 7.5, bbox: [40, 40, 20, 20], area: 400, iscrowd: 0 },
  ],
};
const hit = (image: number, cat: number, score: number): CocoResult => ({ image_id: image, category_id: cat, bbox: [10, 10, 20, 20], score });

describe('prepareCoco: the Map lookup', () => {
  it('drops a result of an unknown category id and counts it (it does not join another category)', () => {
    const r = cocoEvaluate({ dataset: d, results: [hit(0.5, 2.5, 0.9), hit(1.5, 7.5, 0.8), hit(1.5, 3, 0.95), hit(0.5, -1, 0.7)] });
    expect(r.unknownCategoryResults).toBe(2);
    expect(r.detections).toBe(2);
    // one exact hit per category and nothing else: every AP and AR is 1 (up to pycocotools' eps)
    expect(r.perCategory.map((c) => [c.categoryId, c.nGt])).toEqual([[2.5, 1], [7.5, 1]]);
    expect(r.perCategory.map((c) => Math.round(c.AP * 1e12) / 1e12)).toEqual([1, 1]);
    expect(r.stats.AR1).toBe(1);
  });

  it('annotations of an unknown image or category are no ground truth', () => {
    const r = cocoEvaluate({ dataset: d, results: [] });
    expect(r.perCategory.map((c) => c.nGt)).toEqual([1, 1]);
  });

  it('rejects a result of an unknown image id with a DatasetError on the key image_id', () => {
    let err: unknown;
    try {
      cocoEvaluate({ dataset: d, results: [hit(3, 2.5, 0.9)] });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(DatasetError);
    expect((err as DatasetError).message).toBe('predictions[0].image_id 3 is not an image of the annotations (2 images): results must come from the same dataset');
    expect((err as DatasetError).subject).toBe('image_id');
  });
});

describe('parseCocoDataset: a category without a finite id', () => {
  it('is named by its index', () => {
    const json = { images: [], annotations: [], categories: [{ id: 1, name: 'a' }, { name: 'b' }] };
    expect(() => parseCocoDataset(json, 'g')).toThrow('g: categories[1].id must be a finite number (got undefined)');
  });
});
