/**
 * A COCO `instances_*.json` + image folder as a validation dataset. Category ids map to model class indices
 * by name (case-insensitive) when every category name is a model class, else by the standard COCO 80↔91 map
 * when the model has 80 classes and every id is in it, else by name as far as names match (annotations of the
 * other categories dropped, with a warning). Without model names, categories in ascending id are the classes.
 * Crowd flags and segmentation areas are kept for the COCO metric.
 */
import { existsSync, statSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { DatasetError, errorMessage, fsProblem, isNotFound } from '../../core/errors.js';
import { COCO80_TO_91 } from '../coco/category-map.js';
import { parseCocoDataset } from '../coco/parse.js';
import type { CocoCategory, CocoDataset } from '../coco/types.js';
import type { Dataset, DatasetImage, SkippedImage } from './types.js';

export interface CocoDatasetOptions {
  /** Image folder; default: `<json dir>/../images/<name>` or `<json dir>/../<name>` for `instances_<name>.json`. */
  images?: string;
  /** Model class names (index order), to map categories onto. */
  modelNames?: readonly string[];
}

export interface OpenedCocoDataset extends Dataset {
  kind: 'coco';
  /** The validated json (for the COCO metric). */
  coco: CocoDataset;
}

function guessImageDir(jsonFile: string): string[] {
  const dir = path.dirname(jsonFile);
  const base = path.basename(jsonFile, '.json').replace(/^instances_/, '');
  return [path.join(dir, '..', 'images', base), path.join(dir, '..', base), path.join(dir, 'images'), path.join(dir, base)];
}

const norm = (s: string): string => s.trim().toLowerCase();

interface CategoryMapping { classOf: Map<number, number>; names: string[]; categoryIds: number[]; how: string }

function mapCategories(cats: readonly CocoCategory[], modelNames: readonly string[] | undefined, warnings: string[]): CategoryMapping {
  if (!modelNames) {
    const sorted = [...cats].sort((a, b) => a.id - b.id);
    return { classOf: new Map(sorted.map((c, i) => [c.id, i])), names: sorted.map((c) => c.name), categoryIds: sorted.map((c) => c.id), how: 'categories in id order' };
  }
  const byName = new Map(modelNames.map((n, i) => [norm(n), i]));
  const matched = cats.filter((c) => byName.has(norm(c.name)));
  const catByName = new Map(cats.map((c) => [norm(c.name), c.id]));
  const names = [...modelNames];
  if (matched.length === cats.length) {
    return { classOf: new Map(cats.map((c) => [c.id, byName.get(norm(c.name))!])), names, categoryIds: modelNames.map((n) => catByName.get(norm(n)) ?? -1), how: 'by name' };
  }
  if (modelNames.length === 80 && cats.every((c) => COCO80_TO_91.includes(c.id))) {
    return { classOf: new Map(cats.map((c) => [c.id, COCO80_TO_91.indexOf(c.id)])), names, categoryIds: [...COCO80_TO_91], how: 'COCO 80↔91 ids' };
  }
  if (matched.length === 0) {
    throw new DatasetError(`no COCO category name matches a model class name (categories: ${cats.slice(0, 5).map((c) => c.name).join(', ')}…; model: ${modelNames.slice(0, 5).join(', ')}…), and the 80↔91 id map does not apply`);
  }
  const missing = cats.filter((c) => !byName.has(norm(c.name)));
  warnings.push(`${missing.length} COCO categories match no model class and their annotations are ignored: ${missing.slice(0, 10).map((c) => `${c.id} '${c.name}'`).join(', ')}${missing.length > 10 ? ', …' : ''}`);
  return { classOf: new Map(matched.map((c) => [c.id, byName.get(norm(c.name))!])), names, categoryIds: modelNames.map((n) => catByName.get(norm(n)) ?? -1), how: 'by name (partial)' };
}

/** Open a COCO instances json as a dataset. */
export async function openCocoDataset(jsonFile: string, options: CocoDatasetOptions = {}): Promise<OpenedCocoDataset> {
  const file = path.resolve(jsonFile);
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (e) {
    if (!isNotFound(e)) throw new DatasetError(`${file}: cannot read the COCO annotations (${fsProblem(e)})`, file, { cause: e });
    throw new DatasetError(`COCO annotations not found: ${file}`, file);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw new DatasetError(`${file}: not valid JSON (${errorMessage(e)})`, file);
  }
  const coco = parseCocoDataset(json, file);
  if (coco.images.length === 0) throw new DatasetError(`${file}: the "images" list is empty`, file);
  let imageDir: string;
  if (options.images !== undefined) {
    imageDir = path.resolve(options.images);
    if (!existsSync(imageDir) || !statSync(imageDir).isDirectory()) throw new DatasetError(`--images ${imageDir}: image folder not found`, imageDir);
  } else {
    const guess = guessImageDir(file).find((d) => existsSync(d) && statSync(d).isDirectory());
    if (!guess) throw new DatasetError(`${file}: no image folder given and none found at ${guessImageDir(file).join(' or ')}; pass --images DIR`, file);
    imageDir = guess;
  }
  const warnings: string[] = [];
  const mapping = mapCategories(coco.categories, options.modelNames, warnings);
  const perImage = new Map<number, number[]>();
  coco.annotations.forEach((a, i) => {
    if (!mapping.classOf.has(a.category_id)) return;
    let list = perImage.get(a.image_id);
    if (!list) perImage.set(a.image_id, (list = []));
    list.push(i);
  });
  const images: DatasetImage[] = [];
  const skipped: SkippedImage[] = [];
  for (const im of coco.images) {
    const p = path.join(imageDir, im.file_name);
    if (!im.file_name || !existsSync(p)) {
      skipped.push({ path: p, reason: `image file of COCO image id ${im.id} not found` });
      continue;
    }
    const idx = perImage.get(im.id) ?? [];
    const n = idx.length;
    const boxesXyxy = new Float32Array(n * 4), classes = new Int32Array(n), crowd = new Uint8Array(n), areas = new Float64Array(n);
    idx.forEach((ai, k) => {
      const a = coco.annotations[ai]!;
      const [x, y, w, h] = a.bbox;
      boxesXyxy.set([x, y, x + w, y + h], k * 4);
      classes[k] = mapping.classOf.get(a.category_id)!;
      crowd[k] = a.iscrowd ? 1 : 0;
      areas[k] = a.area;
    });
    images.push({ imageId: String(im.id), path: p, cocoImageId: im.id, labels: { kind: 'pixels', boxesXyxy, classes, crowd, areas } });
  }
  if (images.length === 0) throw new DatasetError(`${file}: none of its ${coco.images.length} images exist in ${imageDir}; pass --images DIR`, file);
  return { kind: 'coco', source: file, names: mapping.names, images, skipped, warnings, categoryIds: mapping.categoryIds, coco };
}
