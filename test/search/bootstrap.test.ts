import { describe, expect, it } from 'vitest';
import type { ImageDetections, ImageLabels } from '../../src/eval/contract.js';
import { computeDetectionMetrics } from '../../src/eval/metrics/index.js';
import { correctedLevel, DropBootstrap, matchRecords, metricWithCounts, pairedDrops, resamplePlan, upperBound } from '../../src/search/bootstrap.js';
import { seededRandom } from '../../src/bench/stats.js';

const box = (x: number, y: number, w = 20, h = 20) => [x, y, x + w, y + h];
const labelsOf = (id: string, boxes: number[][], classes: number[]): ImageLabels => ({ imageId: id, boxesXyxy: Float32Array.from(boxes.flat()), classes: Int32Array.from(classes), width: 640, height: 640 });
const detsOf = (id: string, boxes: number[][], classes: number[], scores: number[]): ImageDetections => ({ imageId: id, boxesXyxy: Float32Array.from(boxes.flat()), classes: Int32Array.from(classes), scores: Float32Array.from(scores) });

/** A random detection problem: images with labels of 3 classes, detections near or off them, unique scores. */
function randomProblem(seed: number, images: number): { labels: ImageLabels[]; dets: ImageDetections[] } {
  const r = seededRandom(seed);
  const labels: ImageLabels[] = [], dets: ImageDetections[] = [];
  for (let i = 0; i < images; i++) {
    const lb: number[][] = [], lc: number[] = [], db: number[][] = [], dc: number[] = [], ds: number[] = [];
    const n = Math.floor(r() * 4);
    for (let k = 0; k < n; k++) {
      const x = r() * 500, y = r() * 500, c = Math.floor(r() * 3);
      lb.push(box(x, y)); lc.push(c);
      // a detection that overlaps well, poorly or not at all, sometimes of another class
      if (r() < 0.8) { const j = r() * 12; db.push(box(x + j, y + j)); dc.push(r() < 0.85 ? c : (c + 1) % 3); ds.push(r()); }
    }
    for (let k = Math.floor(r() * 3); k > 0; k--) { db.push(box(r() * 500, r() * 500)); dc.push(Math.floor(r() * 3)); ds.push(r()); }
    labels.push(labelsOf(`im${i}`, lb, lc));
    dets.push(detsOf(`im${i}`, db, dc, ds));
  }
  return { labels, dets };
}

describe('metricWithCounts: mAP recomputed on a resample', () => {
  const { labels, dets } = randomProblem(7, 12);
  it('every count 1 gives exactly the validation metric (mAP50 and mAP50-95)', () => {
    const m = computeDetectionMetrics({ labels, detections: dets, names: ['a', 'b', 'c'] });
    expect(m.map50).toBeGreaterThan(0);
    expect(metricWithCounts(matchRecords(labels, dets, 'map50'), new Array(12).fill(1))).toBe(m.map50);
    expect(metricWithCounts(matchRecords(labels, dets, 'map5095'), new Array(12).fill(1))).toBeCloseTo(m.map5095, 12);
  });
  it('counts equal the metric of the image list with each image repeated that many times', () => {
    const counts = [2, 0, 1, 3, 0, 0, 1, 1, 2, 0, 1, 1];
    const rl: ImageLabels[] = [], rd: ImageDetections[] = [];
    counts.forEach((c, i) => { for (let k = 0; k < c; k++) { rl.push({ ...labels[i]!, imageId: `${i}-${k}` }); rd.push({ ...dets[i]!, imageId: `${i}-${k}` }); } });
    const m = computeDetectionMetrics({ labels: rl, detections: rd, names: ['a', 'b', 'c'] });
    expect(metricWithCounts(matchRecords(labels, dets, 'map50'), counts)).toBeCloseTo(m.map50, 12);
    expect(metricWithCounts(matchRecords(labels, dets, 'map5095'), counts)).toBeCloseTo(m.map5095, 12);
  });
  it('no true positive in the resample → 0 (the Ultralytics rule)', () => {
    const l = [labelsOf('a', [box(0, 0)], [0]), labelsOf('b', [box(100, 100)], [0])];
    const d = [detsOf('a', [box(0, 0)], [0], [0.9]), detsOf('b', [box(300, 300)], [0], [0.8])];
    const rec = matchRecords(l, d);
    expect(metricWithCounts(rec, [0, 2])).toBe(0);
    expect(metricWithCounts(rec, [1, 1])).toBeGreaterThan(0);
  });
});

