/**
 * matchCategory's rules that random problems almost never reach: areas exactly on the area-range bounds (a range
 * is closed: pycocotools ignores only `area < lo` or `area > hi`), zero-width or zero-height boxes (IoU 0, even
 * against a crowd: pycocotools' bbIou skips `iw <= 0` and `ih <= 0`), an IoU threshold of 1 (pycocotools matches at
 * `min(t, 1 - 1e-10)`), and more than 7 area ranges where a detection lies outside every one of them.
 */
import { describe, expect, it } from 'vitest';
import { accumulateCategory, allocateEvalArrays } from '../../../src/eval/coco/accumulate.js';
import { cocoEvaluate, cocoParams, toCocoResultColumns, type CocoDataset, type CocoResult } from '../../../src/eval/coco/index.js';
import { DT_EXPLICIT, DT_IGNORED, DT_TP, MatchScratch, matchCategory, type CocoParams } from '../../../src/eval/coco/match.js';
import { prepareCoco } from '../../../src/eval/coco/prepare.js';
import { referenceCocoEval } from './reference-cocoeval.js';

type Box = [number, number, number, number];
const EPS = 2.220446049250313e-16;

function dataset(gts: { box: Box; crowd?: boolean; image?: number }[], images = [1, 2]): CocoDataset {
  return {
    images: images.map((id) => ({ id, file_name: `${id}.jpg`, width: 640, height: 640 })),
    categories: [{ id: 1, name: 'a' }],
    annotations: gts.map((g, i) => ({ id: i + 1, image_id: g.image ?? 1, category_id: 1, bbox: g.box, area: g.box[2] * g.box[3], iscrowd: g.crowd ? 1 : 0 })),
  };
}
const det = (box: Box, score: number, image = 1): CocoResult => ({ image_id: image, category_id: 1, bbox: box, score });
const stats = (d: CocoDataset, r: CocoResult[]): number[] => Object.values(cocoEvaluate({ dataset: d, results: r }).stats);

describe('area ranges are closed intervals', () => {
  // Ground truths of area 1024 = 32² (the small/medium bound) and 9216 = 96² (the medium/large bound), each found
  // exactly, and two unmatched detections of the same areas ranked first. Per range, the detections left after
  // ignoring give FP, TP, FP, TP (all, medium), or FP, TP (small: the 96² ones are out; large: the 32² ones are out):
  // precision 1/2 (up to eps) at every recall threshold, in every range and at every IoU threshold. A crowd region,
  // last in the file, holds the best-scored detection (area 1600): matched to the crowd, it is ignored everywhere;
  // were the crowd dropped from a range's ground-truth order, it would be a false positive in "medium".
  const gts = [{ box: [0, 0, 32, 32] as Box }, { box: [100, 0, 96, 96] as Box }, { box: [500, 0, 100, 100] as Box, crowd: true }];
  for (const fpImage of [1, 2]) {
    it(`gt and detection areas equal to a bound count in both ranges (false positives in image ${fpImage}, ${fpImage === 1 ? 'with' : 'without'} ground truth)`, () => {
      const results = [
        det([0, 0, 32, 32], 0.9), det([100, 0, 96, 96], 0.8), det([510, 10, 40, 40], 0.99),
        det([300, 0, 32, 32], 0.95, fpImage), det([400, 0, 96, 96], 0.85, fpImage),
      ];
      const d = dataset(gts);
      const s = stats(d, results);
      s.slice(0, 6).forEach((v) => expect(v).toBeCloseTo(0.5, 14)); // AP AP50 AP75 APs APm APl
      // AR1 keeps each image's best result: in image 1 the ignored one in the crowd.
      expect(s.slice(6)).toEqual([0, 1, 1, 1, 1, 1]);
      referenceCocoEval(d, results).forEach((v, i) => expect(s[i]).toBeCloseTo(v, 14));
    });
  }
});

