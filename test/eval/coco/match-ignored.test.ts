/**
 * Two rules of pycocotools' evaluateImg about ignored ground truths that random problems hardly reach:
 * - among ignored ground truths (listed last), a detection keeps looking for the best IoU: it stops early only once it
 *   holds a NON-ignored match. Which ignored ground truth it takes matters when that one is not a crowd: it is then
 *   used up, and a later detection that needed it is left unmatched (a false positive when inside the area range).
 * - a detection matched to a ground truth whose id is 0 counts as unmatched (pycocotools tests `dtm` for truth), so it
 *   is ignored when its own area is outside the range, even though the ground truth is inside.
 */
import { describe, expect, it } from 'vitest';
import { cocoEvaluate, type CocoDataset, type CocoResult } from '../../../src/eval/coco/index.js';
import { referenceCocoEval } from './reference-cocoeval.js';

type Box = [number, number, number, number];
const data = (gts: { id: number; box: Box }[]): CocoDataset => ({
  images: [{ id: 1, file_name: '1.jpg', width: 400, height: 400 }],
  categories: [{ id: 1, name: 'a' }],
  annotations: gts.map((g) => ({ id: g.id, image_id: 1, category_id: 1, bbox: g.box, area: g.box[2] * g.box[3], iscrowd: 0 })),
});
const det = (box: Box, score: number): CocoResult => ({ image_id: 1, category_id: 1, bbox: box, score });

describe('matching among ignored ground truths', () => {
  it('takes the best-IoU ignored ground truth, not the first one', () => {
    // In "small" (area ≤ 1024), G1 and G2 (34×32 = 1088) are ignored. d1 (0.9) overlaps G1 with IoU 0.65 and G2 with
    // 0.83: it takes G2 (ignored). d2 (0.8) overlaps G2 with 0.89 and G1 with 0.47 only: G2 is used up, so at 0.50 d2
    // is unmatched, and its area 1024 is inside "small": a false positive before the true positive d3 on G3.
    const d = data([{ id: 1, box: [0, 0, 34, 32] }, { id: 2, box: [10, 0, 34, 32] }, { id: 3, box: [200, 0, 10, 10] }]);
    const results = [det([8, 0, 32, 32], 0.9), det([13, 0, 32, 32], 0.8), det([200, 0, 10, 10], 0.7)];
    const r = cocoEvaluate({ dataset: d, results });
    const want = referenceCocoEval(d, results);
    Object.values(r.stats).forEach((v, i) => expect(v).toBeCloseTo(want[i]!, 14));
    // APs: up to 0.80, d2 is a false positive ranked before the only small true positive (precision 1/2); at 0.85 d1
    // matches nothing (a false positive) and d2 takes G2; at 0.90 and 0.95 both are false positives (precision 1/3).
    expect(r.stats.APs).toBeCloseTo((8 * 0.5 + 2 / 3) / 10, 14);
  });
});

describe('a match to a ground truth with id 0', () => {
  it('is ignored when the detection is outside the area range, although the ground truth is inside', () => {
    // G0 (id 0, 30×33 = 990, small) and G5 (id 5, small). d0 (30×35 = 1050, outside "small") matches G0 with IoU 0.94:
    // unmatched for pycocotools, and out of range, so ignored in "small"; d5 finds G5. G0 is never recalled, so in
    // "small" precision is 1 up to recall 1/2: APs = 51/101 (a false positive d0 would halve it).
    const d = data([{ id: 0, box: [0, 0, 30, 33] }, { id: 5, box: [100, 0, 10, 10] }]);
    const results = [det([0, 0, 30, 35], 0.9), det([100, 0, 10, 10], 0.8)];
    const r = cocoEvaluate({ dataset: d, results });
    const want = referenceCocoEval(d, results);
    Object.values(r.stats).forEach((v, i) => expect(v).toBeCloseTo(want[i]!, 14));
    expect(r.stats.APs).toBeCloseTo(51 / 101, 14);
  });
});
