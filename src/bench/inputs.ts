/**
 * Synthetic benchmark inputs built from a model's input spec: fixed dims are kept, symbolic or unknown dims are
 * filled from the flags (batch for the first axis, image height/width for the last two axes of a 4-D image
 * input). Values come from a fixed-seed PRNG, so every model and every run sees the same bytes.
 */
import { allocate, floatToHalf, numel, UsageError, type DType, type Tensor } from '../core/index.js';
import type { IoSpec } from '../runtime/index.js';
import { seededRandom } from './stats.js';

export interface InputShapeOptions {
  /** Image size for dynamic spatial dims: one number (square) or height and width. Default 640. */
  imgsz?: { height: number; width: number };
  /** Batch size for a dynamic first dim. Default 1. */
  batch?: number;
  /** PRNG seed of the values (default 0). */
  seed?: number;
}

const SUPPORTED: ReadonlySet<string> = new Set(['float32', 'float16', 'float64', 'int8', 'uint8', 'int16', 'int32', 'int64', 'bool']);

/** Concrete dims of one input, or a UsageError naming the input and the flag that fixes it. */
export function resolveInputDims(spec: IoSpec, options: InputShapeOptions = {}): number[] {
  const rank = spec.shape.length;
  const batch = options.batch ?? 1;
  const img = options.imgsz ?? { height: 640, width: 640 };
  return spec.shape.map((d, axis) => {
    const fixed = typeof d === 'number' && d >= 0;
    if (axis === 0) {
      if (fixed && options.batch !== undefined && d !== batch) {
        throw new UsageError(`input ${spec.name}: the model has a fixed batch of ${d}; drop --batch or pass --batch ${d}`);
      }
      return fixed ? d : batch;
    }
    const spatial = rank === 4 && axis >= 2;
    if (spatial) {
      const want = axis === 2 ? img.height : img.width;
      if (fixed && options.imgsz !== undefined && d !== want) {
        throw new UsageError(`input ${spec.name}: the model has a fixed ${axis === 2 ? 'height' : 'width'} of ${d}; drop --imgsz or pass a matching size`);
      }
      return fixed ? d : want;
    }
    if (fixed) return d;
    throw new UsageError(`input ${spec.name}: dim ${axis} ('${String(d)}') is dynamic and no flag sets it`);
  });
}

/** One input tensor of `dims` filled with seeded values: floats uniform in [0,1), integers in 0..9, bools 0/1. */
export function syntheticTensor(dtype: DType, dims: readonly number[], seed = 0): Tensor {
  const n = numel(dims);
  const rand = seededRandom(seed);
  const data = allocate(dtype, n);
  if (data instanceof BigInt64Array) {
    for (let i = 0; i < n; i++) data[i] = BigInt(Math.floor(rand() * 10));
  } else if (dtype === 'float16') {
    for (let i = 0; i < n; i++) data[i] = floatToHalf(rand());
  } else if (dtype === 'bool') {
    for (let i = 0; i < n; i++) data[i] = rand() < 0.5 ? 0 : 1;
  } else if (dtype === 'float32' || dtype === 'float64') {
    for (let i = 0; i < n; i++) data[i] = rand();
  } else {
    for (let i = 0; i < n; i++) data[i] = Math.floor(rand() * 10);
  }
  return { dtype, dims: [...dims], data } as Tensor;
}

/** Feeds for every input of a session, by name. */
export function syntheticFeeds(inputs: readonly IoSpec[], options: InputShapeOptions = {}): Record<string, Tensor> {
  const feeds: Record<string, Tensor> = {};
  inputs.forEach((spec, i) => {
    const dtype = spec.dtype ?? 'unknown';
    if (!SUPPORTED.has(dtype)) {
      throw new UsageError(`input ${spec.name}: element type ${dtype} cannot be benchmarked with synthetic data`);
    }
    feeds[spec.name] = syntheticTensor(dtype as DType, resolveInputDims(spec, options), (options.seed ?? 0) + i);
  });
  return feeds;
}
