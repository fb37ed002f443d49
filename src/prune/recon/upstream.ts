/**
 * Which layers of a block may be refit to the original network's output (upstream correction). The statistics
 * of a whole block are taken in one pass, before any of its layers is refit; a layer whose input depends on an
 * earlier layer of the same block would then correct the upstream error that this earlier layer corrects too
 * (its statistics still see the uncorrected input), so the error is compensated twice and the network drifts
 * off. Only the block's frontier layers (inputs computed without any other conv of the block) are corrected;
 * the others are refit to their own weights' response, as without correction.
 */
import type { GraphIndex } from '../../graph/index.js';

/** Whether tensor `value` is computed (transitively) by any node in `nodes`. */
export function dependsOnNodes(g: GraphIndex, value: string, nodes: ReadonlySet<number>): boolean {
  if (nodes.size === 0) return false;
  const seen = new Set<number>();
  const stack: string[] = [value];
  while (stack.length > 0) {
    const v = stack.pop()!;
    const p = g.producer.get(v);
    if (p === undefined || seen.has(p)) continue;
    if (nodes.has(p)) return true;
    seen.add(p);
    for (const i of g.nodes[p]!.input) if (i) stack.push(i);
  }
  return false;
}

/** For each layer of a block (conv node index and input tensor), whether it is on the block's frontier. */
export function blockFrontier(g: GraphIndex, block: ReadonlyArray<{ node: number; input: string }>): boolean[] {
  const nodes = new Set(block.map((t) => t.node));
  return block.map((t) => !dependsOnNodes(g, t.input, nodes));
}
