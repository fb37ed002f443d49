/**
 * Postprocessing (decode, NMS, box mapping) of raw outputs in a worker thread, so that the main thread goes
 * straight on to the next `session.run`. Results come back as promises, one per submitted output; the caller
 * bounds how many are pending. Until the worker has started, outputs are postprocessed here. With `workers: 0`, or if the worker cannot start or dies, the same pure
 * function runs on the calling thread (identical results; the reason is kept in `fallbackReason`).
 */
import { performance } from 'node:perf_hooks';
import type { Worker } from 'node:worker_threads';
import type { Detections } from './decode/decode.js';
import { postprocessOutput, type PostprocessSpec, type RawOutput } from './postprocess.js';
import type { LetterboxGeometry } from './preprocess/letterbox.js';
import { openWorkerPool } from './worker-pool.js';

export interface PostprocessJob { seq: number; raw: RawOutput; spec: PostprocessSpec; geometry: LetterboxGeometry }
export type PostprocessReply = { seq: number; ok: true; detections: Detections; ms: number } | { seq: number; ok: false; reason: string };

export interface PostprocessResult {
  detections: Detections;
  /** Compute time of the postprocessing, ms (in the worker when there is one). */
  postprocessMs: number;
}

export interface PostprocessQueue {
  /** Postprocess one output; `raw.data`'s buffer may be transferred (do not use it afterwards). */
  submit(raw: RawOutput, spec: PostprocessSpec, geometry: LetterboxGeometry): Promise<PostprocessResult>;
  readonly mode: 'worker' | 'main';
  /** Resolves true once the worker is ready, false if there will be none. */
  readonly workerReady: Promise<boolean>;
  /** Why postprocessing fell back to the calling thread (the worker could not start, failed or exited), if it did. */
  readonly fallbackReason: string | undefined;
  close(): Promise<void>;
}

function inThread(job: PostprocessJob): PostprocessResult {
  const t0 = performance.now();
  const detections = postprocessOutput(job.raw, job.spec, job.geometry);
  return { detections, postprocessMs: performance.now() - t0 };
}

/** Post a job, transferring the output's buffer; memory the runtime owns is not transferable: send a copy then. */
function send(w: Worker, job: PostprocessJob): PostprocessJob {
  try {
    w.postMessage(job, [job.raw.data.buffer as ArrayBuffer]);
    return job;
  } catch {
    const copy: PostprocessJob = { ...job, raw: { data: job.raw.data.slice(), dims: job.raw.dims } };
    w.postMessage(copy);
    return copy;
  }
}

export function openPostprocessQueue(options: { workers?: number } = {}): PostprocessQueue {
  let seq = 0;
  const pool = openWorkerPool<PostprocessJob, PostprocessReply, PostprocessResult>({
    module: new URL('./postprocess-worker.js', import.meta.url),
    workers: (options.workers ?? 1) > 0 ? 1 : 0,
    name: 'postprocessing worker',
    inThread: async (job) => inThread(job),
    retry: async (job) => {
      if (job.raw.data.byteLength === 0) throw new Error('the postprocessing worker stopped with an output it had taken');
      return inThread(job);
    },
    fromReply: (m) => {
      if (m.ok) return { detections: m.detections, postprocessMs: m.ms };
      throw new Error(m.reason);
    },
    send,
  });
  return {
    get mode() { return pool.mode; },
    get fallbackReason() { return pool.fallbackReason; },
    workerReady: pool.workerReady,
    submit: (raw, spec, geometry) => pool.run({ seq: seq++, raw, spec, geometry }),
    close: () => pool.close(),
  };
}
