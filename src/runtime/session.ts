/**
 * The runtime seam: sessions over onnxruntime (node or web build, chosen in backend.ts). Everything else
 * exchanges our own {@link Tensor} values with it, so the core stays testable without the binary and runs in
 * a browser with onnxruntime-web.
 */
import type * as Ort from 'onnxruntime-common';
import { loadedRuntime, loadRuntime, runtimeBackend } from './backend.js';
import type { DType, Tensor } from '../core/dtype.js';
import { ModelFormatError, errorMessage } from '../core/errors.js';

export type GraphOptimization = 'disabled' | 'basic' | 'extended' | 'all';

export interface SessionOptions {
  /** Intra-op threads (default {@link defaultThreads}: every core the process may use). */
  threads?: number;
  graphOptimization?: GraphOptimization;
  /** Write the graph onnxruntime optimized for this session to this path (to see which nodes it fused). */
  optimizedModelFilePath?: string;
  /**
   * Whether idle intra-op threads may spin (busy-wait) for the next parallel section (onnxruntime's
   * `session.intra_op.allow_spinning`). Default false, unlike onnxruntime: a session that just ran keeps its
   * threads spinning and takes the cores from whatever runs next — the next session of an interleaved
   * benchmark, the decoding and NMS between images in `val`, other processes. Measured (bench/spinning.ts,
   * bench/val-spinning.ts): no loss without spinning on an idle machine, 2–4× faster on a loaded one.
   */
  allowSpinning?: boolean;
}

export interface IoSpec {
  name: string;
  /** Element type as onnxruntime reports it (e.g. 'float32'); undefined for non-tensor values. */
  dtype: string | undefined;
  /** Shape with symbolic dims as strings, unknown as undefined-free -1. */
  shape: readonly (number | string)[];
}

export interface RuntimeSession {
  readonly inputs: readonly IoSpec[];
  readonly outputs: readonly IoSpec[];
  /** Run once; inputs by name. Returns every output by name. */
  run(feeds: Readonly<Record<string, Tensor>>): Promise<Record<string, Tensor>>;
  /** Run with prepared feeds (see {@link prepareFeeds}): for latency measurement with no conversion per call. */
  runPrepared(feeds: PreparedFeeds): Promise<void>;
  release(): Promise<void>;
}

/** Opaque, runtime-native inputs built once and reused across runs. */
export interface PreparedFeeds { readonly __prepared: true; readonly feeds: Record<string, Ort.Tensor> }

const ORT_TYPES: Partial<Record<DType, Ort.Tensor.Type>> = {
  float32: 'float32', float16: 'float16', float64: 'float64', int8: 'int8', uint8: 'uint8', int16: 'int16',
  int32: 'int32', int64: 'int64', bool: 'bool',
};

function toOrt(t: Tensor): Ort.Tensor {
  const type = ORT_TYPES[t.dtype];
  if (!type) throw new ModelFormatError(`input dtype ${t.dtype} is not supported by ${runtimeBackend().name}`);
  return new (loadedRuntime().Tensor)(type, t.data as never, t.dims as number[]);
}

function fromOrt(t: Ort.Tensor): Tensor {
  const dtype = (t.type === 'float16' ? 'float16' : t.type) as DType;
  return { dtype, dims: [...t.dims], data: t.data as never };
}

function specs(meta: readonly Ort.InferenceSession.ValueMetadata[]): IoSpec[] {
  return meta.map((m) =>
    m.isTensor
      ? { name: m.name, dtype: m.type, shape: m.shape.map((d) => (typeof d === 'number' ? d : String(d))) }
      : { name: m.name, dtype: undefined, shape: [] },
  );
}

export function prepareFeeds(feeds: Readonly<Record<string, Tensor>>): PreparedFeeds {
  const out: Record<string, Ort.Tensor> = {};
  for (const [k, v] of Object.entries(feeds)) out[k] = toOrt(v);
  return { __prepared: true, feeds: out };
}

/**
 * The intra-op thread count of a session created without one, and the `--threads` default of every command:
 * every core this process may use (Node: `os.availableParallelism()`; the page: its configured threads). Set explicitly rather than left to
 * onnxruntime, so that what runs is what is printed.
 */
export function defaultThreads(): number {
  return runtimeBackend().defaultThreads();
}

/** Create a CPU inference session from a file path or model bytes. */
export async function createSession(model: string | Uint8Array, options: SessionOptions = {}): Promise<RuntimeSession> {
  const ort = await loadRuntime();
  const opts: Ort.InferenceSession.SessionOptions = {
    executionProviders: ['cpu'],
    graphOptimizationLevel: options.graphOptimization ?? 'all',
    logSeverityLevel: 3,
    intraOpNumThreads: options.threads ?? defaultThreads(),
    interOpNumThreads: 1,
  };
  if (options.optimizedModelFilePath !== undefined) opts.optimizedModelFilePath = options.optimizedModelFilePath;
  // Config entries: the Node binding joins nested keys with '.' (session.intra_op.allow_spinning); values are strings.
  if (options.allowSpinning !== true) opts.extra = { session: { intra_op: { allow_spinning: '0' } } };
  let session: Ort.InferenceSession;
  try {
    session = typeof model === 'string' ? await ort.InferenceSession.create(model, opts) : await ort.InferenceSession.create(model, opts);
  } catch (e) {
    const what = typeof model === 'string' ? model : 'model bytes';
    const msg = errorMessage(e, { firstLine: true });
    throw new ModelFormatError(`${what}: onnxruntime could not load the model: ${msg}`, typeof model === 'string' ? model : undefined, { cause: e });
  }
  return {
    inputs: specs(session.inputMetadata),
    outputs: specs(session.outputMetadata),
    async run(feeds) {
      const res = await session.run(prepareFeeds(feeds).feeds);
      const out: Record<string, Tensor> = {};
      for (const [k, v] of Object.entries(res)) out[k] = fromOrt(v);
      return out;
    },
    async runPrepared(feeds) {
      await session.run(feeds.feeds);
    },
    release: () => session.release(),
  };
}
