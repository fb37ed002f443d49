import { copyFile, readFile, writeFile } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { DatasetError } from '../../src/core/errors.js';
import { COCO80_TO_91 } from '../../src/eval/coco/category-map.js';
import { cocoEvaluate } from '../../src/eval/coco/cocoeval.js';
import { parseCocoDataset, parseCocoResults } from '../../src/eval/coco/parse.js';
import { validate } from '../../src/eval/validate.js';
import { describeFixtures, fixture, tempDir } from '../helpers/fixtures.js';
import { writeSplit } from './helpers/tiny-dataset.js';

const MODEL = fixture('models', 'LeYOLONano-640.onnx');
const REF = { coco128: [0.5729, 0.54818, 0.58875, 0.44261], coco8: [0.60341, 0.95, 0.91524, 0.57663] };
/** The references are printed to 5 decimals; observed differences ≤ 8e-6 (coco8 and coco128, 2 threads). */
const TOL = 2e-5;
const COCO_JSON = fixture('datasets', 'coco128', 'annotations', 'instances_train2017.json');

function expectClose(got: number[], want: number[], tol: number): void {
  got.forEach((v, i) => expect(Math.abs(v - want[i]!), `metric ${i}: ${v} vs ${want[i]}`).toBeLessThanOrEqual(tol));
}

describeFixtures('validate: acceptance against Ultralytics 8.3.63 and pycocotools', () => {
  it('coco8 val split, ultralytics metric: P, R, mAP50, mAP50-95 within ±2e-5', async () => {
    const r = await validate({ model: MODEL, data: fixture('datasets', 'coco8', 'coco8.yaml'), threads: 2 });
    expect([r.images, r.instances, r.layout, r.imgsz]).toEqual([4, 17, 'v8', 640]);
    const m = r.metrics!;
    expectClose([m.precision, m.recall, m.map50, m.map5095], REF.coco8, TOL);
    expect(r.skipped).toEqual([]);
    expect(r.speed.inferenceMs).toBeGreaterThan(0);
    // Defaults: with every core running inference, decoding stays on this thread and NMS goes to a worker
    // (on two cores or more); with a core left free, both go to workers.
    const cores = availableParallelism();
    expect([r.preprocess?.mode, r.postprocess?.mode]).toEqual(2 >= cores ? ['main', cores >= 2 ? 'worker' : 'main'] : ['worker', 'worker']);
  });

  it('workers: 0 (all on the calling thread) gives the same detections as the worker threads', async () => {
    const data = fixture('datasets', 'coco8', 'coco8.yaml');
    const viaWorkers = await validate({ model: MODEL, data, threads: 1, keepPredictions: true, prefetch: 2, workers: 1 });
    const inThread = await validate({ model: MODEL, data, threads: 1, keepPredictions: true, workers: 0 });
    expect(viaWorkers.preprocess).toEqual({ mode: 'worker' });
    expect(inThread.preprocess).toEqual({ mode: 'main' });
    expect(viaWorkers.predictions!.length).toBeGreaterThan(0);
    expect(viaWorkers.predictions).toEqual(inThread.predictions);
    expect(viaWorkers.metrics).toEqual(inThread.metrics);
    // Decode on the calling thread, NMS in a worker: the same detections again.
    const split = await validate({ model: MODEL, data, threads: 1, keepPredictions: true, workers: 0, postprocessWorkers: 1 });
    expect([split.preprocess, split.postprocess]).toEqual([{ mode: 'main' }, { mode: 'worker' }]);
    expect([inThread.postprocess, viaWorkers.postprocess]).toEqual([{ mode: 'main' }, { mode: 'worker' }]);
    expect(split.predictions).toEqual(inThread.predictions);
    expect(split.metrics).toEqual(inThread.metrics);
  });

  it('coco128 (YOLO labels): metrics within ±2e-5, detections equal to Ultralytics\' own', async () => {
    const progress: number[] = [];
    const r = await validate({
      model: MODEL, data: fixture('datasets', 'coco128', 'coco128.yaml'), threads: 2, keepPredictions: true,
      onProgress: (p) => progress.push(p.done),
    });
    expect([r.images, r.instances]).toEqual([128, 929]);
    expect(progress.at(-1)).toBe(128);
    const m = r.metrics!;
    expectClose([m.precision, m.recall, m.map50, m.map5095], REF.coco128, TOL);
    // Every reference detection (bbox rounded to 1e-3 px, score to 1e-5) is ours too.
    const ref = JSON.parse(await readFile(fixture('reference', 'LeYOLONano-640.coco128.predictions.json'), 'utf8')) as { image_id: number; category_id: number; bbox: number[]; score: number }[];
    const mine = new Map<string, { bbox: number[]; score: number }[]>();
    for (const p of r.predictions!) {
      const key = `${p.image_id}/${COCO80_TO_91[p.category_id]}`;
      mine.set(key, [...(mine.get(key) ?? []), p]);
    }
    expect(r.predictions!.length).toBe(ref.length);
    let unmatched = 0;
    for (const t of ref) {
      const ok = (mine.get(`${t.image_id}/${t.category_id}`) ?? []).some((p) => Math.abs(p.score - t.score) <= 2e-5 && p.bbox.every((v, q) => Math.abs(v - t.bbox[q]!) <= 0.01));
      if (!ok) unmatched++;
    }
    expect(unmatched).toBe(0);
    // The same detections through the COCO metric give pycocotools' AP (0.446178) on the COCO json.
    const gt = parseCocoDataset(JSON.parse(await readFile(COCO_JSON, 'utf8')), COCO_JSON);
    const results = parseCocoResults(r.predictions!.map((p) => ({ ...p, category_id: COCO80_TO_91[p.category_id] })), 'ours');
    expect(Math.abs(cocoEvaluate({ dataset: gt, results }).stats.AP - 0.446178)).toBeLessThanOrEqual(0.003);
  });

  it('COCO json + image folder, metric coco: the same stats as pycocotools semantics on Ultralytics\' detections', async () => {
    // 12 images of the coco128 json (crowd regions included), evaluated in COCO mode.
    const full = JSON.parse(await readFile(COCO_JSON, 'utf8')) as { images: { id: number }[]; annotations: { image_id: number }[]; categories: unknown[] };
    const ids = new Set(full.images.slice(0, 12).map((i) => i.id));
    const sub = { ...full, images: full.images.filter((i) => ids.has(i.id)), annotations: full.annotations.filter((a) => ids.has(a.image_id)) };
    const dir = await tempDir('prunekit-val-coco-');
    const json = path.join(dir, 'instances_sub.json');
    await writeFile(json, JSON.stringify(sub));
    const r = await validate({ model: MODEL, data: json, images: fixture('datasets', 'coco128', 'images', 'train2017'), threads: 2, metric: 'coco', keepPredictions: true });
    expect([r.images, r.datasetKind, r.metric]).toEqual([12, 'coco', 'coco']);
    expect(r.metrics).toBeUndefined();
    const ref = JSON.parse(await readFile(fixture('reference', 'LeYOLONano-640.coco128.predictions.json'), 'utf8')) as { image_id: number }[];
    const want = cocoEvaluate({ dataset: parseCocoDataset(sub, json), results: parseCocoResults(ref.filter((p) => ids.has(p.image_id)), 'ref') }).stats;
    for (const k of Object.keys(want) as (keyof typeof want)[]) expect(Math.abs(r.coco!.stats[k] - want[k]), k).toBeLessThanOrEqual(1e-4);
    // predictions carry the json's category ids
    expect(r.predictions!.every((p) => COCO80_TO_91.includes(p.category_id))).toBe(true);
  });
});

