/**
 * The module class tree of a PyTorch checkpoint: every module path (`named_modules()` order) with its class and
 * own parameter count, and a {@link ClassSource} answering "which classes enclose this path" from it.
 */
import { compareIdentifiers } from '../core/collate.js';
import { numel } from '../core/dtype.js';
import { ModelFormatError } from '../core/errors.js';
import { readCheckpoint, type PtCheckpoint } from '../io/pytorch/checkpoint.js';
import { selectModel, selectedStateDict, walkModules, type ModelSource } from '../io/pytorch/modules.js';
import type { ClassSource } from './class-source.js';

export interface ModuleNode {
  /** Module path; '' for the root. */
  path: string;
  /** Class module and name, e.g. `ultralytics.nn.modules.conv.Conv`; '' when unknown (plain state_dict). */
  qualifiedClass: string;
  /** Class name only, e.g. `Conv`; '' when unknown. */
  className: string;
  /** Own parameters (recurse=False), elements. */
  ownParams: number;
  /** Own persistent buffers, elements. */
  ownBuffers: number;
}

export interface ModuleTree {
  /** Which object of the checkpoint the tree describes (`none`: the file holds no model). */
  source: ModelSource | 'none';
  /** One line: what was used and why (e.g. `checkpoint key 'model' ('ema' is None)`). */
  note: string;
  /** False for a plain state_dict: paths come from tensor names and no class is known. */
  hasClasses: boolean;
  modules: ModuleNode[];
  byPath: ReadonlyMap<string, ModuleNode>;
}

/** Module classes that only hold other modules: left out of class chains. */
const CONTAINERS = new Set([
  'torch.nn.modules.container.Sequential', 'torch.nn.modules.container.ModuleList', 'torch.nn.modules.container.ModuleDict',
]);

function sumNumel(tensors: ReadonlyArray<{ ref: { shape: readonly number[] } }>): number {
  let n = 0;
  for (const t of tensors) n += numel(t.ref.shape);
  return n;
}

function treeFromStateDict(ckpt: PtCheckpoint, note: string): ModuleTree {
  const sel = selectModel(ckpt.root, ckpt.label);
  const modules = new Map<string, ModuleNode>();
  const node = (path: string): ModuleNode => {
    let m = modules.get(path);
    if (!m) {
      m = { path, qualifiedClass: '', className: '', ownParams: 0, ownBuffers: 0 };
      modules.set(path, m);
    }
    return m;
  };
  node('');
  for (const { name, ref } of selectedStateDict(sel, ckpt.label)) {
    const parts = name.split('.');
    for (let i = 1; i < parts.length; i++) node(parts.slice(0, i).join('.'));
    // Without classes, parameters and buffers cannot be told apart: count everything as parameters.
    node(parts.slice(0, -1).join('.')).ownParams += numel(ref.shape);
  }
  const list = [...modules.values()];
  return { source: 'state_dict', note, hasClasses: false, modules: list, byPath: modules };
}

/** The module tree of the model a checkpoint holds (`ema` preferred over `model`; see {@link selectModel}). */
export function moduleTreeFromCheckpoint(ckpt: PtCheckpoint): ModuleTree {
  const sel = selectModel(ckpt.root, ckpt.label);
  if (!sel.module) return treeFromStateDict(ckpt, sel.note);
  const modules = walkModules(sel.module, ckpt.label).map((r): ModuleNode => ({
    path: r.path,
    qualifiedClass: r.cls?.qualifiedName ?? '',
    className: r.cls?.name ?? '',
    ownParams: sumNumel(r.parameters),
    ownBuffers: sumNumel(r.buffers),
  }));
  return { source: sel.source, note: sel.note, hasClasses: true, modules, byPath: new Map(modules.map((m) => [m.path, m])) };
}

/** The tree as `path<TAB>module.Class<TAB>own params` lines, root shown as `<root>` (the reference .modules.tsv form). */
export function moduleTreeTsv(tree: ModuleTree): string {
  return tree.modules.map((m) => `${m.path || '<root>'}\t${m.qualifiedClass}\t${m.ownParams}`).join('\n') + '\n';
}

