/**
 * `prunekit run MODEL --data data.yaml --preset P [--target S] [--structured] [--calib C] -o OUT [--config pipeline.yaml]`:
 * the one-command pipeline — prune (unstructured, or structured with --structured; calibrated with --calib) →
 * validate both → (budget check) → bench both → report. OUT is a folder; it receives the
 * pruned model `<stem>.pruned.onnx`, `report.html`, `report.md` and `report.json`. When the accuracy budget
 * (`--max-drop`) is broken the pipeline stops before the benchmark, still writes the reports, and exits 1.
 *
 * `--config pipeline.yaml` holds the same settings as the flags (flags win), e.g.:
 * ```yaml
 * model: LeYOLONano-640.onnx      # relative paths are relative to the yaml's folder
 * data: coco128.yaml
 * preset: yolov8
 * target: 0.10
 * out: runs/leyolo-10
 * structured: true                # remove channels (a faster dense model) instead of zeroing weights
 * calib: data/calib-images        # optional: calibrate on these images (never the validation images)
 * max-drop: map50=2%,map50-95=3%
 * bench: { threads: 1, warmup: 20, runs: 200 }
 * ```
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { FileError, UsageError, parseYamlText } from '../core/index.js';
import { parseMaxDrop } from '../report/index.js';
import { addLatencyFlags, benchOptionsFromFlags, type LatencyFlags } from './bench.js';
import { finishComparison, reportTargets, runCompare, type ReportFiles } from './compare.js';
import { runInt8Pipeline } from './run-int8.js';
import { pipelinePrune } from './run-prune.js';
import { checkOutputs, target, type OutputTarget } from './outputs.js';
import type { CliContext, CommandModule } from './context.js';

/** Settings of a pipeline run (flags and pipeline.yaml keys share these names, yaml in kebab-case). */
export interface PipelineSettings {
  model?: string;
  data?: string;
  preset?: string;
  /** Custom preset file (the prune command's `--config`). */
  presetConfig?: string;
  arch?: string;
  target?: string;
  criterion?: string;
  structured?: boolean;
  /** Quantize the pruned model to static INT8 (QDQ) as a last stage. */
  int8?: boolean;
  calib?: string;
  calibImages?: string;
  out?: string;
  maxDrop?: string;
  force?: boolean;
  bench: LatencyFlags;
}

const TOP_KEYS = [
  'model', 'data', 'preset', 'preset-config', 'arch', 'target', 'criterion', 'structured', 'int8', 'calib', 'calib-images', 'out', 'max-drop', 'force', 'bench',
] as const;
const BOOLEAN_KEYS = ['force', 'structured', 'int8'];
const BENCH_KEYS = ['imgsz', 'batch', 'threads', 'graph-opt', 'warmup', 'runs', 'seconds', 'seed'] as const;
const camel = (k: string): string => k.replace(/-([a-z])/g, (_, c: string) => c.toUpperCase());

function scalar(file: string, key: string, v: unknown): string {
  if (typeof v === 'string' || typeof v === 'number') return String(v);
  throw new UsageError(`${file}: '${key}' must be a string or number`, file);
}

/** Parse a pipeline yaml; paths are resolved against the yaml's folder. */
export function parsePipelineConfig(text: string, file: string): PipelineSettings {
  let doc = parseYamlText(text, file, UsageError);
  if (doc === null || doc === undefined) doc = {};
  if (typeof doc !== 'object' || Array.isArray(doc)) throw new UsageError(`${file}: expected a mapping of settings (model, data, preset, …)`, file);
  const dir = path.dirname(file);
  const out: PipelineSettings = { bench: {} };
  for (const [key, value] of Object.entries(doc as Record<string, unknown>)) {
    if (!(TOP_KEYS as readonly string[]).includes(key)) throw new UsageError(`${file}: unknown key '${key}'; allowed: ${TOP_KEYS.join(', ')}`, file);
    if (key === 'bench') {
      if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new UsageError(`${file}: 'bench' must be a mapping (${BENCH_KEYS.join(', ')})`, file);
      for (const [bk, bv] of Object.entries(value as Record<string, unknown>)) {
        if (!(BENCH_KEYS as readonly string[]).includes(bk)) throw new UsageError(`${file}: unknown key 'bench.${bk}'; allowed: ${BENCH_KEYS.join(', ')}`, file);
        (out.bench as Record<string, string>)[camel(bk)] = scalar(file, `bench.${bk}`, bv);
      }
    } else if (BOOLEAN_KEYS.includes(key)) {
      if (typeof value !== 'boolean') throw new UsageError(`${file}: '${key}' must be true or false`, file);
      (out as unknown as Record<string, boolean>)[key] = value;
    } else {
      const v = scalar(file, key, value);
      const isPath = key === 'model' || key === 'data' || key === 'preset-config' || key === 'arch' || key === 'out' || key === 'calib';
      (out as unknown as Record<string, string>)[camel(key)] = isPath ? path.resolve(dir, v) : v;
    }
  }
  return out;
}

