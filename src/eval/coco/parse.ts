/**
 * Validation of already-parsed COCO json values into typed shapes. No file access: callers read and
 * `JSON.parse` the file and pass the value plus a `source` name used in error messages.
 */
import { DatasetError } from '../../core/errors.js';
import type { CocoAnnotation, CocoCategory, CocoDataset, CocoImage, CocoResult, CocoResultColumns } from './types.js';

type Json = Record<string, unknown>;

function isObject(v: unknown): v is Json {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function arrayAt(obj: Json, key: string, source: string): unknown[] {
  const v = obj[key];
  if (!Array.isArray(v)) throw new DatasetError(`${source}: missing or non-array key "${key}" (a COCO instances json has "images", "annotations" and "categories" arrays)`, source);
  return v;
}

function num(o: Json, key: string, where: string, source: string, fallback?: number): number {
  const v = o[key];
  if (v === undefined && fallback !== undefined) return fallback;
  if (typeof v !== 'number' || !Number.isFinite(v)) throw new DatasetError(`${source}: ${where}.${key} must be a finite number (got ${JSON.stringify(v) ?? 'undefined'})`, source);
  return v;
}

function bbox(o: Json, where: string, source: string): [number, number, number, number] {
  const b = o.bbox;
  if (!Array.isArray(b) || b.length !== 4 || !b.every((x) => typeof x === 'number' && Number.isFinite(x))) {
    throw new DatasetError(`${source}: ${where}.bbox must be 4 finite numbers [x, y, w, h] (got ${JSON.stringify(b) ?? 'undefined'})`, source);
  }
  return [b[0] as number, b[1] as number, b[2] as number, b[3] as number];
}

function element(v: unknown, where: string, source: string): Json {
  if (!isObject(v)) throw new DatasetError(`${source}: ${where} must be an object`, source);
  return v;
}

/** Validates a COCO `instances_*.json` value. Missing `area` defaults to `w*h`, missing `iscrowd` to 0. */
export function parseCocoDataset(json: unknown, source = 'annotations'): CocoDataset {
  if (!isObject(json)) throw new DatasetError(`${source}: expected a COCO instances json object with "images", "annotations" and "categories"`, source);
  const images: CocoImage[] = arrayAt(json, 'images', source).map((v, i) => {
    const o = element(v, `images[${i}]`, source);
    const fileName = o.file_name;
    return {
      id: num(o, 'id', `images[${i}]`, source),
      file_name: typeof fileName === 'string' ? fileName : '',
      width: num(o, 'width', `images[${i}]`, source, 0),
      height: num(o, 'height', `images[${i}]`, source, 0),
    };
  });
  const annotations: CocoAnnotation[] = arrayAt(json, 'annotations', source).map((v, i) => {
    const where = `annotations[${i}]`;
    const o = element(v, where, source);
    const box = bbox(o, where, source);
    const crowd = o.iscrowd;
    return {
      id: num(o, 'id', where, source),
      image_id: num(o, 'image_id', where, source),
      category_id: num(o, 'category_id', where, source),
      bbox: box,
      area: num(o, 'area', where, source, box[2] * box[3]),
      iscrowd: crowd === true || (typeof crowd === 'number' && crowd !== 0) ? 1 : 0,
    };
  });
  const categories: CocoCategory[] = arrayAt(json, 'categories', source).map((v, i) => {
    const o = element(v, `categories[${i}]`, source);
    const name = o.name;
    const sup = o.supercategory;
    const id = num(o, 'id', `categories[${i}]`, source);
    return { id, name: typeof name === 'string' ? name : String(id), ...(typeof sup === 'string' ? { supercategory: sup } : {}) };
  });
  return { images, annotations, categories };
}

/** Validates a COCO results json value: an array of `{image_id, category_id, bbox: [x,y,w,h], score}`. */
export function parseCocoResults(json: unknown, source = 'predictions'): CocoResult[] {
  if (!Array.isArray(json)) throw new DatasetError(`${source}: expected a COCO results json array of {image_id, category_id, bbox, score}`, source);
  const out: CocoResult[] = new Array<CocoResult>(json.length);
  for (let i = 0; i < json.length; i++) out[i] = parseResult(json[i], i, source);
  return out;
}

function parseResult(v: unknown, i: number, source: string): CocoResult {
  const where = `[${i}]`;
  const o = element(v, where, source);
  return {
    image_id: num(o, 'image_id', where, source),
    category_id: num(o, 'category_id', where, source),
    bbox: bbox(o, where, source),
    score: num(o, 'score', where, source),
  };
}

/**
 * Validates a COCO results json value straight into columns, without building per-detection objects
 * (use this for large files: it keeps the heap small).
 */
export function parseCocoResultColumns(json: unknown, source = 'predictions'): CocoResultColumns {
  if (!Array.isArray(json)) throw new DatasetError(`${source}: expected a COCO results json array of {image_id, category_id, bbox, score}`, source);
  const n = json.length;
  const cols: CocoResultColumns = { imageId: new Float64Array(n), categoryId: new Float64Array(n), bbox: new Float64Array(n * 4), score: new Float64Array(n) };
  for (let i = 0; i < n; i++) {
    const v: unknown = json[i];
    const o = (isObject(v) ? v : {}) as Json;
    const imageId = o.image_id, categoryId = o.category_id, score = o.score, b = o.bbox;
    if (
      Number.isFinite(imageId) && Number.isFinite(categoryId) && Number.isFinite(score)
      && Array.isArray(b) && b.length === 4 && Number.isFinite(b[0]) && Number.isFinite(b[1]) && Number.isFinite(b[2]) && Number.isFinite(b[3])
      && typeof imageId === 'number' && typeof categoryId === 'number' && typeof score === 'number'
    ) {
      cols.imageId[i] = imageId;
      cols.categoryId[i] = categoryId;
      cols.score[i] = score;
      cols.bbox[i * 4] = b[0];
      cols.bbox[i * 4 + 1] = b[1];
      cols.bbox[i * 4 + 2] = b[2];
      cols.bbox[i * 4 + 3] = b[3];
    } else {
      parseResult(json[i], i, source); // throws the precise message
    }
  }
  return cols;
}

/** Columns of an array of results. */
export function toCocoResultColumns(results: readonly CocoResult[]): CocoResultColumns {
  const n = results.length;
  const cols: CocoResultColumns = { imageId: new Float64Array(n), categoryId: new Float64Array(n), bbox: new Float64Array(n * 4), score: new Float64Array(n) };
  for (let i = 0; i < n; i++) {
    const r = results[i]!;
    cols.imageId[i] = r.image_id;
    cols.categoryId[i] = r.category_id;
    cols.score[i] = r.score;
    for (let k = 0; k < 4; k++) cols.bbox[i * 4 + k] = r.bbox[k]!;
  }
  return cols;
}
