import { describe, expect, it } from 'vitest';
import { resolveInputDims, syntheticFeeds, syntheticTensor } from '../../src/bench/inputs.js';

describe('resolveInputDims', () => {
  const dynamic = { name: 'images', dtype: 'float32', shape: ['batch', 3, 'height', 'width'] };
  it('fills dynamic dims from the flags', () => {
    expect(resolveInputDims(dynamic, { batch: 2, imgsz: { height: 320, width: 480 } })).toEqual([2, 3, 320, 480]);
    expect(resolveInputDims(dynamic)).toEqual([1, 3, 640, 640]);
  });
  it('keeps fixed dims and refuses conflicting flags', () => {
    const fixed = { name: 'images', dtype: 'float32', shape: [1, 3, 640, 640] };
    expect(resolveInputDims(fixed)).toEqual([1, 3, 640, 640]);
    expect(() => resolveInputDims(fixed, { imgsz: { height: 320, width: 320 } })).toThrow(/fixed height of 640/);
    expect(() => resolveInputDims(fixed, { batch: 4 })).toThrow(/fixed batch of 1/);
  });
  it('names the input when a dynamic dim has no flag', () => {
    expect(() => resolveInputDims({ name: 'tokens', dtype: 'int64', shape: [1, 'seq'] })).toThrow(/tokens: dim 1/);
  });
});

describe('synthetic inputs', () => {
  it('are seeded and typed', () => {
    const a = syntheticTensor('float32', [2, 3], 5);
    expect(a.data).toEqual(syntheticTensor('float32', [2, 3], 5).data);
    expect(a.data).not.toEqual(syntheticTensor('float32', [2, 3], 6).data);
    expect(syntheticTensor('int64', [4]).data).toBeInstanceOf(BigInt64Array);
    expect(syntheticTensor('float16', [4]).data).toBeInstanceOf(Uint16Array);
  });
  it('builds feeds by input name and rejects unknown types', () => {
    const feeds = syntheticFeeds([{ name: 'images', dtype: 'float32', shape: [1, 3, 'h', 'w'] }], { imgsz: { height: 32, width: 64 } });
    expect(feeds.images?.dims).toEqual([1, 3, 32, 64]);
    expect(() => syntheticFeeds([{ name: 'x', dtype: 'string', shape: [1] }])).toThrow(/x: element type string/);
  });
});
