/**
 * pycocotools' parameters, its summary lines (format and rounding) and the per-category table of cocoEvaluate.
 */
import { describe, expect, it } from 'vitest';
import type { CocoStats } from '../../../src/eval/contract.js';
import { cocoEvaluate, cocoParams, type CocoDataset, type CocoResult } from '../../../src/eval/coco/index.js';
import { formatCocoStats, formatFixed3, formatStatLine, statSpecs } from '../../../src/eval/coco/summarize.js';

describe('cocoParams', () => {
  it('are pycocotools\' bbox defaults: 10 IoU thresholds, 101 recall thresholds, 4 area ranges, sorted maxDets', () => {
    const p = cocoParams();
    expect(Array.from(p.iouThrs)).toEqual([0.5, 0.55, 0.6, 0.65, 0.7, 0.75, 0.8, 0.85, 0.8999999999999999, 0.95]);
    expect(p.recThrs).toHaveLength(101);
    expect([p.recThrs[0], p.recThrs[1], p.recThrs[100]]).toEqual([0, 0.01, 1]);
    expect(p.areaRng).toEqual([[0, 1e10], [0, 1024], [1024, 9216], [9216, 1e10]]);
    expect(p.maxDets).toEqual([1, 10, 100]);
    expect(cocoParams([100, 1, 10]).maxDets).toEqual([1, 10, 100]);
  });
  it('reject maxDets that are not three positive integers, naming the default', () => {
    for (const bad of [[1, 10], [1, 10, 100, 1000], [0, 10, 100], [1, 10, -100], [1, 2.5, 100]]) {
      expect(() => cocoParams(bad)).toThrow(`maxDets must be three positive integers (got [${bad.join(', ')}]); pycocotools' default is [1, 10, 100]`);
    }
    expect(cocoParams([1, 1, 1]).maxDets).toEqual([1, 1, 1]);
  });
});

describe('summary lines', () => {
  it('format as pycocotools prints them', () => {
    const specs = statSpecs([1, 10, 100]);
    const iou = Float64Array.of(0.5, 0.95);
    expect(formatStatLine(specs[0]!, 0.4464, iou)).toBe(' Average Precision  (AP) @[ IoU=0.50:0.95 | area=   all | maxDets=100 ] = 0.446');
    expect(formatStatLine(specs[1]!, 0.5, iou)).toBe(' Average Precision  (AP) @[ IoU=0.50      | area=   all | maxDets=100 ] = 0.500');
    expect(formatStatLine(specs[3]!, -1, iou)).toBe(' Average Precision  (AP) @[ IoU=0.50:0.95 | area= small | maxDets=100 ] = -1.000');
    expect(formatStatLine(specs[6]!, 0.25, iou)).toBe(' Average Recall     (AR) @[ IoU=0.50:0.95 | area=   all | maxDets=  1 ] = 0.250');
    expect(formatStatLine(specs[10]!, 1, iou)).toBe(' Average Recall     (AR) @[ IoU=0.50:0.95 | area=medium | maxDets=100 ] = 1.000');
  });
  it('the 12 lines in pycocotools order, for custom maxDets too (AP@[.50:.95] keeps the literal 100)', () => {
    const stats: CocoStats = { AP: 0.1, AP50: 0.2, AP75: 0.3, APs: 0.4, APm: 0.5, APl: 0.6, AR1: 0.7, AR10: 0.8, AR100: 0.9, ARs: 0.01, ARm: 0.02, ARl: 0.03 };
    const lines = formatCocoStats(stats, [2, 5, 50]);
    expect(lines).toHaveLength(12);
    expect(lines.map((l) => l.slice(-5))).toEqual(['0.100', '0.200', '0.300', '0.400', '0.500', '0.600', '0.700', '0.800', '0.900', '0.010', '0.020', '0.030']);
    expect(lines.map((l) => /maxDets=\s*(\d+)/.exec(l)![1])).toEqual(['100', '50', '50', '50', '50', '50', '2', '5', '50', '50', '50', '50']);
    expect(lines.map((l) => /area=\s*(\w+)/.exec(l)![1])).toEqual(['all', 'all', 'all', 'small', 'medium', 'large', 'all', 'all', 'all', 'small', 'medium', 'large']);
    expect(lines.map((l) => /IoU=(\S+)/.exec(l)![1])).toEqual(['0.50:0.95', '0.50', '0.75', ...new Array<string>(9).fill('0.50:0.95')]);
    expect(lines.map((l) => l.slice(1, 24))).toEqual([...new Array<string>(6).fill('Average Precision  (AP)'), ...new Array<string>(6).fill('Average Recall     (AR)')]);
    expect(formatCocoStats(stats)[6]).toContain('maxDets=  1 ]');
  });
  it('round exact binary midpoints half to even, as Python\'s format does (toFixed rounds them up)', () => {
    expect([0.0625, 0.1875, 0.3125, 0.4375, 0.5625, 0.9375].map(formatFixed3)).toEqual(['0.062', '0.188', '0.312', '0.438', '0.562', '0.938']);
    expect([0, 0.5, 1, -1, 0.4464, 0.4465, 1 / 3, 0.03125].map(formatFixed3)).toEqual(['0.000', '0.500', '1.000', '-1.000', '0.446', '0.447', '0.333', '0.031']);
  });
});

