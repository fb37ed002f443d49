/**
 * A bounded, ordered stream of network inputs for a list of image files: decode + letterbox run ahead of the
 * consumer, at most `depth` images in flight (decoded or letterboxed, not yet taken), in the files' order.
 *
 * With `workers ≥ 1` (default 1) the work runs in worker threads (preprocess-worker.ts), so it overlaps with
 * `session.run`, which keeps the main thread busy; tensors travel by transfer, and buffers given back with
 * `recycle` are reused; until a worker has started, one image at a time runs on the calling thread. With `workers: 0`, or when a worker cannot start or dies, the same work runs on the
 * main thread (sharp's decode still overlaps; letterbox does not). Both paths produce identical tensors.
 *
 * Worker file: dist/…/preprocess-worker.js next to this module when compiled; from TypeScript sources
 * (tsx, vitest) the .ts file is loaded through tsx's API in an eval worker; if neither works, in-thread.
 * An image that cannot be decoded is reported in place (`ok: false`); any other error rejects `next()`.
 */
import { openWorkerPool } from '../worker-pool.js';
import { decodeImageRgb } from './decode-image.js';
import { prepareImage, type ImageStream, type PreparedImage } from './image-stream.js';
import type { PrepareJob, PrepareReply } from './prepare-protocol.js';

export type { PreparedImage } from './image-stream.js';

export interface PreparedStreamOptions {
  /** Square network input side, px. */
  size: number;
  /** Images in flight ahead of the consumer (default 4). */
  depth?: number;
  /** Worker threads (default 1); 0 preprocesses on the calling thread. */
  workers?: number;
}

export interface PreparedStream extends ImageStream {
  /** Resolves true once a worker is ready, false if none will be (workers: 0, or start-up failed). */
  readonly workerReady: Promise<boolean>;
  /** Images prepared by workers so far (the others ran on this thread). */
  readonly byWorker: number;
}


/**
 * Decode + letterbox on this thread (the fallback path; same functions as the worker). An image that cannot
 * be decoded is `{ ok: false }` (a skipped image); any other error is a bug and rejects.
 */
export function prepareInThread(file: string, size: number, buffer?: ArrayBuffer): Promise<PreparedImage> {
  return prepareImage(() => decodeImageRgb(file), size, buffer);
}

export function openPreparedStream(paths: readonly string[], options: PreparedStreamOptions): PreparedStream {
  const { size } = options;
  const depth = Math.max(1, options.depth ?? 4);
  const spare: ArrayBuffer[] = [];
  const pool = openWorkerPool<PrepareJob, PrepareReply, PreparedImage>({
    module: new URL('./preprocess-worker.js', import.meta.url),
    workers: Math.max(0, Math.min(options.workers ?? 1, 8)),
    name: 'preprocessing worker',
    inThread: (job) => prepareInThread(job.path, size, spare.pop()),
    fromReply: (m) => {
      if (m.ok) return { ok: true, data: m.data, geometry: m.geometry };
      if (m.skip) return { ok: false, reason: m.reason };
      throw new Error(`preprocessing worker: ${m.reason}`);
    },
    send: (w, job) => {
      const recycle = spare.pop();
      const sent: PrepareJob = recycle ? { ...job, recycle } : job;
      w.postMessage(sent, recycle ? [recycle] : []);
      return sent;
    },
  });
  const slots = new Map<number, Promise<PreparedImage>>();
  let posted = 0, taken = 0;
  // Until the worker is ready, only one image runs ahead, on this thread: its letterbox would otherwise take
  // the calling thread's time (session creation, the first inferences) for images the worker can prepare.
  let starting = pool.mode === 'worker', closed = false;
  const post = (): void => {
    if (closed) return;
    const ahead = starting ? 1 : depth;
    while (posted - taken < ahead && posted < paths.length) {
      const seq = posted++;
      const result = pool.run({ seq, path: paths[seq]!, size });
      result.catch(() => undefined); // observed by next(); not an unhandled rejection while it waits there
      slots.set(seq, result);
    }
  };
  post();
  void pool.workerReady.then(() => {
    starting = false;
    post();
  });

  return {
    get mode() { return pool.mode; },
    get fallbackReason() { return pool.fallbackReason; },
    get byWorker() { return pool.byWorker; },
    workerReady: pool.workerReady,
    async next() {
      if (taken >= paths.length) throw new RangeError('prepared stream: no more images');
      const seq = taken;
      const r = await slots.get(seq)!;
      slots.delete(seq);
      taken++;
      post();
      return r;
    },
    recycle(data) {
      if (data.byteLength === 3 * size * size * 4 && data.byteOffset === 0 && spare.length < depth) spare.push(data.buffer as ArrayBuffer);
    },
    close: () => {
      closed = true;
      return pool.close();
    },
  };
}
