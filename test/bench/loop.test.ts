import { describe, expect, it } from 'vitest';
import { measureInterleaved } from '../../src/bench/loop.js';

function recorder(count: number): { calls: number[]; runners: { run(): Promise<void> }[] } {
  const calls: number[] = [];
  return { calls, runners: Array.from({ length: count }, (_, i) => ({ run: async () => void calls.push(i) })) };
}

describe('measureInterleaved', () => {
  it('runs every runner once per round, warm-up first, and pairs the samples by round', async () => {
    const { calls, runners } = recorder(3);
    const progress: number[] = [];
    const r = await measureInterleaved(runners, { warmup: 2, runs: 30, seed: 4, onProgress: (p) => progress.push(p.done) });
    expect(calls).toHaveLength((2 + 30) * 3);
    for (let k = 0; k < calls.length; k += 3) expect([...calls.slice(k, k + 3)].sort()).toEqual([0, 1, 2]);
    expect(r.rounds).toBe(30);
    expect(r.samplesMs.map((s) => s.length)).toEqual([30, 30, 30]);
    expect(r.samplesMs.flat().every((ms) => ms >= 0)).toBe(true);
    expect(r.firstInRound.reduce((a, b) => a + b, 0)).toBe(30);
    expect(progress.at(-1)).toBe(30);
  });

  it('shuffles the order inside rounds (every model goes first sometimes) and is reproducible', async () => {
    const a = recorder(2);
    const b = recorder(2);
    const r = await measureInterleaved(a.runners, { warmup: 0, runs: 40, seed: 1 });
    await measureInterleaved(b.runners, { warmup: 0, runs: 40, seed: 1 });
    expect(a.calls).toEqual(b.calls);
    expect(r.firstInRound[0]).toBeGreaterThan(5);
    expect(r.firstInRound[1]).toBeGreaterThan(5);
  });

  it('keeps A B A B order without shuffle', async () => {
    const { calls, runners } = recorder(2);
    await measureInterleaved(runners, { warmup: 1, runs: 3, shuffle: false });
    expect(calls).toEqual([0, 1, 0, 1, 0, 1, 0, 1]);
  });

  it('stops on a time budget after at least two rounds', async () => {
    const { runners } = recorder(2);
    const r = await measureInterleaved(runners, { warmup: 0, seconds: 0.01 });
    expect(r.rounds).toBeGreaterThanOrEqual(2);
    expect(r.samplesMs[0]).toHaveLength(r.rounds);
  });
});
