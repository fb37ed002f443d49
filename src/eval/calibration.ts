/**
 * Calibration inputs for data-driven structured pruning: the first N images (sorted paths) of a dataset yaml's
 * split or of an image folder, decoded and letterboxed exactly as validation does, yielded one at a time.
 * No labels are read. Images that cannot be decoded are skipped (and listed); the next ones take their place.
 */
import { readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import type { Tensor } from '../core/dtype.js';
import { DatasetError, fsProblem, isNotFound } from '../core/errors.js';
import type { CalibrationSource } from '../prune/structured/index.js';
import { listImages } from './dataset/image-files.js';
import { parseDataYaml } from './dataset/yolo-yaml.js';
import { decodeImageRgb, ImageDecodeError } from './preprocess/decode-image.js';
import { letterbox } from './preprocess/letterbox.js';

export interface CalibrationImagesOptions {
  /** Images to use (default 32). */
  images?: number;
  /** Square model input side, px. */
  imgsz: number;
  /** Name of the model input to feed. */
  inputName: string;
  /** Split of a dataset yaml (default 'val'). */
  split?: string;
}

export interface CalibrationImages extends CalibrationSource {
  /** Candidate image paths in order (the first `count` decodable ones are used). */
  paths: readonly string[];
  /** Images skipped because they could not be decoded (filled during the first pass). */
  skipped: Array<{ path: string; reason: string }>;
}

/** Sorted image paths of a dataset yaml's split or of a folder (searched recursively). */
export async function calibrationImagePaths(source: string, split = 'val'): Promise<string[]> {
  const file = path.resolve(source);
  let info;
  try {
    info = await stat(file);
  } catch (e) {
    if (!isNotFound(e)) throw new DatasetError(`--calib ${source}: cannot read (${fsProblem(e)})`, source, { cause: e });
    throw new DatasetError(`--calib ${source}: no such file or folder; pass a dataset yaml or a folder of images`, source);
  }
  if (info.isDirectory()) return listImages([file], source);
  const ext = path.extname(file).toLowerCase();
  if (ext !== '.yaml' && ext !== '.yml') throw new DatasetError(`--calib ${source}: expected an Ultralytics dataset yaml or a folder of images`, source);
  const spec = parseDataYaml(await readFile(file, 'utf8'), file, split);
  return listImages(spec.sources, split);
}

/** Letterboxed calibration inputs from `source` (dataset yaml → its split, or an image folder). */
export async function openCalibrationImages(source: string, options: CalibrationImagesOptions): Promise<CalibrationImages> {
  const want = options.images ?? 32;
  if (!(Number.isInteger(want) && want >= 1)) throw new DatasetError(`--calib-images ${want}: expected a positive integer`);
  const paths = await calibrationImagePaths(source, options.split);
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
      yield { [inputName]: { dtype: 'float32', dims: [1, 3, imgsz, imgsz], data: letterbox(img, imgsz).data } };
    }
  }
  const count = Math.min(want, paths.length);
  return { count, description: `${count} image${count === 1 ? '' : 's'} of ${source}`, paths, skipped, feeds };
}
