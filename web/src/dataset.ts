/**
 * A YOLO dataset from dropped files (paths relative to what was dropped, '/'-separated): with a data.yaml, its
 * `val` split's folders among the dropped files; without one, every dropped image with the model's class names.
 * Labels follow Ultralytics' rule (…/images/… → …/labels/….txt) and are checked by the same code as the CLI.
 */
import { DatasetError } from '../../src/core/errors.js';
import type { Dataset } from '../../src/eval/dataset/types.js';
import { isImageFile } from '../../src/eval/dataset/image-names.js';
import { yoloDatasetFrom } from '../../src/eval/dataset/yolo-images.js';
import { readDataYaml } from '../../src/eval/dataset/yolo-yaml-doc.js';
import type { DroppedFile } from './protocol.js';

/** Normalise `a/./b/../c` → `a/c` (no leading slash). */
export function normalise(p: string): string {
  const out: string[] = [];
  for (const part of p.split('/')) {
    if (part === '' || part === '.') continue;
    if (part === '..') out.pop();
    else out.push(part);
  }
  return out.join('/');
}

const dirOf = (p: string) => p.slice(0, Math.max(0, p.lastIndexOf('/')));

/** Images of the yaml's split: dropped images under one of its folders (a `../` entry also tried without it). */
function splitImages(yamlPath: string, root: string | undefined, entries: readonly string[], images: readonly string[]): string[] {
  const base = root !== undefined && !root.startsWith('/') ? normalise(`${dirOf(yamlPath)}/${root}`) : dirOf(yamlPath);
  const found = new Set<string>();
  for (const e of entries) {
    if (e.endsWith('.txt')) throw new DatasetError(`${yamlPath}: split entry '${e}' is an image list file; the page reads image folders only (use the CLI for list files)`, yamlPath);
    const tries = [normalise(`${base}/${e}`), ...(e.startsWith('../') ? [normalise(`${base}/${e.slice(3)}`)] : [])];
    const hit = tries.map((t) => images.filter((p) => t === '' || p.startsWith(`${t}/`))).find((l) => l.length > 0);
    if (!hit) throw new DatasetError(`${yamlPath}: no dropped images under '${tries[0]}' (the yaml's val split); drop the dataset folder that holds the yaml and its images`, yamlPath);
    for (const p of hit) found.add(p);
  }
  return [...found].sort();
}

export async function browserDataset(files: readonly DroppedFile[], modelNames: string[] | undefined): Promise<Dataset> {
  const images = files.map((f) => f.path).filter(isImageFile).sort();
  const texts = new Map<string, string>();
  for (const f of files) if (f.path.toLowerCase().endsWith('.txt')) texts.set(f.path, await f.file.text());
  const yaml = files.find((f) => /\.ya?ml$/i.test(f.path));
  if (images.length === 0) throw new DatasetError('no images among the dropped files (jpg, png, bmp, webp, tif); drop the images folder with its labels, or the dataset folder with its data.yaml', 'dropped files');
  if (texts.size === 0) throw new DatasetError(`${images.length} images but no YOLO label files (.txt) among the dropped files: drop the labels folder too (…/labels/… beside …/images/…)`, 'dropped files');
  let names: string[], split: string[], source: string;
  if (yaml) {
    const doc = readDataYaml(await yaml.file.text(), yaml.path, 'val');
    names = doc.names;
    split = splitImages(yaml.path, doc.path, doc.entries, images);
    source = yaml.path;
  } else {
    if (!modelNames) throw new DatasetError('the model has no class names in its metadata: drop the dataset\'s data.yaml too', 'dropped files');
    names = modelNames;
    split = images;
    source = `${images.length} dropped images`;
  }
  return yoloDatasetFrom({ source, split: 'val', names, files: split, sep: '/' }, (p) => texts.get(p));
}
