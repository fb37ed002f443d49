/**
 * What static INT8 buys on this machine (issue 11, closing benchmark). Seven parts (BENCH_PART=latency|boundary|kinds|
 * profile|time|time-minmax|structured, default all), each printed and written to bench/results/quantize[-PART].json:
 *
 * - latency: yolov5n_ppe-640 and LeYOLONano-640, float against `prunekit quantize` defaults (placement auto,
 *   measured at 1 thread), interleaved (prunekit's bench harness, idle sessions not spinning) at 1 and 2 threads.
 * - kinds: the gain of each placement option, from ONE calibration reused for every variant: every layer integer,
 *   stem float (the `auto` candidates), only the 1×1 / 3×3 / depthwise / stem convs integer (everything else float),
 *   every conv integer with the SiLU (Sigmoid, Mul) float between them instead of QLinearSigmoid + QLinearMul, and
 *   every layer integer with each SiLU as one onnxruntime QuickGelu between a single DQ/Q pair (`--silu quickgelu`).
 *   All variants and the float model in one interleaved run per thread count.
 * - time: `quantizeModelFile` with 64 MinMax calibration images, `--placement all --no-float-prefix` (the issue's
 *   figure; bias correction is off by default) and its calibration pass alone; then with the float-prefix search
 *   and bias correction; then the CLI defaults (percentile, placement auto); against 64 plain inferences of the
 *   float model on the same images (decode + letterbox + run, 1 thread). Budget: quantize ≤ plain + 3 s.
 * - time-minmax: only the issue's figure of `time` (64 plain inferences against quantize, 64 MinMax images,
 *   placement all, no float-prefix search), with the calibration pass and the build + checks split out.
 * - profile: onnxruntime's per-op kernel time (tools/ort-profile.ts, 1 thread, BENCH_RUNS runs) of the float model and
 *   its INT8 model (defaults, placement all): where the time goes.
 * - boundary: LeYOLONano-640 from one calibration with the first k ranked layers float, k = 14 (the float-prefix
 *   search's choice before the boundary rule: it ends on /model.5's last conv, the source of /model.6's residual
 *   Add, so that QLinearAdd and the chain after it stay NCHW), 13 (the rule's choice) and 12: optimized-graph op
 *   counts, output SQNR on 4 calibration images, held-out mAP, latency at 1 and 2 threads.
 * - structured: LeYOLONano-640 structured-pruned to −10% MACs (global, calibrated) then INT8, against the float
 *   original: latency ratio (1 and 2 threads) and mAP.
 *
 * Images: calibration (pruning and INT8) on the first 64 coco128 images in sorted order; accuracy on the last 64
 * (never calibrated on). Run: `flock /tmp/prunekit-bench.lock npx tsx bench/quantize.ts` (env BENCH_RUNS, default 40
 * rounds; BENCH_PART).
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { benchmarkModels, type BenchResult } from '../src/bench/index.js';
import { openCalibrationImages, validate } from '../src/eval/index.js';
import { indexGraph } from '../src/graph/onnx-graph.js';
import { serializeOnnx } from '../src/io/onnx/index.js';
import { loadOnnx } from '../src/files/onnx-file.js';
import { pruneChannelsFile } from '../src/files/structured-prune-file.js';
import { buildQuantized, bytesSqnr, calibrateRanges, countFusedConvs, planQuantization, rankedLayers, referenceOutputs, upgradeToOpset13, type LayerKind, type NodeInfo } from '../src/quantize/index.js';
import { quantizeModelFile, type LatencyProbe } from '../src/files/quantize-file.js';
import { createSession } from '../src/runtime/index.js';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { FIXTURES } from '../test/helpers/fixtures.js';
import { coco128Lists } from './lib/coco128-lists.js';
import { saveResult } from './lib/results.js';

const runs = Number(process.env.BENCH_RUNS ?? 40);
const part = process.env.BENCH_PART ?? 'all';
const THREADS = [1, 2];
const MODELS = { yolov5n: path.join(FIXTURES, 'models', 'yolov5n_ppe-640.onnx'), leyolo: path.join(FIXTURES, 'models', 'LeYOLONano-640.onnx') };
const run = promisify(execFile);
const tmp = await mkdtemp(path.join(os.tmpdir(), 'prunekit-bench-quantize-'));

// First 64 sorted coco128 images calibrate; the last 64 validate (a list of paths through a folder-less yaml).
const { all, list } = await coco128Lists(tmp);
const calibYaml = await list('calib', all.slice(0, 64));
const heldout = await list('heldout', all.slice(-64));
const calib = () => openCalibrationImages(calibYaml, { images: 64, imgsz: 640, inputName: 'images' });

const ratioText = (c: BenchResult['comparisons'][number]) => `${c.ratio.toFixed(2)}× (95% CI ${c.ciLow.toFixed(2)}–${c.ciHigh.toFixed(2)})`;

/** The placement probe of `prunekit quantize` (bench harness, interleaved against float) at `threads`. */
function probe(floatPath: string, threads: number): LatencyProbe {
  return async (candidates) => {
    const files = await Promise.all(candidates.map(async (c, i) => { const f = path.join(tmp, `probe${i}.onnx`); await writeFile(f, c.bytes); return f; }));
    const r = await benchmarkModels([{ path: floatPath, label: 'float' }, ...files.map((f, i) => ({ path: f, label: candidates[i]!.label }))], { threads, runs: 30, warmup: 3 });
    return r.comparisons.map((c) => c.ratio);
  };
}

