/**
 * ONNX read + write throughput on the largest fixture (28 MB TokenC3 model), in one process, after a warm-up:
 * - read: `loadOnnx` (file read + protobuf parse; both also timed alone)
 * - write unmodified: `saveOnnx` (the source bytes, atomically)
 * - value edit: zero half of every weight tensor with `withTensorValues`, then `saveOnnx` (byte patches over the
 *   source: the path prune uses)
 * - full re-encode: the same edit written through a protobuf re-encode (`withProto`, the structural-edit path)
 * Throughput = model bytes / (read + write) median time. Target ≥ 200 MB/s.
 *
 * Usage: npx tsx bench/onnx-roundtrip.ts [MODEL.onnx] [--runs N]   → bench/results/onnx-roundtrip.json
 */
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Tensor } from '../src/core/dtype.js';
import { listLayers } from '../src/graph/index.js';
import { getTensor, parseOnnx, withProto, withTensorValues, type OnnxModel } from '../src/io/onnx/index.js';
import { loadOnnx, readInputFile, saveOnnx } from '../src/files/onnx-file.js';
import { saveResult } from './lib/results.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const args = process.argv.slice(2);
const runsAt = args.indexOf('--runs');
const runs = runsAt >= 0 ? Number(args[runsAt + 1]) : 15;
const model = args.find((a, i) => !a.startsWith('--') && i !== runsAt + 1)
  ?? path.resolve(here, '..', '..', 'shared', 'fixtures', 'models', 'yolov13n-tokenc3-lsnet-random.onnx');

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

/** CPU time (user + system, all threads) of each run, ms: on a busy machine wall time mostly measures waiting. */
const cpuMsPerRun: Record<string, number[]> = {};

async function timeMs(fn: () => Promise<unknown>, name = String(Object.keys(cpuMsPerRun).length)): Promise<number[]> {
  for (let i = 0; i < 2; i++) await fn();
  const out: number[] = [];
  const cpu: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t = performance.now();
    const c = process.cpuUsage();
    await fn();
    const d = process.cpuUsage(c);
    out.push(performance.now() - t);
    cpu.push((d.user + d.system) / 1000);
  }
  cpuMsPerRun[name] = cpu;
  return out;
}

function halfZeroed(m: OnnxModel): Map<string, Tensor> {
  const updates = new Map<string, Tensor>();
  for (const layer of listLayers(m, undefined, { macs: false })) {
    const t = getTensor(m, layer.id);
    if (t.dtype !== 'float32') continue;
    const data = new Float32Array(t.data as Float32Array);
    for (let i = 0; i < data.length; i += 2) data[i] = 0;
    updates.set(layer.id, { dtype: 'float32', dims: t.dims, data });
  }
  return updates;
}

async function main(): Promise<void> {
  const bytes = statSync(model).size;
  const tmp = mkdtempSync(path.join(os.tmpdir(), 'prunekit-bench-roundtrip-'));
  const out = path.join(tmp, 'out.onnx');
  const m = await loadOnnx(model);
  const edits = halfZeroed(m);
  const edited = withTensorValues(m, edits);
  const reencode = withProto(edited, edited.proto);
  const read = await timeMs(() => loadOnnx(model), 'read');
  const fileRead = await timeMs(() => readInputFile(model), 'readFileOnly');
  const source = await readInputFile(model);
  const parse = await timeMs(async () => parseOnnx(source, { path: model }), 'parseOnly');
  const writeSame = await timeMs(() => saveOnnx(m, out, { force: true }), 'writeUnmodified');
  const editApply = await timeMs(async () => withTensorValues(m, edits), 'applyValueEdits');
  const writePatched = await timeMs(() => saveOnnx(edited, out, { force: true }), 'writePatched');
  const writeReencoded = await timeMs(() => saveOnnx(reencode, out, { force: true }), 'writeFullReencode');
  rmSync(tmp, { recursive: true, force: true });
  const mbps = (ms: number) => bytes / 1e6 / (ms / 1000);
  const r = median(read);
  const result = {
    model, bytes, runs, cpus: os.cpus().length, loadAvgAtEnd: os.loadavg(), editedTensors: edits.size,
    medianMs: { read: r, readFileOnly: median(fileRead), parseOnly: median(parse), writeUnmodified: median(writeSame), applyValueEdits: median(editApply), writePatched: median(writePatched), writeFullReencode: median(writeReencoded) },
    throughputMBps: {
      roundTripUnmodified: mbps(r + median(writeSame)),
      roundTripValueEditPatched: mbps(r + median(editApply) + median(writePatched)),
      roundTripValueEditFullReencode: mbps(r + median(editApply) + median(writeReencoded)),
    },
    medianCpuMs: Object.fromEntries(Object.entries(cpuMsPerRun).map(([k, v]) => [k, median(v)])),
    throughputFromCpuTimeMBps: {
      roundTripUnmodified: mbps(median(cpuMsPerRun.read!) + median(cpuMsPerRun.writeUnmodified!)),
      roundTripValueEditPatched: mbps(median(cpuMsPerRun.read!) + median(cpuMsPerRun.applyValueEdits!) + median(cpuMsPerRun.writePatched!)),
      roundTripValueEditFullReencode: mbps(median(cpuMsPerRun.read!) + median(cpuMsPerRun.applyValueEdits!) + median(cpuMsPerRun.writeFullReencode!)),
    },
    target: { MBps: 200 },
  };
  saveResult('onnx-roundtrip', result, { print: true });
}

await main();
