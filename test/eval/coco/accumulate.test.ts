/**
 * accumulate's two details the oracle properties do not pin: precision at maxDets 100 when 100 is not the last
 * maxDets (results ranked ≥ 100 in their image must not count), and pycocotools' eps in tp / (tp + fp + eps).
 */
import { describe, expect, it } from 'vitest';
import { cocoEvaluate, type CocoDataset, type CocoResult } from '../../../src/eval/coco/index.js';
import { referenceCocoEval } from './reference-cocoeval.js';

const d: CocoDataset = {
  images: [{ id: 1, file_name: '1.jpg', width: 400, height: 400 }],
  categories: [{ id: 1, name: 'a' }],
  annotations: [{ id: 1, image_id: 1, category_id: 1, bbox: [10, 10, 20, 20], area: 400, iscrowd: 0 }],
};

describe('accumulateCategory', () => {
  it('AP at maxDets 100 with maxDets [1, 100, 101]: the only TP is ranked 100th (0-based) in its image, so AP is 0', () => {
    // 100 false positives with higher scores, then the true positive.
    const results: CocoResult[] = Array.from({ length: 100 }, (_, i) => ({ image_id: 1, category_id: 1, bbox: [200 + (i % 10), 200 + Math.floor(i / 10), 5, 5], score: 0.9 - i / 1000 }));
    results.push({ image_id: 1, category_id: 1, bbox: [10, 10, 20, 20], score: 0.5 });
    const s = cocoEvaluate({ dataset: d, results, maxDets: [1, 100, 101] }).stats;
    expect(s.AP).toBe(0);
    expect(s.AP50).toBeGreaterThan(0); // at maxDets 101 the TP counts: precision 1/101 at every recall threshold
    expect(s.AP50).toBeCloseTo(1 / (101 + 2.220446049250313e-16), 12);
    Object.values(s).forEach((v, i) => expect(v).toBeCloseTo(referenceCocoEval(d, results, [1, 100, 101])[i]!, 12));
  });
  it('precision is tp / (tp + fp + eps) with numpy\'s eps: a perfect detection has precision 1/(1 + eps), just under 1', () => {
    const r = cocoEvaluate({ dataset: d, results: [{ image_id: 1, category_id: 1, bbox: [10, 10, 20, 20], score: 0.9 }] });
    // [T,R,K,A,M] entry (t 0, r 0, k 0, area all, maxDets 100): index 2.
    expect(r.arrays.precision[2]).toBe(1 / (1 + 2.220446049250313e-16));
    expect(r.arrays.precision[2]).toBeLessThan(1);
  });
});