/** Interleaved latency of `files` against the first, at 1 and 2 threads. */
async function latency(files: Array<{ path: string; label: string }>) {
  const out: Record<string, Array<{ label: string; ratio: number; ci95: [number, number]; verdict: string; medianMs: number }>> = {};
  for (const threads of THREADS) {
    const r = await benchmarkModels(files, { threads, runs, warmup: 10 });
    out[`threads${threads}`] = r.comparisons.map((c, i) => ({ label: c.candidate, ratio: c.ratio, ci95: [c.ciLow, c.ciHigh], verdict: c.verdict, medianMs: r.models[i + 1]!.latency.medianMs }));
    console.log(`  ${threads} thread(s), float ${r.models[0]!.latency.medianMs.toFixed(1)} ms: ${r.comparisons.map((c) => `${c.candidate} ${ratioText(c)}`).join('; ')}`);
  }
  return out;
}

async function partLatency() {
  const rows: Record<string, unknown> = {};
  for (const [name, model] of Object.entries(MODELS)) {
    const out = path.join(tmp, `${name}.int8.onnx`);
    const q = await quantizeModelFile(model, out, await calib(), { placement: 'auto', measure: probe(model, 1), allowSlower: true, threads: 1, force: true });
    console.log(`${name}: INT8 (${q.placement.chosen}; fused ${q.verify.fusion.integerConvs}/${q.verify.fusion.quantizedConvs}), file ${q.input.bytes} → ${q.output.bytes} B`);
    rows[name] = { placement: q.placement, fusion: { integer: q.verify.fusion.integerConvs, quantized: q.verify.fusion.quantizedConvs }, bytes: { float: q.input.bytes, int8: q.output.bytes }, latency: await latency([{ path: model, label: 'float' }, { path: out, label: 'INT8' }]) };
  }
  return rows;
}

const CONV_KINDS: readonly LayerKind[] = ['conv1x1', 'conv3x3', 'depthwise', 'stem'];
const FOLLOWERS = new Set<LayerKind>(['silu', 'sigmoid']);

