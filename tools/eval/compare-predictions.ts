/**
 * Dev cross-check: run prunekit's preprocessing + model + NMS on coco128 and compare every detection with
 * Ultralytics' saved predictions (reference/LeYOLONano-640.coco128.predictions.json).
 * Usage: npx tsx tools/eval/compare-predictions.ts [maxImages]
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { openYoloDataset } from '../../src/eval/dataset/index.js';
import { decodeImageRgb } from '../../src/eval/preprocess/index.js';
import { createPredictor } from '../../src/eval/predictor.js';
import { readModelInfo } from '../../src/eval/validate.js';
import { COCO80_TO_91 } from '../../src/eval/coco/category-map.js';

const FIX = process.env.PRUNEKIT_FIXTURES ?? path.resolve('..', 'shared', 'fixtures');
const model = path.join(FIX, 'models', 'LeYOLONano-640.onnx');
const ref = JSON.parse(readFileSync(path.join(FIX, 'reference', 'LeYOLONano-640.coco128.predictions.json'), 'utf8')) as { image_id: number; category_id: number; bbox: number[]; score: number }[];
const byImage = new Map<number, typeof ref>();
for (const r of ref) { const l = byImage.get(r.image_id) ?? []; l.push(r); byImage.set(r.image_id, l); }
const ds = await openYoloDataset(path.join(FIX, 'datasets', 'coco128', 'coco128.yaml'), 'val');
const info = await readModelInfo(model);
const pred = await createPredictor(model, info, { imgsz: 640, numClasses: info.names?.length, threads: 2 });
const limit = Number(process.argv[2] ?? ds.images.length);
let worst = 0, countDiff = 0, total = 0, scoreWorst = 0;
for (const im of ds.images.slice(0, limit)) {
  const img = await decodeImageRgb(im.path);
  const p = await pred.run(pred.prepare(img));
  const d = p.detections;
  const mine = Array.from(d.scores, (s, k) => ({ cat: COCO80_TO_91[d.classes[k]!]!, score: s, box: [d.boxesXyxy[k * 4]!, d.boxesXyxy[k * 4 + 1]!, d.boxesXyxy[k * 4 + 2]! - d.boxesXyxy[k * 4]!, d.boxesXyxy[k * 4 + 3]! - d.boxesXyxy[k * 4 + 1]!] }));
  const theirs = byImage.get(Number(im.cocoImageId)) ?? [];
  if (mine.length !== theirs.length) countDiff++;
  let imgWorst = 0;
  for (const t of theirs.slice(0, 50)) {
    let best = Infinity, bs = 0;
    for (const m of mine) {
      if (m.cat !== t.category_id) continue;
      const e = Math.max(...t.bbox.map((v, q) => Math.abs(v - m.box[q]!)));
      if (e < best) { best = e; bs = Math.abs(m.score - t.score); }
    }
    imgWorst = Math.max(imgWorst, best);
    scoreWorst = Math.max(scoreWorst, bs);
  }
  total++;
  worst = Math.max(worst, imgWorst);
  if (imgWorst > 0.05 || mine.length !== theirs.length) console.log(im.imageId, `${img.width}x${img.height}`, 'n', mine.length, theirs.length, 'worst top-50 box err px', imgWorst.toFixed(4));
}
console.log({ images: total, imagesWithCountDiff: countDiff, worstBoxErrPx: worst, worstScoreErr: scoreWorst });
await pred.release();
