/**
 * The page's Web Worker: every model operation runs here, with the same library code as the CLI, so the page
 * never freezes; the page cancels by terminating this worker. Holds the dropped model, the compressed one and
 * the last validation/bench for the report.
 */
import { DatasetError, errorMessage, FileError, ModelFormatError, UnsupportedOpError, UsageError } from '../../src/core/errors.js';
import { benchmarkSources } from '../../src/bench/measure.js';
import type { BenchResult } from '../../src/bench/benchmark.js';
import type { DetectionMetrics } from '../../src/eval/contract.js';
import { modelInfoOf } from '../../src/eval/model-info.js';
import { runValidation, inThreadPostprocess, type ValidationResult } from '../../src/eval/validate-run.js';
import { openDecoderStream } from '../../src/eval/preprocess/image-stream.js';
import { listLayers } from '../../src/graph/inventory.js';
import { indexGraph } from '../../src/graph/onnx-graph.js';
import { inspectOnnx } from '../../src/graph/summary.js';
import { parseOnnx, serializeOnnx, type OnnxModel } from '../../src/io/onnx/model.js';
import { quantizeStatic } from '../../src/quantize/static.js';
import { planPrune } from '../../src/prune/prune.js';
import { getPreset } from '../../src/prune/presets.js';
import { pruneOnnxBytes } from '../../src/prune/prune-stream.js';
import { pruneChannelsModel } from '../../src/prune/structured/prune-model.js';
import { accuracySection, assembleReport, latencySection } from '../../src/report/assemble.js';
import { renderHtml } from '../../src/report/html.js';
import { differsOnlyByZeros, sizeOf, sparsityLayers } from '../../src/report/model-diff.js';
import { useRuntimeBackend } from '../../src/runtime/backend.js';
import { browserDataset } from './dataset.js';
import { decodeDropped } from './edges/decode-image.js';
import { configureOrtWeb, defaultBackend } from './edges/ort-web.js';
import { calibrationFromImages } from './calibration.js';
import { isWeightsName, summarizeWeights, weightsClassNames } from './weights.js';
import { checkpointRows, pruneHeldWeights, twinWarnings, type HeldWeights } from './checkpoint-job.js';
import type { BenchSummary, LayerRow, ModelView, PruneSummary, Reply, Request, TwinSlot, ValMetrics, ValSummary } from './protocol.js';

interface Held { name: string; bytes: Uint8Array; model: OnnxModel }
/** The ONNX model (dropped, or the checkpoint's ONNX twin) and the compressed one (or the compressed checkpoint's twin). */
let base: Held | undefined;
let candidate: Held | undefined;
/** A dropped checkpoint, and the zero weights of its layers after the last prune (to check the compressed twin). */
let weights: HeldWeights | undefined;
let weightsZeroed: number | undefined;
let validation: { dataset: string; base: ValidationResult; candidate: ValidationResult | null } | undefined;
let bench: BenchResult | undefined;
let threads = 1;

const post = (r: Reply, transfer: Transferable[] = []): void => (self as unknown as Worker).postMessage(r, transfer);

function view(name: string, bytes: number, model: OnnxModel): ModelView {
  const report = inspectOnnx(model, { fileBytes: bytes });
  const g = indexGraph(model);
  const plan = planPrune(model, listLayers(model, g), g, { preset: getPreset('yolov8') });
  const byId = new Map(plan.entries.map((e) => [e.layer.id, e]));
  const rows: LayerRow[] = report.layers.map((l) => {
    const e = byId.get(l.id);
    return {
      modulePath: l.modulePath, classChain: e ? e.classChain.join(' > ') : '', category: e?.category ?? '', opType: l.opType,
      dims: l.dims, params: l.params, nonZero: l.nonZero, macs: l.macs,
    };
  });
  return { name, bytes, report, rows };
}

function load(name: string, bytes: Uint8Array): Held {
  return { name, bytes, model: parseOnnx(bytes, { path: name }) };
}