describe('cocoEvaluate: per-category table and counts', () => {
  const d: CocoDataset = {
    images: [1, 2].map((id) => ({ id, file_name: `${id}.jpg`, width: 100, height: 100 })),
    categories: [{ id: 7, name: 'seven' }, { id: 3, name: 'three' }, { id: 9, name: 'nine' }],
    annotations: [
      { id: 1, image_id: 1, category_id: 3, bbox: [10, 10, 10, 10], area: 100, iscrowd: 0 },
      { id: 2, image_id: 2, category_id: 3, bbox: [10, 10, 10, 10], area: 100, iscrowd: 0 },
      { id: 3, image_id: 1, category_id: 7, bbox: [50, 50, 10, 10], area: 100, iscrowd: 0 },
      { id: 4, image_id: 1, category_id: 7, bbox: [0, 0, 90, 90], area: 8100, iscrowd: 1 },
    ],
  };
  // Category 3: one exact hit (image 1) and one 10×8 box inside the 10×10 ground truth (IoU 0.8, TP at 0.50..0.80).
  // Category 7: one exact hit; its crowd is not a ground truth. Category 9: nothing.
  const results: CocoResult[] = [
    { image_id: 1, category_id: 3, bbox: [10, 10, 10, 10], score: 0.9 },
    { image_id: 2, category_id: 3, bbox: [10, 10, 10, 8], score: 0.8 },
    { image_id: 1, category_id: 7, bbox: [50, 50, 10, 10], score: 0.7 },
  ];
  it('lists every dataset category by ascending id with its name, ground truths (no crowds), AP, AP50, AP75 and AR', () => {
    const r = cocoEvaluate({ dataset: d, results });
    expect(r.perCategory.map((c) => [c.categoryId, c.name, c.nGt])).toEqual([[3, 'three', 2], [7, 'seven', 1], [9, 'nine', 0]]);
    const [three, seven, nine] = r.perCategory;
    // Category 3: recall 1 at 7 of 10 thresholds (precision 1 there), 0.5 at the other 3 (51 of 101 points at 1).
    expect(three!.AP50).toBeCloseTo(1, 12);
    expect(three!.AP75).toBeCloseTo(1, 12);
    expect(three!.AP).toBeCloseTo((7 + (3 * 51) / 101) / 10, 12);
    expect(three!.AR).toBeCloseTo((7 + 3 * 0.5) / 10, 12);
    expect([seven!.AP, seven!.AP50, seven!.AP75, seven!.AR].map((v) => Math.round(v * 1e12) / 1e12)).toEqual([1, 1, 1, 1]);
    expect([nine!.AP, nine!.AP50, nine!.AP75, nine!.AR]).toEqual([-1, -1, -1, -1]);
    expect(r.stats.AP).toBeCloseTo((three!.AP + seven!.AP) / 2, 12);
    expect(r.images).toBe(2);
    expect(r.detections).toBe(3);
    expect(r.params.maxDets).toEqual([1, 10, 100]);
    expect(r.arrays.precision).toHaveLength(10 * 101 * 3 * 4 * 3);
    expect(r.arrays.recall).toHaveLength(10 * 3 * 4 * 3);
  });
  it('with maxDets that do not include 100, AP@[.50:.95] is -1 (pycocotools reads it at the literal 100) but AP50 is not', () => {
    const s = cocoEvaluate({ dataset: d, results, maxDets: [1, 10, 50] }).stats;
    expect(s.AP).toBe(-1);
    expect(s.AP50).toBeCloseTo(1, 12);
    expect(s.AR100).toBeCloseTo(((7 + 1.5) / 10 + 1) / 2, 12);
    const c = cocoEvaluate({ dataset: d, results, maxDets: [1, 10, 50] }).perCategory[0]!;
    expect([c.AP, c.AP50, c.AP75]).toEqual([-1, -1, -1]);
    expect(c.AR).toBeCloseTo((7 + 1.5) / 10, 12);
  });
  it('per-image caps: with maxDets [1, 1, 1] only the best result of each image counts', () => {
    const more: CocoResult[] = [...results, { image_id: 1, category_id: 3, bbox: [70, 70, 10, 10], score: 0.95 }];
    const r = cocoEvaluate({ dataset: d, results: more, maxDets: [1, 1, 1] });
    expect(r.detections).toBe(3); // image 1 keeps its best of category 3 (the miss) and of category 7; image 2 its one
    expect(r.perCategory[0]!.AR).toBeCloseTo((7 * 0.5 + 3 * 0) / 10, 12);
  });
});
