/**
 * A YOLO-txt dataset from its image list and label texts (no file access): the part of openYoloDataset
 * shared with the web page, which reads dropped files instead of folders.
 */
import { DatasetError } from '../../core/errors.js';
import type { Dataset, DatasetImage, SkippedImage } from './types.js';
import { labelPathFor, parseYoloLabels } from './yolo-labels.js';

/** File name without folder and extension (either separator). */
export function stemOf(file: string): string {
  const base = file.slice(Math.max(file.lastIndexOf('/'), file.lastIndexOf('\\')) + 1);
  const dot = base.lastIndexOf('.');
  return dot > 0 ? base.slice(0, dot) : base;
}

export interface YoloImageList {
  /** The yaml (or folder) the dataset comes from, for messages and results. */
  source: string;
  split: string;
  names: string[];
  /** Image paths, sorted. */
  files: readonly string[];
  /** Path separator of `files`. */
  sep: string;
}

/** Check every image's labels (`labelText(labelPath)`: the file's text, undefined when it does not exist). */
export function yoloDatasetFrom(list: YoloImageList, labelText: (labelPath: string) => string | undefined): Dataset {
  const { files, sep, split } = list;
  const file = list.source;
  const spec = { names: list.names };
  const nc = spec.names.length;
  const warnings: string[] = [];
  const skipped: SkippedImage[] = [];
  const images: DatasetImage[] = [];
  const results = files.map((img) => ({ img, text: labelText(labelPathFor(img, sep)) }));
  for (const { img, text } of results) {
    const parsed = parseYoloLabels(text ?? '', nc);
    if (!parsed.ok) {
      skipped.push({ path: img, reason: `label ${labelPathFor(img, sep)}: ${parsed.reason}` });
      continue;
    }
    const { rows } = parsed;
    if (rows.duplicatesRemoved > 0) warnings.push(`${img}: ${rows.duplicatesRemoved} duplicate labels removed`);
    const stem = stemOf(img);
    images.push({
      imageId: stem,
      path: img,
      cocoImageId: /^\d+$/.test(stem) ? Number(stem) : stem,
      labels: { kind: 'normalized', classes: rows.classes, boxesCxcywh: rows.boxesCxcywh },
    });
  }
  if (images.length === 0) {
    throw new DatasetError(`${file}: split '${split}' has no usable images (${files.length} found, ${skipped.length} skipped for bad labels: ${skipped[0]?.reason ?? ''})`, file);
  }
  return { kind: 'yolo', source: file, names: spec.names, images, skipped, warnings, categoryIds: spec.names.map((_, i) => i) };
}
