/**
 * The measured process of bench/pt-read.ts (bundled to one JS file so the timing is the work, not TypeScript
 * loading). `read FILE`: zip + pickle + module tree + every state_dict tensor materialised (values touched).
 * `prune FILE OUT PRESET`: `.pt` → `.pt` pruning, written to OUT.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { moduleTreeFromCheckpoint } from '../src/graph/module-tree.js';
import { readCheckpoint, readCheckpointTensor } from '../src/io/pytorch/checkpoint.js';
import { selectModel, selectedStateDict } from '../src/io/pytorch/modules.js';

const [mode, file, out, preset] = process.argv.slice(2);
if (!file) throw new Error('usage: pt-read-worker read|prune FILE [OUT PRESET]');
const bytes = readFileSync(file);
if (mode === 'read') {
  const ckpt = readCheckpoint(bytes, file);
  const tree = moduleTreeFromCheckpoint(ckpt);
  let elements = 0;
  let check = 0;
  for (const e of selectedStateDict(selectModel(ckpt.root, file), file)) {
    const t = readCheckpointTensor(ckpt, e.ref);
    elements += t.data.length;
    const d = t.data as ArrayLike<number | bigint>;
    check += Number(d[0] ?? 0) + Number(d[d.length - 1] ?? 0);
  }
  if (process.env.PT_READ_VERBOSE) console.log(`${tree.modules.length} modules, ${elements} elements, check ${check}`);
} else if (mode === 'prune' && out) {
  // Loaded only for pruning, so `read` does not pay for the prune engine's imports.
  const { getPreset } = await import('../src/prune/presets.js');
  const { pruneCheckpoint } = await import('../src/prune/prune-checkpoint.js');
  const r = pruneCheckpoint(bytes, { preset: getPreset(preset ?? 'uniform'), label: file });
  writeFileSync(out, r.bytes);
  if (process.env.PT_READ_VERBOSE) console.log(`zeroed ${r.result.totals.zeroed}`);
}