/** Flags win over the config file. */
export function mergeSettings(config: PipelineSettings, flags: PipelineSettings): PipelineSettings {
  const merged: PipelineSettings = { ...config, bench: { ...config.bench } };
  for (const [k, v] of Object.entries(flags)) if (v !== undefined && k !== 'bench') (merged as unknown as Record<string, unknown>)[k] = v;
  for (const [k, v] of Object.entries(flags.bench)) if (v !== undefined) (merged.bench as Record<string, unknown>)[k] = v;
  return merged;
}

/**
 * Where a pipeline writes, inside the output folder: the pruned model and the three reports (the original against
 * the pipeline's last stage); with INT8 also the INT8 model and the reports of the pruned stage (`report.pruned.*`).
 */
export function pipelineFiles(model: string, out: string): { pruned: string; int8: string; reports: ReportFiles; prunedReports: ReportFiles } {
  const stem = path.basename(model).replace(/\.onnx$/i, '');
  const reports = (infix: string) => ({ report: path.join(out, `report${infix}.html`), md: path.join(out, `report${infix}.md`), json: path.join(out, `report${infix}.json`) });
  return { pruned: path.join(out, `${stem}.pruned.onnx`), int8: path.join(out, `${stem}.pruned.int8.onnx`), reports: reports(''), prunedReports: reports('.pruned') };
}

/** Every output of a pipeline, for {@link checkOutputs}. */
export function pipelineTargets(model: string, out: string, int8 = false): (OutputTarget | undefined)[] {
  const f = pipelineFiles(model, out);
  return [
    target('-o', out, 'folder'), target('pruned model', f.pruned), ...reportTargets(f.reports),
    ...(int8 ? [target('INT8 model', f.int8), ...Object.values(f.prunedReports).map((p: string) => target('pruned-stage report', p))] : []),
  ];
}

/** The whole pipeline for merged settings. */
export async function runPipeline(ctx: CliContext, s: PipelineSettings): Promise<void> {
  if (!s.model) throw new UsageError('run: give the model (MODEL argument or `model:` in --config)');
  if (!s.data) throw new UsageError('run: give the dataset (--data data.yaml or `data:` in --config)');
  if (!s.out) throw new UsageError('run: give the output folder (-o OUT or `out:` in --config)');
  if (!s.preset && !s.presetConfig) throw new UsageError('run: give a preset (--preset P, see `prunekit presets`) or --preset-config FILE');
  const budget = s.maxDrop !== undefined ? parseMaxDrop(s.maxDrop) : undefined;
  const bench = benchOptionsFromFlags(s.bench);
  const { pruned, reports } = pipelineFiles(s.model, s.out);
  await checkOutputs(pipelineTargets(s.model, s.out, s.int8), { force: s.force, inputs: [s.model, s.data, s.arch, s.presetConfig, s.calib] });
  if (s.int8) return runInt8Pipeline(ctx, { ...s, model: s.model, data: s.data, out: s.out }, budget, bench);

  const mode = s.structured ? 'structured, ' : '';
  ctx.io.out(`[1/3] prune ${s.model} (${mode}${s.presetConfig ?? `preset ${s.preset}`}${s.target ? `, target ${s.target}` : ''}${s.calib ? `, calibrated on ${s.calib}` : ''}) → ${pruned}`);
  const p = await pipelinePrune(ctx, { ...s, model: s.model, data: s.data }, pruned);
  for (const line of p.lines) ctx.io.out(`      ${line}`);

  ctx.io.out(`[2/3] validate base and pruned on ${s.data}, then [3/3] bench both`);
  const imgsz = bench.imgsz && bench.imgsz.height === bench.imgsz.width ? bench.imgsz.height : undefined;
  const outcome = await runCompare(ctx, {
    base: s.model, candidate: pruned, data: s.data, budget, stopOnBrokenBudget: true, bench,
    validation: imgsz !== undefined ? { imgsz } : {},
    categories: p.categories,
    reconstruction: p.reconstruction,
    title: `prunekit run: ${path.basename(s.model)} pruned ${s.structured ? '' : 'with '}${p.label}`,
  });
  if (outcome.stoppedEarly) ctx.io.out(`stopped: the accuracy budget is broken, so the benchmark was skipped; the pruned model is kept at ${pruned} for inspection`);
  await finishComparison(ctx, outcome, { ...reports, force: s.force });
}

