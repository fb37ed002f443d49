import type { Tensor } from './dtype.js';
import { bf16ToFloat, halfToFloat } from './half.js';

/** Values of any numeric tensor as a new Float32Array (float32 input is copied too: callers may mutate it). */
export function toFloat32(t: Tensor): Float32Array {
  const n = t.data.length;
  const out = new Float32Array(n);
  switch (t.dtype) {
    case 'float16': { const d = t.data as Uint16Array; for (let i = 0; i < n; i++) out[i] = halfToFloat(d[i]!); break; }
    case 'bfloat16': { const d = t.data as Uint16Array; for (let i = 0; i < n; i++) out[i] = bf16ToFloat(d[i]!); break; }
    case 'int64': { const d = t.data as BigInt64Array; for (let i = 0; i < n; i++) out[i] = Number(d[i]!); break; }
    default: out.set(t.data as ArrayLike<number>);
  }
  return out;
}
