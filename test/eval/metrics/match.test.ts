import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { boxIouF32, matchImage, torchLinspaceF32, ULTRALYTICS_IOU_THRESHOLDS } from '../../../src/eval/metrics/index.js';

/**
 * Literal restatement of Ultralytics' numpy matching for one threshold: all (label, detection) pairs with
 * IoU ≥ t and equal class, sorted by IoU descending (ties: reversed row-major order, as a reversed stable
 * argsort), first pair per detection kept, re-ordered by detection index, then first pair per label kept.
 */
function numpyStyle(iou: number[][], t: number, nDet: number): boolean[] {
  const pairs: { g: number; p: number; v: number; idx: number }[] = [];
  iou.forEach((row, g) => row.forEach((v, p) => { if (v >= t) pairs.push({ g, p, v, idx: pairs.length }); }));
  const correct = new Array<boolean>(nDet).fill(false);
  if (pairs.length === 0) return correct;
  let m = pairs;
  if (m.length > 1) {
    m = [...m].sort((a, b) => a.v - b.v || a.idx - b.idx).reverse();
    const firstByP = new Map<number, (typeof m)[number]>();
    for (const x of m) if (!firstByP.has(x.p)) firstByP.set(x.p, x);
    m = [...firstByP.values()].sort((a, b) => a.p - b.p);
    const firstByG = new Map<number, (typeof m)[number]>();
    for (const x of m) if (!firstByG.has(x.g)) firstByG.set(x.g, x);
    m = [...firstByG.values()];
  }
  for (const x of m) correct[x.p] = true;
  return correct;
}

const box = fc.tuple(fc.integer({ min: 0, max: 30 }), fc.integer({ min: 0, max: 30 }), fc.integer({ min: 2, max: 20 }), fc.integer({ min: 2, max: 20 }))
  .map(([x, y, w, h]) => [x, y, x + w, y + h]);

