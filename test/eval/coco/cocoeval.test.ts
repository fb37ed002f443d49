import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { CocoStats } from '../../../src/eval/contract.js';
import { cocoEvaluate, type CocoAnnotation, type CocoDataset, type CocoResult } from '../../../src/eval/coco/index.js';
import { referenceCocoEval } from './reference-cocoeval.js';

type Box = [number, number, number, number];

/** One 100×100 image (id 1) unless more are asked for; categories 1 'a' and 2 'b'. */
function dataset(anns: { cat: number; box: Box; area?: number; crowd?: boolean; image?: number }[], images = [1]): CocoDataset {
  return {
    images: images.map((id) => ({ id, file_name: `${id}.jpg`, width: 100, height: 100 })),
    categories: [{ id: 1, name: 'a' }, { id: 2, name: 'b' }],
    annotations: anns.map((a, i): CocoAnnotation => ({
      id: i + 1, image_id: a.image ?? 1, category_id: a.cat, bbox: a.box, area: a.area ?? a.box[2] * a.box[3], iscrowd: a.crowd ? 1 : 0,
    })),
  };
}
const det = (cat: number, box: Box, score: number, image = 1): CocoResult => ({ image_id: image, category_id: cat, bbox: box, score });
const stats = (d: CocoDataset, r: CocoResult[]): CocoStats => cocoEvaluate({ dataset: d, results: r }).stats;
const all = (s: CocoStats): number[] => Object.values(s);

const SMALL_A: Box = [10, 10, 10, 10]; // area 100: "small"
const SMALL_B: Box = [40, 40, 20, 20]; // area 400: "small"