async function inspect(id: number, name: string, file: File): Promise<void> {
  base = undefined; candidate = undefined; validation = undefined; bench = undefined; weights = undefined; weightsZeroed = undefined;
  const bytes = new Uint8Array(await file.arrayBuffer());
  if (isWeightsName(name)) {
    const summary = summarizeWeights(name, bytes);
    weights = { name, bytes, names: weightsClassNames(summary) };
    post({ id, kind: 'weights', summary });
    return;
  }
  base = load(name, bytes);
  post({ id, kind: 'inspected', view: view(name, bytes.length, base.model) });
}

const stem = (name: string) => name.replace(/\.onnx$/i, '');
const SUFFIX = { unstructured: 'pruned', structured: 'pruned', int8: 'int8' } as const;

/** The ONNX twin of the dropped checkpoint (or of its compressed version), checked against the checkpoint. */
async function twin(id: number, slot: TwinSlot, name: string, file: File): Promise<void> {
  if (!weights) throw new UsageError('drop the checkpoint (.pt/.safetensors) first; an .onnx model goes into the model panel');
  if (!/\.onnx$/i.test(name)) throw new UsageError(`${name}: the twin is the ONNX export of the checkpoint (an .onnx file)`);
  const held = load(name, new Uint8Array(await file.arrayBuffer()));
  if (slot === 'base') base = held; else candidate = held;
  validation = undefined; bench = undefined;
  const v = view(name, held.bytes.length, held.model);
  const warnings = twinWarnings(weights, { name, names: modelInfoOf(held.model, name).names, report: v.report }, slot === 'candidate' ? weightsZeroed : undefined);
  post({ id, kind: 'twin', slot, view: v, warnings });
}

const progressOf = (id: number, stage: string) => (p: { done: number; total: number }) => post({ id, kind: 'progress', stage, done: p.done, total: p.total });

/** Zero weights of the dropped checkpoint (`prunekit prune best.pt -o …`); its compressed twin, if any, is dropped. */
function pruneWeightsJob(id: number, w: HeldWeights, s: Extract<Request, { kind: 'prune' }>['settings']): void {
  const t0 = performance.now();
  const preset = getPreset(s.preset);
  const r = pruneHeldWeights(w, { mode: s.mode, preset, target: s.target }, progressOf(id, 'prune'));
  weightsZeroed = r.result.layers.reduce((n, l) => n + l.zerosAfter, 0);
  candidate = undefined; validation = undefined; bench = undefined;
  const t = r.result.totals;
  const summary: PruneSummary = {
    name: r.name, bytes: r.bytes.length, seconds: (performance.now() - t0) / 1000,
    policy: `preset ${preset.name}${s.target !== undefined ? `, target ${s.target}` : ''}`,
    params: { before: t.nonZeroBefore, after: t.nonZeroAfter }, macs: null,
    sparsity: { before: t.sparsityPrunableBefore, after: t.sparsityPrunable },
    json: { ...r.result, modelNote: r.modelNote }, afterRows: checkpointRows(r.result), checkpointNote: r.modelNote,
  };
  post({ id, kind: 'pruned', summary, model: new Blob([r.bytes as Uint8Array<ArrayBuffer>], { type: 'application/octet-stream' }) });
}