describeFixtures('validate: bad input', () => {
  let root: string;
  let names: string[];
  beforeAll(async () => {
    root = await tempDir('prunekit-val-bad-');
    const good = await readFile(fixture('datasets', 'coco8', 'images', 'val', '000000000036.jpg'));
    const label = await readFile(fixture('datasets', 'coco8', 'labels', 'val', '000000000036.txt'), 'utf8');
    await writeSplit(root, 'val', [
      { name: 'good.jpg', bytes: good, labels: label },
      { name: 'cut.jpg', bytes: good.subarray(0, 4000), labels: label },
      { name: 'badclass.jpg', bytes: good, labels: '99 0.5 0.5 0.1 0.1\n' },
    ]);
    await writeSplit(root, 'broken', [{ name: 'x.jpg', bytes: Buffer.from('garbage'), labels: '' }]);
    const yaml = (await readFile(fixture('datasets', 'coco8', 'coco8.yaml'), 'utf8')).split('\n');
    names = yaml.filter((l) => /^\s+\d+:/.test(l)).map((l) => l.split(':')[1]!.trim());
    const renamed = names.map((n, i) => `  ${i}: ${i === 0 ? 'human' : n}`).join('\n');
    await writeFile(path.join(root, 'data.yaml'), `val: images/val\nnames:\n${renamed}\n`);
    await writeFile(path.join(root, 'broken.yaml'), `val: images/broken\nnames:\n${renamed}\n`);
    await copyFile(MODEL, path.join(root, 'model.onnx'));
  });

  it('skips and lists unreadable images and bad labels, warns about differing class names', async () => {
    await expect(validate({ model: path.join(root, 'model.onnx'), data: path.join(root, 'data.yaml'), threads: 2 })).rejects.toThrow(/class names differ/);
    const r = await validate({ model: path.join(root, 'model.onnx'), data: path.join(root, 'data.yaml'), threads: 2, allowClassMismatch: true });
    expect(r.images).toBe(1);
    const skipped = Object.fromEntries(r.skipped.map((s) => [path.basename(s.path), s.reason]));
    expect(Object.keys(skipped).sort()).toEqual(['badclass.jpg', 'cut.jpg']);
    expect(skipped['badclass.jpg']).toMatch(/class 99 exceeds dataset class count 80/);
    expect(skipped['cut.jpg']).toMatch(/cannot decode image/);
    expect(r.warnings.join('\n')).toMatch(/the model's class names differ from the dataset's \(first at index 0: model 'person', dataset 'human'\); class indices are compared as they are/);
    expect(r.warnings.join('\n')).toMatch(/2 image\(s\) skipped/);
  });

  it('errors when no image can be evaluated, and on an --imgsz the fixed input cannot take', async () => {
    await expect(validate({ model: MODEL, data: path.join(root, 'broken.yaml'), threads: 2, allowClassMismatch: true })).rejects.toThrow(DatasetError);
    await expect(validate({ model: MODEL, data: path.join(root, 'broken.yaml'), threads: 2, allowClassMismatch: true })).rejects.toThrow(/no image could be evaluated/);
    await expect(validate({ model: MODEL, data: path.join(root, 'data.yaml'), imgsz: 320, allowClassMismatch: true })).rejects.toThrow(/does not match the model's fixed input size/);
  });
});

describe('validate: arguments', () => {
  it('rejects an unknown metric before any work', async () => {
    await expect(validate({ model: 'none.onnx', data: 'none.yaml', metric: 'map' as 'coco' })).rejects.toThrow(/unknown metric 'map'/);
  });
});
