/**
 * Segments: the part of a model between given intermediate tensors and its outputs runs on its own and gives
 * what the whole model gives (float32 exactly; float16 boundaries within half-precision rounding); a tensor
 * needed but not given is refused by name; an int64 value (a Shape) crosses unchanged.
 */
import { describe, expect, it } from 'vitest';
import type { Tensor } from '../../src/core/dtype.js';
import { floatToHalf } from '../../src/core/half.js';
import { collectActivations, createSession, withSegment } from '../../src/runtime/index.js';
import { serializeOnnx } from '../../src/io/onnx/index.js';
import { randomFloats, skipConvNet, toOnnx } from '../helpers/onnx-builder.js';

const m = toOnnx(skipConvNet());
const images: Tensor = { dtype: 'float32', dims: [1, 3, 32, 32], data: randomFloats(3072, 7) };

async function full(): Promise<Record<string, Tensor>> {
  const out: Record<string, Tensor> = {};
  out.sh = { dtype: 'int64', dims: [4], data: BigInt64Array.from([1n, 8n, 16n, 16n]) };
  await collectActivations(m, ['s', 'c3', 'logits'], (async function* () { yield { images }; })(), (name, v) => { out[name] = { ...v, data: v.data.slice() as never }; }, { threads: 1 });
  return out;
}

async function run(model: ReturnType<typeof withSegment>['model'], feeds: Record<string, Tensor>): Promise<Record<string, Tensor>> {
  const s = await createSession(serializeOnnx(model), { threads: 1 });
  try { return await s.run(feeds); } finally { await s.release(); }
}

describe('withSegment', () => {
  it('from s and its shape: the same logits and kept c3 as the whole model, and only the nodes after s run', async () => {
    const ref = await full();
    const seg = withSegment(m, { given: [{ name: 's', dtype: 'float32', dims: [1, 8, 16, 16] }, { name: 'sh', dtype: 'int64', dims: [4] }], keep: ['c3'] });
    expect(seg.model.proto.graph!.node.map((n) => n.opType)).toEqual(['Conv', 'Reshape', 'Conv', 'Flatten', 'Gemm']);
    expect(seg.inputs.map((i) => i.name)).toEqual(['s', 'sh']);
    const out = await run(seg.model, { s: ref.s!, sh: ref.sh! });
    expect(Array.from(out.logits!.data as Float32Array)).toEqual(Array.from(ref.logits!.data as Float32Array));
    expect(Array.from(out[seg.outputName('c3')]!.data as Float32Array)).toEqual(Array.from(ref.c3!.data as Float32Array));
  });

  it('float16 boundaries: fed and kept as float16, within half-precision rounding of the float32 run', async () => {
    const ref = await full();
    const seg = withSegment(m, { given: [{ name: 's', dtype: 'float32', dims: [1, 8, 16, 16] }, { name: 'sh', dtype: 'int64', dims: [4] }], keep: ['c3'], half: new Set(['s', 'c3']) });
    expect(seg.inputs.find((i) => i.name === 's')!.dtype).toBe('float16');
    const s16 = Uint16Array.from(ref.s!.data as Float32Array, floatToHalf);
    const out = await run(seg.model, { [seg.feedName('s')]: { dtype: 'float16', dims: ref.s!.dims, data: s16 }, [seg.feedName('sh')]: ref.sh! });
    const c3 = out[seg.outputName('c3')]!;
    expect(c3.dtype).toBe('float16');
    expect(seg.outputName('c3')).not.toBe('c3');
    const a = ref.logits!.data as Float32Array, b = out.logits!.data as Float32Array;
    const scale = Math.max(...Array.from(a, Math.abs));
    for (let i = 0; i < a.length; i++) expect(Math.abs(a[i]! - b[i]!)).toBeLessThan(0.01 * scale);
    expect(Array.from(a)).not.toEqual(Array.from(b)); // the rounding did happen
  });

  it('refuses a segment whose outputs need a tensor that is neither given nor computed', () => {
    expect(() => withSegment(m, { given: [{ name: 'sh', dtype: 'int64', dims: [4] }], keep: [] })).toThrow(/'images' is needed but neither given/);
  });
});
