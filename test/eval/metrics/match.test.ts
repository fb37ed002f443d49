import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { boxIouF32, matchImage, ULTRALYTICS_IOU_THRESHOLDS } from '../../../src/eval/metrics/index.js';

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
      fc.array(fc.record({ b: box, c: fc.integer({ min: 0, max: 1 }) }), { maxLength: 6 }),
      fc.array(fc.record({ b: box, c: fc.integer({ min: 0, max: 1 }), copy: fc.integer({ min: -1, max: 5 }) }), { maxLength: 8 }),
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
});