async function partKinds() {
  const rows: Record<string, unknown> = {};
  for (const [name, model] of Object.entries(MODELS)) {
    const m13 = upgradeToOpset13(await loadOnnx(model));
    const g = indexGraph(m13);
    const variants: Array<{ label: string; keepFloat: (i: NodeInfo) => string | undefined; silu?: 'quickgelu' }> = [
      { label: 'all layers integer', keepFloat: () => undefined },
      { label: 'stem float', keepFloat: (i) => (i.kind === 'stem' ? 'bench' : undefined) },
      ...CONV_KINDS.map((k) => ({ label: `only ${k} integer`, keepFloat: (i: NodeInfo) => (i.kind !== undefined && i.kind !== k && !FOLLOWERS.has(i.kind) ? 'bench' : undefined) })),
      { label: 'convs integer, SiLU float', keepFloat: (i: NodeInfo) => (i.kind !== undefined && FOLLOWERS.has(i.kind) ? 'bench' : undefined) },
      { label: 'all layers integer, SiLU = one QuickGelu between a DQ/Q pair', keepFloat: () => undefined, silu: 'quickgelu' },
    ];
    const plans = variants.map((v) => planQuantization(m13, { keepFloat: v.keepFloat }, g));
    const t0 = performance.now();
    const cal = await calibrateRanges(m13, [...new Set(plans.flatMap((p) => p.tensors))], await calib(), { threads: 1 });
    const calSeconds = (performance.now() - t0) / 1000;
    const counts: Record<string, number> = {};
    for (const k of plans[0]!.kinds.values()) counts[k] = (counts[k] ?? 0) + 1;
    console.log(`${name}: one calibration (${cal.images} images, ${calSeconds.toFixed(1)} s) for ${variants.length} variants; layers per kind ${JSON.stringify(counts)}`);
    const files = [{ path: model, label: 'float' }];
    for (const [i, v] of variants.entries()) {
      const f = path.join(tmp, `${name}.v${i}.onnx`);
      const bytes = serializeOnnx(buildQuantized(m13, plans[i]!, cal.ranges, { silu: v.silu }, g).model);
      await writeFile(f, bytes);
      files.push({ path: f, label: v.label });
      // What onnxruntime made of it: "SiLU float" stays DequantizeLinear → Sigmoid, Mul → QuantizeLinear (onnxruntime
      // does not fuse it into QuickGelu there); "one QuickGelu" is the option written as such (--silu quickgelu).
      const ops = (await countFusedConvs(bytes, 0, 1)).ops;
      ops.QuickGelu = ops['com.microsoft:QuickGelu'] ?? 0;
      console.log(`  ${v.label}: optimized graph ${['com.microsoft:QLinearConv', 'QuickGelu', 'com.microsoft:QLinearSigmoid', 'com.microsoft:QLinearMul', 'DequantizeLinear', 'QuantizeLinear', 'Transpose'].map((k) => `${k.replace('com.microsoft:', '')} ${ops[k] ?? 0}`).join(', ')}`);
    }
    rows[name] = { layersPerKind: counts, calibrationSeconds: calSeconds, latency: await latency(files) };
  }
  return rows;
}

/** onnxruntime's own per-op kernel time (tools/ort-profile.ts, 1 thread) of float and INT8 (defaults, placement all). */
async function partProfile() {
  const rows: Record<string, unknown> = {};
  for (const [name, model] of Object.entries(MODELS)) {
    const out = path.join(tmp, `${name}.profile.onnx`);
    const q = await quantizeModelFile(model, out, await calib(), { placement: 'all', threads: 1, force: true });
    rows[name] = { floatPrefix: q.floatPrefix.layers.length };
    for (const [label, f] of [['float', model], ['INT8', out]] as const) {
      const { stdout } = await run('npx', ['tsx', path.join('tools', 'ort-profile.ts'), f, '--threads', '1', '--runs', String(runs), '--top', '12']);
      console.log(`${name} ${label}${label === 'INT8' ? ` (float prefix ${q.floatPrefix.layers.length} layers)` : ''}:\n${stdout.trim()}`);
      (rows[name] as Record<string, unknown>)[label] = stdout.trim().split('\n');
    }
  }
  return rows;
}

/** 64 plain inferences of `model` on the calibration images (decode + letterbox + run, 1 thread). */
async function plainInferences(model: string): Promise<{ images: number; seconds: number }> {
  const source = await calib();
  const s = await createSession(model, { threads: 1 });
  const t0 = performance.now();
  let images = 0;
  for await (const feeds of source.feeds()) { await s.run(feeds); images++; }
  const seconds = (performance.now() - t0) / 1000;
  await s.release();
  return { images, seconds };
}

