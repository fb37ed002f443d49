import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { ImageDetections, ImageLabels } from '../../../src/eval/contract.js';
import { computeDetectionMetrics, CURVE_X } from '../../../src/eval/metrics/index.js';

type Xyxy = [number, number, number, number];
const NAMES = ['a', 'b'];

function labels(imageId: string, rows: { cls: number; box: Xyxy; crowd?: boolean }[]): ImageLabels {
  return {
    imageId, width: 100, height: 100,
    boxesXyxy: Float32Array.from(rows.flatMap((r) => r.box)),
    classes: Int32Array.from(rows.map((r) => r.cls)),
    crowd: Uint8Array.from(rows.map((r) => (r.crowd ? 1 : 0))),
  };
}
function dets(imageId: string, rows: { cls: number; box: Xyxy; score: number }[]): ImageDetections {
  return {
    imageId,
    boxesXyxy: Float32Array.from(rows.flatMap((r) => r.box)),
    scores: Float32Array.from(rows.map((r) => r.score)),
    classes: Int32Array.from(rows.map((r) => r.cls)),
  };
}
const A: Xyxy = [10, 10, 20, 20];
const B: Xyxy = [40, 40, 60, 60];
const FAR: Xyxy = [80, 80, 90, 90];

describe('computeDetectionMetrics (Ultralytics semantics): hand-built cases', () => {
  it('no detections: all metrics 0, the per-class table still counts images and instances', () => {
    const m = computeDetectionMetrics({ labels: [labels('1', [{ cls: 0, box: A }, { cls: 0, box: B }])], detections: [], names: NAMES });
    expect([m.precision, m.recall, m.map50, m.map5095]).toEqual([0, 0, 0, 0]);
    expect(m.perClass).toEqual([{ classIndex: 0, name: 'a', images: 1, instances: 2, precision: 0, recall: 0, map50: 0, map5095: 0 }]);
  });

  it('no ground truth: all metrics 0 and an empty per-class table', () => {
    const m = computeDetectionMetrics({ labels: [labels('1', [])], detections: [dets('1', [{ cls: 0, box: A, score: 0.9 }])], names: NAMES });
    expect([m.precision, m.recall, m.map50, m.map5095]).toEqual([0, 0, 0, 0]);
    expect(m.perClass).toEqual([]);
  });

  it('all detections of the wrong class: no true positive, so every metric is 0 (as Ultralytics skips the stats)', () => {
    const m = computeDetectionMetrics({ labels: [labels('1', [{ cls: 0, box: A }])], detections: [dets('1', [{ cls: 1, box: A, score: 0.9 }])], names: NAMES });
    expect([m.precision, m.recall, m.map50, m.map5095]).toEqual([0, 0, 0, 0]);
    expect(m.perClass.map((c) => c.classIndex)).toEqual([0]);
  });

  it('perfect detections: AP = 0.995 (Ultralytics\' interpolation reads precision 0 at recall exactly 1), P = R = 1', () => {
    // mrec = [0, 1, 1], envelope mpre = [1, 1, 0]: y = 1 at the 100 points x < 1 and y(1) = 0 (last of the equal
    // abscissae), so the trapezoid gives 0.99 + 0.01·(1 + 0)/2 = 0.995.
    const m = computeDetectionMetrics({
      labels: [labels('1', [{ cls: 0, box: A }, { cls: 1, box: B }])],
      detections: [dets('1', [{ cls: 0, box: A, score: 0.9 }, { cls: 1, box: B, score: 0.8 }])],
      names: NAMES,
    });
    expect(m.map50).toBeCloseTo(0.995, 12);
    expect(m.map5095).toBeCloseTo(0.995, 12);
    // Mean F1 is 1 on the whole low-confidence plateau; the smoothed argmax is its first point (confidence 0).
    expect(m.bestConfidence).toBe(0);
    expect(m.precision).toBe(1);
    expect(m.recall).toBe(1);
  });

  it('two detections, one TP one FP, two labels: AP by hand = 0.6225', () => {
    // recall [.5, .5], precision [1, .5]; mrec [0, .5, .5, 1], envelope [1, 1, .5, 0].
    // 101-point interp: x < .5 → 1 (50 points), x = .5 → .5 (last equal abscissa), .5 < x ≤ 1 → 1 - x.
    // Trapezoid: 49·0.01 + 0.01·(1 + .5)/2 + area under 1-x on [.5, 1] (0.125) = 0.49 + 0.0075 + 0.125 = 0.6225.
    const m = computeDetectionMetrics({
      labels: [labels('1', [{ cls: 0, box: A }, { cls: 0, box: B }])],
      detections: [dets('1', [{ cls: 0, box: A, score: 0.9 }, { cls: 0, box: FAR, score: 0.8 }])],
      names: NAMES,
    });
    expect(m.map50).toBeCloseTo(0.6225, 12);
    // R stays 0.5 for every confidence ≤ 0.9; P is read where the smoothed F1 peaks, between 0.8 and 0.9.
    expect(m.recall).toBe(0.5);
    expect(m.precision).toBeGreaterThan(0.5);
    expect(m.precision).toBeLessThan(1);
    expect(m.bestConfidence).toBeGreaterThan(0.8);
    expect(m.bestConfidence).toBeLessThan(0.9);
  });

  it('duplicates: the second detection on a matched label is a false positive', () => {
    // tp [1, 0, 1] → recall [.5, .5, 1], precision [1, .5, 2/3]; envelope on mrec [0,.5,.5,1,1] = [1,1,2/3,2/3,0].
    // y: 1 for x < .5 (50 pts), 2/3 for .5 ≤ x < 1 (50 pts), 0 at x = 1.
    // AP = 0.49 + 0.01·(1 + 2/3)/2 + 49·0.01·2/3 + 0.01·(2/3)/2 = 0.828333…
    const m = computeDetectionMetrics({
      labels: [labels('1', [{ cls: 0, box: A }, { cls: 0, box: B }])],
      detections: [dets('1', [{ cls: 0, box: A, score: 0.9 }, { cls: 0, box: A, score: 0.8 }, { cls: 0, box: B, score: 0.7 }])],
      names: NAMES,
    });
    const ap = 0.49 + (0.01 * (1 + 2 / 3)) / 2 + (49 * 0.01 * 2) / 3 + (0.01 * (2 / 3)) / 2;
    expect(m.map50).toBeCloseTo(ap, 12);
    expect(m.perClass[0]!.instances).toBe(2);
  });

  it('crowd labels are dropped: detections on them are false positives and they are not instances', () => {
    // tp [1, 0, 0], one label: recall [1,1,1] → mrec [0,1,1,1,1]: y = 1 for x < 1, 0 at 1 → AP 0.995.
    const m = computeDetectionMetrics({
      labels: [labels('1', [{ cls: 0, box: A }, { cls: 0, box: B, crowd: true }])],
      detections: [dets('1', [{ cls: 0, box: A, score: 0.9 }, { cls: 0, box: B, score: 0.8 }, { cls: 0, box: [45, 45, 55, 55], score: 0.7 }])],
      names: NAMES,
    });
    expect(m.map50).toBeCloseTo(0.995, 12);
    expect(m.perClass[0]).toMatchObject({ images: 1, instances: 1 });
  });

  it('IoU thresholds: a box with IoU 0.64 is a TP at 0.50..0.60 only (3 of 10 thresholds)', () => {
    // label [0,0,10,10], detection [0,0,8,8]: IoU 64/100 = 0.64 → TP at 0.50, 0.55, 0.60; each TP column gives AP 0.995.
    const m = computeDetectionMetrics({
      labels: [labels('1', [{ cls: 0, box: [0, 0, 10, 10] }])],
      detections: [dets('1', [{ cls: 0, box: [0, 0, 8, 8], score: 0.9 }])],
      names: NAMES,
    });
    expect(m.map50).toBeCloseTo(0.995, 12);
    expect(m.map5095).toBeCloseTo((3 * 0.995) / 10, 12);
  });

  it('rejects detections of an image that is not in labels', () => {
    expect(() => computeDetectionMetrics({ labels: [], detections: [dets('x', [])], names: NAMES })).toThrow(/image id "x"/);
  });
});

