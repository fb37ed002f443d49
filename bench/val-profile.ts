/**
 * Where `validate`'s main-thread time goes (issue 14 item 13): one untimed `validate` call loads every module,
 * then a second call runs under V8's CPU profiler (node:inspector, main thread only) and the profile's self time
 * is split into shares: `session.run` (onnxruntime-node runs inference synchronously on the JS main thread),
 * tensor wrapping and output copies, letterbox, sharp decode, decode + NMS, metrics, worker messaging, GC, idle
 * (waiting for a worker or for sharp), model/dataset reading, other. Same model, data and library build
 * (dist/) as bench/val-throughput.ts.
 *
 * Usage: npm run build && flock /tmp/prunekit-bench.lock npx tsx bench/val-profile.ts [threads=1] [workers] [postprocessWorkers] [prefetch]
 *   → bench/results/val-profile-t<threads>.json (with workers/postprocess/prefetch in the name when given)
 */
import { Session } from 'node:inspector/promises';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { REPO_ROOT } from '../test/helpers/fixtures-path.js';
import { DATA, MODEL } from './lib/coco128-loop.js';
import { saveResult } from './lib/results.js';

const THREADS = Number(process.argv[2] ?? 1);
const WORKERS = process.argv[3] !== undefined ? Number(process.argv[3]) : undefined;
const POST = process.argv[4] !== undefined ? Number(process.argv[4]) : undefined;
const PREFETCH = process.argv[5] !== undefined ? Number(process.argv[5]) : undefined;
type ValidateModule = typeof import('../src/eval/validate.js');
const { validate, defaultWorkers, defaultPostprocessWorkers } = await import(pathToFileURL(path.join(REPO_ROOT, 'dist', 'eval', 'validate.js')).href) as ValidateModule;

interface Node { id: number; callFrame: { functionName: string; url: string }; children?: number[] }
interface Profile { nodes: Node[]; samples: number[]; timeDeltas: number[] }

/** Category of a profile node by its function and file. */
function category(fn: string, url: string): string {
  if (fn === '(garbage collector)') return 'GC';
  if (fn === '(idle)') return 'idle (waiting for a worker, sharp or a timer)';
  if (fn === '(program)') return 'V8/native outside JS';
  if (/onnxruntime-node/.test(url) && /SessionHandler|constructor|create/i.test(fn)) return 'session creation';
  if (/onnxruntime-node/.test(url) && /^(run|\(anonymous\)|)$/.test(fn)) return 'session.run (inference)';
  if (/onnxruntime-node|onnxruntime-common/.test(url)) return 'onnxruntime JS (tensor wrap, output tensors)';
  if (/runtime\/session/.test(url)) return 'onnxruntime JS (tensor wrap, output tensors)';
  if (/letterbox|resize-linear/.test(url)) return 'letterbox + resize';
  if (/sharp|decode-image/.test(url)) return 'sharp decode';
  if (/eval\/(decode|nms)\/|postprocess\.js/.test(url)) return 'output decode + NMS';
  if (/eval\/(metrics|coco)\//.test(url)) return 'metrics';
  if (/worker-pool|postprocess-queue|prepared-stream|image-stream/.test(url) || fn === 'postMessage') return 'worker messaging';
  if (/files\/|io\/|@bufbuild|graph\/|dataset\/|yaml/.test(url)) return 'model + dataset reading';
  return `other`;
}

async function run(): Promise<number> {
  const r = await validate({ model: MODEL, data: DATA, threads: THREADS, workers: WORKERS, postprocessWorkers: POST, prefetch: PREFETCH });
  return r.metrics!.map5095;
}

await run();
const session = new Session();
session.connect();
await session.post('Profiler.enable');
await session.post('Profiler.setSamplingInterval', { interval: 200 });
await session.post('Profiler.start');
const t0 = performance.now();
const map = await run();
const wallMs = performance.now() - t0;
const { profile } = await session.post('Profiler.stop') as { profile: Profile };
session.disconnect();
if (process.env.BENCH_CPUPROFILE) (await import('node:fs')).writeFileSync(process.env.BENCH_CPUPROFILE, JSON.stringify(profile));

const byId = new Map(profile.nodes.map((n) => [n.id, n]));
const parent = new Map<number, Node>();
for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n);
/** The node's own frame, or for native code without a file (bindings, builtins), the nearest caller's with one. */
const frameOf = (n: Node): Node['callFrame'] => {
  let m: Node | undefined = n;
  while (m && !m.callFrame.url && !m.callFrame.functionName.startsWith('(')) m = parent.get(m.id);
  return m && m !== n ? { functionName: m.callFrame.functionName, url: m.callFrame.url } : n.callFrame;
};
const selfUs = new Map<string, number>();
const byFunction = new Map<string, number>();
for (let i = 0; i < profile.samples.length; i++) {
  const n = byId.get(profile.samples[i]!)!;
  const dt = profile.timeDeltas[i] ?? 0;
  const f = frameOf(n);
  const c = category(n.callFrame.functionName === 'postMessage' ? 'postMessage' : f.functionName, f.url);
  selfUs.set(c, (selfUs.get(c) ?? 0) + dt);
  const key = `${n.callFrame.functionName || '(anonymous)'} ${path.basename(n.callFrame.url)} ← ${f.functionName || '(anonymous)'} ${path.basename(f.url)}`;
  byFunction.set(key, (byFunction.get(key) ?? 0) + dt);
}
const total = [...selfUs.values()].reduce((a, b) => a + b, 0);
const shares = Object.fromEntries([...selfUs].sort((a, b) => b[1] - a[1]).map(([k, us]) => [k, { ms: us / 1000, share: us / total }]));
const top = [...byFunction].sort((a, b) => b[1] - a[1]).slice(0, 25).map(([k, us]) => ({ fn: k, ms: us / 1000 }));
const workers = WORKERS ?? defaultWorkers(THREADS);
const post = POST ?? WORKERS ?? defaultPostprocessWorkers();
console.log(`threads ${THREADS}, workers ${workers}, postprocessWorkers ${post}, prefetch ${PREFETCH ?? 'default'}: wall ${wallMs.toFixed(0)} ms, profiled ${(total / 1000).toFixed(0)} ms, mAP50-95 ${map}`);
for (const [k, v] of Object.entries(shares)) console.log(`  ${(v.share * 100).toFixed(1).padStart(5)} %  ${v.ms.toFixed(0).padStart(6)} ms  ${k}`);
console.log('top functions (self ms):');
for (const t of top.slice(0, 15)) console.log(`  ${t.ms.toFixed(1).padStart(8)}  ${t.fn}`);
const suffix = [WORKERS !== undefined ? `-w${WORKERS}` : '', POST !== undefined ? `-p${POST}` : '', PREFETCH !== undefined ? `-d${PREFETCH}` : ''].join('');
saveResult(`val-profile-t${THREADS}${suffix}`, {
  benchmark: 'val-profile', model: path.basename(MODEL), data: 'coco128', threads: THREADS, workers, postprocessWorkers: post,
  prefetch: PREFETCH ?? null, map5095: map, wallMs, profiledMs: total / 1000, shares, top,
  cpus: os.cpus().length, loadavg: os.loadavg(), date: new Date().toISOString(),
});
