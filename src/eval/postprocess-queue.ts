/**
 * Postprocessing (decode, NMS, box mapping) of raw outputs in a worker thread, so that the main thread goes
 * straight on to the next `session.run`. Results come back as promises, one per submitted output; the caller
 * bounds how many are pending. Until the worker has started, outputs are postprocessed here. With `workers: 0`, or if the worker cannot start or dies, the same pure
 * function runs on the calling thread (identical results).
 */
import { performance } from 'node:perf_hooks';
import type { Worker } from 'node:worker_threads';
import type { Detections } from './decode/decode.js';
import { postprocessOutput, type PostprocessSpec, type RawOutput } from './postprocess.js';
import type { LetterboxGeometry } from './preprocess/letterbox.js';
import { spawnModuleWorker } from './spawn-worker.js';

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
  close(): Promise<void>;
}

interface Pending { job: PostprocessJob; resolve: (r: PostprocessResult) => void; reject: (e: Error) => void }

function inThread(job: PostprocessJob): PostprocessResult {
  const t0 = performance.now();
  const detections = postprocessOutput(job.raw, job.spec, job.geometry);
  return { detections, postprocessMs: performance.now() - t0 };
}

export function openPostprocessQueue(options: { workers?: number } = {}): PostprocessQueue {
  const pending = new Map<number, Pending>();
  let worker: Worker | undefined;
  let seq = 0, closing = false, failed = false, ready = false;
  let signalReady!: (ok: boolean) => void;
  const workerReady = new Promise<boolean>((r) => (signalReady = r));
  const fail = (): void => {
    if (closing || failed) return;
    failed = true;
    signalReady(false);
    void worker?.terminate();
    worker = undefined;
    // The worker never answered these: compute them here, in order.
    for (const p of pending.values()) {
      if (p.job.raw.data.byteLength === 0) { p.reject(new Error('the postprocessing worker stopped with an output it had taken')); continue; }
      try { p.resolve(inThread(p.job)); } catch (e) { p.reject(e instanceof Error ? e : new Error(String(e))); }
    }
    pending.clear();
  };
  if ((options.workers ?? 1) > 0) {
    try {
      const w = spawnModuleWorker(new URL('./postprocess-worker.js', import.meta.url));
      w.on('message', (m: PostprocessReply | { ready: true }) => {
        if ('ready' in m) {
          ready = !failed;
          signalReady(ready);
          return;
        }
        const p = pending.get(m.seq);
        if (!p) return;
        pending.delete(m.seq);
        if (m.ok) p.resolve({ detections: m.detections, postprocessMs: m.ms });
        else p.reject(new Error(m.reason));
      });
      w.on('error', fail);
      w.on('exit', fail);
      worker = w;
    } catch {
      failed = true;
    }
  }
  if (!worker) signalReady(false);
  return {
    get mode() { return worker && !failed ? 'worker' : 'main'; },
    workerReady,
    submit(raw, spec, geometry) {
      const job: PostprocessJob = { seq: seq++, raw, spec, geometry };
      // Until the worker has started (or if it failed), postprocess here.
      if (!worker || failed || !ready) {
        try { return Promise.resolve(inThread(job)); } catch (e) { return Promise.reject(e); }
      }
      const w = worker;
      return new Promise<PostprocessResult>((resolve, reject) => {
        pending.set(job.seq, { job, resolve, reject });
        try {
          w.postMessage(job, [raw.data.buffer as ArrayBuffer]);
        } catch {
          // Not transferable (memory owned by the runtime): send a copy; keep our copy for a fallback.
          const copy: PostprocessJob = { ...job, raw: { data: raw.data.slice(), dims: raw.dims } };
          pending.set(job.seq, { job: copy, resolve, reject });
          w.postMessage(copy);
        }
      });
    },
    async close() {
      closing = true;
      signalReady(false);
      if (worker) await worker.terminate();
      worker = undefined;
    },
  };
}
