/**
 * nn.Module semantics over inert pickle records. A pickled module is `cls.__new__(cls)` + BUILD with its
 * `__dict__`, which holds `_modules`, `_parameters`, `_buffers` and `_non_persistent_buffers_set`. This walks them
 * like `named_modules()` and `state_dict()` do, and picks the model out of an Ultralytics checkpoint dict.
 */
import { ModelFormatError } from '../../core/errors.js';
import { PyDict, PyGlobal, PyObject, PySet, PtTensorRef, type PickleValue } from './pickle-values.js';

/** Where the model came from. */
export type ModelSource = 'ema' | 'model' | 'module' | 'state_dict' | 'none';

export interface ModelSelection {
  source: ModelSource;
  /** The module record, or undefined for a plain state_dict. */
  module: PyObject | undefined;
  /** The state_dict dict when `source` is `state_dict`. */
  stateDict: PyDict | undefined;
  /** One line saying what was used and why. */
  note: string;
}

export interface NamedTensor {
  name: string;
  ref: PtTensorRef;
}

export interface ModuleRecord {
  /** '' for the root. */
  path: string;
  /** Class record of the module (`ultralytics.nn.modules.conv` / `Conv`). */
  cls: PyGlobal | undefined;
  obj: PyObject;
  /** Own parameters (None entries skipped, duplicates by identity removed), in declaration order. */
  parameters: NamedTensor[];
  /** Own buffers that state_dict() saves (not in `_non_persistent_buffers_set`). */
  buffers: NamedTensor[];
}

const MAX_DEPTH = 256;
const MAX_VISITS = 1_000_000;

function moduleState(v: PickleValue | undefined): PyDict | undefined {
  if (!(v instanceof PyObject) || !(v.state instanceof PyDict)) return undefined;
  return v.state.get('_modules') instanceof PyDict ? v.state : undefined;
}

/** True when `v` is a pickled nn.Module record. */
export function isModule(v: PickleValue | undefined): v is PyObject {
  return moduleState(v) !== undefined;
}

const NO_ENTRIES: ReadonlyArray<{ key: string; value: PickleValue }> = [];

function dictEntries(v: PickleValue | undefined): ReadonlyArray<{ key: string; value: PickleValue }> {
  if (!(v instanceof PyDict) || v.size === 0) return NO_ENTRIES;
  const out: Array<{ key: string; value: PickleValue }> = [];
  for (const [key, value] of v.map) if (typeof key === 'string') out.push({ key, value });
  return out;
}

function ownTensors(state: PyDict, field: '_parameters' | '_buffers', persistentOnly: boolean): NamedTensor[] {
  const skip = new Set<PickleValue>();
  const np = state.get('_non_persistent_buffers_set');
  if (persistentOnly && np instanceof PySet) for (const x of np.items) skip.add(x);
  const seen = new Set<PtTensorRef>();
  const out: NamedTensor[] = [];
  for (const { key, value } of dictEntries(state.get(field))) {
    if (!(value instanceof PtTensorRef) || skip.has(key) || seen.has(value)) continue;
    seen.add(value);
    out.push({ name: key, ref: value });
  }
  return out;
}

function children(state: PyDict): Array<{ key: string; value: PyObject }> {
  return dictEntries(state.get('_modules')).filter((c): c is { key: string; value: PyObject } => isModule(c.value));
}

/** `named_modules()` of a module record: pre-order, each module once (shared modules at their first path). */
export function walkModules(root: PyObject, label = 'checkpoint'): ModuleRecord[] {
  const out: ModuleRecord[] = [];
  const seen = new Set<PyObject>();
  const visit = (m: PyObject, path: string, depth: number): void => {
    if (seen.has(m)) return;
    if (depth > MAX_DEPTH) throw new ModelFormatError(`${label}: module tree deeper than ${MAX_DEPTH} at ${path}`, path);
    seen.add(m);
    const state = moduleState(m)!;
    out.push({ path, cls: m.global, obj: m, parameters: ownTensors(state, '_parameters', false), buffers: ownTensors(state, '_buffers', true) });
    for (const c of children(state)) visit(c.value, path ? `${path}.${c.key}` : c.key, depth + 1);
  };
  if (!isModule(root)) throw new ModelFormatError(`${label}: root is not an nn.Module record`, label);
  visit(root, '', 0);
  return out;
}

/** `state_dict()` of a module record: parameters then persistent buffers per module, recursively, in order. */
export function moduleStateDict(root: PyObject, label = 'checkpoint'): NamedTensor[] {
  const out: NamedTensor[] = [];
  let visits = 0;
  const visit = (m: PyObject, prefix: string, depth: number): void => {
    if (++visits > MAX_VISITS) throw new ModelFormatError(`${label}: module tree has more than ${MAX_VISITS} module instances (shared-module blow-up)`, prefix);
    if (depth > MAX_DEPTH) throw new ModelFormatError(`${label}: module tree deeper than ${MAX_DEPTH} at ${prefix}`, prefix);
    const state = moduleState(m)!;
    for (const field of ['_parameters', '_buffers'] as const) {
      const skip = new Set<PickleValue>();
      const np = state.get('_non_persistent_buffers_set');
      if (field === '_buffers' && np instanceof PySet) for (const x of np.items) skip.add(x);
      for (const { key, value } of dictEntries(state.get(field))) {
        if (value instanceof PtTensorRef && !skip.has(key)) out.push({ name: prefix + key, ref: value });
      }
    }
    for (const c of children(state)) visit(c.value, `${prefix}${c.key}.`, depth + 1);
  };
  visit(root, '', 0);
  return out;
}

function isStateDict(v: PickleValue | undefined): v is PyDict {
  if (!(v instanceof PyDict) || v.map.size === 0) return false;
  for (const [k, x] of v.map) if (typeof k !== 'string' || !(x instanceof PtTensorRef)) return false;
  return true;
}

/** Pick the model: `ema` when present and not None (as Ultralytics does), else `model`, a bare module, or a state_dict. */
export function selectModel(root: PickleValue, label = 'checkpoint'): ModelSelection {
  if (isModule(root)) return { source: 'module', module: root, stateDict: undefined, note: `bare ${root.global?.qualifiedName ?? 'nn.Module'} pickle` };
  if (root instanceof PyDict) {
    const ema = root.get('ema');
    const model = root.get('model');
    if (isModule(ema)) {
      return { source: 'ema', module: ema, stateDict: undefined, note: `checkpoint key 'ema' (preferred over 'model', as Ultralytics loads it)` };
    }
    if (isModule(model)) {
      const why = root.map.has('ema') ? "'ema' is None" : "no 'ema' key";
      return { source: 'model', module: model, stateDict: undefined, note: `checkpoint key 'model' (${why})` };
    }
    for (const key of ['state_dict', 'model_state_dict', 'model']) {
      const sd = root.get(key);
      if (isStateDict(sd)) return { source: 'state_dict', module: undefined, stateDict: sd, note: `state_dict under key '${key}': no module classes in this file` };
    }
    if (isStateDict(root)) return { source: 'state_dict', module: undefined, stateDict: root, note: 'plain state_dict: no module classes in this file' };
  }
  throw new ModelFormatError(`${label}: no nn.Module ('ema'/'model') or state_dict found in the checkpoint`, label);
}

/** state_dict entries of the selected model. */
export function selectedStateDict(sel: ModelSelection, label = 'checkpoint'): NamedTensor[] {
  if (sel.module) return moduleStateDict(sel.module, label);
  return dictEntries(sel.stateDict).flatMap(({ key, value }) => (value instanceof PtTensorRef ? [{ name: key, ref: value }] : []));
}
