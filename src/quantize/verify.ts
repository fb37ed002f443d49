/**
 * Proof that a quantized model is what it claims: it loads and runs in onnxruntime with the float model's output
 * shapes; per output, the signal-to-quantization-noise ratio against the float model on real images
 * (10·log10(Σ f² / Σ (f − q)²), dB); and how many Conv nodes onnxruntime's own optimized graph runs as integer
 * kernels (QLinearConv, ConvInteger) — the fusion that makes INT8 fast, or its absence.
 */
import type { Tensor } from '../core/dtype.js';
import { toFloat32 } from '../core/convert.js';
import { parseOnnx } from '../io/onnx/bytes.js';
import { createSession, optimizedModel, sessionWithOptimized, type RuntimeSession } from '../runtime/index.js';

export interface OutputSqnr { name: string; dims: number[]; floatDims: number[]; sqnrDb: number }

export interface FusionCount {
  /** Conv/ConvTranspose nodes of the quantized model's graph that had int8 weights. */
  quantizedConvs: number;
  /** Integer conv kernels in onnxruntime's optimized graph (QLinearConv, ConvInteger). */
  integerConvs: number;
  /** Conv nodes onnxruntime still runs in float. */
  floatConvs: number;
  /** Every op type of the optimized graph with its count ("domain:op" for non-default domains). */
  ops: Record<string, number>;
}

const INTEGER_CONVS = new Set(['QLinearConv', 'ConvInteger', 'QLinearConvTranspose']);
const FLOAT_CONVS = new Set(['Conv', 'FusedConv', 'ConvTranspose', 'NhwcFusedConv']);

/** Count the integer and float convs in onnxruntime's optimized graph of `bytes`. */
export async function countFusedConvs(bytes: Uint8Array, quantizedConvs: number, threads = 1): Promise<FusionCount> {
  return fusionOf(await optimizedModel(bytes, { threads }), quantizedConvs);
}

/** Count the integer and float convs of an optimized graph (the bytes onnxruntime saved). */
export function fusionOf(optimized: Uint8Array, quantizedConvs: number): FusionCount {
  const opt = parseOnnx(optimized);
  const ops: Record<string, number> = {};
  let integerConvs = 0, floatConvs = 0;
  for (const n of opt.proto.graph!.node) {
    const key = n.domain && n.domain !== 'ai.onnx' ? `${n.domain}:${n.opType}` : n.opType;
    ops[key] = (ops[key] ?? 0) + 1;
    if (INTEGER_CONVS.has(n.opType)) integerConvs++;
    else if (FLOAT_CONVS.has(n.opType)) floatConvs++;
  }
  return { quantizedConvs, integerConvs, floatConvs, ops };
}

/** SQNR (dB) of `q` against reference `f`; Infinity when identical. */
export function sqnrDb(f: Float32Array, q: Float32Array): number {
  let s = 0, e = 0;
  for (let i = 0; i < f.length; i++) { s += f[i]! * f[i]!; const d = f[i]! - q[i]!; e += d * d; }
  return e === 0 ? Infinity : 10 * Math.log10(s / e);
}

/** Run both models on `inputs` and give each output's SQNR over all of them. */
export async function outputSqnr(floatBytes: Uint8Array, quantBytes: Uint8Array, inputs: AsyncIterable<Readonly<Record<string, Tensor>>>, threads?: number): Promise<{ outputs: OutputSqnr[]; images: number }> {
  const fs = await createSession(floatBytes, { threads });
  try {
    const qs = await createSession(quantBytes, { threads });
    try { return await sessionsSqnr(fs, qs, inputs); } finally { await qs.release(); }
  } finally {
    await fs.release();
  }
}

/**
 * The checks of a written quantized model with one load of it: its fusion count (from the optimized graph
 * onnxruntime saves while loading the session) and each output's SQNR against the float model on `inputs`.
 */
export async function verifyQuantized(floatBytes: Uint8Array, quantBytes: Uint8Array, quantizedConvs: number, inputs: AsyncIterable<Readonly<Record<string, Tensor>>>, threads = 1): Promise<{ outputs: OutputSqnr[]; images: number; fusion: FusionCount }> {
  const { session: qs, optimized } = await sessionWithOptimized(quantBytes, { threads });
  try {
    const fusion = fusionOf(optimized, quantizedConvs);
    const fs = await createSession(floatBytes, { threads });
    try { return { ...(await sessionsSqnr(fs, qs, inputs)), fusion }; } finally { await fs.release(); }
  } finally {
    await qs.release();
  }
}

async function sessionsSqnr(fs: RuntimeSession, qs: RuntimeSession, inputs: AsyncIterable<Readonly<Record<string, Tensor>>>): Promise<{ outputs: OutputSqnr[]; images: number }> {
  const acc = new Map<string, { s: number; e: number; dims: number[]; floatDims: number[] }>();
  let images = 0;
  for await (const feeds of inputs) {
    const fo = await fs.run(feeds), qo = await qs.run(feeds);
    for (const [name, ft] of Object.entries(fo)) {
      const qt = qo[name];
      const a = acc.get(name) ?? { s: 0, e: 0, dims: qt ? [...qt.dims] : [], floatDims: [...ft.dims] };
      if (qt && qt.data.length === ft.data.length) {
        const f = toFloat32(ft), q = toFloat32(qt);
        for (let i = 0; i < f.length; i++) { a.s += f[i]! * f[i]!; const d = f[i]! - q[i]!; a.e += d * d; }
      } else a.e = Infinity;
      acc.set(name, a);
    }
    images++;
  }
  return { outputs: [...acc].map(([name, a]) => ({ name, dims: a.dims, floatDims: a.floatDims, sqnrDb: a.e === 0 ? Infinity : 10 * Math.log10(a.s / a.e) })), images };
}
