/**
 * matchCategory stores a detection of an image without ground truth as one area-mask byte when there are at most
 * 7 area ranges, and as explicit states beyond. Both encodings must give the same precision and recall: with the 4
 * pycocotools ranges listed twice (8 ranges, explicit rows), every entry equals the 4-range run's.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { accumulateCategory, allocateEvalArrays } from '../../../src/eval/coco/accumulate.js';
import { cocoParams, toCocoResultColumns, type CocoDataset, type CocoResult } from '../../../src/eval/coco/index.js';
import { MatchScratch, matchCategory, type CocoParams } from '../../../src/eval/coco/match.js';
import { prepareCoco } from '../../../src/eval/coco/prepare.js';

function evaluate(d: CocoDataset, results: CocoResult[], p: CocoParams) {
  const prep = prepareCoco(d, toCocoResultColumns(results), p.maxDets[p.maxDets.length - 1]!);
  const K = prep.catIds.length;
  const out = allocateEvalArrays(p, K);
  const scratch = new MatchScratch();
  for (let k = 0; k < K; k++) accumulateCategory(prep, k, K, matchCategory(prep, k, p, scratch), p, p.maxDets.map(() => true), out);
  return out;
}

const problem = fc.record({
  gts: fc.array(fc.record({ img: fc.integer({ min: 1, max: 4 }), cat: fc.integer({ min: 1, max: 2 }), x: fc.integer({ min: 0, max: 150 }), y: fc.integer({ min: 0, max: 150 }), w: fc.integer({ min: 2, max: 120 }), h: fc.integer({ min: 2, max: 120 }), crowd: fc.integer({ min: 0, max: 6 }).map((v) => v === 0) }), { maxLength: 8, size: 'max' }),
  dets: fc.array(fc.record({ img: fc.integer({ min: 1, max: 4 }), cat: fc.integer({ min: 1, max: 2 }), ofGt: fc.integer({ min: -3, max: 7 }), dx: fc.integer({ min: -5, max: 5 }), w: fc.integer({ min: 2, max: 120 }), h: fc.integer({ min: 2, max: 120 }), score: fc.integer({ min: 1, max: 5 }).map((v) => v / 6) }), { maxLength: 20, size: 'max' }),
});

describe('matchCategory: area-mask and explicit encodings agree', () => {
  it('8 area ranges (the 4 twice) give, in each half, the precision and recall of the 4 ranges', () => {
    const p4 = cocoParams([1, 3, 100]);
    const p8: CocoParams = { ...p4, areaRng: [...p4.areaRng, ...p4.areaRng] };
    fc.assert(fc.property(problem, ({ gts, dets }) => {
      const d: CocoDataset = {
        images: [1, 2, 3, 4].map((id) => ({ id, file_name: '', width: 300, height: 300 })),
        categories: [{ id: 1, name: 'a' }, { id: 2, name: 'b' }],
        annotations: gts.map((g, i) => ({ id: i + 1, image_id: g.img, category_id: g.cat, bbox: [g.x, g.y, g.w, g.h], area: g.w * g.h, iscrowd: g.crowd ? 1 : 0 })),
      };
      const results: CocoResult[] = dets.map((x) => {
        const g = x.ofGt >= 0 ? gts[x.ofGt] : undefined;
        return g ? { image_id: g.img, category_id: g.cat, bbox: [g.x + x.dx, g.y, g.w, g.h], score: x.score } : { image_id: x.img, category_id: x.cat, bbox: [100 + x.dx, 100, x.w, x.h], score: x.score };
      });
      const a4 = evaluate(d, results, p4), a8 = evaluate(d, results, p8);
      // Expected 8-range arrays: each 4-range [.., A, M] block written twice along A.
      const M = 3;
      const twice = (x: Float64Array) => Float64Array.from({ length: x.length * 2 }, (_, i) => {
        const m = i % M, a = Math.floor(i / M) % 8, rest = Math.floor(i / (M * 8));
        return x[(rest * 4 + (a % 4)) * M + m]!;
      });
      // First differing index (-1: none); a plain loop, as a deep equality over 48,480 entries per run is slow.
      const firstDiff = (x: Float64Array, y: Float64Array) => (x.length !== y.length ? -2 : x.findIndex((v, i) => !Object.is(v, y[i])));
      expect(firstDiff(a8.recall, twice(a4.recall))).toBe(-1);
      expect(firstDiff(a8.precision, twice(a4.precision))).toBe(-1);
    }), { numRuns: 40 });
  });
});
