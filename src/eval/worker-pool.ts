/**
 * Worker threads with an in-thread fallback, shared by the preprocessing stream and the postprocessing queue.
 * Jobs go round-robin to the workers that said they are ready (`{ ready: true }`); until one has, and with
 * `workers: 0`, jobs run on the calling thread through `inThread` (the same pure work, identical results).
 * When a worker fails to start, errors or exits, every worker is stopped, the jobs they never answered run
 * in thread, and the pool keeps the reason (`fallbackReason`) so that callers report it: a fallback is never silent.
 */
import type { Worker } from 'node:worker_threads';
import { errorMessage } from '../core/errors.js';
import { spawnModuleWorker } from './spawn-worker.js';

/** Sent once by a worker when it has loaded. */
export interface WorkerReady { ready: true }

export interface WorkerPoolOptions<Job extends { seq: number }, Reply extends { seq: number }, Result> {
  /** The worker's compiled module, e.g. `new URL('./x-worker.js', import.meta.url)` (see spawnModuleWorker). */
  module: URL;
  /** Worker threads to start; 0 runs every job in thread. */
  workers: number;
  /** Name used in fallback reasons, e.g. 'preprocessing worker'. */
  name: string;
  /** The job's work on the calling thread. */
  inThread: (job: Job) => Promise<Result>;
  /** For a job a failed worker had taken and never answered (default: `inThread`). */
  retry?: (job: Job) => Promise<Result>;
  /** A worker's reply as the job's result; throw to reject the job's promise. */
  fromReply: (reply: Reply) => Result;
  /** Post `job` to `worker` and return the job to keep for a retry (default: postMessage without transfer). */
  send?: (worker: Worker, job: Job) => Job;
}

export interface WorkerPool<Job, Result> {
  /** Run one job (`seq` unique among jobs in flight). */
  run(job: Job): Promise<Result>;
  /** 'worker' while workers serve the pool; 'main' with `workers: 0` or after a failure. */
  readonly mode: 'worker' | 'main';
  /** Resolves true once a worker is ready, false if none will be. */
  readonly workerReady: Promise<boolean>;
  /** Jobs answered by workers so far. */
  readonly byWorker: number;
  /** Why the pool fell back to the calling thread, if it did. */
  readonly fallbackReason: string | undefined;
  close(): Promise<void>;
}

interface Pending<Job, Result> { job: Job; resolve: (r: Result) => void; reject: (e: unknown) => void }

export function openWorkerPool<Job extends { seq: number }, Reply extends { seq: number }, Result>(
  o: WorkerPoolOptions<Job, Reply, Result>,
): WorkerPool<Job, Result> {
  const pending = new Map<number, Pending<Job, Result>>();
  const workers: Worker[] = [];
  const ready: Worker[] = [];
  let signalReady!: (ok: boolean) => void;
  const workerReady = new Promise<boolean>((r) => (signalReady = r));
  let fallbackReason: string | undefined;
  let closing = false, byWorker = 0, turn = 0;
  const retry = o.retry ?? o.inThread;

  const fail = (reason: string): void => {
    if (closing || fallbackReason !== undefined) return;
    fallbackReason = reason;
    signalReady(false);
    ready.length = 0;
    for (const w of workers.splice(0)) void w.terminate();
    const unanswered = [...pending.values()];
    pending.clear();
    for (const p of unanswered) retry(p.job).then(p.resolve, p.reject);
  };

  for (let i = 0; i < o.workers && fallbackReason === undefined; i++) {
    let w: Worker;
    try {
      w = spawnModuleWorker(o.module);
    } catch (e) {
      fail(`${o.name} could not start: ${errorMessage(e)}`);
      break;
    }
    w.on('message', (m: Reply | WorkerReady) => {
      if ('ready' in m) {
        if (fallbackReason === undefined) ready.push(w);
        signalReady(fallbackReason === undefined);
        return;
      }
      const p = pending.get(m.seq);
      if (!p) return;
      pending.delete(m.seq);
      byWorker++;
      try {
        p.resolve(o.fromReply(m));
      } catch (e) {
        p.reject(e);
      }
    });
    w.on('error', (e) => fail(`${o.name} failed: ${errorMessage(e)}`));
    w.on('exit', (code) => fail(`${o.name} exited (code ${code})`));
    workers.push(w);
  }
  if (workers.length === 0) signalReady(false);

  return {
    get mode() { return o.workers > 0 && fallbackReason === undefined ? 'worker' : 'main'; },
    get fallbackReason() { return fallbackReason; },
    get byWorker() { return byWorker; },
    workerReady,
    run(job) {
      const w = ready.length > 0 ? ready[turn++ % ready.length] : undefined;
      if (!w) return o.inThread(job);
      return new Promise<Result>((resolve, reject) => {
        const kept = o.send ? o.send(w, job) : (w.postMessage(job), job);
        pending.set(job.seq, { job: kept, resolve, reject });
      });
    },
    async close() {
      closing = true;
      signalReady(false);
      await Promise.all(workers.splice(0).map((w) => w.terminate()));
    },
  };
}
