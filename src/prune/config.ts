/**
 * Custom presets from a parsed YAML/JSON document, validated with one-line errors naming the file and key.
 * A config is either a whole preset (`categories`, `default`, `head`) or a built-in one tweaked:
 *
 * ```yaml
 * extends: tokenc3-lsnet      # optional: start from a built-in
 * name: my-preset
 * ratios: { Conv: 0.3 }       # override ratios of categories by name
 * categories:                 # replaces the list (priority order)
 *   - { name: TokenC3, ratio: 0.06, classes: [TokenC3, LSConv] }   # one rule inline …
 *   - { name: attn, ratio: 0.12, rules: [{ classes: [AAttn] }, { path: '\.attn\.' }] }  # … or several
 * default: { name: other, ratio: 0.1 }
 * head: { classes: [Detect], ratio: 0.05 }
 * nameRules: [{ path: '^model\.(2|4)\.', class: TokenC3 }]
 * ```
 */
import { UsageError, errorMessage } from '../core/errors.js';
import type { LayerOp } from '../graph/index.js';
import type { NameRule } from '../graph/name-rules.js';
import { DEFAULT_MAX, type Category, type MatchRule, type Preset } from './preset.js';
import { getPreset } from './presets.js';

const OPS: readonly LayerOp[] = ['Conv', 'ConvTranspose', 'Gemm', 'MatMul'];
type Obj = Record<string, unknown>;

class Validator {
  constructor(readonly file: string) {}
  fail(key: string, why: string): never {
    throw new UsageError(`${this.file}: ${key}: ${why}`, this.file);
  }
  obj(v: unknown, key: string, allowed: readonly string[]): Obj {
    if (!v || typeof v !== 'object' || Array.isArray(v)) this.fail(key, 'expected a mapping');
    for (const k of Object.keys(v as Obj)) if (!allowed.includes(k)) this.fail(`${key}.${k}`, `unknown key; expected one of ${allowed.join(', ')}`);
    return v as Obj;
  }
  str(v: unknown, key: string): string {
    if (typeof v !== 'string' || v.length === 0) this.fail(key, 'expected a non-empty string');
    return v as string;
  }
  strings(v: unknown, key: string): string[] {
    const list = typeof v === 'string' ? [v] : v;
    if (!Array.isArray(list) || list.length === 0) this.fail(key, 'expected a string or a non-empty list of strings');
    return (list as unknown[]).map((s, i) => this.str(s, `${key}[${i}]`));
  }
  ratio(v: unknown, key: string): number {
    if (typeof v !== 'number' || !Number.isFinite(v) || v < 0 || v >= 1) this.fail(key, `ratio ${JSON.stringify(v)} is outside [0, 1)`);
    return v as number;
  }
  max(v: unknown, key: string): number {
    if (typeof v !== 'number' || !(v > 0) || v >= 1) this.fail(key, `cap ${JSON.stringify(v)} must be in (0, 1)`);
    return v as number;
  }
  regex(v: unknown, key: string): string {
    const s = this.str(v, key);
    try {
      new RegExp(s);
    } catch (e) {
      this.fail(key, `not a valid regular expression (${errorMessage(e)})`);
    }
    return s;
  }
}

const RULE_KEYS = ['classes', 'path', 'op', 'depthwise'];

function rule(v: Validator, o: Obj, key: string): MatchRule | undefined {
  const r: { classes?: string[]; path?: string; op?: LayerOp[]; depthwise?: boolean } = {};
  if (o.classes !== undefined) r.classes = v.strings(o.classes, `${key}.classes`);
  if (o.path !== undefined) r.path = v.regex(o.path, `${key}.path`);
  if (o.op !== undefined) {
    r.op = v.strings(o.op, `${key}.op`).map((op, i) => (OPS.includes(op as LayerOp) ? (op as LayerOp) : v.fail(`${key}.op[${i}]`, `unknown op '${op}'; expected ${OPS.join(', ')}`)));
  }
  if (o.depthwise !== undefined) {
    if (typeof o.depthwise !== 'boolean') v.fail(`${key}.depthwise`, 'expected true or false');
    r.depthwise = o.depthwise as boolean;
  }
  return Object.keys(r).length > 0 ? r : undefined;
}

