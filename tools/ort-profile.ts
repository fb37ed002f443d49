/**
 * Dev tool: per-op-type and per-node time of an ONNX model in onnxruntime (CPU), from ORT's own profiler.
 * Run: `npx tsx tools/ort-profile.ts MODEL [--threads N] [--runs N] [--top N] [--json per-node-ms.json]`.
 */
import { readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import ort from 'onnxruntime-node';

const args = process.argv.slice(2);
const opt = (name: string, d: number) => { const i = args.indexOf(name); return i >= 0 ? Number(args[i + 1]) : d; };
const file = args[0]!;
const threads = opt('--threads', 1), runs = opt('--runs', 20), top = opt('--top', 25);
const jsonOut = args.includes('--json') ? args[args.indexOf('--json') + 1] : undefined;
const prefix = path.join(os.tmpdir(), `ort-profile-${process.pid}`);
const s = await ort.InferenceSession.create(file, { intraOpNumThreads: threads, enableProfiling: true, profileFilePrefix: prefix });
const meta = s.inputNames.map((n) => n);
const dims = [1, 3, 640, 640];
const feeds = { [meta[0]!]: new ort.Tensor('float32', new Float32Array(dims.reduce((a, b) => a * b)).fill(0.5), dims) };
for (let i = 0; i < 5; i++) await s.run(feeds);
for (let i = 0; i < runs; i++) await s.run(feeds);
s.endProfiling();
await s.release();
const base = path.basename(prefix);
const found = readdirSync(os.tmpdir()).find((f) => f.startsWith(base) && f.endsWith('.json'));
if (!found) throw new Error(`no profile file ${prefix}*.json`);
const out = path.join(os.tmpdir(), found);
const events = JSON.parse(readFileSync(out, 'utf8')) as { cat: string; name: string; dur: number; args?: { op_name?: string } }[];
rmSync(out);
const nodes = events.filter((e) => e.cat === 'Node' && e.name.endsWith('_kernel_time'));
const byOp = new Map<string, number>(), byNode = new Map<string, number>();
for (const e of nodes) {
  const op = e.args?.op_name ?? '?';
  byOp.set(op, (byOp.get(op) ?? 0) + e.dur);
  { const k = e.name.replace(/_kernel_time$/, ''); byNode.set(k, (byNode.get(k) ?? 0) + e.dur); }
}
const total = [...byOp.values()].reduce((a, b) => a + b, 0);
const n = runs + 5;
console.log(`${file}: kernel time ${(total / n / 1000).toFixed(2)} ms/run (${threads} threads)`);
for (const [op, t] of [...byOp].sort((a, b) => b[1] - a[1])) console.log(`  ${op.padEnd(24)} ${(t / n / 1000).toFixed(2)} ms ${((100 * t) / total).toFixed(1)}%`);
console.log('top nodes:');
for (const [nm, t] of [...byNode].sort((a, b) => b[1] - a[1]).slice(0, top)) console.log(`  ${nm.padEnd(60)} ${(t / n / 1000).toFixed(3)} ms`);
if (jsonOut) writeFileSync(jsonOut, JSON.stringify(Object.fromEntries([...byNode].map(([k, t]) => [k, t / n / 1000]))));