async function prune(id: number, req: Extract<Request, { kind: 'prune' }>): Promise<void> {
  if (weights) return pruneWeightsJob(id, weights, req.settings);
  if (!base) throw new UsageError('drop a model first');
  const s = req.settings;
  const preset = getPreset(s.preset);
  const t0 = performance.now();
  let bytes: Uint8Array, summary: Omit<PruneSummary, 'afterRows' | 'name' | 'bytes' | 'seconds'>;
  if (s.mode === 'unstructured') {
    const r = pruneOnnxBytes(base.model, { preset, target: s.target, onProgress: progressOf(id, 'prune') });
    bytes = r.bytes;
    const t = r.result.totals;
    summary = {
      policy: `preset ${preset.name}${s.target !== undefined ? `, target ${s.target}` : ''}`,
      params: { before: t.nonZeroBefore, after: t.nonZeroAfter }, macs: null,
      sparsity: { before: t.sparsityPrunableBefore, after: t.sparsityPrunable },
      json: r.result,
    };
  } else if (s.mode === 'int8') {
    const info = modelInfoOf(base.model, base.name);
    const calibration = await calibrationFromImages(req.images, s.calibImages ?? 32, info);
    const r = await quantizeStatic(base.model, calibration, { threads, onProgress: progressOf(id, 'calibration') });
    bytes = serializeOnnx(r.model);
    summary = {
      policy: `INT8 static QDQ, ${r.calibration.method} on ${r.calibration.images} images`, params: { before: base.bytes.length, after: bytes.length }, macs: null, sparsity: null,
      int8: { layers: r.layers.length, float: r.float.length, method: r.calibration.method, images: r.calibration.images },
      json: { layers: r.layers, float: r.float, calibration: r.calibration },
    };
  } else {
    const calibration = s.calibImages ? await calibrationFromImages(req.images, s.calibImages, modelInfoOf(base.model, base.name)) : undefined;
    const r = await pruneChannelsModel(base.model, base.name, {
      preset, ratio: s.ratio, target: s.target, targetKind: 'params', roundTo: 16, norm: 'l1', compensate: true, scope: 'group',
      calibration, threads, onProgress: progressOf(id, 'calibration'),
    });
    bytes = r.bytes;
    const { model: _m, graph: _g, bytes: _b, ...json } = r;
    summary = { policy: r.policy, params: r.report.params, macs: r.report.macs, sparsity: null, json };
  }
  candidate = load(`${stem(base.name)}-${SUFFIX[s.mode]}.onnx`, bytes);
  validation = undefined; bench = undefined;
  const out: PruneSummary = { ...summary, name: candidate.name, bytes: bytes.length, seconds: (performance.now() - t0) / 1000, afterRows: view(candidate.name, bytes.length, candidate.model).rows };
  // A Blob lives outside the JavaScript heap and is passed by reference: no third copy of the model.
  post({ id, kind: 'pruned', summary: out, model: new Blob([bytes as Uint8Array<ArrayBuffer>], { type: 'application/octet-stream' }) });
}

function metricsOf(r: ValidationResult): ValMetrics {
  const m = r.metrics!;
  return {
    precision: m.precision, recall: m.recall, map50: m.map50, map5095: m.map5095,
    perClass: m.perClass.filter((c) => c.instances > 0).map((c) => ({ name: c.name, images: c.images, instances: c.instances, map50: c.map50, map5095: c.map5095 })),
  };
}

async function validateOne(id: number, held: Held, files: Extract<Request, { kind: 'val' }>['files'], stage: string): Promise<ValidationResult> {
  const info = modelInfoOf(held.model, held.name);
  const dataset = await browserDataset(files, info.names);
  return runValidation({
    model: held.name, modelSource: held.bytes, info, dataset,
    openStream: (size) => openDecoderStream(dataset.images.map((im) => im.path), (p) => decodeDropped(files, p), { size, depth: 4 }),
    postprocess: () => inThreadPostprocess(),
  }, { threads, onProgress: (p) => post({ id, kind: 'progress', stage, done: p.done, total: p.total }) });
}

/** Validation and bench run ONNX models: for a checkpoint, its twin. */
function needOnnx(): Held {
  if (base) return base;
  if (weights) throw new UsageError(`${weights.name}: a PyTorch checkpoint cannot run in the browser (onnxruntime-web runs ONNX); drop its ONNX export as the twin to validate and benchmark`);
  throw new UsageError('drop a model first');
}

async function val(id: number, files: Extract<Request, { kind: 'val' }>['files']): Promise<void> {
  const base = needOnnx();
  const t0 = performance.now();
  const vb = await validateOne(id, base, files, `validate ${base.name}`);
  const vc = candidate ? await validateOne(id, candidate, files, `validate ${candidate.name}`) : null;
  validation = { dataset: vb.data, base: vb, candidate: vc };
  const seconds = (performance.now() - t0) / 1000;
  const summary: ValSummary = {
    images: vb.images, instances: vb.instances, warnings: vb.warnings, skipped: vb.skipped.length,
    base: metricsOf(vb), candidate: vc ? metricsOf(vc) : null, seconds, imagesPerSecond: (vb.images * (vc ? 2 : 1)) / seconds, speed: vb.speed,
  };
  post({ id, kind: 'validated', summary });
}