const box = fc.tuple(fc.integer({ min: 0, max: 60 }), fc.integer({ min: 0, max: 60 }), fc.integer({ min: 4, max: 40 }), fc.integer({ min: 4, max: 40 }))
  .map(([x, y, w, h]): Xyxy => [x, y, x + w, y + h]);
const image = fc.record({
  gts: fc.array(fc.record({ cls: fc.integer({ min: 0, max: 1 }), box }), { maxLength: 5, size: 'max' }),
  dets: fc.array(fc.record({ cls: fc.integer({ min: 0, max: 1 }), box, jitter: fc.boolean() }), { maxLength: 8, size: 'max' }),
});

describe('computeDetectionMetrics: properties', () => {
  it('metrics lie in [0, 1] and do not depend on the order of detections within or across images', () => {
    fc.assert(fc.property(fc.array(image, { minLength: 1, maxLength: 4, size: 'max' }), fc.integer(), (imgs, seed) => {
      let k = 0;
      const total = imgs.reduce((s, im) => s + im.dets.length, 0);
      const lab = imgs.map((im, i) => labels(String(i), im.gts));
      const det = imgs.map((im, i) => dets(String(i), im.dets.map((d) => {
        // Some detections copy a label box so that there are true positives; scores are distinct.
        const g = im.gts[k % Math.max(1, im.gts.length)];
        const b = d.jitter && g ? g.box : d.box;
        return { cls: d.jitter && g ? g.cls : d.cls, box: b, score: (++k) / (total + 1) };
      })));
      const m = computeDetectionMetrics({ labels: lab, detections: det, names: NAMES });
      for (const v of [m.precision, m.recall, m.map50, m.map5095]) expect(v >= 0 && v <= 1).toBe(true);
      let s = seed >>> 0;
      const rand = (n: number): number => ((s = (s * 1103515245 + 12345) >>> 0), s % n);
      const permuted = det.map((d) => {
        const n = d.scores.length;
        const p = Array.from({ length: n }, (_, i) => i);
        for (let i = n - 1; i > 0; i--) {
          const j = rand(i + 1);
          [p[i], p[j]] = [p[j]!, p[i]!];
        }
        return { imageId: d.imageId, scores: Float32Array.from(p, (i) => d.scores[i]!), classes: Int32Array.from(p, (i) => d.classes[i]!), boxesXyxy: Float32Array.from(p.flatMap((i) => Array.from(d.boxesXyxy.subarray(i * 4, i * 4 + 4)))) };
      }).reverse();
      expect(computeDetectionMetrics({ labels: lab, detections: permuted, names: NAMES })).toEqual(m);
    }), { numRuns: 60 });
  });
});

