/**
 * cocoEvaluate's input rules the property tests do not pin: annotations of images or categories that are not in the
 * dataset are not ground truth (pycocotools loads ground truth by the params' image and category ids), ids 0 are
 * ordinary image and category ids, results given as columns equal the same results as objects, and the
 * per-category AP50 / AP75 are precision (not recall) figures.
 */
import { describe, expect, it } from 'vitest';
import { cocoEvaluate, toCocoResultColumns, type CocoDataset, type CocoResult } from '../../../src/eval/coco/index.js';
import { referenceCocoEval } from './reference-cocoeval.js';

type Box = [number, number, number, number];
const ann = (id: number, image: number, cat: number, box: Box, crowd = 0) => ({ id, image_id: image, category_id: cat, bbox: box, area: box[2] * box[3], iscrowd: crowd });
const res = (image: number, cat: number, box: Box, score: number): CocoResult => ({ image_id: image, category_id: cat, bbox: box, score });

describe('cocoEvaluate inputs', () => {
  it('ignores annotations whose image or category is not in the dataset', () => {
    const base: CocoDataset = {
      images: [{ id: 1, file_name: '1.jpg', width: 100, height: 100 }],
      categories: [{ id: 1, name: 'a' }],
      annotations: [ann(1, 1, 1, [10, 10, 20, 20])],
    };
    const results = [res(1, 1, [10, 10, 20, 20], 0.9)];
    // An annotation of category 9 (not a dataset category) on image 1, and one of image 7 (not a dataset image).
    for (const stray of [ann(2, 1, 9, [50, 50, 20, 20]), ann(3, 7, 1, [50, 50, 20, 20])]) {
      const d = { ...base, annotations: [stray, ...base.annotations, stray] };
      const r = cocoEvaluate({ dataset: d, results });
      expect(r.perCategory.map((c) => [c.categoryId, c.nGt])).toEqual([[1, 1]]);
      expect(r.stats.AP).toBeCloseTo(1, 14);
      expect(r.stats.AR100).toBe(1);
    }
  });

  it('image id 0 and category id 0 are ordinary ids', () => {
    const d: CocoDataset = {
      images: [0, 1].map((id) => ({ id, file_name: `${id}.jpg`, width: 100, height: 100 })),
      categories: [{ id: 0, name: 'zero' }, { id: 1, name: 'one' }],
      annotations: [ann(1, 0, 0, [10, 10, 20, 20]), ann(2, 1, 1, [10, 10, 20, 20]), ann(3, 0, 1, [50, 50, 20, 20])],
    };
    const results = [res(0, 0, [10, 10, 20, 20], 0.9), res(1, 1, [10, 10, 20, 20], 0.8), res(0, 1, [0, 60, 10, 10], 0.7)];
    const r = cocoEvaluate({ dataset: d, results });
    expect(r.perCategory.map((c) => [c.categoryId, c.name, c.nGt])).toEqual([[0, 'zero', 1], [1, 'one', 2]]);
    expect(r.perCategory[0]!.AP).toBeCloseTo(1, 14);
    expect(r.perCategory[1]!.AR).toBe(0.5);
    expect(r.detections).toBe(3);
    Object.values(r.stats).forEach((v, i) => expect(v).toBeCloseTo(referenceCocoEval(d, results)[i]!, 14));
  });

  it('results as columns give exactly what the same results as objects give', () => {
    const d: CocoDataset = {
      images: [1, 2].map((id) => ({ id, file_name: `${id}.jpg`, width: 100, height: 100 })),
      categories: [{ id: 1, name: 'a' }, { id: 2, name: 'b' }],
      annotations: [ann(1, 1, 1, [10, 10, 20, 20]), ann(2, 2, 2, [10, 10, 30, 20]), ann(3, 2, 1, [50, 50, 20, 20])],
    };
    const results = [res(1, 1, [10, 10, 20, 20], 0.9), res(2, 2, [12, 10, 30, 20], 0.8), res(2, 1, [0, 60, 10, 10], 0.95), res(2, 1, [50, 52, 20, 20], 0.6)];
    const fromObjects = cocoEvaluate({ dataset: d, results });
    const fromColumns = cocoEvaluate({ dataset: d, results: toCocoResultColumns(results) });
    expect(fromColumns.stats).toEqual(fromObjects.stats);
    expect(fromColumns.perCategory).toEqual(fromObjects.perCategory);
    expect(fromColumns.detections).toBe(4);
    expect(fromObjects.stats.AP50).toBeGreaterThan(0);
  });

  it('per-category AP50 and AP75 are average precision: a false positive ranked first halves them, recall stays 1', () => {
    const d: CocoDataset = {
      images: [{ id: 1, file_name: '1.jpg', width: 100, height: 100 }],
      categories: [{ id: 1, name: 'a' }],
      annotations: [ann(1, 1, 1, [10, 10, 20, 20])],
    };
    const c = cocoEvaluate({ dataset: d, results: [res(1, 1, [60, 60, 20, 20], 0.9), res(1, 1, [10, 10, 20, 20], 0.8)] }).perCategory[0]!;
    expect(c.AP50).toBeCloseTo(0.5, 14);
    expect(c.AP75).toBeCloseTo(0.5, 14);
    expect(c.AP).toBeCloseTo(0.5, 14);
    expect(c.AR).toBe(1);
  });
});
