/**
 * `verifyRuns`: load a model in onnxruntime and run it once on synthetic inputs — the check every command
 * that writes a model uses to prove the file is loadable and runs. Dynamic dims: batch for dim 0, the image
 * size for the spatial dims of a 4-D input, 1 elsewhere.
 */
import { allocate, type DType, type Tensor } from '../core/dtype.js';
import { ModelFormatError, errorMessage } from '../core/errors.js';
import { createSession, type IoSpec } from './session.js';

export interface VerifyOptions {
  /** Dynamic spatial dims (px), default 640. */
  imgsz?: number | { height: number; width: number };
  /** Dynamic batch dim, default 1. */
  batch?: number;
  threads?: number;
}

export interface VerifiedOutput {
  name: string;
  dims: number[];
  dtype: DType;
  /** Every value is finite (no NaN/Inf); true for non-float outputs. */
  finite: boolean;
}

export interface VerifyResult {
  inputs: { name: string; dims: number[]; dtype: DType }[];
  outputs: VerifiedOutput[];
}

const INPUT_TYPES: Readonly<Record<string, DType>> = {
  float32: 'float32', float16: 'float16', float64: 'float64', int8: 'int8', uint8: 'uint8', int16: 'int16',
  int32: 'int32', int64: 'int64', bool: 'bool',
};

function syntheticInput(spec: IoSpec, options: VerifyOptions): Tensor {
  const size = typeof options.imgsz === 'number' ? { height: options.imgsz, width: options.imgsz } : (options.imgsz ?? { height: 640, width: 640 });
  const dims = spec.shape.map((d, i) => {
    if (typeof d === 'number' && d >= 0) return d;
    if (i === 0) return options.batch ?? 1;
    if (spec.shape.length === 4 && i === 2) return size.height;
    if (spec.shape.length === 4 && i === 3) return size.width;
    return 1;
  });
  const dtype = INPUT_TYPES[spec.dtype ?? 'float32'];
  if (!dtype) throw new ModelFormatError(`input '${spec.name}': type ${spec.dtype} cannot be synthesised for a test run`, spec.name);
  const count = dims.reduce((a, b) => a * b, 1);
  const data = allocate(dtype, count);
  if (data instanceof Float32Array || data instanceof Float64Array) for (let i = 0; i < count; i++) data[i] = ((i * 7919) % 256) / 255;
  return { dtype, dims, data };
}

function allFinite(t: Tensor): boolean {
  if (!(t.data instanceof Float32Array || t.data instanceof Float64Array)) return true;
  for (let i = 0; i < t.data.length; i++) if (!Number.isFinite(t.data[i]!)) return false;
  return true;
}

/** Load `model` (path or bytes) in onnxruntime and run it once; ModelFormatError when it does not load or run. */
export async function verifyRuns(model: string | Uint8Array, options: VerifyOptions = {}): Promise<VerifyResult> {
  const session = await createSession(model, { threads: options.threads ?? 1 });
  try {
    const feeds: Record<string, Tensor> = {};
    for (const spec of session.inputs) feeds[spec.name] = syntheticInput(spec, options);
    let out: Record<string, Tensor>;
    try {
      out = await session.run(feeds);
    } catch (e) {
      const what = typeof model === 'string' ? `'${model}'` : 'model bytes';
      const msg = errorMessage(e, { firstLine: true });
      throw new ModelFormatError(`${what}: onnxruntime loaded the model but could not run it: ${msg}`, typeof model === 'string' ? model : undefined, { cause: e });
    }
    return {
      inputs: Object.entries(feeds).map(([name, t]) => ({ name, dims: [...t.dims], dtype: t.dtype })),
      outputs: session.outputs.map((o) => {
        const t = out[o.name]!;
        return { name: o.name, dims: [...t.dims], dtype: t.dtype, finite: allFinite(t) };
      }),
    };
  } finally {
    await session.release();
  }
}

/** Per output of two models run on the same synthetic inputs: its dims and the largest absolute difference. */
export interface OutputDifference { name: string; dims: number[]; maxAbsDiff: number }

/**
 * Run `a` and `b` (paths or bytes) on the same synthetic inputs (those of {@link verifyRuns}) and compare their
 * outputs by name; 0 everywhere means the same numbers. An output missing from `b` or of another size gives Infinity.
 */
export async function compareOutputs(a: string | Uint8Array, b: string | Uint8Array, options: VerifyOptions = {}): Promise<OutputDifference[]> {
  const sa = await createSession(a, { threads: options.threads ?? 1 });
  const sb = await createSession(b, { threads: options.threads ?? 1 }).catch(async (e: unknown) => { await sa.release(); throw e; });
  try {
    const feeds: Record<string, Tensor> = {};
    for (const spec of sa.inputs) feeds[spec.name] = syntheticInput(spec, options);
    const [oa, ob] = [await sa.run(feeds), await sb.run(feeds)];
    return sa.outputs.map((o) => {
      const x = oa[o.name]!, y = ob[o.name];
      let d = y && y.data.length === x.data.length ? 0 : Infinity;
      if (Number.isFinite(d)) for (let i = 0; i < x.data.length; i++) d = Math.max(d, Math.abs(Number(x.data[i]!) - Number(y!.data[i]!)));
      return { name: o.name, dims: [...x.dims], maxAbsDiff: d };
    });
  } finally {
    await sa.release();
    await sb.release();
  }
}
