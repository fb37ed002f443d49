/**
 * Image lists of a dataset split, as Ultralytics builds them: a folder (searched recursively), a `.txt` list of
 * image paths, or a list of either; only image extensions kept; sorted.
 */
import { readdir, readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { DatasetError, fsProblem, isNotFound } from '../../core/errors.js';
import { IMAGE_EXTENSIONS, isImageFile } from './image-names.js';

export { IMAGE_EXTENSIONS, isImageFile } from './image-names.js';

async function walk(dir: string, out: string[]): Promise<void> {
  const entries = await readdir(dir, { withFileTypes: true });
  for (const e of entries) {
    const full = path.join(dir, e.name);
    if (e.isDirectory()) await walk(full, out);
    else if (e.name.includes('.')) out.push(full);
  }
}

/** Lines of an image list file; `./x` and other relative entries resolve against the list file's folder. */
async function readList(file: string): Promise<string[]> {
  const text = await readFile(file, 'utf8');
  const dir = path.dirname(file);
  return text.trim().split(/\r?\n/).map((l) => l.trim()).filter((l) => l.length > 0).map((l) => path.resolve(dir, l));
}

/**
 * Absolute, sorted image paths of one split. `sources` are absolute folders or list files; `key` names the
 * yaml key for error messages.
 */
export async function listImages(sources: readonly string[], key: string): Promise<string[]> {
  const found: string[] = [];
  for (const src of sources) {
    let info;
    try {
      info = await stat(src);
    } catch (e) {
      if (!isNotFound(e)) throw new DatasetError(`dataset key '${key}': cannot read ${src} (${fsProblem(e)})`, src, { cause: e });
      throw new DatasetError(`dataset key '${key}': ${src} does not exist; fix the path in the yaml (relative paths resolve against the yaml's folder or its 'path' key)`, src);
    }
    if (info.isDirectory()) await walk(src, found);
    else found.push(...(await readList(src)));
  }
  const images = found.filter(isImageFile).sort();
  if (images.length === 0) throw new DatasetError(`dataset key '${key}': no images found in ${sources.join(', ')} (extensions: ${[...IMAGE_EXTENSIONS].join(', ')})`, sources[0]);
  return images;
}
