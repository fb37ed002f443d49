/**
 * Metric speed on a synthetic COCO-sized problem: 5,000 images × 300 detections (1.5 M boxes), 80 classes,
 * ~7 ground-truth boxes per image (~5% crowd).
 *  - `cocoEvaluate` (pycocotools COCOeval semantics, 12 stats + per category) on result columns, as
 *    `prunekit eval` runs it. Target: < 1 s.
 *  - the same with an array of 1.5 M result objects as input (library convenience form);
 *  - `computeDetectionMetrics` (Ultralytics semantics) on the same boxes.
 * Inputs are built before timing; reading the results JSON (`JSON.parse` + validation into columns) is reported
 * separately. Each function runs `REPS` times: median and min wall time, CPU time of the median run.
 * The machine's load and a calibration loop (100 M float adds) are recorded, since shared runners vary a lot.
 *
 * Usage: npx tsx bench/eval-metrics.ts [images] [detsPerImage]   → bench/results/eval-metrics.json
 */
import os from 'node:os';
import { cocoEvaluate, parseCocoResultColumns, toCocoResultColumns, type CocoDataset, type CocoResult } from '../src/eval/coco/index.js';
import type { ImageDetections, ImageLabels } from '../src/eval/contract.js';
import { computeDetectionMetrics } from '../src/eval/metrics/index.js';
import { saveResult } from './lib/results.js';

const N_IMAGES = Number(process.argv[2] ?? 5000);
const DETS = Number(process.argv[3] ?? 300);
const REPS = 5;
const W = 640, H = 480, NC = 80;

/** Deterministic LCG in [0, 1). */
function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32);
}

function synth(): { dataset: CocoDataset; results: CocoResult[]; labels: ImageLabels[]; detections: ImageDetections[] } {
  const r = rng(42);
  const dataset: CocoDataset = { images: [], annotations: [], categories: Array.from({ length: NC }, (_, i) => ({ id: i + 1, name: `c${i}` })) };
  const results: CocoResult[] = [];
  const labels: ImageLabels[] = [];
  const detections: ImageDetections[] = [];
  let annId = 1;
  for (let im = 1; im <= N_IMAGES; im++) {
    dataset.images.push({ id: im, file_name: `${im}.jpg`, width: W, height: H });
    const nGt = 1 + Math.floor(r() * 13);
    const gts: { cls: number; box: [number, number, number, number]; crowd: number }[] = [];
    for (let g = 0; g < nGt; g++) {
      const w = 8 + r() * 300, h = 8 + r() * 250;
      const box: [number, number, number, number] = [r() * (W - w), r() * (H - h), w, h];
      const cls = Math.floor(r() * NC);
      const crowd = r() < 0.05 ? 1 : 0;
      gts.push({ cls, box, crowd });
      dataset.annotations.push({ id: annId++, image_id: im, category_id: cls + 1, bbox: box, area: w * h * 0.8, iscrowd: crowd });
    }
    const db = new Float32Array(DETS * 4), ds = new Float32Array(DETS), dc = new Int32Array(DETS);
    for (let d = 0; d < DETS; d++) {
      let box: [number, number, number, number];
      let cls: number;
      let score: number;
      if (d < nGt * 3) {
        const g = gts[d % nGt]!;
        const j = (v: number, s: number): number => v + (r() - 0.5) * s * 0.3;
        box = [j(g.box[0], g.box[2]), j(g.box[1], g.box[3]), g.box[2] * (0.8 + r() * 0.4), g.box[3] * (0.8 + r() * 0.4)];
        cls = r() < 0.9 ? g.cls : Math.floor(r() * NC);
        score = 0.3 + r() * 0.7;
      } else {
        const w = 4 + r() * 200, h = 4 + r() * 200;
        box = [r() * (W - w), r() * (H - h), w, h];
        cls = Math.floor(r() * NC);
        score = r() * 0.5;
      }
      score = Math.fround(score);
      results.push({ image_id: im, category_id: cls + 1, bbox: box, score });
      db.set([box[0], box[1], box[0] + box[2], box[1] + box[3]], d * 4);
      ds[d] = score;
      dc[d] = cls;
    }
    labels.push({
      imageId: String(im), width: W, height: H,
      boxesXyxy: Float32Array.from(gts.flatMap((g) => [g.box[0], g.box[1], g.box[0] + g.box[2], g.box[1] + g.box[3]])),
      classes: Int32Array.from(gts.map((g) => g.cls)),
      crowd: Uint8Array.from(gts.map((g) => g.crowd)),
    });
    detections.push({ imageId: String(im), boxesXyxy: db, scores: ds, classes: dc });
  }
  return { dataset, results, labels, detections };
}

