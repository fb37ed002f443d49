/** Open a dataset by its file: `.yaml`/`.yml` → Ultralytics YOLO dataset, `.json` → COCO instances json. */
import path from 'node:path';
import { DatasetError } from '../../core/errors.js';
import { openCocoDataset, type OpenedCocoDataset } from './coco-dataset.js';
import type { Dataset } from './types.js';
import { openYoloDataset } from './yolo-dataset.js';

export interface OpenDatasetOptions {
  /** Split key of a yaml (default 'val'). */
  split?: string;
  /** Image folder of a COCO json. */
  images?: string;
  /** Model class names, for mapping COCO categories. */
  modelNames?: readonly string[];
}

export async function openDataset(file: string, options: OpenDatasetOptions = {}): Promise<Dataset | OpenedCocoDataset> {
  const ext = path.extname(file).toLowerCase();
  if (ext === '.yaml' || ext === '.yml') return openYoloDataset(file, options.split ?? 'val');
  if (ext === '.json') return openCocoDataset(file, { images: options.images, modelNames: options.modelNames });
  throw new DatasetError(`${file}: unknown dataset file type '${ext}'; pass an Ultralytics data.yaml or a COCO instances_*.json`, file);
}
