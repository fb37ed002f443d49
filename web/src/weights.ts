/**
 * Worker side of `.pt` / `.pth` / `.safetensors` files: the same readers and summary as `prunekit inspect`
 * (src/cli/inspect-checkpoint.ts calls the same two functions), turned into a message-friendly summary.
 */
import { inspectCheckpoint, type CheckpointSummary } from '../../src/graph/checkpoint-summary.js';
import type { ModuleTree } from '../../src/graph/module-tree.js';
import { summarizeSafetensors, type SafetensorsSummary } from '../../src/io/safetensors/summary.js';

/** A checkpoint summary without the tree's path index (the page only lists the modules). */
export type WeightsSummary = (Omit<CheckpointSummary, 'tree'> & { tree: Omit<ModuleTree, 'byPath'> }) | SafetensorsSummary;

export const isWeightsName = (name: string): boolean => /\.(pt|pth|safetensors)$/i.test(name);

/** The checkpoint's class names in index order (Ultralytics `names`), or undefined. */
export function weightsClassNames(s: WeightsSummary): string[] | undefined {
  if (s.format === 'safetensors' || !s.ultralytics.names) return undefined;
  const entries = Object.entries(s.ultralytics.names);
  if (entries.length === 0) return undefined;
  const n = Math.max(...entries.map(([i]) => Number(i))) + 1;
  return Array.from({ length: n }, (_, i) => s.ultralytics.names![String(i)] ?? `class_${i}`);
}

/** Summarise a dropped weights file, never executing its pickle. */
export function summarizeWeights(name: string, bytes: Uint8Array): WeightsSummary {
  if (/\.safetensors$/i.test(name)) return summarizeSafetensors(bytes, name);
  const { tree: { byPath: _byPath, ...tree }, ...rest } = inspectCheckpoint(bytes, name);
  return { ...rest, tree };
}
