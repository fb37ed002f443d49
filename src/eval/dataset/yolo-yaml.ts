/**
 * Ultralytics dataset yaml (`data.yaml`): `path` (optional), `train`/`val`/`test` (a folder, a `.txt` image
 * list, or a list of those), `names` (list or dict) and `nc`.
 *
 * Path rule (differs from Ultralytics, which resolves a relative `path` against its global datasets folder):
 * a relative `path` resolves against the yaml's own folder, and a missing `path` means the yaml's folder.
 * Split entries resolve against that root; an entry starting with `../` that does not exist is retried
 * without it (as Ultralytics does).
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { readDataYaml } from './yolo-yaml-doc.js';

export interface YoloDataSpec {
  /** The yaml file. */
  file: string;
  /** Dataset root (resolved `path`). */
  root: string;
  names: string[];
  /** Absolute folders or list files of the requested split. */
  sources: string[];
  split: string;
}

/** Parse a dataset yaml's text; `file` is its absolute path (for resolution and messages). */
export function parseDataYaml(text: string, file: string, split = 'val'): YoloDataSpec {
  const doc = readDataYaml(text, file, split);
  const yamlDir = path.dirname(file);
  const root = doc.path !== undefined ? path.resolve(yamlDir, doc.path) : yamlDir;
  const sources = doc.entries.map((p) => {
    const full = path.resolve(root, p);
    if (!existsSync(full) && p.startsWith('../')) {
      const alt = path.resolve(root, p.slice(3));
      if (existsSync(alt)) return alt;
    }
    return full;
  });
  return { file, root, names: doc.names, sources, split };
}
