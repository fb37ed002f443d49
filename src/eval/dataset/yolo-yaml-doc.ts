/**
 * The content of an Ultralytics dataset yaml, without touching files (the core of yolo-yaml.ts, also used by
 * the web page): class names (list or dict, checked against `nc`), the `path` key and one split's entries.
 */
import { DatasetError } from '../../core/errors.js';
import { parseYamlText } from '../../core/yaml.js';

export interface DataYamlDoc {
  names: string[];
  /** The `path` key (dataset root), when set. */
  path: string | undefined;
  /** The split's entries as written (folders or list files, relative to the root). */
  entries: string[];
}

function namesOf(doc: Record<string, unknown>, file: string): string[] {
  const raw = doc.names;
  const nc = doc.nc;
  let names: string[] | undefined;
  if (Array.isArray(raw)) names = raw.map((n) => String(n));
  else if (raw && typeof raw === 'object') {
    const entries = Object.entries(raw as Record<string, unknown>).map(([k, v]) => [Number(k), String(v)] as const);
    if (entries.some(([k]) => !Number.isInteger(k) || k < 0)) throw new DatasetError(`${file}: 'names' keys must be class indices 0..nc-1`, file);
    const n = Math.max(-1, ...entries.map(([k]) => k)) + 1;
    names = Array.from({ length: n }, (_, i) => `class_${i}`);
    for (const [k, v] of entries) names[k] = v;
  } else if (raw !== undefined && raw !== null) {
    throw new DatasetError(`${file}: 'names' must be a list or a dict of class names`, file);
  }
  if (names === undefined) {
    if (typeof nc !== 'number' || !Number.isInteger(nc) || nc <= 0) throw new DatasetError(`${file}: missing key 'names' (and no valid 'nc'); add the class names`, file);
    return Array.from({ length: nc }, (_, i) => `class_${i}`);
  }
  if (typeof nc === 'number' && nc !== names.length) throw new DatasetError(`${file}: 'nc' is ${nc} but 'names' lists ${names.length} classes; make them agree`, file);
  if (names.length === 0) throw new DatasetError(`${file}: 'names' is empty`, file);
  return names;
}

/** Read a dataset yaml's text (`file` names it in messages). */
export function readDataYaml(text: string, file: string, split = 'val'): DataYamlDoc {
  const doc = parseYamlText(text, file, DatasetError);
  if (!doc || typeof doc !== 'object' || Array.isArray(doc)) throw new DatasetError(`${file}: expected a mapping with keys path/train/val/names`, file);
  const d = doc as Record<string, unknown>;
  const entry = d[split];
  if (entry === undefined || entry === null) {
    const have = ['train', 'val', 'test'].filter((k) => d[k] !== undefined && d[k] !== null);
    throw new DatasetError(`${file}: missing key '${split}' (the split to validate on); keys present: ${have.join(', ') || 'none'}; pass --split or add it`, file);
  }
  const list = Array.isArray(entry) ? entry : [entry];
  if (list.length === 0 || list.some((x) => typeof x !== 'string')) throw new DatasetError(`${file}: key '${split}' must be a path or a list of paths`, file);
  return { names: namesOf(d, file), path: typeof d.path === 'string' && d.path.length > 0 ? d.path : undefined, entries: list as string[] };
}