describe('DropBootstrap: paired drops', () => {
  it('identical models → every replicate drop is exactly 0, bound 0', () => {
    const { labels, dets } = randomProblem(3, 20);
    const b = new DropBootstrap(labels, dets, 'map50', 'relative', { resamples: 300 });
    const d = b.drops(dets.map((x) => ({ ...x })));
    expect(d.length).toBe(300);
    expect(d.every((v) => v === 0)).toBe(true);
    expect(upperBound(d, 0.9)).toBe(0);
  });

  // 4 images, one box each, the original finds all four; the candidate loses image 0's box. On a resample the
  // candidate's AP depends only on c0, the number of copies of image 0 (Binomial(4, 1/4)): P(c0 ≤ 1) = 0.738,
  // P(c0 ≤ 2) = 0.949, so the 90% bound is the drop at c0 = 2 (recall 2/4), and c0 = 0 (drop 0) has P = 0.316.
  const l = [0, 1, 2, 3].map((i) => labelsOf(`i${i}`, [box(100 * i, 50)], [0]));
  const orig = [0, 1, 2, 3].map((i) => detsOf(`i${i}`, [box(100 * i, 50)], [0], [0.9 - 0.1 * i]));
  const cand = orig.map((d, i) => (i === 0 ? detsOf('i0', [], [], []) : d));
  const dropAt = (c0: number) => {
    const counts = [c0, 4 - c0, 0, 0];
    const base = metricWithCounts(matchRecords(l, orig), counts);
    return (base - metricWithCounts(matchRecords(l, cand), counts)) / base;
  };
  it('a candidate that loses one TP: the drop distribution and the 90% bound are the known ones', () => {
    const b = new DropBootstrap(l, orig, 'map50', 'relative', { resamples: 4000, seed: 5 });
    const d = b.drops(cand);
    const zeros = d.filter((v) => v === 0).length / d.length;
    expect(zeros).toBeGreaterThan(0.29);
    expect(zeros).toBeLessThan(0.34);
    expect(dropAt(2)).toBeGreaterThan(dropAt(1));
    expect(upperBound(d, 0.9)).toBeCloseTo(dropAt(2), 12);
    // the full-set drop is the c0 = 1 drop; the bound is above it
    const m = (d: ImageDetections[]) => computeDetectionMetrics({ labels: l, detections: d, names: ['a'] }).map50;
    const full = (m(orig) - m(cand)) / m(orig);
    expect(full).toBeCloseTo(dropAt(1), 12);
    expect(upperBound(d, 0.9)).toBeGreaterThan(full);
    // Bonferroni over 10 candidates: level 0.99 → P(c0 ≤ 2) = 0.949 < 0.99 ≤ P(c0 ≤ 3) = 0.996: the c0 = 3 drop
    expect(upperBound(d, correctedLevel(0.9, 10))).toBeCloseTo(dropAt(3), 12);
  });
  it('deterministic for a seed; another seed resamples differently', () => {
    const { labels, dets } = randomProblem(11, 16);
    const cand2 = dets.map((d, i) => (i % 3 === 0 ? detsOf(d.imageId, [], [], []) : d));
    const a = new DropBootstrap(labels, dets, 'map50', 'relative', { resamples: 200, seed: 9 }).drops(cand2);
    const b = new DropBootstrap(labels, dets, 'map50', 'relative', { resamples: 200, seed: 9 }).drops(cand2);
    const c = new DropBootstrap(labels, dets, 'map50', 'relative', { resamples: 200, seed: 10 }).drops(cand2);
    expect(Array.from(a)).toEqual(Array.from(b));
    expect(Array.from(a)).not.toEqual(Array.from(c));
    expect(resamplePlan(16, 5, 9).counts).toEqual(resamplePlan(16, 5, 9).counts);
  });
  it('every resample draws n images', () => {
    const p = resamplePlan(7, 50, 2);
    for (let b = 0; b < 50; b++) expect(p.counts.subarray(b * 7, b * 7 + 7).reduce((s, v) => s + v, 0)).toBe(7);
  });
});

describe('pairedDrops, upperBound, correctedLevel', () => {
  it('relative and absolute drops, sorted ascending; base 0 → 0', () => {
    const rel = Array.from(pairedDrops(Float64Array.from([0.5, 0.4, 0]), Float64Array.from([0.4, 0.5, 0.1]), 'relative'));
    [-0.25, 0, 0.2].forEach((v, i) => expect(rel[i]).toBeCloseTo(v, 12));
    expect(Array.from(pairedDrops(Float64Array.from([0.5, 0.4]), Float64Array.from([0.4, 0.5]), 'absolute')).map((v) => +v.toFixed(12))).toEqual([-0.1, 0.1]);
  });
  it('the quantile interpolates between order statistics', () => {
    const d = Float64Array.from({ length: 11 }, (_, i) => i / 1000);
    expect(upperBound(d, 0.9)).toBeCloseTo(0.009, 15);
    expect(upperBound(d, 0.95)).toBeCloseTo(0.0095, 15);
    expect(upperBound(d, 1)).toBe(0.01);
  });
  it('Bonferroni: 1 − (1 − c) / family; family ≤ 1 is the plain level', () => {
    expect(correctedLevel(0.9, 1)).toBe(0.9);
    expect(correctedLevel(0.9, 0)).toBe(0.9);
    expect(correctedLevel(0.9, 20)).toBeCloseTo(0.995, 15);
  });
});
