/**
 * verify.ts's handling of its onnxruntime sessions, on a recording stand-in for the runtime: the thread count
 * reaches every session, every session is released (also when a run or a load fails), and two outputs that are
 * both exactly zero are Infinity dB (no error), not 0/0.
 */
import { beforeEach, describe, expect, it, vi } from 'vitest';
import type { Tensor } from '../../src/core/dtype.js';
import { input, model, node, output, toBytes } from '../helpers/onnx-builder.js';

/** What the stand-in runtime saw: each load with its model tag (the bytes' first byte) and options, each release. */
const log: string[] = [];
/** Outputs per model tag; a tag listed in `failRun` throws on run, in `failLoad` on load. */
const outputsOf = new Map<number, Record<string, Tensor>>();
const failRun = new Set<number>();
const failLoad = new Set<number>();
const OPTIMIZED = toBytes(model([node('QLinearConv', ['a'], ['b']), node('Conv', ['b'], ['c'])], [], [input('a', [1])], [output('c', [1])], 13));

function session(tag: number) {
  return {
    inputs: [], outputs: [],
    run: async (): Promise<Record<string, Tensor>> => {
      if (failRun.has(tag)) throw new Error(`run of model ${tag} failed`);
      return outputsOf.get(tag) ?? {};
    },
    runPrepared: async (): Promise<void> => {},
    release: async (): Promise<void> => { log.push(`release ${tag}`); },
  };
}

vi.mock('../../src/runtime/index.js', () => ({
  createSession: async (bytes: Uint8Array, options: { threads?: number }) => {
    const tag = bytes[0]!;
    log.push(`load ${tag} ${JSON.stringify(options)}`);
    if (failLoad.has(tag)) throw new Error(`load of model ${tag} failed`);
    return session(tag);
  },
  sessionWithOptimized: async (bytes: Uint8Array, options: { threads?: number }) => {
    const tag = bytes[0]!;
    log.push(`load+optimized ${tag} ${JSON.stringify(options)}`);
    return { session: session(tag), optimized: OPTIMIZED };
  },
  optimizedModel: async (bytes: Uint8Array, options: { threads?: number }) => {
    log.push(`optimized ${bytes[0]} ${JSON.stringify(options)}`);
    return OPTIMIZED;
  },
}));

const { countFusedConvs, outputSqnr, verifyQuantized } = await import('../../src/quantize/verify.js');

const FLOAT = Uint8Array.of(1), QUANT = Uint8Array.of(2);
const t = (...v: number[]): Tensor => ({ dtype: 'float32', dims: [1, v.length], data: Float32Array.from(v) });
const feeds = (n: number) => ({ async *[Symbol.asyncIterator](): AsyncGenerator<Record<string, Tensor>> { for (let k = 0; k < n; k++) yield { x: t(k) }; } });

beforeEach(() => {
  log.length = 0;
  outputsOf.clear(); failRun.clear(); failLoad.clear();
  outputsOf.set(1, { y: t(0, 0, 0), z: t(1, 1) });
  outputsOf.set(2, { y: t(0, 0, 0), z: t(1, 0) });
});

describe('verify.ts sessions', () => {
  it('outputSqnr: both sessions get the thread count and are released; two all-zero outputs are Infinity dB', async () => {
    const r = await outputSqnr(FLOAT, QUANT, feeds(2), 3);
    expect(r.images).toBe(2);
    expect(r.outputs.map((o) => [o.name, o.sqnrDb])).toEqual([['y', Infinity], ['z', 10 * Math.log10(2)]]);
    expect(log).toEqual(['load 1 {"threads":3}', 'load 2 {"threads":3}', 'release 2', 'release 1']);
  });
  it('outputSqnr releases both sessions when a run fails, and the float session when the quantized one fails to load', async () => {
    failRun.add(2);
    await expect(outputSqnr(FLOAT, QUANT, feeds(1), 2)).rejects.toThrow('run of model 2 failed');
    expect(log).toEqual(['load 1 {"threads":2}', 'load 2 {"threads":2}', 'release 2', 'release 1']);
    log.length = 0; failRun.clear(); failLoad.add(2);
    await expect(outputSqnr(FLOAT, QUANT, feeds(1))).rejects.toThrow('load of model 2 failed');
    expect(log).toEqual(['load 1 {}', 'load 2 {}', 'release 1']);
  });
  it('verifyQuantized: one load of the quantized model (with its optimized graph), the float one, both with the thread count, both released', async () => {
    const r = await verifyQuantized(FLOAT, QUANT, 4, feeds(1), 2);
    expect(r.fusion).toMatchObject({ quantizedConvs: 4, integerConvs: 1, floatConvs: 1 });
    expect(r.outputs.map((o) => [o.name, o.sqnrDb])).toEqual([['y', Infinity], ['z', 10 * Math.log10(2)]]);
    expect(log).toEqual(['load+optimized 2 {"threads":2}', 'load 1 {"threads":2}', 'release 1', 'release 2']);
    log.length = 0;
    await verifyQuantized(FLOAT, QUANT, 4, feeds(1));
    expect(log).toEqual(['load+optimized 2 {"threads":1}', 'load 1 {"threads":1}', 'release 1', 'release 2']);
  });
  it('verifyQuantized releases both sessions when a run fails, and the quantized one when the float one fails to load', async () => {
    failRun.add(1);
    await expect(verifyQuantized(FLOAT, QUANT, 4, feeds(1), 2)).rejects.toThrow('run of model 1 failed');
    expect(log).toEqual(['load+optimized 2 {"threads":2}', 'load 1 {"threads":2}', 'release 1', 'release 2']);
    log.length = 0; failRun.clear(); failLoad.add(1);
    await expect(verifyQuantized(FLOAT, QUANT, 4, feeds(1), 2)).rejects.toThrow('load of model 1 failed');
    expect(log).toEqual(['load+optimized 2 {"threads":2}', 'load 1 {"threads":2}', 'release 2']);
  });
  it('countFusedConvs asks for the optimized graph with the thread count (default 1)', async () => {
    expect(await countFusedConvs(QUANT, 3, 2)).toMatchObject({ quantizedConvs: 3, integerConvs: 1, floatConvs: 1 });
    await countFusedConvs(QUANT, 3);
    expect(log).toEqual(['optimized 2 {"threads":2}', 'optimized 2 {"threads":1}']);
  });
});