type RunFlags = LatencyFlags & {
  data?: string; preset?: string; presetConfig?: string; arch?: string; target?: string; criterion?: string;
  structured?: boolean; int8?: boolean; calib?: string; calibImages?: string; output?: string; config?: string; maxDrop?: string; force?: boolean;
};

export const runCommand: CommandModule = {
  name: 'run',
  register(program, ctx) {
    addLatencyFlags(
      program
        .command('run')
        .description('pipeline: prune → validate both → bench both → report (stops with exit 1 when the accuracy budget is broken)')
        .argument('[model]', 'ONNX model to compress (or `model:` in --config)')
        .option('--data <file>', 'dataset: Ultralytics data.yaml (or COCO json)')
        .option('-o, --output <dir>', 'output folder: pruned model, report.html, report.md, report.json')
        .option('--preset <name>', 'pruning preset (see `prunekit presets`)')
        .option('--preset-config <file>', 'custom preset file (YAML/JSON) instead of --preset')
        .option('--arch <file>', 'Ultralytics model yaml the model was built from')
        .option('--target <S>', 'how much to prune, 0.1 or 10%: zeros over prunable weights; with --structured: fraction of params removed')
        .option('--structured', 'remove whole channels (a smaller, faster dense model) instead of zeroing weights')
        .option('--int8', 'then quantize the pruned model to static INT8 (QDQ), calibrated on --calib (else on --data), placed where it is faster here')
        .option('--criterion <c>', 'importance: l1 | l2 | l1l2 | lamp (--structured: l1 | l2)')
        .option('--calib <data>', 'calibrate the pruning on these images: a dataset yaml (its train split) or an image folder; warned when they overlap --data\'s validation images')
        .option('--calib-images <n>', 'calibration images, the first N in sorted order (default 32)')
        .option('--max-drop <rules>', 'accuracy budget, e.g. map50=2%,map50-95=0.03')
        .option('--config <file>', 'pipeline.yaml with the same settings (flags win)')
        .option('--force', 'overwrite the pruned model and reports of an earlier run in the output folder'),
    )
      .action(async (model: string | undefined, flags: RunFlags) => {
        let config: PipelineSettings = { bench: {} };
        if (flags.config) {
          const text = await readFile(flags.config, 'utf8').catch(() => {
            throw new FileError(`${flags.config}: pipeline config not found`, flags.config);
          });
          config = parsePipelineConfig(text, flags.config);
        }
        const fromFlags: PipelineSettings = {
          model, data: flags.data, preset: flags.preset, presetConfig: flags.presetConfig, arch: flags.arch, target: flags.target,
          criterion: flags.criterion, structured: flags.structured, int8: flags.int8, calib: flags.calib, calibImages: flags.calibImages,
          out: flags.output, maxDrop: flags.maxDrop, force: flags.force,
          bench: {
            imgsz: flags.imgsz, batch: flags.batch, threads: flags.threads, graphOpt: flags.graphOpt, warmup: flags.warmup,
            runs: flags.runs, seconds: flags.seconds, seed: flags.seed,
          },
        };
        await runPipeline(ctx, mergeSettings(config, fromFlags));
      });
  },
};
