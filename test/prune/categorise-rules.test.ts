/** categorise on hand-made layers: the order of its decisions (not float, head, first matching category, default) and what each entry says. */
import { describe, expect, it } from 'vitest';
import type { ClassSource } from '../../src/graph/index.js';
import { categorise, resolveChain } from '../../src/prune/categorise.js';
import type { HeadInfo } from '../../src/prune/head.js';
import { DEFAULT_MAX, type Preset } from '../../src/prune/preset.js';
import { weightLayer } from '../helpers/weight-layer.js';

const preset: Preset = {
  name: 'p', description: '', default: { name: 'rest', ratio: 0.5 }, head: { classes: ['Detect'], ratio: 0.05, max: 0.3 },
  categories: [
    { name: 'keep', ratio: 0.4, max: 0.6, protected: true, rules: [{ path: '^model\\.0\\.' }] },
    { name: 'open', ratio: 0.2, protected: false, rules: [{ path: '^model\\.1\\.' }] },
  ],
};
const head: HeadInfo = { method: 'class', detail: 'class Detect (model.9)', layerIds: new Set(['model.9.w', 'model.9.q']) };
const layers = [
  weightLayer('model.0.w'), weightLayer('model.1.w'), weightLayer('model.2.w'), weightLayer('model.9.w'),
  weightLayer('model.9.q', { dtype: 'int8' }), weightLayer('model.1.q', { dtype: 'int8' }),
];

describe('categorise decisions', () => {
  it('protected head, protected and open categories, default, and non-float weights', () => {
    const plan = categorise(layers, preset, { sources: [], head, pruneHead: false });
    const by = Object.fromEntries(plan.entries.map((e) => [e.layer.id, e]));
    expect(by['model.0.w']).toMatchObject({ category: 'keep', rule: 'path /^model\\.0\\./', ratio: 0, max: 0, protected: true, head: false });
    expect(by['model.1.w']).toMatchObject({ category: 'open', ratio: 0.2, max: DEFAULT_MAX, protected: false, head: false });
    expect(by['model.2.w']).toMatchObject({ category: 'rest', rule: 'default (no category matched)', ratio: 0.5, max: DEFAULT_MAX, protected: false, head: false });
    expect(by['model.9.w']).toMatchObject({ category: 'head', rule: 'head: class Detect (model.9) (protected; --prune-head to prune)', ratio: 0, max: 0, protected: true, head: true });
    // Non-float weights come first: neither the head nor a category claims them.
    for (const id of ['model.9.q', 'model.1.q']) {
      expect(by[id]).toMatchObject({ category: 'not-float', rule: 'int8 weights are not pruned', ratio: 0, max: 0, protected: true, head: false });
    }
    expect(plan).toMatchObject({ preset: 'p', head: { method: 'class', detail: 'class Detect (model.9)', pruned: false }, classSources: [] });
  });

  it('--prune-head: the head takes the preset head ratio and cap; the default cap when the preset has none', () => {
    const plan = categorise(layers, preset, { sources: [], head, pruneHead: true });
    expect(plan.entries[3]).toMatchObject({ category: 'head', rule: 'head: class Detect (model.9) (--prune-head)', ratio: 0.05, max: 0.3, protected: false, head: true });
    expect(plan.head.pruned).toBe(true);
    const noMax = categorise(layers, { ...preset, head: { classes: [], ratio: 0.1 }, default: { name: 'rest', ratio: 0.5, max: 0.7 } }, { sources: [], head, pruneHead: true });
    expect(noMax.entries[3]).toMatchObject({ ratio: 0.1, max: DEFAULT_MAX });
    expect(noMax.entries[2]).toMatchObject({ max: 0.7 });
  });
});

describe('resolveChain', () => {
  const src = (kind: ClassSource['kind'], chain: string[] | undefined): ClassSource => ({ kind, description: kind, classChain: () => chain });
  it('skips a source that knows nothing (undefined or an empty chain) and strips module prefixes', () => {
    expect(resolveChain([src('pt', []), src('yaml', ['ultralytics.nn.modules.Conv'])], 'model.0')).toEqual({ chain: ['Conv'], kind: 'yaml' });
    expect(resolveChain([src('pt', undefined), src('yaml', ['C2f'])], 'model.0')).toEqual({ chain: ['C2f'], kind: 'yaml' });
    expect(resolveChain([src('pt', [])], 'model.0')).toEqual({ chain: [], kind: 'none' });
  });
});