/**
 * The issue's figure: 64 plain inferences, then quantize with MinMax, 64 images, nothing optional (no float-prefix
 * probes, no bias correction, no placement measurement): calibration + build + the load/SQNR/fusion checks.
 */
async function minmaxTime(name: string, model: string) {
  const { images: n, seconds: plainSeconds } = await plainInferences(model);
  const out = path.join(tmp, `${name}.time.onnx`);
  const q = await quantizeModelFile(model, out, await calib(), { method: 'minmax', placement: 'all', floatPrefix: false, threads: 1, force: true });
  return { n, plainSeconds, out, q };
}

async function partTime() {
  const rows: Record<string, unknown> = {};
  for (const [name, model] of Object.entries(MODELS)) {
    const { n, plainSeconds, out, q: plain } = await minmaxTime(name, model);
    const defaults = await quantizeModelFile(model, out, await calib(), { method: 'minmax', placement: 'all', biasCorrection: {}, threads: 1, force: true });
    const auto = await quantizeModelFile(model, out, await calib(), { placement: 'auto', measure: probe(model, 1), allowSlower: true, threads: 1, force: true });
    const row = {
      images: n, plainInferenceSeconds: plainSeconds, budgetSeconds: plainSeconds + 3,
      minmaxSeconds: plain.seconds.total, calibrationSeconds: plain.calibration.seconds, withinBudget: plain.seconds.total <= plainSeconds + 3,
      minmaxWithPrefixAndBiasCorrectionSeconds: defaults.seconds.total, biasCorrectionSeconds: defaults.biasCorrection.seconds,
      cliDefaultsSeconds: auto.seconds.total,
    };
    console.log(`${name}: ${n} plain inferences ${plainSeconds.toFixed(1)} s (budget ${row.budgetSeconds.toFixed(1)} s); quantize MinMax (placement all, no prefix search, no bias correction) ${row.minmaxSeconds.toFixed(1)} s of which calibration ${row.calibrationSeconds.toFixed(1)} s → ${row.withinBudget ? 'within' : 'OVER'} budget`);
    console.log(`  + float-prefix search and bias correction ${row.minmaxWithPrefixAndBiasCorrectionSeconds.toFixed(1)} s (bias correction ${row.biasCorrectionSeconds.toFixed(1)} s); CLI defaults (percentile, placement auto) ${row.cliDefaultsSeconds.toFixed(1)} s`);
    rows[name] = row;
  }
  return rows;
}

/** `BENCH_PART=time-minmax`: only the issue's figure of `time` (64 plain inferences against quantize with 64 MinMax images). */
async function partTimeMinmax() {
  const rows: Record<string, unknown> = {};
  for (const [name, model] of Object.entries(MODELS)) {
    const { n, plainSeconds, q } = await minmaxTime(name, model);
    const row = {
      images: n, plainInferenceSeconds: plainSeconds, budgetSeconds: plainSeconds + 3, minmaxSeconds: q.seconds.total,
      calibrationSeconds: q.calibration.seconds, restSeconds: q.seconds.total - q.calibration.seconds, withinBudget: q.seconds.total <= plainSeconds + 3,
    };
    console.log(`${name}: ${n} plain inferences ${plainSeconds.toFixed(1)} s (budget ${row.budgetSeconds.toFixed(1)} s); quantize MinMax (placement all, no prefix search) ${row.minmaxSeconds.toFixed(1)} s = calibration ${row.calibrationSeconds.toFixed(1)} s + build/checks ${row.restSeconds.toFixed(1)} s → ${row.withinBudget ? 'within' : 'OVER'} budget`);
    rows[name] = row;
  }
  return rows;
}

