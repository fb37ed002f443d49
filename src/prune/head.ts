/**
 * Which weight layers form the detection head, best evidence first:
 * 1. a head class (Detect, Segment, …) anywhere in the layer's class chain;
 * 2. the yaml's last layer (`model.<last>`), when a yaml is the class source;
 * 3. the graph: the `model.<i>` modules whose nodes produce the model outputs (walking back from the outputs
 *    until the first `model.<i>` boundary); with no module paths at all, the last weight layers before the outputs.
 */
import type { GraphIndex, WeightLayer } from '../graph/index.js';
import { isWithin, layerIndexOf, modulePathFromNodeName } from '../graph/index.js';

export type HeadMethod = 'class' | 'yaml-last-layer' | 'output-subgraph' | 'none';

export interface HeadInfo {
  method: HeadMethod;
  /** Human explanation, e.g. `class Detect (model.32)` or `output subgraph: model.32`. */
  detail: string;
  /** Weight layer ids in the head. */
  layerIds: ReadonlySet<string>;
}

/** Layer ids whose chain contains a head class. */
function byClass(layers: readonly WeightLayer[], chains: ReadonlyMap<string, readonly string[]>, headClasses: ReadonlySet<string>): { ids: Set<string>; classes: Set<string> } {
  const ids = new Set<string>();
  const classes = new Set<string>();
  for (const l of layers) {
    const hit = chains.get(l.id)?.find((c) => headClasses.has(c));
    if (hit) { ids.add(l.id); classes.add(hit); }
  }
  return { ids, classes };
}

/**
 * Walk back from the graph outputs through producers; `stop(node)` ends a branch (returning true when the
 * node is one the caller collects).
 */
function walkBackFromOutputs(g: GraphIndex, stop: (node: GraphIndex['nodes'][number]) => boolean): void {
  const seen = new Set<number>();
  const stack: number[] = [];
  for (const out of g.graphOutputs) {
    const p = g.producer.get(out);
    if (p !== undefined) stack.push(p);
  }
  while (stack.length > 0) {
    const i = stack.pop()!;
    if (seen.has(i)) continue;
    seen.add(i);
    const node = g.nodes[i]!;
    if (stop(node)) continue;
    for (const inp of node.input) {
      const p = inp ? g.producer.get(inp) : undefined;
      if (p !== undefined) stack.push(p);
    }
  }
}

/** Top-level indices of the modules producing the graph outputs (walking back through unnamed nodes). */
export function outputModuleIndices(g: GraphIndex): Set<number> {
  const found = new Set<number>();
  walkBackFromOutputs(g, (node) => {
    const path = modulePathFromNodeName(node.name);
    const idx = path === undefined ? undefined : layerIndexOf(path);
    if (idx !== undefined) found.add(idx);
    return idx !== undefined;
  });
  return found;
}

/** Weight layers reached walking back from the outputs without passing another weight layer. */
function lastWeightLayers(g: GraphIndex, layers: readonly WeightLayer[]): Set<string> {
  const byNode = new Map<string, string>();
  for (const l of layers) for (const n of l.nodeNames) byNode.set(n, l.id);
  const ids = new Set<string>();
  walkBackFromOutputs(g, (node) => {
    const id = byNode.get(node.name);
    if (id !== undefined) ids.add(id);
    return id !== undefined;
  });
  return ids;
}

export interface HeadInputs {
  layers: readonly WeightLayer[];
  /** Class chain per layer id (normalised class names), for layers whose chain is known. */
  chains: ReadonlyMap<string, readonly string[]>;
  headClasses: readonly string[];
  /** Number of yaml layers when a yaml is the class source. */
  yamlLayerCount?: number;
  graph: GraphIndex;
}

export function findHead(input: HeadInputs): HeadInfo {
  const { layers } = input;
  const cls = byClass(layers, input.chains, new Set(input.headClasses));
  if (cls.ids.size > 0) {
    const where = [...new Set(layers.filter((l) => cls.ids.has(l.id)).map((l) => layerIndexOf(l.modulePath)).filter((i) => i !== undefined))];
    return { method: 'class', detail: `class ${[...cls.classes].join(', ')}${where.length ? ` (${where.map((i) => `model.${i}`).join(', ')})` : ''}`, layerIds: cls.ids };
  }
  const within = (indices: Iterable<number>) => {
    const prefixes = [...indices].map((i) => `model.${i}`);
    return new Set(layers.filter((l) => prefixes.some((p) => isWithin(l.modulePath, p))).map((l) => l.id));
  };
  if (input.yamlLayerCount !== undefined && input.yamlLayerCount > 0) {
    const last = input.yamlLayerCount - 1;
    return { method: 'yaml-last-layer', detail: `yaml last layer model.${last}`, layerIds: within([last]) };
  }
  const indices = outputModuleIndices(input.graph);
  if (indices.size > 0) {
    const sorted = [...indices].sort((a, b) => a - b);
    return { method: 'output-subgraph', detail: `output subgraph: ${sorted.map((i) => `model.${i}`).join(', ')}`, layerIds: within(sorted) };
  }
  const last = lastWeightLayers(input.graph, layers);
  if (last.size > 0) return { method: 'output-subgraph', detail: `output subgraph: ${last.size} last weight layer(s) (no module paths)`, layerIds: last };
  return { method: 'none', detail: 'no head found', layerIds: new Set() };
}