async function runBench(id: number, runs: number): Promise<void> {
  const base = needOnnx();
  const models = [base, ...(candidate ? [candidate] : [])].map((h) => ({ label: h.name, path: h.name, source: h.bytes, fileBytes: h.bytes.length }));
  const mem = (performance as unknown as { memory?: { usedJSHeapSize: number } }).memory;
  bench = await benchmarkSources(models, { threads, warmup: 5, runs }, {
    rssBytes: () => mem?.usedJSHeapSize ?? 0,
    peakRssBytes: () => 0,
    environment: { node: 'none (browser, onnxruntime-web wasm)', platform: 'browser', arch: 'wasm', cpus: navigator.hardwareConcurrency, cpuModel: navigator.userAgent },
  });
  const [b, c] = bench.models;
  const cmp = bench.comparisons[0];
  const summary: BenchSummary = {
    threads, base: { medianMs: b!.latency.medianMs, p90Ms: b!.latency.p90Ms },
    candidate: c ? { medianMs: c.latency.medianMs, p90Ms: c.latency.p90Ms } : null,
    ratio: cmp?.ratio ?? null, verdict: cmp?.verdict ?? null,
  };
  post({ id, kind: 'benched', summary });
}

function report(id: number): void {
  if (!base || !candidate) {
    throw new UsageError(weights ? 'the report compares two ONNX models: drop the ONNX exports of the checkpoint and of the compressed checkpoint (the twins)' : 'compress the model first: the report compares the original with the compressed model');
  }
  const layersB = listLayers(base.model), layersC = listLayers(candidate.model);
  const metrics = (r: ValidationResult | null | undefined): DetectionMetrics | undefined => r?.metrics;
  const vb = metrics(validation?.base), vc = metrics(validation?.candidate);
  const json = assembleReport({
    base: { label: base.name, path: base.name },
    candidate: { label: candidate.name, path: candidate.name },
    createdAt: new Date().toISOString(),
    accuracy: validation && vb && vc ? accuracySection(validation.dataset, validation.base.images, vb, vc) : null,
    latency: bench && bench.models.length === 2 ? latencySection(bench) : null,
    size: { base: sizeOf(base.bytes.length, layersB), candidate: sizeOf(candidate.bytes.length, layersC), onlyZeroedWeights: differsOnlyByZeros(base.model, candidate.model) },
    sparsity: layersC.length ? { categorySource: 'op type and kernel size', layers: sparsityLayers(layersB, layersC, () => undefined) } : null,
  });
  post({ id, kind: 'report', html: renderHtml(json), json });
}

async function handle(req: Request): Promise<void> {
  switch (req.kind) {
    case 'init': {
      const isolated = (self as unknown as { crossOriginIsolated?: boolean }).crossOriginIsolated === true;
      threads = isolated ? Math.max(1, req.threads) : 1;
      configureOrtWeb({ wasmBase: req.wasmBase, threads });
      useRuntimeBackend(defaultBackend);
      post({ id: req.id, kind: 'ready', threads, isolated });
      return;
    }
    case 'inspect': return inspect(req.id, req.name, req.file);
    case 'twin': return twin(req.id, req.slot, req.name, req.file);
    case 'prune': return prune(req.id, req);
    case 'val': return val(req.id, req.files);
    case 'bench': return runBench(req.id, req.runs);
    case 'report': return report(req.id);
  }
}

/** The typed error's class name (spelled out: the minified bundle renames classes). */
function errorName(e: unknown): string {
  const typed: [new (...a: never[]) => Error, string][] = [
    [ModelFormatError, 'ModelFormatError'], [UnsupportedOpError, 'UnsupportedOpError'], [UsageError, 'UsageError'],
    [DatasetError, 'DatasetError'], [FileError, 'FileError'],
  ];
  const hit = typed.find(([cls]) => e instanceof cls);
  return hit ? hit[1] : e instanceof RangeError && /memory|allocation/i.test(e.message) ? 'OutOfMemory' : 'Error';
}

/** Jobs run one after the other: after a Cancel the page re-sends the model, and the next job must see it loaded. */
let queue: Promise<void> = Promise.resolve();
self.onmessage = (ev: MessageEvent<Request>) => {
  const req = ev.data;
  queue = queue.then(() => handle(req)).catch((e: unknown) => {
    const name = errorName(e);
    const message = errorMessage(e);
    post({ id: req.id, kind: 'error', name, message });
  });
};
