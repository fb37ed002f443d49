/**
 * The reusable result of a search: a `prune --config` document (one category per cut channel group, matched by
 * the exact module paths of the group's root convs, ratio = the group's chosen ratio; everything else ratio 0),
 * so `prunekit prune MODEL --structured --config CHOSEN.yaml --calib …` rebuilds the same model without a search.
 */
import { stringify } from 'yaml';
import { UsageError } from '../core/errors.js';
import type { GroupUnit } from './units.js';

const escapeRegex = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

export interface ConfigDocument {
  name: string;
  description: string;
  categories: { name: string; ratio: number; path: string }[];
  default: { name: string; ratio: number };
}

/** The config for `ratios` (unit id → ratio). UsageError when a root has no module path to match it by. */
export function choiceConfig(units: readonly GroupUnit[], ratios: ReadonlyMap<string, number>, name: string, description: string): ConfigDocument {
  const categories: ConfigDocument['categories'] = [];
  for (const u of units) {
    const r = ratios.get(u.id);
    if (r === undefined || !(r > 0)) continue;
    if (u.rootPaths.some((p) => p === '')) throw new UsageError(`group ${u.group} (${u.root}): a root conv has no module path, so a config cannot name it; the chosen model is written, but not as a config`);
    categories.push({ name: `group ${u.group} ${u.root}`, ratio: r, path: `^(?:${u.rootPaths.map(escapeRegex).join('|')})$` });
  }
  return { name, description, categories, default: { name: 'other', ratio: 0 } };
}

/** YAML text of a config with a comment header (one line per entry of `header`). */
export function configYaml(doc: ConfigDocument, header: readonly string[]): string {
  return header.map((h) => `# ${h}\n`).join('') + stringify(doc, { lineWidth: 0 });
}
