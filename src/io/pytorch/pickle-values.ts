/**
 * Inert values produced by the non-executing unpickler. Nothing here can run code: a global is a record of its
 * module and name, a reduction or instantiation is a record of what would have been called with which
 * arguments, and persistent ids stay data.
 */

/** `module.name` as named by a GLOBAL / STACK_GLOBAL / INST opcode. Never resolved to anything. */
export class PyGlobal {
  /** `module.name`. */
  readonly qualifiedName: string;
  constructor(readonly module: string, readonly name: string) {
    this.qualifiedName = `${module}.${name}`;
  }
}

export class PyTuple {
  constructor(readonly items: readonly PickleValue[]) {}
  /** The (shared, immutable) empty tuple. */
  static readonly EMPTY = new PyTuple(Object.freeze([]));
}

export class PyList {
  constructor(readonly items: PickleValue[]) {}
}

/** A dict (or an OrderedDict, `ordered`). Keys keep insertion order. Non-primitive keys compare by identity. */
export class PyDict {
  private entries: Map<PickleValue, PickleValue> | undefined = undefined;
  constructor(readonly ordered = false) {}
  /** The entries (the Map is created on first use: most pickled dicts of a module are empty hook dicts). */
  get map(): Map<PickleValue, PickleValue> {
    return (this.entries ??= new Map());
  }
  get size(): number {
    return this.entries?.size ?? 0;
  }
  get(key: string): PickleValue | undefined {
    return this.entries?.get(key);
  }
}

export class PySet {
  constructor(readonly items: PickleValue[], readonly frozen: boolean) {}
}

/** `persistent_id` payload that is not a torch storage reference. */
export class PyPersistent {
  constructor(readonly pid: PickleValue) {}
}

/**
 * What `callable(*args)` (REDUCE), `cls.__new__(cls, *args)` (NEWOBJ) or INST/OBJ would have produced, as a
 * record. BUILD stores its state in `state`; SETITEMS/APPENDS on it land in `dictItems` / `listItems`.
 */
export class PyObject {
  state: PickleValue | undefined = undefined;
  /** Items set on the object by SETITEM(S) (a dict subclass), created on first use. */
  dictItems: Map<PickleValue, PickleValue> | undefined = undefined;
  /** Items appended by APPEND(S) (a list subclass), created on first use. */
  listItems: PickleValue[] | undefined = undefined;
  constructor(readonly callable: PickleValue, readonly args: readonly PickleValue[], readonly via: 'reduce' | 'newobj' | 'inst') {}
  /** The class/function record when the callable is a plain global. */
  get global(): PyGlobal | undefined {
    return this.callable instanceof PyGlobal ? this.callable : undefined;
  }
}

/** A torch storage named by a persistent id `('storage', <StorageClass>, key, location, numel)`. */
export class StorageRef {
  constructor(
    /** Storage class, e.g. `torch.HalfStorage`, `torch.UntypedStorage`. */
    readonly storageType: PyGlobal,
    /** Zip entry key: the storage lives in `<archive>/data/<key>`. */
    readonly key: string,
    readonly location: string,
    /** Number of elements (of the storage class' dtype; bytes for UntypedStorage). */
    readonly numel: number,
  ) {}
}

/**
 * A tensor rebuilt by `torch._utils._rebuild_tensor_v2` (optionally wrapped by `_rebuild_parameter`):
 * a strided view of a storage. Materialise it with `tensorFromRef`.
 */
export class PtTensorRef {
  constructor(
    readonly storage: StorageRef,
    /** dtype of the storage (from its class or the explicit dtype of newer pickles). */
    readonly storageDType: string,
    /** Offset into the storage, in elements. */
    readonly storageOffset: number,
    readonly shape: readonly number[],
    /** Strides in elements. */
    readonly stride: readonly number[],
    readonly isParameter: boolean,
    readonly requiresGrad: boolean,
  ) {}
}

export type PickleValue =
  | null | boolean | number | bigint | string | Uint8Array
  | PyGlobal | PyTuple | PyList | PyDict | PySet | PyObject | PyPersistent | StorageRef | PtTensorRef;

/** Items of a tuple or list, or undefined. */
export function sequenceItems(v: PickleValue | undefined): readonly PickleValue[] | undefined {
  if (v instanceof PyTuple || v instanceof PyList) return v.items;
  return undefined;
}

/** A non-negative safe integer from a pickled int (number or small bigint). */
export function asIndex(v: PickleValue | undefined): number | undefined {
  if (typeof v === 'number' && Number.isSafeInteger(v) && v >= 0) return v;
  if (typeof v === 'bigint' && v >= 0n && v <= BigInt(Number.MAX_SAFE_INTEGER)) return Number(v);
  return undefined;
}
