/**
 * Channel dependency groups (Torch-Pruning style, on an ONNX graph). Every output channel of a prunable conv is
 * an *element*; tensors on the traced path carry a map `channel index → element id`. Ops that force channels to
 * line up (residual Add, Mul with another channel tensor, Concat on another axis…) merge elements into
 * *coupled classes*: a class is removed as a whole or not at all. A *group* is a set of root convs whose classes
 * are linked; *members* are the tensor slices that shrink when a class goes.
 *
 * This module describes what is coupled only; scoring (importance) and how much to cut (policy) live in
 * src/prune/structured.
 */

/** A conv whose output channels are pruning candidates. */
export interface ChannelRoot {
  id: number;
  /** Index of the node in graph.node. */
  node: number;
  nodeName: string;
  /** Weight tensor (resolved through Identity). */
  weight: string;
  /** Module path from the node name ('' when unknown). */
  modulePath: string;
  /** Output channels. */
  channels: number;
  /** First element id of this root's channels. */
  base: number;
}

/**
 * - `out`: a producer's filter slices (conv weight axis 0, ConvTranspose axis 1, depthwise filters)
 * - `in`: a consumer conv's input-channel slices (weight axis 1)
 * - `bn-scale`: BatchNormalization/InstanceNormalization γ
 * - `param`: anything else indexed by channel (biases, BN β/mean/var, broadcast constants)
 */
export type MemberRole = 'out' | 'in' | 'bn-scale' | 'param';

/** A constant tensor that shrinks along `axis` with the elements in `map`. */
export interface ChannelMember {
  role: MemberRole;
  /** Node using the tensor, and the input slot. */
  node: number;
  input: number;
  /** Constant (initializer or Constant node output), resolved through Identity. */
  tensor: string;
  axis: number;
  /**
   * Element id of each index along `axis` (length = dims[axis]); for the input slices of a grouped conv
   * (`groups` > 1) the element of every input channel (length = groups × dims[1]).
   */
  map: Int32Array;
  /** Grouped conv input slices: input channel i feeds the output rows of block ⌊i / (map.length / groups)⌋ only. */
  groups?: number;
}

/** An attribute or constant input that carries channel counts and must be recomputed after pruning. */
export type NodeEdit =
  | { kind: 'group'; node: number; /** input channels */ map: Int32Array }
  | { kind: 'split'; node: number; /** per output */ maps: Int32Array[]; source: 'attribute' | 'input' | 'equal' }
  | { kind: 'slice'; node: number; input: Int32Array; start: number; end: number; /** position in starts/ends */ index: number; source: 'attribute' | 'input' }
  | { kind: 'reshape'; node: number; map: Int32Array }
  /** A grouped conv: every block of each map (its input and output channels) must keep the same count. */
  | { kind: 'grouped'; node: number; groups: number; maps: Int32Array[] };

/** Why some channels cannot be pruned. */
export interface Barrier {
  nodeName: string;
  opType: string;
  reason: string;
  /** The elements pinned by it. */
  elements: Int32Array;
}

export interface ChannelTrace {
  roots: ChannelRoot[];
  elementCount: number;
  /** element → root id */
  rootOf: Int32Array;
  /** element → coupled class id (dense, 0..classCount) */
  classOf: Int32Array;
  classCount: number;
  /** class → 1 when it reaches a barrier (never removed) */
  pinnedClass: Uint8Array;
  /** traced tensor → element ids of its channels */
  maps: ReadonlyMap<string, Int32Array>;
  members: ChannelMember[];
  edits: NodeEdit[];
  barriers: Barrier[];
}

export interface DependencyGroup {
  id: number;
  /** Root ids, in graph order. */
  roots: number[];
  /** Class ids of the group, ascending. */
  classes: number[];
  /** Classes that may be removed (not pinned). */
  prunable: number;
  /** Indices into trace.members that touch this group. */
  members: number[];
  /** Barrier descriptions that pinned channels of this group. */
  barriers: string[];
}

export interface DependencyGraph {
  trace: ChannelTrace;
  groups: DependencyGroup[];
  /** class → group id */
  groupOfClass: Int32Array;
}
