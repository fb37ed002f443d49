/**
 * Image subsets of coco128 as datasets: a yaml whose `val` is a list file of image paths (sorted order, as
 * `calibrationImagePaths` gives them) with coco128's class names, written into a temporary folder.
 */
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { calibrationImagePaths } from '../../src/eval/index.js';
import { FIXTURES } from '../../test/helpers/fixtures.js';

export interface Coco128Lists {
  /** Every coco128 image path, sorted. */
  all: string[];
  /** Write `<dir>/<name>.yaml` over `files`; returns its path. */
  list: (name: string, files: readonly string[]) => Promise<string>;
}

export async function coco128Lists(dir: string): Promise<Coco128Lists> {
  const yaml = path.join(FIXTURES, 'datasets', 'coco128', 'coco128.yaml');
  const all = await calibrationImagePaths(path.join(FIXTURES, 'datasets', 'coco128', 'images'));
  const names = (await readFile(yaml, 'utf8')).split('\n').filter((l) => /^ {2}\d+: /.test(l));
  return {
    all,
    list: async (name, files) => {
      await writeFile(path.join(dir, `${name}.txt`), files.join('\n') + '\n');
      await writeFile(path.join(dir, `${name}.yaml`), [`val: ${name}.txt`, 'names:', ...names].join('\n') + '\n');
      return path.join(dir, `${name}.yaml`);
    },
  };
}
