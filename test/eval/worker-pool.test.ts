import { describe, expect, it } from 'vitest';
import { openWorkerPool } from '../../src/eval/worker-pool.js';

interface Job { seq: number; x: number }
type Reply = { seq: number; ok: true; y: number } | { seq: number; ok: false; reason: string };
/** Where each result came from: the worker (2x) or the calling thread (2x + 1000). */
function pool(module: URL, workers = 1) {
  return openWorkerPool<Job, Reply, number>({
    module, workers, name: 'test worker',
    inThread: async (j) => 2 * j.x + 1000,
    fromReply: (m) => {
      if (m.ok) return m.y;
      throw new Error(m.reason);
    },
  });
}
const echo = new URL('./helpers/echo-worker.js', import.meta.url);

describe('openWorkerPool', () => {
  it('runs jobs in the worker once it is ready, and in thread before', async () => {
    const p = pool(echo);
    try {
      expect(await p.run({ seq: 0, x: 1 })).toBe(1002); // before ready: in thread
      expect(await p.workerReady).toBe(true);
      expect(await Promise.all([1, 2, 3].map((x) => p.run({ seq: x, x })))).toEqual([2, 4, 6]);
      expect(p.byWorker).toBe(3);
      expect(p.mode).toBe('worker');
      expect(p.fallbackReason).toBeUndefined();
    } finally {
      await p.close();
    }
  });

  it("a worker's error reply rejects that job only", async () => {
    const p = pool(echo);
    try {
      await p.workerReady;
      await expect(p.run({ seq: 1, x: -4 })).rejects.toThrow('negative -4');
      expect(await p.run({ seq: 2, x: 5 })).toBe(10);
    } finally {
      await p.close();
    }
  });

  it('a worker that exits: its unanswered job reruns in thread, and the reason is kept', async () => {
    const p = pool(echo);
    try {
      await p.workerReady;
      expect(await p.run({ seq: 1, x: 13 })).toBe(1026);
      expect(p.fallbackReason).toBe('test worker exited (code 3)');
      expect(p.mode).toBe('main');
      expect(await p.run({ seq: 2, x: 4 })).toBe(1008);
    } finally {
      await p.close();
    }
  });

  it('a worker module that does not exist: in thread, with the reason', async () => {
    const p = pool(new URL('./helpers/no-such-worker.js', import.meta.url));
    expect(await p.workerReady).toBe(false);
    expect(p.fallbackReason).toMatch(/^test worker could not start: worker module .*no-such-worker\.js not found$/);
    expect(await p.run({ seq: 0, x: 2 })).toBe(1004);
    await p.close();
  });

  it('workers: 0 runs in thread and reports no failure', async () => {
    const p = pool(echo, 0);
    expect(await p.workerReady).toBe(false);
    expect(p.mode).toBe('main');
    expect(await p.run({ seq: 0, x: 3 })).toBe(1006);
    expect(p.fallbackReason).toBeUndefined();
    await p.close();
  });
});
