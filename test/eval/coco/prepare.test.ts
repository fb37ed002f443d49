/**
 * The indexing paths of prepareCoco that the small random problems of cocoeval.test.ts do not reach, each
 * checked against the naive pycocotools restatement (reference-cocoeval.ts): many images with few results (the
 * comparator sort by image), results already grouped by image with score ties (the in-place run sorts, short and
 * long runs), ids that are huge, fractional or negative (the Map lookup instead of the dense table), and
 * pycocotools' quirk of an annotation id 0 (a match to it counts as no match).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { cocoEvaluate, type CocoDataset, type CocoResult } from '../../../src/eval/coco/index.js';
import { referenceCocoEval } from './reference-cocoeval.js';

type Box = [number, number, number, number];
interface Gt { img: number; cat: number; box: Box; crowd: boolean; id: number }

function dataset(gts: readonly Gt[], images: readonly number[], cats: readonly number[]): CocoDataset {
  return {
    images: images.map((id) => ({ id, file_name: `${id}.jpg`, width: 200, height: 200 })),
    categories: cats.map((id) => ({ id, name: `c${id}` })),
    annotations: gts.map((g) => ({ id: g.id, image_id: g.img, category_id: g.cat, bbox: g.box, area: g.box[2] * g.box[3], iscrowd: g.crowd ? 1 : 0 })),
  };
}
const expectSameAsReference = (d: CocoDataset, results: CocoResult[], maxDets: readonly number[] = [1, 10, 100]) => {
  const got = Object.values(cocoEvaluate({ dataset: d, results, maxDets }).stats);
  const want = referenceCocoEval(d, results, maxDets);
  got.forEach((v, i) => expect(v).toBeCloseTo(want[i]!, 12));
  return got;
};

/** Ground truths and detections near them (some exact, some shifted), with few distinct scores (many ties). */
const problem = (images: number, maxGts: number, maxDets: number) => fc.record({
  gts: fc.array(fc.record({
    img: fc.integer({ min: 0, max: images - 1 }), cat: fc.integer({ min: 0, max: 1 }),
    x: fc.integer({ min: 0, max: 120 }), y: fc.integer({ min: 0, max: 120 }), w: fc.integer({ min: 4, max: 80 }), h: fc.integer({ min: 4, max: 80 }),
    crowd: fc.integer({ min: 0, max: 9 }).map((v) => v === 0),
  }), { maxLength: maxGts, size: 'max' }),
  dets: fc.array(fc.record({
    img: fc.integer({ min: 0, max: images - 1 }), cat: fc.integer({ min: 0, max: 1 }), ofGt: fc.integer({ min: -1, max: maxGts - 1 }),
    dx: fc.integer({ min: -6, max: 6 }), dy: fc.integer({ min: -6, max: 6 }), w: fc.integer({ min: 4, max: 80 }), h: fc.integer({ min: 4, max: 80 }),
    score: fc.integer({ min: 1, max: 4 }).map((v) => v / 5),
  }), { maxLength: maxDets, size: 'max' }),
});
type Problem = { gts: { img: number; cat: number; x: number; y: number; w: number; h: number; crowd: boolean }[]; dets: { img: number; cat: number; ofGt: number; dx: number; dy: number; w: number; h: number; score: number }[] };

/** The problem with image ids `imgId(i)` and category ids `catId(c)`. */
function build(p: Problem, images: number, imgId: (i: number) => number, catId: (c: number) => number) {
  const gts: Gt[] = p.gts.map((g, i) => ({ img: imgId(g.img), cat: catId(g.cat), box: [g.x, g.y, g.w, g.h], crowd: g.crowd, id: i + 1 }));
  const results: CocoResult[] = p.dets.map((x) => {
    const g = x.ofGt >= 0 ? p.gts[x.ofGt] : undefined;
    return g
      ? { image_id: imgId(g.img), category_id: catId(g.cat), bbox: [g.x + x.dx, g.y + x.dy, g.w, g.h], score: x.score }
      : { image_id: imgId(x.img), category_id: catId(x.cat), bbox: [x.dx + 60, x.dy + 60, x.w, x.h], score: x.score };
  });
  return { d: dataset(gts, Array.from({ length: images }, (_, i) => imgId(i)), [catId(0), catId(1)]), results };
}