describe('cocoEvaluate: hand-built cases', () => {
  it('no detections: AP and AR are 0 where ground truth exists, -1 for empty area ranges', () => {
    const s = stats(dataset([{ cat: 1, box: SMALL_A }]), []);
    expect(s).toEqual({ AP: 0, AP50: 0, AP75: 0, APs: 0, APm: -1, APl: -1, AR1: 0, AR10: 0, AR100: 0, ARs: 0, ARm: -1, ARl: -1 });
  });

  it('no ground truth: every stat is -1 (nothing to average)', () => {
    const s = stats(dataset([]), [det(1, SMALL_A, 0.9)]);
    expect(all(s)).toEqual(new Array(12).fill(-1));
  });

  it('all detections of the wrong class: 0 for the labelled class, the other class has no gt and does not count', () => {
    const s = stats(dataset([{ cat: 1, box: SMALL_A }]), [det(2, SMALL_A, 0.9)]);
    expect(s.AP).toBe(0);
    expect(s.AP50).toBe(0);
    expect(s.AR100).toBe(0);
    expect(s.APm).toBe(-1);
  });

  it('perfect detections: AP = AR = 1 (up to pycocotools\' eps)', () => {
    const s = stats(dataset([{ cat: 1, box: SMALL_A }, { cat: 2, box: SMALL_B }]), [det(1, SMALL_A, 0.9), det(2, SMALL_B, 0.8)]);
    expect(s.AP).toBeCloseTo(1, 14);
    expect(s.AP50).toBeCloseTo(1, 14);
    expect(s.APs).toBeCloseTo(1, 14);
    expect(s.AR1).toBe(1);
    expect(s.AR100).toBe(1);
    expect(s.APm).toBe(-1);
  });

  it('two detections, one TP one FP, two ground truths: 101-point AP = 51/101', () => {
    // rc = [0.5, 0.5], precision envelope = [1, 0.5]; recall thresholds 0.00..0.50 (51 of 101) find index 0 → 1,
    // thresholds above 0.5 find no detection → 0. AP = 51/101.
    const d = dataset([{ cat: 1, box: SMALL_A }, { cat: 1, box: SMALL_B }]);
    const s = stats(d, [det(1, SMALL_A, 0.9), det(1, [70, 70, 10, 10], 0.8)]);
    expect(s.AP50).toBeCloseTo(51 / 101, 14);
    expect(s.AP).toBeCloseTo(51 / 101, 14);
    expect(s.AR100).toBe(0.5);
  });

  it('duplicates: the second detection on a matched ground truth is a false positive', () => {
    // d1 on A (TP), d2 on A again (FP), d3 on B (TP): rc = [.5,.5,1], envelope = [1, 2/3, 2/3].
    // Thresholds 0..0.5 → 1 (51 points), 0.51..1 → 2/3 (50 points): AP = (51 + 50·2/3) / 101 = 253/303.
    const d = dataset([{ cat: 1, box: SMALL_A }, { cat: 1, box: SMALL_B }]);
    const s = stats(d, [det(1, SMALL_A, 0.9), det(1, SMALL_A, 0.8), det(1, SMALL_B, 0.7)]);
    expect(s.AP50).toBeCloseTo(253 / 303, 12);
    expect(s.AR100).toBe(1);
    // maxDets 1 keeps only d1 in the image: recall 0.5.
    expect(s.AR1).toBe(0.5);
  });

  it('crowd: detections inside a crowd region are ignored (neither TP nor FP), the crowd is no ground truth', () => {
    const d = dataset([{ cat: 1, box: SMALL_A }, { cat: 1, box: [50, 50, 40, 40], crowd: true }]);
    // Crowd IoU = intersection / detection area = 1 for boxes inside the region; one crowd absorbs several.
    const s = stats(d, [det(1, SMALL_A, 0.9), det(1, [55, 55, 10, 10], 0.95), det(1, [60, 60, 10, 10], 0.7)]);
    expect(s.AP).toBeCloseTo(1, 14);
    expect(s.AR100).toBe(1);
    const r = cocoEvaluate({ dataset: d, results: [] });
    expect(r.perCategory[0]!.nGt).toBe(1);
  });

  it('area ranges use the annotation area and an unmatched detection outside the range is ignored', () => {
    // gt is "medium" by its area field (2000) though its box is 10×10; a large unmatched detection does not count in APm.
    const d = dataset([{ cat: 1, box: SMALL_A, area: 2000 }]);
    const s = stats(d, [det(1, [0, 0, 100, 100], 0.95), det(1, SMALL_A, 0.9)]);
    expect(s.APm).toBeCloseTo(1, 14);
    expect(s.APs).toBe(-1);
    // In "all", the unmatched large detection ranks first: rc [0, 1], envelope [0.5, 0.5] → AP 0.5.
    expect(s.AP50).toBeCloseTo(0.5, 12);
  });

  it('an IoU exactly at a threshold matches (pycocotools skips only IoU < t): IoU 0.5 is a TP at 0.50 and nowhere above', () => {
    // A 10×10 detection inside a 10×20 ground truth: IoU = 100 / 200 = 0.5 exactly.
    const s = stats(dataset([{ cat: 1, box: [10, 10, 10, 20] }]), [det(1, [10, 10, 10, 10], 0.9)]);
    expect(s.AP50).toBeCloseTo(1, 12);
    expect(s.AP75).toBe(0);
    expect(s.AP).toBeCloseTo(0.1, 12);
    expect(s.AR100).toBeCloseTo(0.1, 12);
  });

  it('an exact IoU tie between two ground truths goes to the later one (pycocotools replaces its best unless IoU < best)', () => {
    // Detection A (score 0.9) overlaps both ground truths with IoU 90/110; it takes the second. Detection B sits
    // on the second (IoU 1) and overlaps the first with IoU 80/120 = 0.67 only: at thresholds 0.70..0.80 it is
    // a false positive, so recall there is 1/2 (101-point AP 51/101); at 0.50..0.65 B takes the first: AP 1.
    const d = dataset([{ cat: 1, box: [0, 0, 10, 10] }, { cat: 1, box: [2, 0, 10, 10] }]);
    const s = stats(d, [det(1, [1, 0, 10, 10], 0.9), det(1, [2, 0, 10, 10], 0.8)]);
    expect(s.AP50).toBeCloseTo(1, 12);
    expect(s.AP75).toBeCloseTo(51 / 101, 12);
  });

  it('rejects results for an image id the annotations do not have', () => {
    expect(() => cocoEvaluate({ dataset: dataset([]), results: [det(1, SMALL_A, 0.5, 99)] })).toThrow(/image_id 99/);
  });

  it('counts and drops results of unknown categories, as pycocotools', () => {
    const r = cocoEvaluate({ dataset: dataset([{ cat: 1, box: SMALL_A }]), results: [det(1, SMALL_A, 0.9), det(7, SMALL_A, 0.99)] });
    expect(r.unknownCategoryResults).toBe(1);
    expect(r.stats.AP).toBeCloseTo(1, 14);
  });

  it('rejects maxDets that are not three positive integers', () => {
    expect(() => cocoEvaluate({ dataset: dataset([]), results: [], maxDets: [1, 10] })).toThrow(/maxDets/);
  });
});

/** Random small problems: boxes near a few ground truths, distinct scores. */
const problem = fc.record({
  gts: fc.array(fc.record({ img: fc.integer({ min: 1, max: 3 }), cat: fc.integer({ min: 1, max: 2 }), x: fc.integer({ min: 0, max: 80 }), y: fc.integer({ min: 0, max: 80 }), w: fc.integer({ min: 2, max: 60 }), h: fc.integer({ min: 2, max: 60 }), crowd: fc.integer({ min: 0, max: 9 }).map((v) => v === 0) }), { maxLength: 8, size: 'max' }),
  dets: fc.array(fc.record({ img: fc.integer({ min: 1, max: 3 }), cat: fc.integer({ min: 1, max: 2 }), x: fc.integer({ min: 0, max: 80 }), y: fc.integer({ min: 0, max: 80 }), w: fc.integer({ min: 2, max: 60 }), h: fc.integer({ min: 2, max: 60 }) }), { maxLength: 12, size: 'max' }),
  seed: fc.integer(),
});