describe('computeDetectionMetrics: inputs, thresholds and the per-class table', () => {
  const oneHit = (iouThresholds?: number[]) => computeDetectionMetrics({
    labels: [labels('1', [{ cls: 0, box: [0, 0, 10, 10] }])],
    detections: [dets('1', [{ cls: 0, box: [0, 0, 8, 8], score: 0.9 }])], // IoU 0.64
    names: NAMES, ...(iouThresholds ? { iouThresholds } : {}),
  });
  it('custom IoU thresholds: the first gives mAP50, all of them mAP50-95; equal neighbours and 1 are allowed', () => {
    const m = oneHit([0.3, 0.7]);
    expect(m.map50).toBeCloseTo(0.995, 12);
    expect(m.map5095).toBeCloseTo(0.995 / 2, 12);
    expect(oneHit([0.6, 0.6, 1]).map5095).toBeCloseTo((2 * 0.995) / 3, 12);
    expect(oneHit([0.7]).map50).toBe(0);
  });
  it('rejects thresholds that are empty, outside (0, 1] or descending, naming them', () => {
    for (const t of [[], [0], [-0.5], [1.01], [0.7, 0.5]]) {
      expect(() => oneHit(t)).toThrow(`iouThresholds must be a non-empty ascending list in (0, 1] (got [${t.join(', ')}])`);
    }
  });
  it('rejects an image listed twice in labels or in detections', () => {
    expect(() => computeDetectionMetrics({ labels: [labels('1', []), labels('1', [])], detections: [], names: NAMES }))
      .toThrow('labels: image id "1" appears twice; each image must be listed once');
    expect(() => computeDetectionMetrics({ labels: [labels('1', [])], detections: [dets('1', []), dets('1', [])], names: NAMES }))
      .toThrow('detections: image id "1" appears twice');
    expect(() => computeDetectionMetrics({ labels: [labels('1', [])], detections: [dets('2', [])], names: NAMES }))
      .toThrow('detections for image id "2" which has no labels entry; pass every evaluated image in labels (empty boxes for background images)');
  });
  it('counts images and instances per class, names unnamed classes by index, and means over classes', () => {
    const m = computeDetectionMetrics({
      labels: [
        labels('1', [{ cls: 0, box: A }, { cls: 0, box: B }, { cls: 3, box: FAR }]),
        labels('2', [{ cls: 0, box: A }]),
        labels('3', []),
      ],
      detections: [dets('1', [{ cls: 0, box: A, score: 0.9 }, { cls: 0, box: B, score: 0.8 }, { cls: 3, box: FAR, score: 0.7 }]), dets('2', []), dets('3', [])],
      names: NAMES,
    });
    expect(m.perClass.map((c) => [c.classIndex, c.name, c.images, c.instances])).toEqual([[0, 'a', 2, 3], [3, '3', 1, 1]]);
    // class 0: recall 2/3 (the label of image 2 is missed), precision 1; class 3: perfect.
    expect(m.perClass[1]!.map50).toBeCloseTo(0.995, 12);
    expect(m.perClass[0]!.recall).toBeCloseTo(2 / 3, 12);
    expect(m.map50).toBeCloseTo((m.perClass[0]!.map50 + m.perClass[1]!.map50) / 2, 14);
    expect(m.map5095).toBeCloseTo((m.perClass[0]!.map5095 + m.perClass[1]!.map5095) / 2, 14);
    expect(m.precision).toBeCloseTo((m.perClass[0]!.precision + m.perClass[1]!.precision) / 2, 14);
    expect(m.recall).toBeCloseTo((2 / 3 + 1) / 2, 12);
    expect(m.prCurve.recall).toEqual(CURVE_X);
    expect(m.prCurve.precision).toHaveLength(1000);
  });
  it('without a true positive the curve is zero and the best confidence 0', () => {
    const m = computeDetectionMetrics({ labels: [labels('1', [{ cls: 0, box: A }])], detections: [dets('1', [{ cls: 0, box: FAR, score: 0.9 }])], names: NAMES });
    expect(m.prCurve.recall).toEqual(CURVE_X);
    expect(Array.from(m.prCurve.precision)).toEqual(new Array<number>(1000).fill(0));
    expect(m.bestConfidence).toBe(0);
    expect(m.perClass).toEqual([{ classIndex: 0, name: 'a', images: 1, instances: 1, precision: 0, recall: 0, map50: 0, map5095: 0 }]);
  });
});

