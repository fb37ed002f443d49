/** A YOLO-txt dataset from its yaml: image list of one split plus checked labels (read up front, small). */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { DatasetError } from '../../core/errors.js';
import type { Dataset } from './types.js';
import { listImages } from './image-files.js';
import { yoloDatasetFrom } from './yolo-images.js';
import { labelPathFor } from './yolo-labels.js';
import { parseDataYaml } from './yolo-yaml.js';

async function readText(file: string): Promise<string | undefined> {
  try {
    return await readFile(file, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw e;
  }
}

/** Run `fn` over `items` with at most `limit` in flight, keeping order. */
async function mapLimited<T, R>(items: readonly T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const out = new Array<R>(items.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i]!);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return out;
}

/** Open the `split` of an Ultralytics dataset yaml. */
export async function openYoloDataset(yamlFile: string, split = 'val'): Promise<Dataset> {
  const file = path.resolve(yamlFile);
  const text = await readText(file);
  if (text === undefined) throw new DatasetError(`dataset yaml not found: ${file}`, file);
  const spec = parseDataYaml(text, file, split);
  const files = await listImages(spec.sources, split);
  const texts = new Map(await mapLimited(files, 32, async (img) => [labelPathFor(img, path.sep), await readText(labelPathFor(img, path.sep))] as const));
  return yoloDatasetFrom({ source: file, split, names: spec.names, files, sep: path.sep }, (p) => texts.get(p));
}
