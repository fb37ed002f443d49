/**
 * Worker-thread entry of the preprocessing stream (see prepared-stream.ts): decode (sharp) + letterbox
 * (OpenCV-exact bilinear) off the main thread, which onnxruntime-node keeps busy during `session.run`.
 * Each job names an image file; the reply carries the [1,3,size,size] float32 tensor (its buffer transferred,
 * not copied) and the letterbox geometry, or the decode failure reason. Buffers the main thread is done with
 * come back with later jobs and are reused, so the steady state allocates no tensors.
 */
import { parentPort } from 'node:worker_threads';
import { decodeImageRgb, ImageDecodeError } from './decode-image.js';
import { letterbox } from './letterbox.js';
import type { PrepareJob, PrepareReply, WorkerReady } from './prepare-protocol.js';
import type { Image8 } from './resize-linear.js';
import { errorMessage } from '../../core/errors.js';

const port = parentPort;
if (!port) throw new Error('preprocess-worker.js must run in a worker thread');

const spare: ArrayBuffer[] = [];

type Decoded = { ok: true; image: Image8 } | { ok: false; reason: string; skip: boolean };


function finish(job: PrepareJob, decoded: Decoded): void {
  if (!decoded.ok) {
    port!.postMessage({ seq: job.seq, ok: false, reason: decoded.reason, skip: decoded.skip } satisfies PrepareReply);
    return;
  }
  try {
    const floats = 3 * job.size * job.size;
    let buf = spare.pop();
    if (buf && buf.byteLength !== floats * 4) buf = undefined;
    const { data, geometry } = letterbox(decoded.image, job.size, new Float32Array(buf ?? new ArrayBuffer(floats * 4)));
    port!.postMessage({ seq: job.seq, ok: true, data, geometry } satisfies PrepareReply, [data.buffer as ArrayBuffer]);
  } catch (e) {
    // Not an unreadable image: a bug in letterbox fails the job instead of skipping the image.
    port!.postMessage({ seq: job.seq, ok: false, reason: errorMessage(e), skip: false } satisfies PrepareReply);
  }
}

// Decodes start on arrival (sharp runs them on libuv threads, concurrently); letterboxes run in arrival order,
// so replies come back in order. The main thread bounds the jobs in flight, hence the images held here.
let chain: Promise<void> = Promise.resolve();
port.on('message', (job: PrepareJob) => {
  if (job.recycle) spare.push(job.recycle);
  const decoded: Promise<Decoded> = decodeImageRgb(job.path).then(
    (image) => ({ ok: true, image }),
    (e: unknown) => ({ ok: false, reason: errorMessage(e), skip: e instanceof ImageDecodeError }),
  );
  chain = chain.then(async () => finish(job, await decoded));
});
// sharp loads in about half a second: before saying ready, so that the first jobs do not wait for it.
void import('sharp').finally(() => port.postMessage({ ready: true } satisfies WorkerReady));
