/** Block frontier of upstream correction: a layer fed (transitively) by another conv of its block is not on it. */
import { describe, expect, it } from 'vitest';
import { indexGraph } from '../../../src/graph/index.js';
import { blockFrontier, dependsOnNodes } from '../../../src/prune/recon/upstream.js';
import { tinyConvNet, toOnnx } from '../../helpers/onnx-builder.js';

describe('blockFrontier', () => {
  const g = indexGraph(toOnnx(tinyConvNet()));
  // Nodes: 0 Conv(images→c0), 1 Relu(c0→r0), 2 Conv(r0→c1), 3 Conv(c1→c2), 4 Flatten, 5 Gemm.
  it('follows producers transitively and stops at graph inputs', () => {
    expect(dependsOnNodes(g, 'c1', new Set([0]))).toBe(true);
    expect(dependsOnNodes(g, 'r0', new Set([2]))).toBe(false);
    expect(dependsOnNodes(g, 'images', new Set([0, 1, 2]))).toBe(false);
    expect(dependsOnNodes(g, 'c2', new Set())).toBe(false);
  });
  it('marks only the layers whose input no other layer of the block computes', () => {
    expect(blockFrontier(g, [{ node: 0, input: 'images' }, { node: 2, input: 'r0' }, { node: 3, input: 'c1' }])).toEqual([true, false, false]);
    expect(blockFrontier(g, [{ node: 2, input: 'r0' }, { node: 3, input: 'c1' }])).toEqual([true, false]);
    expect(blockFrontier(g, [{ node: 3, input: 'c1' }])).toEqual([true]);
  });
});
