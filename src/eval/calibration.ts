/**
 * Calibration inputs for data-driven pruning and quantization: the first N images (sorted paths) of a dataset
 * yaml's split (default: train, so that the val split stays unseen; val only when the yaml has no train split)
 * or of an image folder, decoded and letterboxed exactly as validation does, yielded one at a time.
 * No labels are read. Images that cannot be decoded are skipped (and listed); the next ones take their place.
 */
import { readFile, realpath, stat } from 'node:fs/promises';
import path from 'node:path';
import type { Tensor } from '../core/dtype.js';
import { DatasetError, fsProblem, isNotFound } from '../core/errors.js';
import type { CalibrationSource } from '../prune/structured/index.js';
import { listImages } from './dataset/image-files.js';
import { parseDataYaml } from './dataset/yolo-yaml.js';
import { decodeImageRgb, ImageDecodeError } from './preprocess/decode-image.js';
import { flipWidth, padCentred } from './preprocess/augment.js';
import { letterbox } from './preprocess/letterbox.js';

export interface CalibrationImagesOptions {
  /** Images to use (default 32). */
  images?: number;
  /** Square model input side, px. */
  imgsz: number;
  /** Name of the model input to feed. */
  inputName: string;
  /** Split of a dataset yaml (default: train, else val; see {@link resolveCalibrationImages}). */
  split?: string;
  /**
   * Label-free augmentations, each adding one copy of every image right after it (each image decoded once): `flip`
   * its left-right mirror, `scale` the image letterboxed at 3/4 of the side in the middle of the grey canvas. So N
   * images with k augmentations give N·(1 + k) inputs. Default none.
   */
  augment?: CalibrationAugment | readonly CalibrationAugment[];
}

/** Calibration augmentations (see {@link CalibrationImagesOptions.augment}). */
export type CalibrationAugment = 'flip' | 'scale';

/** The augmentations, in the order their copies follow each image. */
export const CALIBRATION_AUGMENTS: readonly CalibrationAugment[] = ['flip', 'scale'];

/** Side of the `scale` copy relative to the input side (Ultralytics trains with scale gains 0.5–1.5). */
export const SCALE_AUGMENT = 0.75;

const AUGMENT_TEXT: Record<CalibrationAugment, string> = { flip: 'their horizontal flips', scale: `copies at ${SCALE_AUGMENT}× scale` };

/** The augmentation list of an option value (deduplicated, in the given order); throws on an unknown name. */
export function calibrationAugments(augment: CalibrationImagesOptions['augment']): CalibrationAugment[] {
  const list = augment === undefined ? [] : typeof augment === 'string' ? [augment] : [...augment];
  for (const a of list) {
    if (!CALIBRATION_AUGMENTS.includes(a)) throw new DatasetError(`--calib-augment ${String(a)}: expected ${CALIBRATION_AUGMENTS.join(', ')} or a comma-separated list of them`);
  }
  return [...new Set(list)];
}

/** The images a calibration source names, and which yaml split they came from. */
export interface CalibrationPaths {
  /** Sorted image paths. */
  paths: string[];
  /** The yaml split used; undefined for a folder. */
  split?: string;
  /** Set when the default train split was missing and val was used instead. */
  fallback?: string;
}

export interface CalibrationImages extends CalibrationSource {
  /** Candidate image paths in order (the first `count` decodable ones are used). */
  paths: readonly string[];
  /** Images skipped because they could not be decoded (filled during the first pass). */
  skipped: Array<{ path: string; reason: string }>;
  /** The yaml split used; undefined for a folder. */
  split?: string;
  /** Set when the default train split was missing and val was used instead. */
  fallback?: string;
  /** Distinct images behind the `count` inputs (= count without augmentation). */
  images: number;
  /** Augmentations applied (empty: none); `count` = `images` × (1 + their number). */
  augment: readonly CalibrationAugment[];
}

/**
 * Sorted image paths of a folder (searched recursively) or of a dataset yaml's split: `split` when given, else
 * train, else val (with a `fallback` note saying so).
 */
