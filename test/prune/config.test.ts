import { describe, expect, it } from 'vitest';
import { UsageError } from '../../src/core/index.js';
import { parseConfigText } from '../../src/prune/config-file.js';
import { presetFromConfig } from '../../src/prune/config.js';
import { getPreset, PRESETS } from '../../src/prune/presets.js';
import { DEFAULT_MAX } from '../../src/prune/preset.js';

describe('presets', () => {
  it('built-ins are valid configs (round-trip through the validator)', () => {
    for (const p of PRESETS.values()) {
      const back = presetFromConfig(JSON.parse(JSON.stringify({ name: p.name, categories: p.categories, default: p.default, head: p.head })), 'x.json');
      expect(back.categories.map((c) => [c.name, c.ratio])).toEqual(p.categories.map((c) => [c.name, c.ratio]));
      for (const c of p.categories) expect(c.ratio).toBeLessThanOrEqual(c.max ?? DEFAULT_MAX);
    }
  });
  it('tokenc3-lsnet has the users priority order and ratios', () => {
    const p = getPreset('tokenc3-lsnet');
    expect(p.categories.map((c) => `${c.name}:${c.ratio}`)).toEqual([
      'TokenC3:0.06', 'HyperACE:0.04', 'LSNet:0.08', 'FullPAD_Tunnel:0.1', 'attention:0.12', 'DSC:0.15', 'Conv:0.22',
    ]);
    expect(p.head.classes).toContain('Detect');
  });
  it('unknown preset is a UsageError naming the built-ins', () => {
    expect(() => getPreset('yolov99')).toThrow(/unknown preset 'yolov99'; built-in presets: tokenc3-lsnet/);
  });
});

describe('presetFromConfig', () => {
  it('extends a built-in and overrides ratios by category name', () => {
    const p = presetFromConfig({ extends: 'tokenc3-lsnet', ratios: { Conv: 0.3, other: 0.05 } }, 'c.yaml');
    expect(p.categories.find((c) => c.name === 'Conv')!.ratio).toBe(0.3);
    expect(p.default.ratio).toBe(0.05);
    expect(p.categories.find((c) => c.name === 'TokenC3')!.ratio).toBe(0.06);
  });
  it('accepts inline rules and rule lists', () => {
    const p = presetFromConfig({
      categories: [{ name: 'a', ratio: 0.1, classes: ['X'], depthwise: true }, { name: 'b', ratio: 0.2, rules: [{ path: '^model\\.1\\.' }, { op: ['Gemm'] }] }],
      default: { ratio: 0 },
      nameRules: [{ path: '^model\\.2\\.', class: 'TokenC3' }],
    }, 'c.yaml');
    expect(p.categories[0]!.rules).toEqual([{ classes: ['X'], depthwise: true }]);
    expect(p.categories[1]!.rules).toHaveLength(2);
    expect(p.default).toEqual({ name: 'other', ratio: 0 });
    expect(p.nameRules).toEqual([{ path: '^model\\.2\\.', class: ['TokenC3'] }]);
  });
  const bad: [string, unknown, RegExp][] = [
    ['ratio ≥ 1', { categories: [{ name: 'a', ratio: 1, classes: ['X'] }], default: { ratio: 0 } }, /categories\[0\]\.ratio: ratio 1 is outside \[0, 1\)/],
    ['negative ratio', { extends: 'uniform', ratios: { all: -0.1 } }, /ratios\.all: ratio -0.1 is outside/],
    ['unknown key', { extends: 'uniform', ratio: 0.1 }, /config\.ratio: unknown key/],
    ['no rules', { categories: [{ name: 'a', ratio: 0.1 }], default: { ratio: 0 } }, /has no match condition/],
    ['bad regex', { categories: [{ name: 'a', ratio: 0.1, path: '(' }], default: { ratio: 0 } }, /categories\[0\]\.path: not a valid regular expression/],
    ['bad op', { categories: [{ name: 'a', ratio: 0.1, op: ['Relu'] }], default: { ratio: 0 } }, /unknown op 'Relu'/],
    ['duplicate', { categories: [{ name: 'a', ratio: 0.1, classes: 'X' }, { name: 'a', ratio: 0.1, classes: 'Y' }], default: { ratio: 0 } }, /appears twice/],
    ['missing default', { categories: [] }, /default: missing/],
    ['unknown base', { extends: 'nope' }, /unknown preset 'nope'/],
    ['ratio over cap', { categories: [{ name: 'a', ratio: 0.5, max: 0.4, classes: 'X' }], default: { ratio: 0 } }, /exceeds the category's max/],
    ['not a mapping', [1, 2], /config: expected a mapping/],
    ['unknown ratio name', { extends: 'uniform', ratios: { nope: 0.1 } }, /ratios\.nope: unknown key/],
  ];
  for (const [what, doc, re] of bad) {
    it(`rejects ${what}`, () => {
      expect(() => presetFromConfig(doc, 'c.yaml')).toThrow(UsageError);
      expect(() => presetFromConfig(doc, 'c.yaml')).toThrow(re);
    });
  }
  it('malformed YAML and JSON are UsageErrors naming the file', () => {
    expect(() => parseConfigText('categories: [a, b', 'c.yaml')).toThrow(/c.yaml: malformed config/);
    expect(() => parseConfigText('{"a": ', 'c.json')).toThrow(/c.json: malformed config/);
  });
});
