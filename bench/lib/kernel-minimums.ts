/**
 * onnxruntime's per-node kernel time of several models, interleaved run by run, reduced per node to its MINIMUM over
 * the runs and summed: on a shared machine other processes stretch some runs of some nodes, never shorten them, so
 * the per-node minimum is what the kernel costs and the sum compares models under load far better than wall time
 * (which needs a quiet machine). Per op type too. Dev/bench only (reads onnxruntime's profile JSON).
 */
import { readdirSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import ort from 'onnxruntime-node';

export interface KernelMinimums {
  /** Sum over nodes of each node's minimum kernel time, ms per run. */
  sumMs: number;
  /** The same per op type (ms), largest first. */
  byOp: Record<string, { nodes: number; ms: number }>;
  /** Wall time of the profiled runs (inflated by profiling and load; for orientation). */
  wallMinMs: number;
}

/** Profile `files` (1×3×640×640 input, fixed pattern) for `runs` interleaved rounds at `threads`. */
export async function kernelMinimums(files: readonly string[], runs: number, threads = 1): Promise<KernelMinimums[]> {
  const tag = `prunekit-kmin-${process.pid}-${Date.now()}`;
  const sessions = await Promise.all(files.map((f, i) => ort.InferenceSession.create(f, { intraOpNumThreads: threads, interOpNumThreads: 1, enableProfiling: true, profileFilePrefix: path.join(os.tmpdir(), `${tag}-${i}`) })));
  const data = new Float32Array(3 * 640 * 640).map((_, i) => ((i * 2654435761) % 1000) / 1000);
  const wall = files.map(() => Infinity);
  for (let r = 0; r < runs; r++) {
    for (const [i, s] of sessions.entries()) {
      const t0 = performance.now();
      await s.run({ [s.inputNames[0]!]: new ort.Tensor('float32', data, [1, 3, 640, 640]) });
      wall[i] = Math.min(wall[i]!, performance.now() - t0);
    }
  }
  const out: KernelMinimums[] = [];
  for (const [i, s] of sessions.entries()) {
    s.endProfiling();
    await s.release();
    const found = readdirSync(os.tmpdir()).find((f) => f.startsWith(`${tag}-${i}_`) && f.endsWith('.json'));
    if (!found) throw new Error(`no onnxruntime profile for ${files[i]}`);
    const events = JSON.parse(readFileSync(path.join(os.tmpdir(), found), 'utf8')) as Array<{ cat: string; name: string; dur: number; args?: { op_name?: string } }>;
    rmSync(path.join(os.tmpdir(), found));
    const perNode = new Map<string, { op: string; min: number; seen: number }>();
    for (const e of events) {
      if (e.cat !== 'Node' || !e.name.endsWith('_kernel_time')) continue;
      const n = perNode.get(e.name) ?? { op: e.args?.op_name ?? '?', min: Infinity, seen: 0 };
      if (n.seen++ > 0) n.min = Math.min(n.min, e.dur); // the first run of each node (allocation, caches) is skipped
      perNode.set(e.name, n);
    }
    const byOp: Record<string, { nodes: number; ms: number }> = {};
    let sum = 0;
    for (const n of perNode.values()) {
      const ms = (Number.isFinite(n.min) ? n.min : 0) / 1000;
      sum += ms;
      const o = (byOp[n.op] ??= { nodes: 0, ms: 0 });
      o.nodes++;
      o.ms += ms;
    }
    out.push({ sumMs: sum, byOp: Object.fromEntries(Object.entries(byOp).sort((a, b) => b[1].ms - a[1].ms)), wallMinMs: wall[i]! });
  }
  return out;
}
