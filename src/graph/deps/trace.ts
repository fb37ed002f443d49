/**
 * Build the channel dependency graph of an ONNX model: walk the nodes in order, apply the rule of each op
 * (see rules.ts, conv-rules.ts), then merge coupled channels into classes and classes into groups.
 */
import type { GraphProto, NodeProto } from 'onnx-buf';
import { opsetOf, type OnnxModel } from '../../io/onnx/bytes.js';
import { layerIndexOf, isWithin, modulePathFromNodeName } from '../module-path.js';
import { indexGraph, type GraphIndex } from '../onnx-graph.js';
import { traceConv } from './conv-rules.js';
import { RULES } from './rules.js';
import { TraceState } from './state.js';
import type { ChannelTrace, DependencyGraph, DependencyGroup } from './types.js';

export interface TraceOptions {
  /**
   * Module path of the protected head: its convs keep their output channels (and every channel after them);
   * the channels feeding it may still be pruned (the head convs lose those input slices) unless `keepHeadInputs`.
   * Default: for Ultralytics-style graphs (node names `/model.<i>/…`), the last `model.<i>` (Detect);
   * `null` disables head protection.
   */
  headPath?: string | null;
  /** Layers whose output channels are never pruned: weight names or module paths (prefix match on modules). */
  ignore?: readonly string[];
  /** Keep every channel that enters the head too (the head's weights stay untouched). Default false. */
  keepHeadInputs?: boolean;
}

/** Module path of the Ultralytics detection head: the last top-level `model.<i>` seen in node names. */
export function detectHeadPath(g: GraphIndex): string | undefined {
  let last = -1;
  for (const n of g.nodes) {
    const p = modulePathFromNodeName(n.name);
    const idx = p === undefined ? undefined : layerIndexOf(p);
    if (idx !== undefined && idx > last) last = idx;
  }
  return last >= 0 ? `model.${last}` : undefined;
}

/** If/Loop/Scan: pin explicit inputs and every outer value their subgraphs read implicitly. */
function pinSubgraphCaptures(s: TraceState, node: NodeProto): void {
  s.pinInputs(node, `${node.opType} with a subgraph`);
  const visit = (graph: GraphProto) => {
    for (const n of graph.node) {
      for (const v of n.input) { const m = s.map(v); if (m) s.pin(node, m, `read inside a ${node.opType} subgraph`); }
      for (const a of n.attribute) { if (a.g) visit(a.g); a.graphs.forEach(visit); }
    }
  };
  for (const a of node.attribute) { if (a.g) visit(a.g); a.graphs.forEach(visit); }
}

export function traceChannels(model: OnnxModel, options: TraceOptions = {}, g: GraphIndex = indexGraph(model)): ChannelTrace {
  const s = new TraceState(model, g, opsetOf(model));
  const head = options.headPath === undefined ? detectHeadPath(g) : options.headPath ?? undefined;
  const ignore = options.ignore ?? [];
  g.nodes.forEach((node, i) => {
    const path = modulePathFromNodeName(node.name) ?? '';
    const frozen = head !== undefined && path !== '' && isWithin(path, head);
    if (node.opType === 'Conv' || node.opType === 'ConvTranspose') {
      const weight = node.input[1] ?? '';
      const ignored = ignore.some((x) => x === weight || x === node.name || (path !== '' && isWithin(path, x)));
      traceConv(s, node, i, { frozen, keepInputs: options.keepHeadInputs === true, ignored });
      return;
    }
    if (frozen && options.keepHeadInputs) { s.pinInputs(node, 'protected layer (detection head)'); return; }
    if (node.attribute.some((a) => a.g || a.graphs.length > 0)) { pinSubgraphCaptures(s, node); return; }
    if (node.domain !== '' && node.domain !== 'ai.onnx') { s.pinInputs(node, `custom op ${node.domain}.${node.opType}`); return; }
    const rule = RULES.get(node.opType);
    if (rule) rule(s, node, i);
    else s.pinInputs(node, `${node.opType} is a barrier`);
  });
  return s.finish(g.graphOutputs);
}

/** Group the classes of a trace: roots whose channels are coupled (directly or through classes) share a group. */
export function groupChannels(trace: ChannelTrace): DependencyGraph {
  const { roots, classOf, rootOf, classCount } = trace;
  const parent = roots.map((r) => r.id);
  const find = (x: number): number => { while (parent[x] !== x) x = parent[x] = parent[parent[x]!]!; return x; };
  const firstRootOfClass = new Int32Array(classCount).fill(-1);
  for (let e = 0; e < trace.elementCount; e++) {
    const c = classOf[e]!, r = rootOf[e]!;
    const f = firstRootOfClass[c]!;
    if (f < 0) firstRootOfClass[c] = r;
    else { const a = find(f), b = find(r); if (a !== b) parent[Math.max(a, b)] = Math.min(a, b); }
  }
  const groupOfRoot = new Map<number, number>();
  const groups: DependencyGroup[] = [];
  for (const r of roots) {
    const top = find(r.id);
    let gid = groupOfRoot.get(top);
    if (gid === undefined) {
      gid = groups.length;
      groupOfRoot.set(top, gid);
      groups.push({ id: gid, roots: [], classes: [], prunable: 0, members: [], barriers: [] });
    }
    groups[gid]!.roots.push(r.id);
  }
  const groupOfClass = new Int32Array(classCount);
  for (let c = 0; c < classCount; c++) {
    const gr = groups[groupOfRoot.get(find(firstRootOfClass[c]!))!]!;
    groupOfClass[c] = gr.id;
    gr.classes.push(c);
    if (!trace.pinnedClass[c]) gr.prunable++;
  }
  trace.members.forEach((m, k) => {
    const seen = new Set<number>();
    for (const e of m.map) seen.add(groupOfClass[classOf[e]!]!);
    for (const gid of seen) groups[gid]!.members.push(k);
  });
  for (const b of trace.barriers) {
    const seen = new Set<number>();
    for (const e of b.elements) seen.add(groupOfClass[classOf[e]!]!);
    for (const gid of seen) {
      const text = `${b.opType} '${b.nodeName}': ${b.reason}`;
      const list = groups[gid]!.barriers;
      if (!list.includes(text)) list.push(text);
    }
  }
  return { trace, groups, groupOfClass };
}

/** Trace and group in one call. */
export function analyzeChannels(model: OnnxModel, options: TraceOptions = {}): DependencyGraph {
  return groupChannels(traceChannels(model, options));
}
