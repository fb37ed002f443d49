import { describe, expect, it } from 'vitest';
import { modelPrecision } from '../../src/graph/precision.js';
import { parseOnnx } from '../../src/io/onnx/index.js';
import { fp16Weights, weightOnlyInt8 } from '../../src/quantize/index.js';
import { DT, initializer, input, model, node, output, tinyConvNet, toBytes } from '../helpers/onnx-builder.js';
import { tinyDetector } from '../helpers/quant-models.js';

const parse = (m: ReturnType<typeof model>) => parseOnnx(toBytes(m));

/** x → QuantizeLinear → DequantizeLinear → Conv (a QDQ model in miniature), or with a QLinearConv. */
function quantizedNet(kind: 'qdq' | 'qoperator' | 'weights-only') {
  const scale = initializer('s', [], Float32Array.of(0.1));
  const zp = initializer('z', [], Uint8Array.of(0), { dataType: DT.uint8 });
  const w = initializer('wq', [2, 3, 1, 1], Int8Array.from([1, 2, 3, 4, 5, 6]), { dataType: DT.int8 });
  const nodes = kind === 'qoperator'
    ? [node('QuantizeLinear', ['x', 's', 'z'], ['xq']), node('QLinearConv', ['xq', 's', 'z', 'wq', 's', 'z', 's', 'z'], ['yq']), node('DequantizeLinear', ['yq', 's', 'z'], ['y'])]
    : kind === 'qdq'
      ? [node('QuantizeLinear', ['x', 's', 'z'], ['xq']), node('DequantizeLinear', ['xq', 's', 'z'], ['xd']), node('DequantizeLinear', ['wq', 's'], ['wd']), node('Conv', ['xd', 'wd'], ['y'])]
      : [node('DequantizeLinear', ['wq', 's'], ['wd']), node('Conv', ['x', 'wd'], ['y'])];
  return model(nodes, [scale, zp, w], [input('x', [1, 3, 4, 4])], [output('y', [1, 2, 4, 4])], 13);
}

describe('modelPrecision', () => {
  it('float32 for a float model', () => {
    expect(modelPrecision(parse(tinyConvNet()))).toEqual({ kind: 'float32', label: 'float32' });
  });
  it('int8 QDQ, QOperator, and weight-only int8 are told apart', () => {
    expect(modelPrecision(parse(quantizedNet('qdq'))).label).toBe('int8 QDQ');
    expect(modelPrecision(parse(quantizedNet('qoperator'))).label).toBe('int8 QOperator');
    expect(modelPrecision(parse(quantizedNet('weights-only'))).label).toBe('int8 weights (float compute)');
  });
  it('the storage rewrites of quantize: --weights-only and --fp16-weights', () => {
    const m = parse(tinyDetector());
    expect(modelPrecision(weightOnlyInt8(m).model).kind).toBe('int8-weights');
    expect(modelPrecision(fp16Weights(m).model)).toEqual({ kind: 'fp16-weights', label: 'fp16 weights (float32 compute)' });
  });
  it('float16 when the weights are half and there is no Cast back to float32', () => {
    const m = model(
      [node('Conv', ['x', 'w'], ['y'])],
      [initializer('w', [2, 3, 1, 1], Uint16Array.from([0x3c00, 0x3c00, 0x3c00, 0x3c00, 0x3c00, 0x3c00]), { dataType: DT.float16 })],
      [input('x', [1, 3, 4, 4], DT.float16)], [output('y', [1, 2, 4, 4], DT.float16)], 13,
    );
    expect(modelPrecision(parse(m)).kind).toBe('float16');
  });
});
