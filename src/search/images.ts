/**
 * The image sets of a search, read once: decoded, letterboxed and labelled (Node edge: decoding uses sharp).
 * A set is a 1-based inclusive range of a dataset split's images sorted by file name (the order the dataset
 * reader lists them), so "search on 1–64, measure on 65–128" names the same images on every run.
 */
import { DatasetError, UsageError } from '../core/errors.js';
import type { ImageLabels } from '../eval/contract.js';
import { groundTruth, openDataset, readModelInfo } from '../eval/index.js';
import { decodeImageRgb, letterbox, type LetterboxGeometry } from '../eval/preprocess/index.js';

export interface ImageRange { first: number; last: number }

/** `"65-128"` → { first: 65, last: 128 }; `"7"` → one image. UsageError otherwise. */
export function parseImageRange(text: string, flag: string): ImageRange {
  const m = /^\s*(\d+)\s*(?:[-–]\s*(\d+))?\s*$/.exec(text);
  const first = m ? Number(m[1]) : NaN, last = m ? Number(m[2] ?? m[1]) : NaN;
  if (!(first >= 1 && last >= first)) throw new UsageError(`${flag} ${text}: expected an image range FIRST-LAST (1-based, inclusive, images sorted by file name), e.g. 1-64`);
  return { first, last };
}

export const rangeText = (r: ImageRange) => (r.first === r.last ? `image ${r.first}` : `images ${r.first}–${r.last}`);

export interface SearchImage {
  imageId: string;
  path: string;
  /** [1,3,imgsz,imgsz] letterboxed input, /255. */
  input: Float32Array;
  geometry: LetterboxGeometry;
  labels: ImageLabels;
}

export interface ImageSet {
  /** `coco128.yaml val images 1–64`. */
  description: string;
  data: string;
  split: string;
  range: ImageRange;
  images: SearchImage[];
  names: string[];
  inputName: string;
  imgsz: number;
}

export interface OpenImageSetOptions { data: string; split?: string; range?: ImageRange; model: string }

/** Read, decode and letterbox the images of `range` (default: all) of the dataset split. */
export async function openImageSet(options: OpenImageSetOptions): Promise<ImageSet> {
  const split = options.split ?? 'val';
  const info = await readModelInfo(options.model);
  const dataset = await openDataset(options.data, { split, modelNames: info.names });
  const all = dataset.images;
  const range = options.range ?? { first: 1, last: all.length };
  if (range.last > all.length) throw new UsageError(`${rangeText(range)}: ${options.data} (${split}) has only ${all.length} images`);
  const imgsz = info.inputSize ?? 640;
  const images: SearchImage[] = [];
  for (const item of all.slice(range.first - 1, range.last)) {
    const { data, geometry } = letterbox(await decodeImageRgb(item.path), imgsz);
    images.push({ imageId: item.imageId, path: item.path, input: data, geometry, labels: groundTruth(item, geometry) });
  }
  if (images.length === 0) throw new DatasetError(`${options.data}: no image in ${rangeText(range)}`, options.data);
  return {
    description: `${options.data} ${split} ${rangeText(range)}`, data: options.data, split, range, images,
    names: info.names ?? dataset.names, inputName: info.inputName, imgsz,
  };
}