describe('prepareCoco paths, against the pycocotools restatement', () => {
  it('many images and few results per category, in any image order (the comparator sort by image)', () => {
    // At most 6 results per category and 50 images: every category is ordered by the comparator sort (n·8 < images).
    fc.assert(fc.property(problem(50, 8, 6), (p) => {
      const { d, results } = build(p, 50, (i) => i + 1, (c) => c + 1);
      expectSameAsReference(d, results);
    }), { numRuns: 40 });
  });

  it('results grouped by image (as results files are), with score ties inside short and long image runs', () => {
    fc.assert(fc.property(problem(3, 10, 60), fc.constantFrom([1, 10, 100], [1, 5, 20], [2, 3, 4]), (p, maxDets) => {
      const { d, results } = build(p, 3, (i) => i + 1, (c) => c + 1);
      // Stable sort by image: equal scores keep their input order, which decides who matches first.
      const grouped = results.map((r, i) => ({ r, i })).sort((a, b) => a.r.image_id - b.r.image_id || a.i - b.i).map((x) => x.r);
      expectSameAsReference(d, grouped, maxDets);
    }), { numRuns: 80 });
  });

  it('equal scores in one image: the earlier result in the file ranks first (insertion-sorted runs ≤ 16 and longer runs)', () => {
    // Two results on the same ground truth with equal scores: the first in the file is the TP, the second a duplicate.
    // With maxDets 1 only the first one counts; a tie order flipped would keep the shifted (IoU 0.6) one instead.
    for (const pad of [0, 20]) {
      const far: CocoResult[] = Array.from({ length: pad }, (_, i) => ({ image_id: 1, category_id: 1, bbox: [150, 150 - i, 4, 4], score: 0.1 }));
      const d = dataset([{ img: 1, cat: 1, box: [10, 10, 40, 40], crowd: false, id: 1 }], [1], [1]);
      const exactFirst: CocoResult[] = [{ image_id: 1, category_id: 1, bbox: [10, 10, 40, 40], score: 0.5 }, { image_id: 1, category_id: 1, bbox: [10, 10, 40, 24], score: 0.5 }];
      const r1 = cocoEvaluate({ dataset: d, results: [...far, ...exactFirst] }).stats;
      const r2 = cocoEvaluate({ dataset: d, results: [...far, ...exactFirst.slice().reverse()] }).stats;
      expect(r1.AR1).toBe(1);
      expect(r2.AR1).toBeCloseTo(0.3, 12); // IoU 960/1600 = 0.6: a TP at 0.50, 0.55 and 0.60 only (3 of 10 thresholds)
      expectSameAsReference(d, [...far, ...exactFirst]);
      expectSameAsReference(d, [...far, ...exactFirst.slice().reverse()]);
    }
  });

  it('ids that are huge, fractional or negative give the same stats as small ids (Map lookup instead of the dense table)', () => {
    // Increasing relabellings only: the order of the image ids decides the order of equal scores across images.
    const relabels: [(i: number) => number, (c: number) => number][] = [
      [(i) => 1e9 + 7 * i, (c) => 5e8 + c], [(i) => i + 0.5, (c) => c - 0.25], [(i) => i - 3, (c) => c - 1], [(i) => 2 ** 21 + i, (c) => (c + 1) * 2 ** 20],
    ];
    fc.assert(fc.property(problem(3, 8, 20), (p) => {
      const base = build(p, 3, (i) => i + 1, (c) => c + 1);
      const want = cocoEvaluate({ dataset: base.d, results: base.results }).stats;
      for (const [imgId, catId] of relabels) {
        const { d, results } = build(p, 3, imgId, catId);
        expect(cocoEvaluate({ dataset: d, results }).stats).toEqual(want);
      }
    }), { numRuns: 40 });
  });

  it('image and category ids listed twice in the dataset count once; images in any order', () => {
    const gts: Gt[] = [{ img: 2, cat: 1, box: [10, 10, 20, 20], crowd: false, id: 1 }];
    const d = dataset(gts, [3, 2, 3, 1], [1, 1]);
    const r = cocoEvaluate({ dataset: d, results: [{ image_id: 2, category_id: 1, bbox: [10, 10, 20, 20], score: 0.9 }] });
    expect(r.images).toBe(3);
    expect(r.perCategory).toHaveLength(1);
    expect(r.stats.AP).toBeCloseTo(1, 14);
  });

  it('a result whose image id is not a dataset image is rejected, also a fractional or out-of-range one', () => {
    const d = dataset([], [1, 2], [1]);
    for (const id of [3, 1.5, -1, 0]) {
      expect(() => cocoEvaluate({ dataset: d, results: [{ image_id: id, category_id: 1, bbox: [0, 0, 1, 1], score: 1 }] }))
        .toThrow(`predictions[0].image_id ${id} is not an image of the annotations (2 images)`);
    }
  });

  it('results of categories not in the dataset are dropped and counted, whatever the id', () => {
    const d = dataset([{ img: 1, cat: 2, box: [0, 0, 10, 10], crowd: false, id: 1 }], [1], [2]);
    const results: CocoResult[] = [1, 2.5, -2, 3, 1e12].map((c) => ({ image_id: 1, category_id: c, bbox: [0, 0, 10, 10], score: 0.5 }));
    const r = cocoEvaluate({ dataset: d, results });
    expect(r.unknownCategoryResults).toBe(5);
    expect(r.detections).toBe(0);
    expect(r.stats.AP).toBe(0);
  });

  it('an annotation with id 0: a detection matched to it is a false positive (pycocotools tests the matched id for truth)', () => {
    const gts: Gt[] = [{ img: 1, cat: 1, box: [10, 10, 20, 20], crowd: false, id: 0 }, { img: 1, cat: 1, box: [60, 60, 20, 20], crowd: false, id: 5 }];
    const d = dataset(gts, [1], [1]);
    const results: CocoResult[] = [{ image_id: 1, category_id: 1, bbox: [10, 10, 20, 20], score: 0.9 }, { image_id: 1, category_id: 1, bbox: [60, 60, 20, 20], score: 0.8 }];
    const s = expectSameAsReference(d, results);
    expect(s[8]).toBe(0.5); // AR100: the id-0 ground truth is never recalled
    // The detection on it is a false positive in 'all', but ignored in an area range it falls outside (large).
    const big: Gt[] = [{ img: 1, cat: 1, box: [0, 0, 100, 100], crowd: false, id: 0 }, { img: 1, cat: 1, box: [110, 110, 10, 10], crowd: false, id: 5 }];
    expectSameAsReference(dataset(big, [1], [1]), [{ image_id: 1, category_id: 1, bbox: [0, 0, 100, 100], score: 0.9 }, { image_id: 1, category_id: 1, bbox: [110, 110, 10, 10], score: 0.8 }]);
  });

  it('keeps the first maxDets results of each image (by score) and counts them', () => {
    const d = dataset([{ img: 1, cat: 1, box: [10, 10, 20, 20], crowd: false, id: 1 }, { img: 2, cat: 1, box: [10, 10, 20, 20], crowd: false, id: 2 }], [1, 2], [1]);
    const results: CocoResult[] = [];
    for (const img of [1, 2]) for (let i = 0; i < 5; i++) results.push({ image_id: img, category_id: 1, bbox: [10 + i, 10, 20, 20], score: 0.5 + i / 10 });
    expect(cocoEvaluate({ dataset: d, results, maxDets: [1, 2, 3] }).detections).toBe(6);
    expect(cocoEvaluate({ dataset: d, results, maxDets: [1, 2, 5] }).detections).toBe(10);
    expectSameAsReference(d, results, [1, 2, 3]);
  });
});