/** Number of modules per class (qualified name), most frequent first, ties in English alphabetical order. */
export function classCounts(tree: ModuleTree): Array<{ qualifiedClass: string; count: number; params: number }> {
  const counts = new Map<string, { qualifiedClass: string; count: number; params: number }>();
  for (const m of tree.modules) {
    const key = m.qualifiedClass || '(unknown)';
    const c = counts.get(key) ?? { qualifiedClass: key, count: 0, params: 0 };
    c.count++;
    c.params += m.ownParams;
    counts.set(key, c);
  }
  return [...counts.values()].sort((a, b) => b.count - a.count || compareIdentifiers(a.qualifiedClass, b.qualifiedClass));
}

/**
 * The checkpoint module path an ONNX-derived path names, resolved as deep as the tree allows. torch.onnx names a
 * Sequential's children after the Sequential again (`/model.2/cv1/large_branch/large_branch.0/Conv` gives
 * `model.2.cv1.large_branch.large_branch.0` for the module `model.2.cv1.large_branch.0`), so repeated trailing
 * segments are skipped when the direct child does not exist. Returns the deepest module found ('' if none) and
 * whether the whole path resolved.
 */
export function resolveModulePath(tree: ModuleTree, modulePath: string): { path: string; exact: boolean } {
  const parts = modulePath.split('.');
  let current: string[] = [];
  let i = 0;
  outer: while (i < parts.length) {
    const direct = [...current, parts[i]!].join('.');
    if (tree.byPath.has(direct)) {
      current = [...current, parts[i]!];
      i++;
      continue;
    }
    // Skip a repetition of the last k segments of the current path (the ONNX scope of a container's child).
    for (let k = Math.min(current.length, parts.length - i); k >= 1; k--) {
      const tail = current.slice(current.length - k);
      if (tail.every((seg, j) => parts[i + j] === seg)) {
        const next = parts[i + k];
        if (next === undefined || tree.byPath.has([...current, next].join('.'))) {
          i += k;
          continue outer;
        }
      }
    }
    break;
  }
  return { path: current.join('.'), exact: i === parts.length };
}

/**
 * Class chain of the module at `modulePath` (or of its nearest enclosing module in the tree), outermost first:
 * the root model and pure containers (Sequential, ModuleList, ModuleDict) are left out.
 * `model.2.cv1.large_branch.0` → `['TokenC3', 'LSConv', 'Conv2d']`. ONNX scope paths resolve as in
 * {@link resolveModulePath}. Undefined when no prefix is in the tree.
 */
export function classChainOf(tree: ModuleTree, modulePath: string): readonly string[] | undefined {
  if (!tree.hasClasses) return undefined;
  const resolved = resolveModulePath(tree, modulePath).path;
  if (resolved === '') return undefined;
  const parts = resolved.split('.');
  const chain: string[] = [];
  for (let i = 1; i <= parts.length; i++) {
    const m = tree.byPath.get(parts.slice(0, i).join('.'));
    if (m && m.className && !CONTAINERS.has(m.qualifiedClass)) chain.push(m.className);
  }
  return chain;
}

/**
 * A ClassSource backed by a checkpoint's module tree. ONNX module paths (`model.2.m.0.cv1.conv`) are the same
 * paths as in the `.pt`; with BN folded, ONNX `...conv` weights belong to the Conv2d modules.
 */
export function classSourceFromModuleTree(tree: ModuleTree, file = 'checkpoint'): ClassSource {
  const top = tree.modules.filter((m) => /^model\.\d+$/.test(m.path)).length;
  return {
    kind: 'pt',
    description: `pt ${file} (${tree.note}; ${tree.modules.length} modules, ${top} layers)`,
    classChain: (modulePath) => classChainOf(tree, modulePath),
  };
}

/** Class source straight from checkpoint bytes (`--arch best.pt`). ModelFormatError when the file has no classes. */
export function classSourceFromCheckpointBytes(bytes: Uint8Array, file = 'checkpoint'): ClassSource {
  const tree = moduleTreeFromCheckpoint(readCheckpoint(bytes, file));
  if (!tree.hasClasses) {
    throw new ModelFormatError(`--arch ${file}: ${tree.note}; give the Ultralytics checkpoint with 'model'/'ema' or the model yaml`, file);
  }
  return classSourceFromModuleTree(tree, file);
}
