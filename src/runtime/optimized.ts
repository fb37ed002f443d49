/**
 * The graph onnxruntime actually runs: load a model with full optimization and have onnxruntime save its optimized
 * graph (session option optimizedModelFilePath) to a temporary file, read back as bytes. This is the proof that
 * Q/DQ pairs were fused into integer kernels (QLinearConv, QLinearMatMul, …).
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { createSession, type RuntimeSession, type SessionOptions } from './session.js';

/** Bytes of onnxruntime's optimized graph of `model` (its CPU provider, all optimizations). */
export async function optimizedModel(model: string | Uint8Array, options: { threads?: number } = {}): Promise<Uint8Array> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'prunekit-ort-'));
  const file = path.join(dir, 'optimized.onnx');
  try {
    const session = await createSession(model, { threads: options.threads ?? 1, optimizedModelFilePath: file });
    await session.release();
    return await readFile(file);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/**
 * A session of `model` and the bytes of the optimized graph onnxruntime made while loading it: one load where
 * {@link optimizedModel} and a second session would cost two. The caller releases the session.
 */
export async function sessionWithOptimized(model: string | Uint8Array, options: Omit<SessionOptions, 'optimizedModelFilePath'> = {}): Promise<{ session: RuntimeSession; optimized: Uint8Array }> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'prunekit-ort-'));
  try {
    const session = await createSession(model, { ...options, optimizedModelFilePath: path.join(dir, 'optimized.onnx') });
    try {
      return { session, optimized: await readFile(path.join(dir, 'optimized.onnx')) };
    } catch (e) {
      await session.release();
      throw e;
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