function category(v: Validator, raw: unknown, key: string): Category {
  const o = v.obj(raw, key, ['name', 'ratio', 'max', 'protected', 'rules', 'note', ...RULE_KEYS]);
  const name = v.str(o.name, `${key}.name`);
  const ratio = o.protected === true && o.ratio === undefined ? 0 : v.ratio(o.ratio, `${key}.ratio`);
  const max = o.max === undefined ? undefined : v.max(o.max, `${key}.max`);
  if (max !== undefined && ratio > max) v.fail(`${key}.ratio`, `ratio ${ratio} exceeds the category's max ${max}`);
  if (o.protected !== undefined && typeof o.protected !== 'boolean') v.fail(`${key}.protected`, 'expected true or false');
  const rules: MatchRule[] = [];
  const inline = rule(v, o, key);
  if (inline) rules.push(inline);
  if (o.rules !== undefined) {
    if (!Array.isArray(o.rules)) v.fail(`${key}.rules`, 'expected a list of match rules');
    (o.rules as unknown[]).forEach((r, i) => {
      const k = `${key}.rules[${i}]`;
      const parsed = rule(v, v.obj(r, k, RULE_KEYS), k);
      if (!parsed) v.fail(k, `empty rule; give at least one of ${RULE_KEYS.join(', ')}`);
      rules.push(parsed);
    });
  }
  if (rules.length === 0) v.fail(key, `category '${name}' has no match condition; give ${RULE_KEYS.join(', ')} or rules`);
  const c: Category = { name, ratio, rules, ...(max !== undefined ? { max } : {}), ...(o.protected === true ? { protected: true } : {}) };
  return typeof o.note === 'string' ? { ...c, note: o.note } : c;
}

/** Validate a parsed config document into a Preset. UsageError (file: key: why) on any problem. */
export function presetFromConfig(doc: unknown, file: string): Preset {
  const v: Validator = new Validator(file);
  const o = v.obj(doc, 'config', ['extends', 'name', 'description', 'categories', 'ratios', 'default', 'head', 'nameRules']);
  const base: Preset | undefined = o.extends === undefined ? undefined : getPreset(v.str(o.extends, 'extends'));
  if (!base && o.categories === undefined) v.fail('categories', "missing; give a list of categories, or 'extends: <preset>'");
  let categories: Category[] = base ? [...base.categories] : [];
  if (o.categories !== undefined) {
    if (!Array.isArray(o.categories)) v.fail('categories', 'expected a list');
    categories = (o.categories as unknown[]).map((c, i) => category(v, c, `categories[${i}]`));
  }
  const names = new Set<string>();
  for (const c of categories) {
    if (names.has(c.name)) v.fail('categories', `category '${c.name}' appears twice; give it several rules instead`);
    names.add(c.name);
  }
  let dflt = base?.default;
  if (o.default !== undefined) {
    const d = v.obj(o.default, 'default', ['name', 'ratio', 'max']);
    dflt = { name: d.name === undefined ? 'other' : v.str(d.name, 'default.name'), ratio: v.ratio(d.ratio, 'default.ratio'), ...(d.max !== undefined ? { max: v.max(d.max, 'default.max') } : {}) };
  }
  if (!dflt) v.fail('default', "missing; give { name, ratio } for layers no category matches");
  let head = base?.head ?? { classes: ['Detect', 'Segment', 'Pose', 'OBB', 'Classify', 'v10Detect'], ratio: 0.05 };
  if (o.head !== undefined) {
    const h = v.obj(o.head, 'head', ['classes', 'ratio', 'max']);
    head = {
      classes: h.classes === undefined ? head.classes : v.strings(h.classes, 'head.classes'),
      ratio: h.ratio === undefined ? head.ratio : v.ratio(h.ratio, 'head.ratio'),
      ...(h.max !== undefined ? { max: v.max(h.max, 'head.max') } : {}),
    };
  }
  if (o.ratios !== undefined) {
    const r = v.obj(o.ratios, 'ratios', [...names, dflt.name]);
    categories = categories.map((c) => (r[c.name] === undefined ? c : { ...c, ratio: v.ratio(r[c.name], `ratios.${c.name}`) }));
    if (r[dflt.name] !== undefined) dflt = { ...dflt, ratio: v.ratio(r[dflt.name], `ratios.${dflt.name}`) };
  }
  for (const c of categories) if (c.ratio > (c.max ?? DEFAULT_MAX)) v.fail(`ratios.${c.name}`, `ratio ${c.ratio} exceeds the cap ${c.max ?? DEFAULT_MAX}`);
  let nameRules: NameRule[] | undefined = base?.nameRules ? [...base.nameRules] : undefined;
  if (o.nameRules !== undefined) {
    if (!Array.isArray(o.nameRules)) v.fail('nameRules', 'expected a list of { path, class }');
    nameRules = (o.nameRules as unknown[]).map((r, i) => {
      const x = v.obj(r, `nameRules[${i}]`, ['path', 'class']);
      const cls = v.strings(x.class, `nameRules[${i}].class`);
      return { path: v.regex(x.path, `nameRules[${i}].path`), class: cls };
    });
  }
  const name = o.name === undefined ? (base ? `${base.name}+${file}` : file) : v.str(o.name, 'name');
  const description = typeof o.description === 'string' ? o.description : base ? `${base.description} (modified by ${file})` : `custom preset from ${file}`;
  return { name, description, categories, default: dflt, head, ...(nameRules ? { nameRules } : {}) };
}
