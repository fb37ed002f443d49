/**
 * Bridges between validation results and COCO json shapes: detections as a COCO results list (what
 * `--save-predictions` writes, rounded as Ultralytics' `pred_to_json` rounds: bbox 3 decimals, score 5), and
 * the ground truth of the evaluated images as a COCO dataset for the COCO metric.
 */
import type { CocoAnnotation, CocoDataset, CocoImage } from './coco/types.js';
import type { ImageDetections, ImageLabels } from './contract.js';
import type { OpenedCocoDataset } from './dataset/coco-dataset.js';
import type { Dataset, DatasetImage } from './dataset/types.js';

/** One detection in COCO results format; `image_id` is a string for YOLO images with non-numeric stems. */
export interface CocoPrediction {
  image_id: number | string;
  category_id: number;
  /** [x, y, w, h] original pixels. */
  bbox: [number, number, number, number];
  score: number;
}

const round = (x: number, d: number): number => Math.round(x * 10 ** d) / 10 ** d;

/**
 * COCO results of `detections` (parallel to `images`). `categoryIds[c]` is the id written for class c;
 * classes mapped to -1 (unknown to the dataset) are left out. `imageIdOf` overrides the written image id.
 */
export function toCocoResults(
  images: readonly DatasetImage[], detections: readonly ImageDetections[], categoryIds: readonly number[],
  imageIdOf: (image: DatasetImage, index: number) => number | string = (im) => im.cocoImageId,
): CocoPrediction[] {
  const out: CocoPrediction[] = [];
  detections.forEach((d, i) => {
    const id = imageIdOf(images[i]!, i);
    for (let k = 0; k < d.scores.length; k++) {
      const cat = categoryIds[d.classes[k]!] ?? -1;
      if (cat < 0) continue;
      const x1 = d.boxesXyxy[k * 4]!, y1 = d.boxesXyxy[k * 4 + 1]!;
      out.push({
        image_id: id, category_id: cat,
        bbox: [round(x1, 3), round(y1, 3), round(d.boxesXyxy[k * 4 + 2]! - x1, 3), round(d.boxesXyxy[k * 4 + 3]! - y1, 3)],
        score: round(d.scores[k]!, 5),
      });
    }
  });
  return out;
}

/** Ground truth and results for the COCO metric over the evaluated images. */
export function cocoEvaluationInput(
  dataset: Dataset | OpenedCocoDataset, images: readonly DatasetImage[], labels: readonly ImageLabels[],
  detections: readonly ImageDetections[], names: readonly string[],
): { gt: CocoDataset; results: { image_id: number; category_id: number; bbox: [number, number, number, number]; score: number }[] } {
  if ('coco' in dataset) {
    const ids = new Set(images.map((im) => Number(im.cocoImageId)));
    const cats = new Set(dataset.categoryIds.filter((c) => c >= 0));
    const gt: CocoDataset = {
      images: dataset.coco.images.filter((im) => ids.has(im.id)),
      annotations: dataset.coco.annotations.filter((a) => ids.has(a.image_id) && cats.has(a.category_id)),
      categories: dataset.coco.categories.filter((c) => cats.has(c.id)),
    };
    const results = toCocoResults(images, detections, dataset.categoryIds).map((r) => ({ ...r, image_id: Number(r.image_id) }));
    return { gt, results };
  }
  // YOLO labels: images numbered 1..n in evaluation order, categories = class indices.
  const cocoImages: CocoImage[] = images.map((im, i) => ({ id: i + 1, file_name: im.path, width: labels[i]!.width, height: labels[i]!.height }));
  const annotations: CocoAnnotation[] = [];
  labels.forEach((l, i) => {
    for (let g = 0; g < l.classes.length; g++) {
      const x1 = l.boxesXyxy[g * 4]!, y1 = l.boxesXyxy[g * 4 + 1]!, w = l.boxesXyxy[g * 4 + 2]! - x1, h = l.boxesXyxy[g * 4 + 3]! - y1;
      annotations.push({ id: annotations.length + 1, image_id: i + 1, category_id: l.classes[g]!, bbox: [x1, y1, w, h], area: w * h, iscrowd: 0 });
    }
  });
  const gt: CocoDataset = { images: cocoImages, annotations, categories: names.map((name, id) => ({ id, name })) };
  const results = toCocoResults(images, detections, names.map((_, i) => i), (_, i) => i + 1).map((r) => ({ ...r, image_id: Number(r.image_id) }));
  return { gt, results };
}
