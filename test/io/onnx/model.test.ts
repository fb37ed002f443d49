import { toBinary } from '@bufbuild/protobuf';
import { ModelProtoSchema } from 'onnx-buf';
import { describe, expect, it } from 'vitest';
import { ModelFormatError, UsageError } from '../../../src/core/errors.js';
import { getTensor, parseOnnx, serializeOnnx, serializeOnnxChunks, tensorRefs, withTensorValues } from '../../../src/io/onnx/index.js';
import { constant, input, model, node, output, randomFloats, tinyConvNet, toBytes } from '../../helpers/onnx-builder.js';

const f32 = (data: Float32Array, dims: number[]) => ({ dtype: 'float32' as const, dims, data });

describe('parseOnnx / serializeOnnx', () => {
  it('gives back the exact source bytes for an unmodified model', () => {
    const bytes = toBytes(tinyConvNet());
    expect(serializeOnnx(parseOnnx(bytes))).toBe(bytes);
  });

  it('keeps unknown fields through a structural re-encode', () => {
    const bytes = toBytes(tinyConvNet());
    // Append an unknown field (number 99, varint 7) to the ModelProto.
    const extra = new Uint8Array([0x98, 0x06, 0x07]);
    const withUnknown = new Uint8Array(bytes.length + extra.length);
    withUnknown.set(bytes);
    withUnknown.set(extra, bytes.length);
    const m = parseOnnx(withUnknown);
    const reencoded = toBinary(ModelProtoSchema, m.proto, { writeUnknownFields: true });
    expect(Array.from(reencoded.subarray(reencoded.length - 3))).toEqual([0x98, 0x06, 0x07]);
  });

  it('rejects bytes that are not an ONNX model with ModelFormatError', () => {
    expect(() => parseOnnx(new Uint8Array(0), { path: 'x.onnx' })).toThrow(/'x.onnx': empty file, not an ONNX model/);
    expect(() => parseOnnx(new TextEncoder().encode('hello world, not a model'), { path: 'x.onnx' })).toThrow(ModelFormatError);
  });
});

describe('withTensorValues', () => {
  it('patches bytes in place: the result equals a full protobuf re-encode of the edited model', () => {
    const m = parseOnnx(toBytes(tinyConvNet()));
    const w = getTensor(m, 'model.0.conv.weight');
    const zeroed = new Float32Array(w.data as Float32Array);
    zeroed.fill(0, 0, 100);
    const edited = withTensorValues(m, new Map([['model.0.conv.weight', f32(zeroed, [8, 3, 3, 3])]]));
    expect(edited.patches?.size).toBe(1);
    const patched = serializeOnnx(edited);
    expect(Buffer.compare(patched, toBinary(ModelProtoSchema, edited.proto, { writeUnknownFields: true }))).toBe(0);
    expect(Array.from(getTensor(parseOnnx(patched), 'model.0.conv.weight').data as Float32Array)).toEqual(Array.from(zeroed));
    // The input model is untouched.
    expect(Buffer.compare(serializeOnnx(m), toBytes(tinyConvNet()))).toBe(0);
    expect((getTensor(m, 'model.0.conv.weight').data as Float32Array)[0]).not.toBe(0);
  });

  it('serializeOnnxChunks concatenates to serializeOnnx (source views around the patched ranges)', () => {
    const m = parseOnnx(toBytes(tinyConvNet()));
    const edits = new Map([
      ['model.3.linear.weight', f32(new Float32Array(2560).fill(1), [10, 256])],
      ['model.0.conv.weight', f32(new Float32Array(216).fill(2), [8, 3, 3, 3])],
    ]);
    const edited = withTensorValues(m, edits);
    const chunks = serializeOnnxChunks(edited);
    expect(chunks.length).toBe(5);
    expect(Buffer.compare(Buffer.concat(chunks), serializeOnnx(edited))).toBe(0);
    expect(serializeOnnxChunks(m)).toEqual([m.source]);
  });

  it('edits weights stored in Constant nodes (they are tensors too)', () => {
    const m = parseOnnx(toBytes(model(
      [constant('W', [4, 3], randomFloats(12)), node('MatMul', ['x', 'W'], ['y'], {}, '/model.0/fc/MatMul')],
      [], [input('x', [2, 4])], [output('y', [2, 3])],
    )));
    expect(tensorRefs(m).get('W')?.kind).toBe('constant');
    const edited = withTensorValues(m, new Map([['W', f32(new Float32Array(12).fill(0.5), [4, 3])]]));
    const bytes = serializeOnnx(edited);
    expect(Buffer.compare(bytes, toBinary(ModelProtoSchema, edited.proto, { writeUnknownFields: true }))).toBe(0);
    expect(Array.from(getTensor(parseOnnx(bytes), 'W').data as Float32Array)).toEqual(new Array(12).fill(0.5));
  });

  it('falls back to a re-encode for tensors stored in typed fields, with the same result', () => {
    const base = tinyConvNet();
    const g = base.graph!;
    const w = g.initializer[0]!;
    w.floatData = Array.from(new Float32Array(w.rawData.buffer, w.rawData.byteOffset, w.rawData.length / 4));
    w.rawData = new Uint8Array(0);
    const m = parseOnnx(toBytes(base));
    const edited = withTensorValues(m, new Map([['model.0.conv.weight', f32(new Float32Array(216), [8, 3, 3, 3])]]));
    expect(edited.patches).toBeUndefined();
    expect(Array.from(getTensor(parseOnnx(serializeOnnx(edited)), 'model.0.conv.weight').data as Float32Array)).toEqual(new Array(216).fill(0));
  });

  it('raises UsageError for an unknown tensor name', () => {
    const m = parseOnnx(toBytes(tinyConvNet()));
    expect(() => withTensorValues(m, new Map([['nope', f32(new Float32Array(1), [1])]]))).toThrow(UsageError);
  });
});