describe('matchImage', () => {
  it('equals the literal numpy matching of Ultralytics at every threshold (random overlapping boxes, classes, duplicates)', () => {
    fc.assert(fc.property(
      fc.array(fc.record({ b: box, c: fc.integer({ min: 0, max: 1 }) }), { maxLength: 6, size: 'max' }),
      fc.array(fc.record({ b: box, c: fc.integer({ min: 0, max: 1 }), copy: fc.integer({ min: -1, max: 5 }) }), { maxLength: 8, size: 'max' }),
      (gts, dets) => {
        const lb = Float32Array.from(gts.flatMap((g) => g.b));
        const lc = Int32Array.from(gts.map((g) => g.c));
        const d = dets.map((x) => (x.copy >= 0 && gts[x.copy] ? { b: gts[x.copy]!.b, c: gts[x.copy]!.c } : x));
        const db = Float32Array.from(d.flatMap((x) => x.b));
        const dc = Int32Array.from(d.map((x) => x.c));
        const T = ULTRALYTICS_IOU_THRESHOLDS.length;
        const tp = new Uint8Array(d.length * T);
        const order = Int32Array.from(d.keys());
        matchImage(lb, lc, Int32Array.from(gts.keys()), db, dc, order, ULTRALYTICS_IOU_THRESHOLDS, tp, 0);
        const iou = gts.map((g, gi) => d.map((x, p) => (g.c === x.c ? boxIouF32(lb, gi, db, p) : 0)));
        ULTRALYTICS_IOU_THRESHOLDS.forEach((t, ti) => {
          const want = numpyStyle(iou, t, d.length);
          want.forEach((w, p) => expect(tp[p * T + ti] === 1).toBe(w));
        });
      },
    ), { numRuns: 300 });
  });

  it('computes IoU in float32 like torch box_iou (eps 1e-7 in the union)', () => {
    const a = Float32Array.of(0, 0, 10, 10);
    const b = Float32Array.of(0, 0, 8, 8);
    expect(boxIouF32(a, 0, b, 0)).toBe(Math.fround(64 / Math.fround(100 + Math.fround(1e-7))));
    expect(boxIouF32(a, 0, Float32Array.of(20, 20, 30, 30), 0)).toBe(0);
  });

  it('an exact IoU tie between two labels goes to the later label (numpy\'s reversed stable argsort), so a later detection on that label is a duplicate', () => {
    // Detection 0 overlaps both labels with IoU 90/110 exactly; it takes label 1. Detection 1 sits on label 1
    // (IoU 1) and finds it claimed: a false positive wherever detection 0 matched (thresholds 0.50..0.80).
    const labels = Float32Array.of(0, 0, 10, 10, 2, 0, 12, 10);
    const dets = Float32Array.of(1, 0, 11, 10, 2, 0, 12, 10);
    expect(boxIouF32(labels, 0, dets, 0)).toBe(boxIouF32(labels, 1, dets, 0));
    const T = ULTRALYTICS_IOU_THRESHOLDS.length;
    const tp = new Uint8Array(2 * T);
    matchImage(labels, Int32Array.of(0, 0), Int32Array.of(0, 1), dets, Int32Array.of(0, 0), Int32Array.of(0, 1), ULTRALYTICS_IOU_THRESHOLDS, tp, 0);
    expect(Array.from(tp.subarray(0, T))).toEqual([1, 1, 1, 1, 1, 1, 1, 0, 0, 0]);
    expect(Array.from(tp.subarray(T))).toEqual([0, 0, 0, 0, 0, 0, 0, 1, 1, 1]);
  });

  it('IoU uses the larger top edge, keeps eps in the union at tiny scales, and linspace of one step is its start', () => {
    expect(boxIouF32(Float32Array.of(0, 0, 10, 10), 0, Float32Array.of(0, 5, 10, 15), 0)).toBe(Math.fround(50 / Math.fround(150 + Math.fround(1e-7))));
    const tiny = Float32Array.of(0, 0, 1e-3, 1e-3);
    const iou = boxIouF32(tiny, 0, tiny, 0);
    expect(iou).toBeLessThan(1); // 1e-6 / (1e-6 + 1e-7) ≈ 0.909: the eps adds to the union
    expect(iou).toBeCloseTo(1 / 1.1, 3);
    expect(Array.from(torchLinspaceF32(0.5, 0.95, 1))).toEqual([0.5]);
  });

  it('an IoU exactly at a threshold passes it: 100 / 200 is 0.5 in float32 (the eps vanishes in 200 + 1e-7)', () => {
    const labels = Float32Array.of(0, 0, 10, 20);
    const dets = Float32Array.of(0, 0, 10, 10);
    expect(boxIouF32(labels, 0, dets, 0)).toBe(0.5);
    const T = ULTRALYTICS_IOU_THRESHOLDS.length;
    const tp = new Uint8Array(T);
    matchImage(labels, Int32Array.of(3), Int32Array.of(0), dets, Int32Array.of(3), Int32Array.of(0), ULTRALYTICS_IOU_THRESHOLDS, tp, 0);
    expect(Array.from(tp)).toEqual([1, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
  });

  it('writes rows at `offset`; a detection matches only labels of its class, and only with IoU > 0', () => {
    const labels = Float32Array.of(0, 0, 10, 10, 100, 100, 110, 110);
    const dets = Float32Array.of(0, 0, 10, 10, 50, 50, 60, 60, 100, 100, 110, 110);
    const T = ULTRALYTICS_IOU_THRESHOLDS.length;
    const out = new Uint8Array(6 * T);
    matchImage(labels, Int32Array.of(0, 1), Int32Array.of(0, 1), dets, Int32Array.of(0, 0, 1), Int32Array.of(0, 1, 2), ULTRALYTICS_IOU_THRESHOLDS, out, 3);
    expect(Array.from(out.subarray(0, 3 * T))).toEqual(new Array(3 * T).fill(0)); // rows before the offset untouched
    expect(Array.from(out.subarray(3 * T, 4 * T))).toEqual(new Array(T).fill(1)); // identical box: TP at every threshold
    expect(Array.from(out.subarray(4 * T, 5 * T))).toEqual(new Array(T).fill(0)); // overlaps no label
    expect(Array.from(out.subarray(5 * T))).toEqual(new Array(T).fill(1)); // class 1 on label 1
    const swapped = new Uint8Array(3 * T);
    matchImage(labels, Int32Array.of(0, 1), Int32Array.of(0, 1), dets, Int32Array.of(1, 0, 0), Int32Array.of(0, 1, 2), ULTRALYTICS_IOU_THRESHOLDS, swapped, 0);
    expect(Array.from(swapped)).toEqual(new Array(3 * T).fill(0)); // each box on a label of the other class
  });
});
