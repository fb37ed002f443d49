/**
 * Module classes from an Ultralytics model yaml. The `backbone` then `head` rows `[from, repeats, module, args]`
 * are the top-level layers: row i is module `model.<i>`, whatever the scale (scales change widths and repeats,
 * never the row count). Only the top-level class is known; nested classes (what a TokenC3 holds) are not.
 */
import { ModelFormatError } from '../core/errors.js';
import { parseYamlText } from '../core/yaml.js';
import type { ClassSource } from './class-source.js';
import { layerIndexOf } from './module-path.js';

export interface YamlLayer {
  /** Top-level index i (module `model.<i>`). */
  index: number;
  /** Class name as written (`nn.Upsample`, `TokenC3`). */
  module: string;
  /** Class name without a module prefix (`Upsample`, `TokenC3`). */
  className: string;
  repeats: number;
  from: number | number[];
  section: 'backbone' | 'head';
}

export interface ModelYamlSpec {
  layers: YamlLayer[];
  /** Scale names the yaml defines (`n`, `s`, …). */
  scales: string[];
}

/** Classes that never hold weights: a model with a weight under such a layer does not match the yaml. */
const WEIGHTLESS = new Set(['Upsample', 'Concat', 'Identity', 'Index', 'MaxPool2d', 'AvgPool2d', 'Dropout', 'Flatten', 'Shortcut', 'Add']);

/** Immediate children holding weights for a few fixed Ultralytics classes (a cheap fingerprint check). */
const CHILDREN: Readonly<Record<string, readonly string[]>> = {
  Conv: ['conv'], DWConv: ['conv'], DSConv: ['dw', 'pw'],
};

export function classNameOf(module: string): string {
  const parts = module.split('.');
  return parts[parts.length - 1]!;
}

/** Parse an Ultralytics model yaml text. ModelFormatError naming `file` when it is not one. */
export function parseModelYaml(text: string, file = 'model yaml'): ModelYamlSpec {
  const doc = parseYamlText(text, file, ModelFormatError);
  if (!doc || typeof doc !== 'object' || Array.isArray(doc)) {
    throw new ModelFormatError(`'${file}': not an Ultralytics model yaml (expected a mapping with 'backbone' and 'head' lists)`, file);
  }
  const map = doc as Record<string, unknown>;
  const layers: YamlLayer[] = [];
  for (const section of ['backbone', 'head'] as const) {
    const rows = map[section];
    if (!Array.isArray(rows)) {
      throw new ModelFormatError(`'${file}': not an Ultralytics model yaml ('${section}' must be a list of [from, repeats, module, args] rows)`, file);
    }
    rows.forEach((row: unknown, j: number) => {
      const index = layers.length;
      const bad = (why: string) => new ModelFormatError(`'${file}': ${section} row ${j} (layer ${index}): ${why}; expected [from, repeats, module, args]`, file);
      if (!Array.isArray(row) || row.length < 3) throw bad('not a list of 3-4 items');
      const [from, repeats, module] = row as unknown[];
      if (typeof module !== 'string' || module.length === 0) throw bad('module is not a class name');
      const fromOk = typeof from === 'number' || (Array.isArray(from) && from.every((x) => typeof x === 'number'));
      if (!fromOk) throw bad("'from' is not an index or a list of indices");
      if (typeof repeats !== 'number' || !Number.isInteger(repeats)) throw bad('repeats is not an integer');
      layers.push({ index, module, className: classNameOf(module), repeats, from: from as number | number[], section });
    });
  }
  if (layers.length === 0) throw new ModelFormatError(`'${file}': the yaml lists no layers`, file);
  const scales = map.scales && typeof map.scales === 'object' && !Array.isArray(map.scales) ? Object.keys(map.scales) : [];
  return { layers, scales };
}

export interface YamlClassSource extends ClassSource {
  readonly kind: 'yaml' | 'onnx-metadata';
  readonly spec: ModelYamlSpec;
  /** Where the yaml came from (file path, or the metadata key). */
  readonly origin: string;
}

