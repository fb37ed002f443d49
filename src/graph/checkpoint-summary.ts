/**
 * `inspect` for PyTorch checkpoints: what the file holds (keys, Ultralytics metadata, module tree summary,
 * parameters, tensors by dtype) and which pickle globals would be dangerous to unpickle with torch.load.
 */
import { readCheckpointProvenance } from '../io/pytorch/provenance.js';
import { numel, type DType } from '../core/dtype.js';
import { readCheckpoint, type PtCheckpoint } from '../io/pytorch/checkpoint.js';
import { selectModel, selectedStateDict, type ModelSelection, type NamedTensor } from '../io/pytorch/modules.js';
import { ModelFormatError } from '../core/errors.js';
import { PyDict, PyGlobal, PyList, PyObject, PySet, PyTuple, StorageRef, PtTensorRef, type PickleValue } from '../io/pytorch/pickle-values.js';
import { findSuspiciousGlobals, type SuspiciousGlobal } from '../io/pytorch/suspicious.js';
import { dtypeOfStorage } from '../io/pytorch/tensors.js';
import { classCounts, moduleTreeFromCheckpoint, type ModuleTree } from './module-tree.js';

/** JSON-friendly rendering of pickled data (classes shown as `<module.Name>`). */
export type PlainValue = null | boolean | number | string | PlainValue[] | { [key: string]: PlainValue };

export interface CheckpointSummary {
  file: string;
  bytes: number;
  format: 'pytorch-zip';
  /** Folder inside the zip (`archive`, `best`...). */
  archiveName: string;
  /** Serialization format version (`<archive>/version`). */
  formatVersion: string | undefined;
  /** Top-level keys with a short type description (`model: <ultralytics.nn.tasks.DetectionModel>`). */
  keys: Array<{ key: string; type: string }>;
  /** Ultralytics / YOLOv5 metadata when present. */
  ultralytics: {
    version: string | undefined;
    date: string | undefined;
    epoch: number | undefined;
    bestFitness: number | undefined;
    trainArgs: PlainValue | undefined;
    names: Record<string, string> | undefined;
  };
  model: {
    /** `ema`, `model`, `module`, `state_dict`, or `none` when the file holds no model. */
    source: string;
    note: string;
    rootClass: string | undefined;
    hasClasses: boolean;
    modules: number;
    perClass: Array<{ qualifiedClass: string; count: number; params: number }>;
  };
  /** `total`: parameters (named_modules, own, deduplicated); `byDType`: values of all state_dict tensors (buffers too). */
  parameters: { total: number; buffers: number; stateDictTensors: number; byDType: Partial<Record<DType | 'unknown', number>> };
  storages: { count: number; bytes: number };
  /** Every global the pickle names (count), and the ones torch.load would have executed dangerously. */
  globals: { count: number; suspicious: SuspiciousGlobal[] };
  /** prunekit's records of how the file was made (zip entries `prunekit`, `prunekit.2`, …), oldest first. */
  provenance: Array<{ key: string; record: unknown }>;
  tree: ModuleTree;
}

/** Plain JSON form of a pickled value, depth-limited. */
export function toPlain(v: PickleValue | undefined, depth = 6): PlainValue {
  if (v === undefined || v === null) return null;
  if (typeof v === 'bigint') return v.toString();
  if (typeof v === 'number' || typeof v === 'string' || typeof v === 'boolean') return v;
  if (v instanceof Uint8Array) return `<${v.length} bytes>`;
  if (v instanceof PyGlobal) return `<${v.qualifiedName}>`;
  if (v instanceof PtTensorRef) return `<tensor ${v.storageDType} [${v.shape.join(',')}]>`;
  if (v instanceof StorageRef) return `<storage ${v.key}>`;
  if (depth <= 0) return '…';
  if (v instanceof PyTuple || v instanceof PyList) return v.items.slice(0, 200).map((x) => toPlain(x, depth - 1));
  if (v instanceof PySet) return v.items.slice(0, 200).map((x) => toPlain(x, depth - 1));
  if (v instanceof PyDict) {
    const out: { [key: string]: PlainValue } = {};
    for (const [k, x] of v.map) out[typeof k === 'string' || typeof k === 'number' || typeof k === 'bigint' ? String(k) : JSON.stringify(toPlain(k, 1))] = toPlain(x, depth - 1);
    return out;
  }
  if (v instanceof PyObject) {
    // Namespaces (argparse / IterableSimpleNamespace) carry their data in the BUILD state.
    if (v.state instanceof PyDict && !(v.state.get('_modules') instanceof PyDict)) return toPlain(v.state, depth);
    return `<${v.global?.qualifiedName ?? 'object'}>`;
  }
  return '<persistent>';
}