async function partStructured() {
  const model = MODELS.leyolo;
  const pruned = path.join(tmp, 'leyolo.s10.onnx'), q = path.join(tmp, 'leyolo.s10.int8.onnx');
  const p = await pruneChannelsFile(model, pruned, { target: 0.1, targetKind: 'macs', scope: 'global', roundTo: 16, force: true, threads: 1, calibration: await calib() });
  const r = await quantizeModelFile(pruned, q, await calib(), { placement: 'auto', measure: probe(pruned, 1), allowSlower: true, threads: 1, force: true });
  const acc: Record<string, { map50: number; map5095: number }> = {};
  for (const [label, f] of [['float original', model], ['structured −10% MACs', pruned], ['structured + INT8', q]] as const) {
    const v = (await validate({ model: f, data: heldout, threads: 2 })).metrics!;
    acc[label] = { map50: v.map50, map5095: v.map5095 };
    console.log(`  ${label}: mAP50 ${v.map50.toFixed(4)}, mAP50-95 ${v.map5095.toFixed(4)} (last 64 coco128 images)`);
  }
  console.log(`LeYOLONano-640: MACs ${p.report.macs.before} → ${p.report.macs.after}; INT8 placement ${r.placement.chosen}`);
  const lat = await latency([{ path: model, label: 'float original' }, { path: pruned, label: 'structured −10% MACs' }, { path: q, label: 'structured + INT8' }]);
  return { macs: p.report.macs, placement: r.placement, accuracyLast64: acc, latency: lat };
}

/** `BENCH_PART=boundary`: where the float prefix of LeYOLO-Nano ends (see the header). */
async function partBoundary() {
  const model = MODELS.leyolo;
  const m13 = upgradeToOpset13(await loadOnnx(model));
  const g = indexGraph(m13);
  const all = planQuantization(m13, {}, g);
  const ranked = rankedLayers(all).sort((a, b) => a - b);
  const cal = await calibrateRanges(m13, all.tensors, await calib(), { threads: 1 });
  const feeds = [];
  for await (const f of (await calib()).feeds()) { feeds.push(f); if (feeds.length === 4) break; }
  const ref = await referenceOutputs(m13, feeds, 1);
  const files = [{ path: model, label: 'float' }];
  const rows: Record<string, unknown> = {};
  for (const k of [14, 13, 12]) {
    const floatSet = new Set(ranked.slice(0, k));
    const label = `first ${k} layers float (through ${g.nodes[ranked[k - 1]!]!.name})`;
    const bytes = serializeOnnx(buildQuantized(m13, planQuantization(m13, { keepFloat: (i) => (floatSet.has(i.index) ? 'bench' : undefined) }, g), cal.ranges, {}, g).model);
    const f = path.join(tmp, `leyolo.prefix${k}.onnx`);
    await writeFile(f, bytes);
    files.push({ path: f, label });
    const ops = (await countFusedConvs(bytes, 0, 1)).ops;
    const sqnrDb = await bytesSqnr(bytes, feeds, ref, 1);
    const v = (await validate({ model: f, data: heldout, threads: 2 })).metrics!;
    rows[label] = { sqnrDb, bytes: bytes.length, map50: v.map50, map5095: v.map5095, ops: Object.fromEntries(['com.microsoft:QLinearConv', 'com.microsoft:QLinearAdd', 'Transpose', 'com.microsoft.nchwc:Conv'].map((o) => [o, ops[o] ?? 0])) };
    console.log(`  ${label}: SQNR ${sqnrDb.toFixed(2)} dB, ${bytes.length} B, held-out mAP50 ${v.map50.toFixed(4)} mAP50-95 ${v.map5095.toFixed(4)}; optimized graph QLinearConv ${ops['com.microsoft:QLinearConv'] ?? 0}, Transpose ${ops.Transpose ?? 0}, float Conv ${ops['com.microsoft.nchwc:Conv'] ?? 0}`);
  }
  return { variants: rows, latency: await latency(files) };
}

const parts: Record<string, () => Promise<unknown>> = { latency: partLatency, boundary: partBoundary, kinds: partKinds, profile: partProfile, time: partTime, 'time-minmax': partTimeMinmax, structured: partStructured };
const result: Record<string, unknown> = { runs, calibration: 'first 64 sorted coco128 images', accuracy: 'last 64 sorted coco128 images' };
try {
  for (const [k, fn] of Object.entries(parts)) {
    if (part !== 'all' && part !== k) continue;
    console.log(`== ${k}`);
    result[k] = await fn();
  }
  saveResult(part === 'all' ? 'quantize' : `quantize-${part}`, result);
} finally {
  await rm(tmp, { recursive: true, force: true });
}
