/** A hand-made WeightLayer for tests of the pure planning code (categorise, allocation): only what they read matters. */
import type { WeightLayer } from '../../src/graph/index.js';

export function weightLayer(id: string, o: Partial<WeightLayer> = {}): WeightLayer {
  const params = o.params ?? 4;
  return {
    id, nodeNames: [id], modulePath: id, pathSource: 'node-name', opType: 'Conv', layout: 'conv', dims: [params, 1, 1, 1],
    dtype: 'float32', groups: 1, depthwise: false, biasId: undefined, params, nonZero: params, macs: undefined, ...o,
  };
}
