/** Names weightOnlyInt8 gives the nodes it adds (asymmetric path; the symmetric path is storage-rules.test.ts's). */
import { describe, expect, it } from 'vitest';
import { weightOnlyInt8 } from '../../src/quantize/storage.js';
import { toOnnx } from '../helpers/onnx-builder.js';
import { tinyDetector } from '../helpers/quant-models.js';

describe('weightOnlyInt8 (asymmetric) node names', () => {
  it('each DequantizeLinear is named after its weight: <weight>_DequantizeLinear', () => {
    const q = weightOnlyInt8(toOnnx(tinyDetector())).model;
    const dq = q.proto.graph!.node.filter((n) => n.opType === 'DequantizeLinear');
    expect(dq.map((n) => [n.name, n.input.length])).toEqual([['w0_DequantizeLinear', 3], ['w1_DequantizeLinear', 3]]);
  });
});
