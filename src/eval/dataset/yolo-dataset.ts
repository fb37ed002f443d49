/** A YOLO-txt dataset from its yaml: image list of one split plus checked labels (read up front, small). */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { DatasetError } from '../../core/errors.js';
import type { Dataset, DatasetImage, SkippedImage } from './types.js';
import { listImages } from './image-files.js';
import { labelPathFor, parseYoloLabels } from './yolo-labels.js';
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

function stemOf(file: string): string {
  return path.basename(file, path.extname(file));
}

/** Open the `split` of an Ultralytics dataset yaml. */
export async function openYoloDataset(yamlFile: string, split = 'val'): Promise<Dataset> {
  const file = path.resolve(yamlFile);
  const text = await readText(file);
  if (text === undefined) throw new DatasetError(`dataset yaml not found: ${file}`, file);
  const spec = parseDataYaml(text, file, split);
  const files = await listImages(spec.sources, split);
  const nc = spec.names.length;
  const warnings: string[] = [];
  const skipped: SkippedImage[] = [];
  const images: DatasetImage[] = [];
  const results = await mapLimited(files, 32, async (img) => ({ img, text: await readText(labelPathFor(img, path.sep)) }));
  for (const { img, text: labelText } of results) {
    const parsed = parseYoloLabels(labelText ?? '', nc);
    if (!parsed.ok) {
      skipped.push({ path: img, reason: `label ${labelPathFor(img, path.sep)}: ${parsed.reason}` });
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
