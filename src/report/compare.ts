/**
 * `compareModels`: measure a base and a candidate ONNX model on the same data and machine — size (file,
 * params, non-zeros, MACs), accuracy (validation of both), latency (interleaved bench) — and return a
 * {@link ComparisonReport}. The edge of the report layer: it reads the model files and runs sessions.
 */
import { stat } from 'node:fs/promises';
import path from 'node:path';
import { benchmarkModels, type BenchOptions, type BenchResult } from '../bench/index.js';
import { FileError, UsageError } from '../core/index.js';
import { validate, type ValidateOptions, type ValidationResult } from '../eval/index.js';
import { listLayers, modelPrecision, type WeightLayer } from '../graph/index.js';
import { gzipSize } from '../files/gzip-size.js';
import { type OnnxModel } from '../io/onnx/index.js';
import { loadOnnx } from '../files/onnx-file.js';
import { accuracySection, assembleReport, latencySection } from './assemble.js';
import { checkBudget } from './budget.js';
import { differsOnlyByZeros, sizeOf, sparsityLayers } from './model-diff.js';
import type { BudgetRule, ComparisonReport, LayerReconstructionNote, SizeSection, SparsitySection } from './types.js';

/** Progress of a comparison: the stage (`validate base`, `validate candidate`, `bench`) and its units. */
export interface CompareProgress { stage: string; done: number; total: number; label?: string }

export interface CompareOptions {
  base: string;
  candidate: string;
  /** data.yaml or COCO json; accuracy is not measured without it. */
  data?: string;
  /** Further validation settings (same for both models). */
  validation?: Omit<ValidateOptions, 'model' | 'data' | 'onProgress'>;
  /** Benchmark settings; `false` skips the latency measurement. */
  bench?: Omit<BenchOptions, 'onProgress'> | false;
  budget?: readonly BudgetRule[];
  /** Skip the benchmark when the accuracy budget is already broken. */
  stopOnBrokenBudget?: boolean;
  /** Category of each candidate layer by weight name (from a pruning plan), and what they come from. */
  categories?: { byId: ReadonlyMap<string, string>; source: string };
  /** Per-layer reconstruction of a calibrated prune by weight name (the report's per-layer reconstruction table). */
  reconstruction?: ReadonlyMap<string, LayerReconstructionNote>;
  title?: string;
  /** Clock for the report's timestamp (tests pass a fixed one). */
  now?: () => Date;
  onProgress?: (p: CompareProgress) => void;
}

export interface CompareOutcome {
  report: ComparisonReport;
  validation: { base: ValidationResult; candidate: ValidationResult } | null;
  bench: BenchResult | null;
  /** True when the benchmark was skipped because the budget was broken. */
  stoppedEarly: boolean;
}

async function fileSize(file: string): Promise<number> {
  const s = await stat(file).catch(() => undefined);
  if (!s || !s.isFile()) throw new FileError(`'${file}': model file not found`, file);
  return s.size;
}

function metricsOf(v: ValidationResult, which: string): NonNullable<ValidationResult['metrics']> {
  if (!v.metrics) throw new UsageError(`validation of the ${which} model gave no Ultralytics metrics (metric '${v.metric}'); compare uses the ultralytics metric`);
  return v.metrics;
}

async function inventory(file: string): Promise<{ model: OnnxModel; layers: WeightLayer[]; gzipBytes: number | null; precision: string }> {
  const model = await loadOnnx(file);
  // Compressed on libuv's pool while the layers are listed here.
  const gz = model.source ? gzipSize(model.source) : Promise.resolve(null);
  const layers = listLayers(model);
  return { model, layers, gzipBytes: await gz, precision: modelPrecision(model).label };
}

export async function compareModels(o: CompareOptions): Promise<CompareOutcome> {
  if (o.budget?.length && !o.data) throw new UsageError('--max-drop needs --data: the budget is checked on validation metrics');
  const [baseBytes, candBytes] = [await fileSize(o.base), await fileSize(o.candidate)];
  const b = await inventory(o.base);
  const c = await inventory(o.candidate);
  const size: SizeSection = {
    base: sizeOf(baseBytes, b.layers, b),
    candidate: sizeOf(candBytes, c.layers, c),
    onlyZeroedWeights: differsOnlyByZeros(b.model, c.model),
  };
  const sparsity: SparsitySection | null = c.layers.length
    ? { categorySource: o.categories?.source ?? 'op type and kernel size', layers: sparsityLayers(b.layers, c.layers, (id) => o.categories?.byId.get(id), (id) => o.reconstruction?.get(id)) }
    : null;

  let validation: CompareOutcome['validation'] = null;
  let accuracy = null;
  if (o.data) {
    const run = (model: string, stage: string) =>
      validate({ ...o.validation, model, data: o.data!, onProgress: (p) => o.onProgress?.({ stage, ...p }) });
    const vb = await run(o.base, 'validate base');
    const vc = await run(o.candidate, 'validate candidate');
    validation = { base: vb, candidate: vc };
    accuracy = accuracySection(path.basename(o.data), vb.images, metricsOf(vb, 'base'), metricsOf(vc, 'candidate'));
  }

  const broken = Boolean(o.budget?.length && accuracy && !checkBudget(o.budget!, accuracy.base, accuracy.candidate).ok);
  const stoppedEarly = broken && o.stopOnBrokenBudget === true && o.bench !== false;
  let bench: BenchResult | null = null;
  if (o.bench !== false && !stoppedEarly) {
    bench = await benchmarkModels(
      [{ path: o.base, label: 'base' }, { path: o.candidate, label: 'candidate' }],
      { ...o.bench, onProgress: (p) => o.onProgress?.({ stage: 'bench', ...p }) },
    );
  }
  const report = assembleReport({
    base: { label: path.basename(o.base), path: o.base },
    candidate: { label: path.basename(o.candidate), path: o.candidate },
    createdAt: (o.now?.() ?? new Date()).toISOString(),
    title: o.title,
    accuracy,
    latency: bench ? latencySection(bench) : null,
    size,
    sparsity,
    budget: o.budget,
  });
  return { report, validation, bench, stoppedEarly };
}
