/**
 * Issue 11, LeYOLO-Nano's INT8 speed: the two placement rules of 6 December 2026 (fifth session) against the plan
 * before them, from ONE calibration per model, everything else equal (float prefix, scales, weights):
 *
 * - "before": a Concat joining integer and float inputs stays float, and the detector decode tail's data movement
 *   stays float (the DequantizeLinear sits on each head conv's output);
 * - "after" (the defaults): such a Concat is quantized (its float input gets a Q/DQ pair: LeYOLO-Nano's neck Concat
 *   /model.21 runs as QLinearConcat), and the tail's Concat/Reshape/Split/Transpose fed by integer nodes move uint8
 *   where their inputs share one scale (the DequantizeLinear follows them).
 *
 * Per model: onnxruntime's optimized-graph op counts; the sum of per-node MINIMUM kernel times over interleaved
 * profiled runs (1 thread; robust to other processes: bench/lib/kernel-minimums.ts), per op type; latency of float,
 * before and after with the bench harness (interleaved, idle sessions not spinning) at 1 and 2 threads; for
 * LeYOLONano-640 the held-out mAP. Calibration: percentile 0.9999 on the first 64 sorted coco128 images (yolov13n:
 * random weights, first 16); accuracy on the last 64 (never calibrated on). Float prefix: the first K ranked layers,
 * K = what the float-prefix search chooses with the defaults (LeYOLO-Nano 13, yolov5n_ppe 2; yolov13n 0).
 *
 * Run: `flock /tmp/prunekit-bench.lock npx tsx bench/quantize-tail.ts` (env BENCH_RUNS, default 40 latency rounds;
 * KERNEL_RUNS, default 30; MODELS=leyolo,yolov5n,yolov13n) → bench/results/quantize-tail.json.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { benchmarkModels } from '../src/bench/index.js';
import { openCalibrationImages, validate } from '../src/eval/index.js';
import { loadOnnx } from '../src/files/onnx-file.js';
import { indexGraph } from '../src/graph/onnx-graph.js';
import { serializeOnnx } from '../src/io/onnx/index.js';
import { buildQuantized, calibrateRanges, countFusedConvs, planQuantization, rankedLayers, upgradeToOpset13, type QuantPlan } from '../src/quantize/index.js';
import { FIXTURES } from '../test/helpers/fixtures.js';
import { coco128Lists } from './lib/coco128-lists.js';
import { kernelMinimums } from './lib/kernel-minimums.js';
import { saveResult } from './lib/results.js';

const runs = Number(process.env.BENCH_RUNS ?? 40);
const kernelRuns = Number(process.env.KERNEL_RUNS ?? 30);
const MODELS: Record<string, { file: string; prefix: number; images: number; labelled: boolean }> = {
  leyolo: { file: 'LeYOLONano-640.onnx', prefix: 13, images: 64, labelled: true },
  yolov5n: { file: 'yolov5n_ppe-640.onnx', prefix: 2, images: 64, labelled: false },
  yolov13n: { file: 'yolov13n-random.onnx', prefix: 0, images: 16, labelled: false },
};
const chosen = (process.env.MODELS ?? 'leyolo,yolov5n,yolov13n').split(',');
const tmp = await mkdtemp(path.join(os.tmpdir(), 'prunekit-bench-qtail-'));
const { all, list } = await coco128Lists(tmp);
const calibYaml = await list('calib', all.slice(0, 64));
const heldout = await list('heldout', all.slice(-64));

/** The plan without this session's two rules: no Concat with a float input, nothing of the decode tail. */
function before(plan: QuantPlan, g: ReturnType<typeof indexGraph>): QuantPlan {
  const joined = (i: number) => g.nodes[i]!.opType === 'Concat' && g.nodes[i]!.input.some((v) => { const p = g.producer.get(v); return p === undefined || !plan.quantized.has(p); });
  const quantized = new Set([...plan.quantized].filter((i) => !plan.tail.has(i) && !joined(i)));
  const tensors = plan.tensors.filter((t) => { const p = g.producer.get(t); return p === undefined || quantized.has(p) || (g.consumers.get(t) ?? []).some((c) => quantized.has(c)); });
  return { ...plan, quantized, tensors };
}