describe('cocoEvaluate: properties', () => {
  it('stats are -1 or within [0, 1], and do not depend on the order of the results', () => {
    fc.assert(fc.property(problem, ({ gts, dets, seed }) => {
      const d = dataset(gts.map((g) => ({ cat: g.cat, box: [g.x, g.y, g.w, g.h] as Box, crowd: g.crowd, image: g.img })), [1, 2, 3]);
      const results = dets.map((x, i) => det(x.cat, [x.x, x.y, x.w, x.h], (i + 1) / (dets.length + 1), x.img));
      const a = stats(d, results);
      for (const v of all(a)) expect(v === -1 || (v >= 0 && v <= 1)).toBe(true);
      const shuffled = [...results];
      let s = seed >>> 0;
      for (let i = shuffled.length - 1; i > 0; i--) {
        s = (s * 1103515245 + 12345) >>> 0;
        const j = s % (i + 1);
        [shuffled[i], shuffled[j]] = [shuffled[j]!, shuffled[i]!];
      }
      expect(stats(d, shuffled)).toEqual(a);
    }), { numRuns: 60 });
  });
});

/** Problems with score ties, crowds, all three area ranges and several images, for the oracle comparison. */
const rich = fc.record({
  gts: fc.array(fc.record({
    img: fc.integer({ min: 1, max: 3 }), cat: fc.integer({ min: 1, max: 2 }),
    x: fc.integer({ min: 0, max: 150 }), y: fc.integer({ min: 0, max: 150 }), w: fc.integer({ min: 2, max: 140 }), h: fc.integer({ min: 2, max: 140 }),
    crowd: fc.integer({ min: 0, max: 7 }).map((v) => v === 0), areaScale: fc.constantFrom(0.5, 1, 1.3),
  }), { maxLength: 10, size: 'max' }),
  dets: fc.array(fc.record({
    img: fc.integer({ min: 1, max: 3 }), cat: fc.integer({ min: 1, max: 3 }), ofGt: fc.integer({ min: -1, max: 9 }),
    dx: fc.integer({ min: -8, max: 8 }), dy: fc.integer({ min: -8, max: 8 }), w: fc.integer({ min: 2, max: 140 }), h: fc.integer({ min: 2, max: 140 }),
    score: fc.integer({ min: 1, max: 6 }).map((v) => v / 7),
  }), { maxLength: 25, size: 'max' }),
  maxDets: fc.constantFrom([1, 10, 100], [1, 2, 3], [2, 5, 100]),
});

describe('cocoEvaluate equals a naive restatement of pycocotools', () => {
  it('on random problems (ties, crowds, area ranges, maxDets variants)', () => {
    fc.assert(fc.property(rich, ({ gts, dets, maxDets }) => {
      const d = dataset(gts.map((g) => ({ cat: g.cat, box: [g.x, g.y, g.w, g.h] as Box, area: g.w * g.h * g.areaScale, crowd: g.crowd, image: g.img })), [1, 2, 3]);
      const results = dets.map((x) => {
        const g = x.ofGt >= 0 ? gts[x.ofGt] : undefined;
        const box: Box = g ? [g.x + x.dx, g.y + x.dy, g.w, g.h] : [x.dx + 80, x.dy + 80, x.w, x.h];
        return det(g && x.cat !== 3 ? g.cat : x.cat, box, x.score, g ? g.img : x.img);
      });
      const got = all(cocoEvaluate({ dataset: d, results, maxDets }).stats);
      const want = referenceCocoEval(d, results, maxDets);
      got.forEach((v, i) => expect(v).toBeCloseTo(want[i]!, 12));
    }), { numRuns: 150 });
  });

  it('when an image has more detections of a class than maxDets (per-image caps, AP read at maxDets 100 < 300)', () => {
    const gtsBoxes: Box[] = Array.from({ length: 40 }, (_, i) => [(i % 8) * 12, Math.floor(i / 8) * 12, 10, 10]);
    const d = dataset(gtsBoxes.map((box) => ({ cat: 1, box })));
    const results = Array.from({ length: 140 }, (_, i) => det(1, [((i * 7) % 8) * 12 + (i % 3), Math.floor(((i * 5) % 40) / 8) * 12, 10, 10], ((i * 37) % 101) / 101));
    for (const maxDets of [[1, 10, 100], [1, 100, 300], [5, 50, 120]]) {
      const got = all(cocoEvaluate({ dataset: d, results, maxDets }).stats);
      const want = referenceCocoEval(d, results, maxDets);
      got.forEach((v, i) => expect(v).toBeCloseTo(want[i]!, 12));
    }
  });
});
