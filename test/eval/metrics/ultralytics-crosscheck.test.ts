/**
 * Cross-check of computeDetectionMetrics against Ultralytics 8.3.63's validator on coco128, fed with that run's own
 * saved detections (COCO results json, bbox rounded to 3 decimals and score to 5) and the YOLO txt labels.
 */
import { existsSync, readFileSync } from 'node:fs';
import { beforeAll, expect, it } from 'vitest';
import { COCO80_TO_91, parseCocoDataset, parseCocoResults } from '../../../src/eval/coco/index.js';
import type { DetectionMetrics, ImageDetections, ImageLabels } from '../../../src/eval/contract.js';
import { computeDetectionMetrics } from '../../../src/eval/metrics/index.js';
import { describeFixtures, fixture } from '../../helpers/fixtures.js';

interface RefClass { cls: number; images: number; instances: number; P: number; R: number; AP50: number; 'AP50-95': number }

/** YOLO label rows of one image in pixels, duplicates removed and rows sorted as `np.unique(lb, axis=0)` does. */
function yoloLabels(file: string, width: number, height: number): { boxes: Float32Array; classes: Int32Array } {
  const text = existsSync(file) ? readFileSync(file, 'utf8') : '';
  const rows = [...new Set(text.split('\n').map((r) => r.trim()).filter(Boolean))]
    .map((r) => r.split(/\s+/).map(Number))
    .sort((a, b) => { for (let i = 0; i < 5; i++) if (a[i] !== b[i]) return a[i]! - b[i]!; return 0; });
  const boxes = new Float32Array(rows.length * 4);
  const classes = new Int32Array(rows.length);
  rows.forEach(([c, cx, cy, w, h], i) => {
    classes[i] = c!;
    boxes.set([(cx! - w! / 2) * width, (cy! - h! / 2) * height, (cx! + w! / 2) * width, (cy! + h! / 2) * height], i * 4);
  });
  return { boxes, classes };
}

describeFixtures('computeDetectionMetrics vs Ultralytics 8.3.63 (coco128, LeYOLONano-640 detections)', () => {
  let m: DetectionMetrics;
  let ref: { P: number; R: number; mAP50: number; 'mAP50-95': number; instances: number; per_class: RefClass[] };
  beforeAll(() => {
    const ds = parseCocoDataset(JSON.parse(readFileSync(fixture('datasets', 'coco128', 'annotations', 'instances_train2017.json'), 'utf8')));
    const results = parseCocoResults(JSON.parse(readFileSync(fixture('reference', 'LeYOLONano-640.coco128.predictions.json'), 'utf8')));
    ref = JSON.parse(readFileSync(fixture('reference', 'LeYOLONano-640.coco128.ultralytics.json'), 'utf8')) as typeof ref;
    const toClass = new Map(COCO80_TO_91.map((id, i) => [id, i]));
    const names: string[] = [];
    for (const c of ds.categories) names[toClass.get(c.id)!] = c.name;
    const perImage = new Map<number, typeof results>();
    for (const r of results) perImage.set(r.image_id, [...(perImage.get(r.image_id) ?? []), r]);
    const labels: ImageLabels[] = [];
    const detections: ImageDetections[] = [];
    // Ultralytics' dataloader order: image files sorted by name.
    for (const im of [...ds.images].sort((a, b) => a.file_name.localeCompare(b.file_name))) {
      const stem = im.file_name.replace(/\.[^.]+$/, '');
      const { boxes, classes } = yoloLabels(fixture('datasets', 'coco128', 'labels', 'train2017', `${stem}.txt`), im.width, im.height);
      labels.push({ imageId: String(im.id), boxesXyxy: boxes, classes, width: im.width, height: im.height });
      const ps = perImage.get(im.id) ?? [];
      detections.push({
        imageId: String(im.id),
        boxesXyxy: Float32Array.from(ps.flatMap((p) => [p.bbox[0], p.bbox[1], p.bbox[0] + p.bbox[2], p.bbox[1] + p.bbox[3]])),
        scores: Float32Array.from(ps.map((p) => p.score)),
        classes: Int32Array.from(ps.map((p) => toClass.get(p.category_id)!)),
      });
    }
    m = computeDetectionMetrics({ labels, detections, names });
  });

  it('P, R, mAP50, mAP50-95 within 1e-4 of Ultralytics (observed: 1.1e-6, 2.1e-7, 1.5e-5, 7.9e-5)', () => {
    expect(Math.abs(m.precision - ref.P)).toBeLessThan(1e-5);
    expect(Math.abs(m.recall - ref.R)).toBeLessThan(1e-5);
    expect(Math.abs(m.map50 - ref.mAP50)).toBeLessThan(1e-4);
    expect(Math.abs(m.map5095 - ref['mAP50-95'])).toBeLessThan(1e-4);
  });

  // Observed worst class: P 4.0e-5, R 2.9e-5, AP50 7.3e-4, AP50-95 4.1e-3 (the reference boxes are rounded to 1e-3 px,
  // which moves a few IoUs across a threshold in small classes).
  it('per-class table: same classes, images and instances; values close (rounded boxes move a few matches)', () => {
    expect(m.perClass.map((c) => c.classIndex)).toEqual(ref.per_class.map((c) => c.cls));
    expect(m.perClass.reduce((s, c) => s + c.instances, 0)).toBe(ref.instances);
    for (const rc of ref.per_class) {
      const c = m.perClass.find((x) => x.classIndex === rc.cls)!;
      expect(c.images).toBe(rc.images);
      expect(c.instances).toBe(rc.instances);
      expect(Math.abs(c.precision - rc.P)).toBeLessThan(1e-4);
      expect(Math.abs(c.recall - rc.R)).toBeLessThan(1e-4);
      expect(Math.abs(c.map50 - rc.AP50)).toBeLessThan(1e-3);
      expect(Math.abs(c.map5095 - rc['AP50-95'])).toBeLessThan(5e-3);
    }
  });
});