/** A ClassSource answering `[class of model.<i>]` for any path at or under `model.<i>`. */
export function yamlClassSource(spec: ModelYamlSpec, origin: string, kind: 'yaml' | 'onnx-metadata' = 'yaml'): YamlClassSource {
  const what = kind === 'yaml' ? `yaml ${origin}` : `yaml in ONNX metadata '${origin}'`;
  return {
    kind, spec, origin,
    description: `${what} (${spec.layers.length} layers; top-level classes only)`,
    classChain(modulePath: string) {
      const i = layerIndexOf(modulePath);
      if (i === undefined) return undefined;
      const layer = spec.layers[i];
      return layer ? [layer.className] : undefined;
    },
  };
}

/** What a model shows of its top-level structure, from node and weight module paths. */
export interface ModelPaths {
  /** Module paths of every node that carries one. */
  nodePaths: readonly string[];
  /** Module paths of weight layers. */
  weightPaths: readonly string[];
}

/**
 * Check that a yaml describes this model: every `model.<i>` index must exist in the yaml, the yaml's last layer
 * must be the model's last index, layers that cannot hold weights must hold none, and a few fixed classes must
 * have their usual children. ModelFormatError (one line, naming both files' facts) on mismatch.
 */
export function checkYamlAgainstModel(spec: ModelYamlSpec, paths: ModelPaths, origin: string, modelName = 'the model'): void {
  const count = spec.layers.length;
  const fail = (why: string) =>
    new ModelFormatError(`yaml '${origin}' does not match ${modelName}: ${why}; pass the yaml the model was built from`, origin);
  let maxIndex = -1;
  for (const p of paths.nodePaths) {
    const i = layerIndexOf(p);
    if (i !== undefined && i > maxIndex) maxIndex = i;
  }
  if (maxIndex < 0) throw fail('the model has no model.<i> module paths to map the yaml onto');
  if (maxIndex !== count - 1) throw fail(`the yaml has ${count} layers (model.0-model.${count - 1}), the model's last layer is model.${maxIndex}`);
  const children = new Map<number, Set<string>>();
  for (const p of paths.weightPaths) {
    const i = layerIndexOf(p);
    if (i === undefined) continue;
    const layer = spec.layers[i]!;
    if (WEIGHTLESS.has(layer.className)) throw fail(`model.${i} holds weights ('${p}') but the yaml says ${layer.module}`);
    const child = p.split('.')[2];
    if (child !== undefined) {
      let set = children.get(i);
      if (!set) children.set(i, (set = new Set()));
      set.add(child);
    }
  }
  for (const [i, set] of children) {
    const layer = spec.layers[i]!;
    const expected = CHILDREN[layer.className];
    if (!expected) continue;
    const extra = [...set].filter((c) => !expected.includes(c));
    if (extra.length > 0) throw fail(`model.${i} has '${extra[0]}' weights, which a ${layer.className} does not have`);
  }
}

/**
 * A yaml ClassSource from ONNX `metadata_props`, when an exporter stored the model yaml there (Ultralytics does
 * not; some forks do, under keys like `yaml`): the first entry that parses as a model yaml with backbone and head.
 * Entries that mention both but are not a valid model yaml are listed in `problems` (the caller reports them).
 */
export function classSourceFromMetadata(props: Readonly<Record<string, string>>): { source: YamlClassSource | undefined; problems: string[] } {
  const problems: string[] = [];
  for (const [key, value] of Object.entries(props)) {
    if (!value.includes('backbone') || !value.includes('head')) continue;
    try {
      return { source: yamlClassSource(parseModelYaml(value, `metadata '${key}'`), key, 'onnx-metadata'), problems };
    } catch (e) {
      if (!(e instanceof ModelFormatError)) throw e;
      problems.push(e.message);
    }
  }
  return { source: undefined, problems };
}