const OPS = ['com.microsoft:QLinearConv', 'com.microsoft:QLinearConcat', 'Concat', 'Transpose', 'DequantizeLinear', 'QuantizeLinear', 'Split', 'Resize'];
const out: Record<string, unknown> = {};
for (const name of chosen) {
  const spec = MODELS[name]!;
  const model = path.join(FIXTURES, 'models', spec.file);
  const m13 = upgradeToOpset13(await loadOnnx(model));
  const g = indexGraph(m13);
  const allPlan = planQuantization(m13, {}, g);
  const source = await openCalibrationImages(calibYaml, { images: spec.images, imgsz: 640, inputName: m13.proto.graph!.input[0]!.name });
  const cal = await calibrateRanges(m13, allPlan.tensors, source, { threads: 1 });
  const floatSet = new Set(rankedLayers(allPlan).sort((a, b) => a - b).slice(0, spec.prefix));
  const after = planQuantization(m13, { keepFloat: (i) => (floatSet.has(i.index) ? 'float prefix' : undefined) }, g);
  const variants = { before: before(after, g), after };
  const files = [{ path: model, label: 'float' }];
  const row: Record<string, unknown> = { prefix: spec.prefix, calibrationImages: cal.images };
  for (const [label, plan] of Object.entries(variants)) {
    // "before" gets no ranges for the tail tensors (its calibration did not reduce them), so each head output keeps
    // its own scale; "after" gets them all, and the tail Concats join the head outputs into one scale group.
    const ranges = label === 'before' ? new Map([...cal.ranges].filter(([t]) => { const p = g.producer.get(t); return p === undefined || !after.tail.has(p); })) : cal.ranges;
    const bytes = serializeOnnx(buildQuantized(m13, plan, ranges, {}, g).model);
    const f = path.join(tmp, `${name}.${label}.onnx`);
    await writeFile(f, bytes);
    files.push({ path: f, label });
    const fusion = await countFusedConvs(bytes, 0, 1);
    const ops = Object.fromEntries(OPS.map((o) => [o, fusion.ops[o] ?? 0]));
    const v: Record<string, unknown> = { bytes: bytes.length, integerConvs: fusion.integerConvs, ops };
    if (spec.labelled) {
      const m = (await validate({ model: f, data: heldout, threads: 2 })).metrics!;
      v.heldout = { map50: m.map50, map5095: m.map5095 };
    }
    row[label] = v;
    console.log(`${name} ${label}: ${JSON.stringify(v)}`);
  }
  if (spec.labelled) {
    const m = (await validate({ model, data: heldout, threads: 2 })).metrics!;
    row.floatHeldout = { map50: m.map50, map5095: m.map5095 };
  }
  const k = await kernelMinimums(files.map((f) => f.path), kernelRuns, 1);
  row.kernelMinimums = Object.fromEntries(files.map((f, i) => [f.label, k[i]]));
  console.log(`${name} kernel minimums, 1 thread (sum ms): ${files.map((f, i) => `${f.label} ${k[i]!.sumMs.toFixed(2)}`).join(', ')}; float/after ${(k[0]!.sumMs / k[2]!.sumMs).toFixed(3)}×, float/before ${(k[0]!.sumMs / k[1]!.sumMs).toFixed(3)}×`);
  const latency: Record<string, unknown> = {};
  for (const threads of [1, 2]) {
    const r = await benchmarkModels(files, { threads, runs, warmup: 10 });
    latency[`threads${threads}`] = r.comparisons.map((c, i) => ({ label: c.candidate, ratio: c.ratio, ci95: [c.ciLow, c.ciHigh], medianMs: r.models[i + 1]!.latency.medianMs, floatMedianMs: r.models[0]!.latency.medianMs }));
    console.log(`  ${threads} thread(s): ${r.comparisons.map((c) => `${c.candidate} ${c.ratio.toFixed(2)}× (95% CI ${c.ciLow.toFixed(2)}–${c.ciHigh.toFixed(2)})`).join('; ')}`);
  }
  row.latency = latency;
  out[name] = row;
}
saveResult('quantize-tail', { date: new Date().toISOString(), load: os.loadavg(), runs, kernelRuns, models: out });
await rm(tmp, { recursive: true, force: true });