export async function resolveCalibrationImages(source: string, split?: string): Promise<CalibrationPaths> {
  const file = path.resolve(source);
  let info;
  try {
    info = await stat(file);
  } catch (e) {
    if (!isNotFound(e)) throw new DatasetError(`--calib ${source}: cannot read (${fsProblem(e)})`, source, { cause: e });
    throw new DatasetError(`--calib ${source}: no such file or folder; pass a dataset yaml or a folder of images`, source);
  }
  if (info.isDirectory()) return { paths: await listImages([file], source) };
  const ext = path.extname(file).toLowerCase();
  if (ext !== '.yaml' && ext !== '.yml') throw new DatasetError(`--calib ${source}: expected an Ultralytics dataset yaml or a folder of images`, source);
  const text = await readFile(file, 'utf8');
  let use = split ?? 'train';
  let fallback: string | undefined;
  if (split === undefined && !yamlHasSplit(text, file, 'train')) {
    use = 'val';
    fallback = `${source} has no train split; calibrating on its val split`;
  }
  const spec = parseDataYaml(text, file, use);
  return { paths: await listImages(spec.sources, use), split: use, fallback };
}

function yamlHasSplit(text: string, file: string, split: string): boolean {
  try {
    parseDataYaml(text, file, split);
    return true;
  } catch {
    return false;
  }
}

/** Sorted image paths of a dataset yaml's split (default as {@link resolveCalibrationImages}) or of a folder. */
export async function calibrationImagePaths(source: string, split?: string): Promise<string[]> {
  return (await resolveCalibrationImages(source, split)).paths;
}

/**
 * How many of `images` are also images of a validation dataset (yaml: its `split`, default val; a folder: all
 * of it), compared by real path. Undefined when the dataset cannot be listed this way (e.g. a COCO json).
 */
export async function validationOverlap(images: readonly string[], data: string, split = 'val'): Promise<number | undefined> {
  const ext = path.extname(data).toLowerCase();
  let validation: string[];
  try {
    validation = (await stat(data)).isDirectory() || ext === '.yaml' || ext === '.yml' ? (await resolveCalibrationImages(data, split)).paths : [];
  } catch {
    return undefined;
  }
  if (validation.length === 0) return undefined;
  const real = async (p: string) => realpath(p).catch(() => path.resolve(p));
  const seen = new Set(await Promise.all(validation.map(real)));
  let n = 0;
  for (const p of images) if (seen.has(await real(p))) n++;
  return n;
}

/** Letterboxed calibration inputs from `source` (dataset yaml → its split, or an image folder). */
export async function openCalibrationImages(source: string, options: CalibrationImagesOptions): Promise<CalibrationImages> {
  const want = options.images ?? 32;
  if (!(Number.isInteger(want) && want >= 1)) throw new DatasetError(`--calib-images ${want}: expected a positive integer`);
  const augment = calibrationAugments(options.augment);
  const { paths, split, fallback } = await resolveCalibrationImages(source, options.split);
  const skipped: CalibrationImages['skipped'] = [];
  const { imgsz, inputName } = options;
  async function* feeds(): AsyncGenerator<Readonly<Record<string, Tensor>>> {
    let yielded = 0;
    for (const p of paths) {
      if (yielded >= want) return;
      let img;
      try {
        img = await decodeImageRgb(p);
      } catch (e) {
        if (!(e instanceof ImageDecodeError)) throw e;
        if (!skipped.some((k) => k.path === p)) skipped.push({ path: p, reason: e.message });
        continue;
      }
      yielded++;
      const dims = [1, 3, imgsz, imgsz];
      const data = letterbox(img, imgsz).data;
      yield { [inputName]: { dtype: 'float32', dims, data } };
      for (const a of augment) yield { [inputName]: { dtype: 'float32', dims, data: a === 'flip' ? flipWidth(data, dims) : padCentred(letterbox(img, inner).data, inner, imgsz) } };
    }
  }
  const inner = Math.max(1, Math.round(imgsz * SCALE_AUGMENT));
  const images = Math.min(want, paths.length);
  const of = split ? `${source} (${split} split)` : source;
  const described = `${images} image${images === 1 ? '' : 's'} of ${of}`;
  return {
    count: images * (1 + augment.length), images, description: [described, ...augment.map((a) => AUGMENT_TEXT[a])].join(' + '),
    paths, skipped, feeds, split, fallback, augment,
  };
}
