/**
 * cocoEvaluate against the pycocotools restatement on problems made of ties: three score values (one of them 0),
 * detections that copy a ground truth exactly (equal IoUs with duplicated ground truths), crowds, and per-image caps
 * that cut through runs of equal scores. Arrays are drawn at their full declared lengths (`size: 'max'`).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { cocoEvaluate, type CocoDataset, type CocoResult } from '../../../src/eval/coco/index.js';
import { referenceCocoEval } from './reference-cocoeval.js';

const tied = fc.record({
  gts: fc.array(fc.record({
    img: fc.integer({ min: 1, max: 2 }), cat: fc.integer({ min: 1, max: 2 }), slot: fc.integer({ min: 0, max: 3 }),
    crowd: fc.integer({ min: 0, max: 5 }).map((v) => v === 0),
  }), { minLength: 1, maxLength: 8, size: 'max' }),
  dets: fc.array(fc.record({
    img: fc.integer({ min: 1, max: 2 }), cat: fc.integer({ min: 1, max: 2 }), slot: fc.integer({ min: 0, max: 4 }), shift: fc.constantFrom(0, 0, 2, 5),
    score: fc.constantFrom(0, 0.5, 1),
  }), { minLength: 1, maxLength: 20, size: 'max' }),
  maxDets: fc.constantFrom([1, 10, 100], [1, 2, 3], [2, 3, 4]),
});
/** Four fixed box slots (two of them equal, so ground truths can tie exactly) and a fifth far from all. */
const SLOTS: [number, number, number, number][] = [[10, 10, 20, 20], [10, 10, 20, 20], [25, 10, 20, 20], [0, 50, 40, 40], [150, 150, 10, 10]];

describe('cocoEvaluate with ties everywhere equals the pycocotools restatement', () => {
  it('scores 0, 0.5 and 1, exact copies of ground truths, duplicated ground truths, crowds, small maxDets', () => {
    fc.assert(fc.property(tied, ({ gts, dets, maxDets }) => {
      const d: CocoDataset = {
        images: [1, 2].map((id) => ({ id, file_name: `${id}.jpg`, width: 200, height: 200 })),
        categories: [{ id: 1, name: 'a' }, { id: 2, name: 'b' }],
        annotations: gts.map((g, i) => {
          const box = SLOTS[g.slot]!;
          return { id: i + 1, image_id: g.img, category_id: g.cat, bbox: box, area: box[2] * box[3], iscrowd: g.crowd ? 1 : 0 };
        }),
      };
      const results: CocoResult[] = dets.map((x) => {
        const [bx, by, bw, bh] = SLOTS[x.slot]!;
        return { image_id: x.img, category_id: x.cat, bbox: [bx + x.shift, by, bw, bh], score: x.score };
      });
      const got = Object.values(cocoEvaluate({ dataset: d, results, maxDets }).stats);
      const want = referenceCocoEval(d, results, maxDets);
      got.forEach((v, i) => expect(v).toBeCloseTo(want[i]!, 12));
    }), { numRuns: 100 });
  });
});
