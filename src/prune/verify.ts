/**
 * Checking a written model in onnxruntime: it loads, runs once, and its outputs keep their shapes; optionally the
 * deviation of its outputs from the original's on the same input (max |a−b|, cosine similarity).
 * onnxruntime is imported lazily, so pruning without verification never loads it.
 */
import { ModelFormatError } from '../core/errors.js';
import { numel, type Tensor } from '../core/dtype.js';
import { toFloat32 } from '../core/convert.js';
import type { RuntimeSession } from '../runtime/session.js';

export interface OutputCheck {
  name: string;
  dims: readonly number[];
  /** Against the original (compare mode). */
  maxAbsDiff?: number;
  cosine?: number;
}

export interface PruneVerifyResult {
  /** What the input was: `image <path>` or `random (seed 0, uniform [0,1))`. */
  input: string;
  outputs: OutputCheck[];
  /** Seconds for the whole check. */
  seconds: number;
}

/** Fixed-seed uniform [0,1) float32 input for every model input (dynamic dims: batch 1, 640×640). */
export function randomFeeds(session: Pick<RuntimeSession, 'inputs'>, seed = 0): Record<string, Tensor> {
  let s = (seed >>> 0) || 0x9e3779b9;
  const next = () => {
    s ^= s << 13; s >>>= 0; s ^= s >>> 17; s ^= s << 5; s >>>= 0;
    return s / 4294967296;
  };
  const feeds: Record<string, Tensor> = {};
  for (const spec of session.inputs) {
    const dims = spec.shape.map((d, axis) => (typeof d === 'number' && d > 0 ? d : axis === 0 ? 1 : 640));
    const data = new Float32Array(numel(dims));
    for (let i = 0; i < data.length; i++) data[i] = next();
    feeds[spec.name] = { dtype: 'float32', dims, data };
  }
  return feeds;
}

function compare(a: Tensor, b: Tensor): { maxAbsDiff: number; cosine: number } {
  const x = toFloat32(a), y = toFloat32(b);
  let max = 0, dot = 0, nx = 0, ny = 0;
  for (let i = 0; i < x.length; i++) {
    const d = Math.abs(x[i]! - y[i]!);
    if (d > max || Number.isNaN(d)) max = Number.isNaN(d) ? NaN : d;
    dot += x[i]! * y[i]!; nx += x[i]! * x[i]!; ny += y[i]! * y[i]!;
  }
  const cosine = nx === 0 && ny === 0 ? 1 : dot / Math.sqrt(nx * ny);
  return { maxAbsDiff: max, cosine };
}

export interface PruneVerifyOptions {
  /** Original model (path or bytes) to compare against; omitted: only run the pruned model. */
  original?: string | Uint8Array;
  /** Input feeds; default {@link randomFeeds}. */
  feeds?: Record<string, Tensor>;
  /** Label of the feeds for the report. */
  inputLabel?: string;
}

/** Load and run the pruned model once; ModelFormatError when it fails or an output changes shape. */
export async function verifyModel(pruned: string | Uint8Array, options: PruneVerifyOptions = {}): Promise<PruneVerifyResult> {
  const started = performance.now();
  const { createSession } = await import('../runtime/session.js');
  const session = await createSession(pruned, { threads: 2 });
  const feeds = options.feeds ?? randomFeeds(session);
  const label = options.inputLabel ?? 'random (fixed seed, uniform [0,1))';
  try {
    const outs = await session.run(feeds);
    const checks: OutputCheck[] = session.outputs.map((o) => {
      const t = outs[o.name];
      if (!t) throw new ModelFormatError(`pruned model: output '${o.name}' missing after a run`);
      o.shape.forEach((d, i) => {
        if (typeof d === 'number' && d > 0 && t.dims[i] !== d) throw new ModelFormatError(`pruned model: output '${o.name}' has shape [${t.dims.join(',')}], declared [${o.shape.join(',')}]`);
      });
      return { name: o.name, dims: t.dims };
    });
    if (options.original !== undefined) {
      const ref = await createSession(options.original, { threads: 2 });
      try {
        const base = await ref.run(feeds);
        for (const c of checks) {
          const b = base[c.name];
          if (!b) throw new ModelFormatError(`original model has no output '${c.name}'`);
          if (b.dims.join(',') !== c.dims.join(',')) throw new ModelFormatError(`output '${c.name}' changed shape: [${b.dims.join(',')}] → [${c.dims.join(',')}]`);
          Object.assign(c, compare(b, outs[c.name]!));
        }
      } finally {
        await ref.release();
      }
    }
    return { input: label, outputs: checks, seconds: (performance.now() - started) / 1000 };
  } finally {
    await session.release();
  }
}

/** Short names for modules inside src/prune (not re-exported: src/runtime has its own VerifyResult). */
export type VerifyResult = PruneVerifyResult;
export type VerifyOptions = PruneVerifyOptions;
