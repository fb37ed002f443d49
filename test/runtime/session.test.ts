import { afterEach, describe, expect, it, vi } from 'vitest';
import { tinyConvNet, toBytes } from '../helpers/onnx-builder.js';

/** The options createSession hands to onnxruntime, captured by a stand-in InferenceSession.create. */
async function capturedOptions(options: Record<string, unknown>): Promise<Record<string, unknown>> {
  vi.resetModules();
  let seen: Record<string, unknown> = {};
  vi.doMock('onnxruntime-node', () => ({
    InferenceSession: {
      create: (_model: unknown, opts: Record<string, unknown>) => {
        seen = opts;
        return Promise.resolve({ inputMetadata: [], outputMetadata: [], release: () => Promise.resolve() });
      },
    },
  }));
  const { createSession } = await import('../../src/runtime/session.js');
  await createSession(new Uint8Array([1]), options);
  return seen;
}

describe('createSession options reaching onnxruntime', () => {
  afterEach(() => {
    vi.doUnmock('onnxruntime-node');
    vi.resetModules();
  });

  it('allowSpinning: false sets session.intra_op.allow_spinning = "0" (nested, string-valued, as the binding wants)', async () => {
    const opts = await capturedOptions({ allowSpinning: false, threads: 2 });
    expect(opts.extra).toEqual({ session: { intra_op: { allow_spinning: '0' } } });
    expect(opts.intraOpNumThreads).toBe(2);
  });

  it('turns spinning off by default (allowSpinning: true leaves it to onnxruntime) and always sets a thread count', async () => {
    const { defaultThreads } = await import('../../src/runtime/session.js');
    const opts = await capturedOptions({});
    expect(opts.extra).toEqual({ session: { intra_op: { allow_spinning: '0' } } });
    expect(opts.intraOpNumThreads).toBe(defaultThreads());
    expect((await capturedOptions({ allowSpinning: true })).extra).toBeUndefined();
  });

  it('the real binding accepts the entry and the session computes the same outputs', async () => {
    const { createSession } = await import('../../src/runtime/session.js');
    const bytes = toBytes(tinyConvNet());
    const input = { images: { dtype: 'float32' as const, dims: [1, 3, 32, 32], data: new Float32Array(3 * 32 * 32).map((_, i) => (i % 7) / 7) } };
    const a = await createSession(bytes, { threads: 2, allowSpinning: true });
    const b = await createSession(bytes, { threads: 2, allowSpinning: false });
    const [ra, rb] = [await a.run(input), await b.run(input)];
    await a.release();
    await b.release();
    const name = Object.keys(ra)[0]!;
    expect(Array.from(rb[name]!.data as Float32Array)).toEqual(Array.from(ra[name]!.data as Float32Array));
  });
});