function time<T>(fn: () => T): { result: T; wallMs: number; cpuMs: number } {
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  const result = fn();
  const wallMs = performance.now() - t0;
  const c = process.cpuUsage(c0);
  return { result, wallMs, cpuMs: (c.user + c.system) / 1000 };
}

function summary(runs: { wallMs: number; cpuMs: number }[]): { medianMs: number; minMs: number; medianCpuMs: number; runsMs: number[] } {
  const sorted = [...runs].sort((a, b) => a.wallMs - b.wallMs);
  const mid = sorted[Math.floor(sorted.length / 2)]!;
  return { medianMs: mid.wallMs, minMs: sorted[0]!.wallMs, medianCpuMs: mid.cpuMs, runsMs: runs.map((r) => Math.round(r.wallMs * 10) / 10) };
}

function calibrate(): number {
  const a = new Float64Array(1e7).fill(1);
  const t0 = performance.now();
  let s = 0;
  for (let r = 0; r < 10; r++) for (let i = 0; i < a.length; i++) s += a[i]!;
  return s > 0 ? performance.now() - t0 : -1;
}

function main(): void {
  const calibrationMs = calibrate();
  const synthetic = synth();
  const { dataset, labels, detections } = synthetic;
  const columns = toCocoResultColumns(synthetic.results);
  // The column runs see the heap `prunekit eval` has while it evaluates: the dataset and the result columns. The
  // results as objects and as JSON text (220 MB) are made again afterwards (synth is deterministic), because a
  // large live heap makes every full collection that big buffers trigger cost hundreds of ms.
  synthetic.results = [];
  const coco: { wallMs: number; cpuMs: number }[] = [];
  let stats;
  for (let i = 0; i < REPS; i++) {
    const t = time(() => cocoEvaluate({ dataset, results: columns }));
    coco.push(t);
    stats = t.result.stats;
  }
  const json = JSON.stringify(synth().results);
  const parse = time(() => parseCocoResultColumns(JSON.parse(json)));
  const objects: CocoResult[] = JSON.parse(json) as CocoResult[];
  const cocoObjects: { wallMs: number; cpuMs: number }[] = [];
  for (let i = 0; i < REPS; i++) {
    const t = time(() => cocoEvaluate({ dataset, results: objects }));
    cocoObjects.push(t);
    if (JSON.stringify(t.result.stats) !== JSON.stringify(stats)) throw new Error('object and column inputs disagree');
  }
  const ultra: { wallMs: number; cpuMs: number }[] = [];
  let um;
  for (let i = 0; i < REPS; i++) {
    const t = time(() => computeDetectionMetrics({ labels, detections, names: dataset.categories.map((c) => c.name) }));
    ultra.push(t);
    um = t.result;
  }
  const out = {
    images: N_IMAGES, detectionsPerImage: DETS, detections: columns.score.length, groundTruth: dataset.annotations.length, classes: NC,
    node: process.version, cpus: os.cpus().length, loadAverage1m: os.loadavg()[0],
    calibration100MAddsMs: calibrationMs,
    cocoEvaluate: { ...summary(coco), targetMs: 1000, stats },
    cocoEvaluateObjectInput: summary(cocoObjects),
    ultralyticsMetrics: { ...summary(ultra), precision: um?.precision, recall: um?.recall, map50: um?.map50, map5095: um?.map5095 },
    resultsJsonParseAndValidateMs: parse.wallMs,
  };
  saveResult('eval-metrics', out);
  console.log(JSON.stringify({
    cocoMedianMs: out.cocoEvaluate.medianMs, cocoMinMs: out.cocoEvaluate.minMs, cocoObjectsMedianMs: out.cocoEvaluateObjectInput.medianMs,
    ultralyticsMedianMs: out.ultralyticsMetrics.medianMs, parseMs: parse.wallMs, load: out.loadAverage1m, calibrationMs,
  }));
}

main();
