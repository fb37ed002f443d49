import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { UsageError } from '../../src/core/errors.js';
import { presetFromConfig } from '../../src/prune/config.js';
import { choiceConfig, configYaml } from '../../src/search/config.js';
import { parseImageRange } from '../../src/search/images.js';
import type { GroupUnit } from '../../src/search/units.js';

const unit = (group: number, paths: string[]): GroupUnit => ({ id: `g${group}`, kind: 'group', group, root: paths[0]!, rootPaths: paths, rootWeights: paths.map((p) => `${p}.weight`), channels: 64, prunable: 64 });

describe('choiceConfig', () => {
  const units = [unit(3, ['model.3.cv1.conv']), unit(7, ['model.5.layers.2', 'model.6.layers.2']), unit(9, ['model.9.c'])];
  it('one category per cut group, matching exactly its root module paths, and a valid prune --config', () => {
    const doc = choiceConfig(units, new Map([['g7', 0.375], ['g9', 0], ['g3', 0.5]]), 'n', 'd');
    expect(doc.categories.map((c) => [c.name, c.ratio])).toEqual([['group 3 model.3.cv1.conv', 0.5], ['group 7 model.5.layers.2', 0.375]]);
    const re = new RegExp(doc.categories[1]!.path);
    expect(re.test('model.5.layers.2')).toBe(true);
    expect(re.test('model.6.layers.2')).toBe(true);
    expect(re.test('model.5.layers.21')).toBe(false); // anchored
    expect(re.test('model.5xlayers.2')).toBe(false); // dots escaped
    const preset = presetFromConfig(parse(configYaml(doc, ['header line'])), 'c.yaml');
    expect(preset.categories.map((c) => c.ratio)).toEqual([0.5, 0.375]);
    expect(preset.default.ratio).toBe(0);
  });
  it('refuses a group whose root has no module path (a config could not name it)', () => {
    expect(() => choiceConfig([unit(1, [''])], new Map([['g1', 0.5]]), 'n', 'd')).toThrow(UsageError);
  });
});

describe('parseImageRange', () => {
  it('reads FIRST-LAST and a single image; rejects reversed, zero and junk', () => {
    expect(parseImageRange('65-128', '--x')).toEqual({ first: 65, last: 128 });
    expect(parseImageRange(' 7 ', '--x')).toEqual({ first: 7, last: 7 });
    expect(parseImageRange('1–64', '--x')).toEqual({ first: 1, last: 64 });
    for (const bad of ['0-5', '9-8', 'a-b', '1-', '']) expect(() => parseImageRange(bad, '--x')).toThrow(UsageError);
  });
});