describe('computeDetectionMetrics: images, class order and owned arrays', () => {
  it('detections split over images score as the same detections in one image (boxes apart): the columns line up', () => {
    // Two images, three detections each, with TPs and FPs interleaved by score across images.
    const B2: Xyxy = [40, 10, 50, 20];
    const split = computeDetectionMetrics({
      labels: [labels('1', [{ cls: 0, box: A }, { cls: 1, box: B }]), labels('2', [{ cls: 0, box: A }, { cls: 0, box: B2 }])],
      detections: [
        dets('1', [{ cls: 0, box: FAR, score: 0.95 }, { cls: 0, box: A, score: 0.6 }, { cls: 1, box: B, score: 0.3 }]),
        dets('2', [{ cls: 0, box: A, score: 0.9 }, { cls: 1, box: FAR, score: 0.5 }, { cls: 0, box: B2, score: 0.2 }]),
      ],
      names: NAMES,
    });
    // Image 2 moved 100 px right and down, into one 200 x 200 image.
    const mv = (b: Xyxy): Xyxy => [b[0] + 100, b[1] + 100, b[2] + 100, b[3] + 100];
    const merged = computeDetectionMetrics({
      labels: [{ ...labels('1', [{ cls: 0, box: A }, { cls: 1, box: B }, { cls: 0, box: mv(A) }, { cls: 0, box: mv(B2) }]), width: 200, height: 200 }],
      detections: [dets('1', [
        { cls: 0, box: FAR, score: 0.95 }, { cls: 0, box: A, score: 0.6 }, { cls: 1, box: B, score: 0.3 },
        { cls: 0, box: mv(A), score: 0.9 }, { cls: 1, box: mv(FAR), score: 0.5 }, { cls: 0, box: mv(B2), score: 0.2 },
      ])],
      names: NAMES,
    });
    expect({ ...split, perClass: split.perClass.map((c) => ({ ...c, images: 0 })) }).toEqual({ ...merged, perClass: merged.perClass.map((c) => ({ ...c, images: 0 })) });
    // class 0: 3 labels, TPs at 0.9 and 0.6 and 0.2, an FP at 0.95 → recall 1; class 1: its TP at 0.3, an FP at 0.5.
    expect(split.perClass.map((c) => [c.classIndex, c.images, c.instances])).toEqual([[0, 2, 3], [1, 1, 1]]);
  });

  it('an image in labels without a detections entry counts its labels as missed', () => {
    const m = computeDetectionMetrics({
      labels: [labels('1', [{ cls: 0, box: A }]), labels('2', [{ cls: 0, box: B }])],
      detections: [dets('1', [{ cls: 0, box: A, score: 0.9 }])],
      names: NAMES,
    });
    expect(m.perClass.map((c) => [c.instances, c.images, c.precision, c.recall])).toEqual([[2, 2, 1, 0.5]]);
  });

  it('the per-class table is in ascending class index, whatever order the classes first appear in', () => {
    const m = computeDetectionMetrics({
      labels: [labels('1', [{ cls: 7, box: A }]), labels('2', [{ cls: 2, box: A }, { cls: 11, box: B }])],
      detections: [dets('1', [{ cls: 7, box: A, score: 0.9 }])],
      names: NAMES,
    });
    expect(m.perClass.map((c) => c.classIndex)).toEqual([2, 7, 11]);
    const none = computeDetectionMetrics({ labels: [labels('1', [{ cls: 7, box: A }, { cls: 2, box: B }, { cls: 11, box: B }])], detections: [], names: NAMES });
    expect(none.perClass.map((c) => c.classIndex)).toEqual([2, 7, 11]);
  });

  it('the result owns its curve arrays: writing into one changes neither CURVE_X nor a later result', () => {
    const curveX = Array.from(CURVE_X);
    const first = computeDetectionMetrics({ labels: [labels('1', [{ cls: 0, box: A }])], detections: [], names: NAMES });
    first.prCurve.recall[5] = -1;
    const hit = computeDetectionMetrics({ labels: [labels('1', [{ cls: 0, box: A }])], detections: [dets('1', [{ cls: 0, box: A, score: 0.9 }])], names: NAMES });
    hit.prCurve.recall[6] = -1;
    expect(Array.from(CURVE_X)).toEqual(curveX);
    const again = computeDetectionMetrics({ labels: [labels('1', [{ cls: 0, box: A }])], detections: [], names: NAMES });
    expect(Array.from(again.prCurve.recall)).toEqual(curveX);
  });
});
