/**
 * Where the sequential calibration cuts the network between blocks of layers, and what crosses each cut. Block b
 * starts at the node of its first layer (c_b, in graph order). The tensors live at c_b are those computed from
 * the graph inputs before c_b (or graph inputs themselves) that a later block still needs: read by a node at or
 * after c_b on the way to a later block's layer input, or a later layer's input itself. Tensors computed only
 * from constants are not live (the segment recomputes them). Caching the live tensors of c_{b−1} lets pass b run
 * only the nodes from c_{b−1} to block b's last input, so the calibration costs about two forwards of the network
 * in total instead of one prefix per block.
 */
import type { GraphIndex } from '../../graph/index.js';

export interface BoundaryLayer { node: number; input: string }

/** Values computed (transitively) from a graph input. */
function inputDependent(g: GraphIndex): Set<string> {
  const dep = new Set<string>([...g.graphInputs].filter((v) => !g.constants.has(v)));
  for (const n of g.nodes) if (n.input.some((v) => v && dep.has(v))) for (const o of n.output) if (o) dep.add(o);
  return dep;
}

/** Nodes on the way to `values` (their producers and those producers' ancestors), added to `into`. */
function ancestors(g: GraphIndex, values: readonly string[], into: Set<number>): void {
  const stack = [...values];
  while (stack.length > 0) {
    const p = g.producer.get(stack.pop()!);
    if (p === undefined || into.has(p)) continue;
    into.add(p);
    for (const i of g.nodes[p]!.input) if (i) stack.push(i);
  }
}

/**
 * For blocks of layers in graph order, the tensors live at each block's first node (index b: at c_b). Index 0
 * holds the graph inputs the blocks need.
 */
export function boundaryTensors(g: GraphIndex, blocks: ReadonlyArray<readonly BoundaryLayer[]>): string[][] {
  const dep = inputDependent(g);
  const out: string[][] = new Array<string[]>(blocks.length);
  const closure = new Set<number>();
  const laterInputs = new Set<string>();
  for (let b = blocks.length - 1; b >= 0; b--) {
    const block = blocks[b]!;
    ancestors(g, block.map((l) => l.input), closure);
    for (const l of block) laterInputs.add(l.input);
    const cut = Math.min(...block.map((l) => l.node));
    const before = (v: string) => { const p = g.producer.get(v); return p === undefined ? g.graphInputs.has(v) : p < cut; };
    const live = new Set<string>();
    for (const v of laterInputs) if (dep.has(v) && before(v)) live.add(v);
    for (const n of closure) {
      if (n < cut) continue;
      for (const v of g.nodes[n]!.input) if (v && dep.has(v) && before(v)) live.add(v);
    }
    out[b] = [...live].sort();
  }
  return out;
}