function typeOf(v: PickleValue | undefined): string {
  if (v === null || v === undefined) return 'None';
  if (v instanceof PyObject) return `<${v.global?.qualifiedName ?? 'object'}>`;
  if (v instanceof PyDict) return `dict (${v.size} keys)`;
  if (v instanceof PyList) return `list (${v.items.length})`;
  if (v instanceof PyTuple) return `tuple (${v.items.length})`;
  if (v instanceof PtTensorRef) return 'tensor';
  if (typeof v === 'string') return JSON.stringify(v.length > 60 ? v.slice(0, 57) + '...' : v);
  if (typeof v === 'number' || typeof v === 'boolean' || typeof v === 'bigint') return String(v);
  return typeof v;
}

function namesOf(v: PickleValue | undefined): Record<string, string> | undefined {
  if (v instanceof PyDict) {
    const out: Record<string, string> = {};
    for (const [k, x] of v.map) if (typeof x === 'string') out[String(k)] = x;
    return out;
  }
  if (v instanceof PyList || v instanceof PyTuple) {
    return Object.fromEntries(v.items.flatMap((x, i) => (typeof x === 'string' ? [[String(i), x]] : [])));
  }
  return undefined;
}

function attr(obj: PickleValue | undefined, key: string): PickleValue | undefined {
  return obj instanceof PyObject && obj.state instanceof PyDict ? obj.state.get(key) : undefined;
}

/** Summarise a parsed checkpoint. */
export function summarizeCheckpoint(ckpt: PtCheckpoint): CheckpointSummary {
  const root = ckpt.root;
  const dict = root instanceof PyDict ? root : undefined;
  let sel: ModelSelection;
  let tree: ModuleTree;
  let sd: NamedTensor[];
  try {
    sel = selectModel(root, ckpt.label);
    tree = moduleTreeFromCheckpoint(ckpt);
    sd = selectedStateDict(sel, ckpt.label);
  } catch (e) {
    if (!(e instanceof ModelFormatError)) throw e;
    // Still summarise what is there (keys, suspicious globals): the file just holds no model.
    sel = { source: 'none', module: undefined, stateDict: undefined, note: `no model found: ${e.message}` };
    tree = { source: 'none', note: sel.note, hasClasses: false, modules: [], byPath: new Map() };
    sd = [];
  }
  const byDType: Partial<Record<DType | 'unknown', number>> = {};
  for (const { ref } of sd) {
    const d = dtypeOfStorage(ref.storageDType) ?? 'unknown';
    byDType[d] = (byDType[d] ?? 0) + numel(ref.shape);
  }
  let storageBytes = 0;
  for (const s of ckpt.storages.values()) storageBytes += ckpt.zip.byName.get(`${ckpt.archiveName ? ckpt.archiveName + '/' : ''}data/${s.key}`)?.size ?? 0;
  const num = (v: PickleValue | undefined): number | undefined => (typeof v === 'number' ? v : undefined);
  const str = (v: PickleValue | undefined): string | undefined => (typeof v === 'string' ? v : undefined);
  const trainArgs = dict?.get('train_args') ?? dict?.get('opt') ?? attr(sel.module, 'args');
  return {
    file: ckpt.label,
    bytes: ckpt.bytes.length,
    format: 'pytorch-zip',
    archiveName: ckpt.archiveName,
    formatVersion: ckpt.formatVersion,
    keys: dict ? [...dict.map].map(([k, v]) => ({ key: String(k), type: typeOf(v) })) : [{ key: '(root)', type: typeOf(root) }],
    ultralytics: {
      version: str(dict?.get('version')),
      date: str(dict?.get('date')),
      epoch: num(dict?.get('epoch')),
      bestFitness: num(dict?.get('best_fitness')),
      trainArgs: trainArgs === undefined ? undefined : toPlain(trainArgs),
      names: namesOf(attr(sel.module, 'names')) ?? namesOf(dict?.get('names')),
    },
    model: {
      source: sel.source,
      note: sel.note,
      rootClass: sel.module?.global?.qualifiedName,
      hasClasses: tree.hasClasses,
      modules: tree.modules.length,
      perClass: classCounts(tree),
    },
    parameters: {
      total: tree.modules.reduce((a, m) => a + m.ownParams, 0),
      buffers: tree.modules.reduce((a, m) => a + m.ownBuffers, 0),
      stateDictTensors: sd.length,
      byDType,
    },
    storages: { count: ckpt.storages.size, bytes: storageBytes },
    globals: { count: ckpt.globals.length, suspicious: findSuspiciousGlobals(ckpt.globals) },
    provenance: readCheckpointProvenance(ckpt),
    tree,
  };
}

/** Parse and summarise checkpoint bytes (`file` names it in messages). */
export function inspectCheckpoint(bytes: Uint8Array, file = 'checkpoint'): CheckpointSummary {
  return summarizeCheckpoint(readCheckpoint(bytes, file));
}