describe('boxes of zero width or height', () => {
  it('overlap nothing, not even the crowd region they lie in: a false positive (not ignored)', () => {
    // A crowd region and one ground truth found exactly (score 0.8); a degenerate box inside the crowd ranks first.
    // Its IoU with the crowd is 0 (intersection 0 over its own area 0 would be NaN), so it stays unmatched, and
    // its area 0 is inside every range that starts at 0: FP, TP gives AP 1/2 in "all" and "small".
    for (const box of [[10, 10, 0, 10], [10, 10, 10, 0], [10, 10, 0, 0]] as Box[]) {
      const d = dataset([{ box: [0, 0, 50, 50], crowd: true }, { box: [100, 100, 10, 10] }]);
      const results = [det(box, 0.9), det([100, 100, 10, 10], 0.8)];
      const s = stats(d, results);
      expect(s[0]).toBeCloseTo(0.5, 14); // AP
      expect(s[3]).toBeCloseTo(0.5, 14); // APs
      referenceCocoEval(d, results).forEach((v, i) => expect(s[i]).toBeCloseTo(v, 14));
      // Against a regular ground truth of area 0 (union 0): no NaN, no match. FP then TP over 2 ground truths:
      // precision 1/2 up to recall 1/2 (51 of the 101 recall thresholds).
      const z = dataset([{ box: [10, 10, 0, 10] }, { box: [100, 100, 10, 10] }]);
      const sz = stats(z, results);
      expect(sz[1]).toBeCloseTo((0.5 * 51) / 101, 12); // AP50
      referenceCocoEval(z, results).forEach((v, i) => expect(sz[i]).toBeCloseTo(v, 14));
    }
  });
});

/** prepare + match + accumulate of one category with custom parameters. */
function evaluate(d: CocoDataset, results: CocoResult[], p: CocoParams) {
  const prep = prepareCoco(d, toCocoResultColumns(results), p.maxDets[p.maxDets.length - 1]!);
  const out = allocateEvalArrays(p, 1);
  const matches = matchCategory(prep, 0, p, new MatchScratch());
  const copy = { kind: matches.kind.slice(), states: matches.states.slice(), tp: matches.tp.slice() };
  accumulateCategory(prep, 0, 1, matches, p, p.maxDets.map(() => true), out);
  return { ...out, ...copy };
}

describe('IoU threshold 1', () => {
  it('matches at 1 - 1e-10, as pycocotools (min(t, 1 - 1e-10)): an IoU of 1 - 5e-11 is a true positive', () => {
    // gt 1e9 × 1 px (area 1e9, inside [0, 1e10]); the detection is 0.05 px narrower: IoU = 1 - 5e-11.
    const d = dataset([{ box: [0, 0, 1e9, 1] }], [1]);
    const p: CocoParams = { ...cocoParams(), iouThrs: Float64Array.of(0.5, 1) };
    const r = evaluate(d, [det([0, 0, 1e9 - 0.05, 1], 0.9)], p);
    // states [nk=1, A=4, T=2]: area "all" (a = 0) is a TP at both thresholds; tp [A, T, M] counts it at every maxDets.
    expect(Array.from(r.states.subarray(0, 2))).toEqual([DT_TP, DT_TP]);
    expect(Array.from(r.tp.subarray(0, 6))).toEqual([1, 1, 1, 1, 1, 1]);
    // recall [T, K, A, M] at t = 1, area all, maxDets 100.
    expect(r.recall[(1 * 1 + 0) * 4 * 3 + 2]).toBe(1);
  });
});

describe('more than 7 area ranges (explicit states instead of one mask byte)', () => {
  it('a detection outside all 8 ranges, in an image without ground truth, is ignored in each of them', () => {
    // 8 ranges [0, 50]: the 5×5 ground truth (area 25) and its exact detection are in all of them; the 10×10
    // detection (area 100, image 2, ranked first) is in none: ignored, so precision is 1/(1 + eps) everywhere.
    const d = dataset([{ box: [0, 0, 5, 5] }]);
    const p8: CocoParams = { ...cocoParams([1, 10, 100]), areaRng: new Array<[number, number]>(8).fill([0, 50]) };
    const r = evaluate(d, [det([0, 0, 5, 5], 0.8), det([20, 20, 10, 10], 0.9, 2)], p8);
    const T = 10, R = 101, A = 8, M = 3;
    // Detections are prepared image by image: the one of image 2 is second.
    expect(r.kind[1]).toBe(DT_EXPLICIT);
    expect(Array.from(r.states.subarray(A * T, 2 * A * T))).toEqual(new Array<number>(A * T).fill(DT_IGNORED));
    expect(r.precision).toHaveLength(T * R * A * M);
    expect(r.precision.findIndex((v) => v !== 1 / (1 + EPS))).toBe(-1);
  });
});
