/**
 * A bounded, ordered stream of network inputs for a list of image files: decode + letterbox run ahead of the
 * consumer, at most `depth` images in flight (decoded or letterboxed, not yet taken), in the files' order.
 *
 * With `workers ≥ 1` (default 1) the work runs in worker threads (preprocess-worker.ts), so it overlaps with
 * `session.run`, which keeps the main thread busy; tensors travel by transfer, and buffers given back with
 * `recycle` are reused; until a worker has started, jobs run on the calling thread. With `workers: 0`, or when a worker cannot start or dies, the same work runs on the
 * main thread (sharp's decode still overlaps; letterbox does not). Both paths produce identical tensors.
 *
 * Worker file: dist/…/preprocess-worker.js next to this module when compiled; from TypeScript sources
 * (tsx, vitest) the .ts file is loaded through tsx's API in an eval worker; if neither works, in-thread.
 */
import type { Worker } from 'node:worker_threads';
import { spawnModuleWorker } from '../spawn-worker.js';
import { decodeImageRgb } from './decode-image.js';
import { prepareImage, type ImageStream, type PreparedImage } from './image-stream.js';
import type { PrepareJob, PrepareReply, WorkerReady } from './prepare-protocol.js';

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

const reasonOf = (e: unknown): string => (e instanceof Error ? e.message : String(e));

/** Decode + letterbox on this thread (the fallback path; same functions as the worker). */
export function prepareInThread(file: string, size: number, buffer?: ArrayBuffer): Promise<PreparedImage> {
  return prepareImage(() => decodeImageRgb(file), size, buffer);
}

interface Slot {
  path: string;
  promise: Promise<PreparedImage>;
  resolve: (r: PreparedImage) => void;
  settled: boolean;
}

export function openPreparedStream(paths: readonly string[], options: PreparedStreamOptions): PreparedStream {
  const { size } = options;
  const depth = Math.max(1, options.depth ?? 4);
  const wanted = Math.max(0, Math.min(options.workers ?? 1, 8));
  const slots = new Map<number, Slot>();
  const spare: ArrayBuffer[] = [];
  const workers: Worker[] = [];
  /** Workers that said they are ready; until one is, jobs run on this thread (hides the workers' start-up). */
  const ready: Worker[] = [];
  let signalReady!: (ok: boolean) => void;
  const workerReady = new Promise<boolean>((r) => (signalReady = r));
  let fallbackReason: string | undefined;
  let posted = 0, taken = 0, closing = false, byWorker = 0;

  const inThread = (slot: Slot): void => {
    void prepareInThread(slot.path, size, spare.pop()).then((r) => settle(slot, r));
  };
  const settle = (slot: Slot, r: PreparedImage): void => {
    if (slot.settled) return;
    slot.settled = true;
    slot.resolve(r);
  };
  const fail = (reason: string): void => {
    if (closing || fallbackReason !== undefined) return;
    fallbackReason = reason;
    signalReady(false);
    ready.length = 0;
    for (const w of workers.splice(0)) void w.terminate();
    for (const slot of slots.values()) if (!slot.settled) inThread(slot);
  };

  if (wanted > 0) {
    try {
      for (let i = 0; i < wanted; i++) {
        const w = spawnModuleWorker(new URL('./preprocess-worker.js', import.meta.url));
        w.on('message', (m: PrepareReply | WorkerReady) => {
          if ('ready' in m) {
            if (fallbackReason === undefined) ready.push(w);
            signalReady(fallbackReason === undefined);
            return;
          }
          const slot = slots.get(m.seq);
          byWorker++;
          if (slot) settle(slot, m.ok ? { ok: true, data: m.data, geometry: m.geometry } : { ok: false, reason: m.reason });
        });
        w.on('error', (e) => fail(`preprocessing worker failed: ${reasonOf(e)}`));
        w.on('exit', (code) => fail(`preprocessing worker exited (code ${code})`));
        workers.push(w);
      }
    } catch (e) {
      fail(`preprocessing worker could not start: ${reasonOf(e)}`);
    }
  }

  if (workers.length === 0) signalReady(false);
  const post = (): void => {
    while (posted - taken < depth && posted < paths.length) {
      const seq = posted++;
      let resolve!: (r: PreparedImage) => void;
      const promise = new Promise<PreparedImage>((r) => (resolve = r));
      const slot: Slot = { path: paths[seq]!, promise, resolve, settled: false };
      slots.set(seq, slot);
      const w = ready[seq % Math.max(1, ready.length)];
      if (!w) { inThread(slot); continue; }
      const recycle = spare.pop();
      const job: PrepareJob = { seq, path: slot.path, size, recycle };
      w.postMessage(job, recycle ? [recycle] : []);
    }
  };
  post();

  return {
    get mode() { return wanted > 0 && fallbackReason === undefined ? 'worker' : 'main'; },
    get fallbackReason() { return fallbackReason; },
    get byWorker() { return byWorker; },
    workerReady,
    async next() {
      if (taken >= paths.length) throw new RangeError('prepared stream: no more images');
      const seq = taken;
      const slot = slots.get(seq)!;
      const r = await slot.promise;
      slots.delete(seq);
      taken++;
      post();
      return r;
    },
    recycle(data) {
      if (data.byteLength === 3 * size * size * 4 && data.byteOffset === 0 && spare.length < depth) spare.push(data.buffer as ArrayBuffer);
    },
    async close() {
      closing = true;
      signalReady(false);
      await Promise.all(workers.splice(0).map((w) => w.terminate()));
    },
  };
}
