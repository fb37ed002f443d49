/**
 * Worker-thread entry of the postprocessing queue (postprocess-queue.ts): `postprocessOutput` off the main
 * thread, which onnxruntime-node keeps busy during `session.run`. Replies carry the detections (arrays
 * transferred) and the compute time, or the error message.
 */
import { performance } from 'node:perf_hooks';
import { parentPort } from 'node:worker_threads';
import { postprocessOutput } from './postprocess.js';
import type { PostprocessJob, PostprocessReply } from './postprocess-queue.js';
import { errorMessage } from '../core/errors.js';

const port = parentPort;
if (!port) throw new Error('postprocess-worker.js must run in a worker thread');

port.on('message', (job: PostprocessJob) => {
  try {
    const t0 = performance.now();
    const d = postprocessOutput(job.raw, job.spec, job.geometry);
    const reply: PostprocessReply = { seq: job.seq, ok: true, detections: d, ms: performance.now() - t0 };
    port.postMessage(reply, [d.boxesXyxy.buffer as ArrayBuffer, d.scores.buffer as ArrayBuffer, d.classes.buffer as ArrayBuffer]);
  } catch (e) {
    port.postMessage({ seq: job.seq, ok: false, reason: errorMessage(e) } satisfies PostprocessReply);
  }
});
port.postMessage({ ready: true });
