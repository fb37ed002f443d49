/**
 * `prunekit quantize MODEL --calib data.yaml|folder -o OUT`: static INT8 (QDQ) quantization calibrated on the
 * user's images. Prints what stayed float and why, the placement measured on this machine, per-output SQNR on
 * calibration images, how many convs onnxruntime fused into integer kernels, and the file size (and gzip size).
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import type { Command } from 'commander';
import { UsageError } from '../core/index.js';
import type { CliContext, CommandModule } from './context.js';
import { progressBar } from './progress.js';
import { formatBytes, formatFraction, formatNumber, formatPercent, formatRatio } from '../core/format.js';
import { threadsHelp } from './threads.js';
import { checkOutputs, target, writeJson } from './outputs.js';
import type { LatencyProbe, QuantizeFileResult } from '../files/quantize-file.js';
import { warnCalibrationOverlap } from './prune-calibration.js';
import { applySparse } from './quantize-sparse.js';

export interface QuantizeFlags {
  output?: string; calib?: string; calibImages?: string; method?: string; percentile?: string; exclude?: string;
  perTensor?: boolean; int8Activations?: boolean; reduceRange?: boolean; placement?: string; allowSlower?: boolean;
  threads?: string; benchRuns?: string; force?: boolean; json?: string; layers?: boolean;
  weightsOnly?: boolean; symmetricWeights?: boolean; fp16Weights?: boolean; sparse?: boolean; data?: string; maxDrop?: string; floatPrefix?: boolean;
  biasCorrection?: boolean; silu?: string;
}

/** `--data D --max-drop RULES`: validate each candidate on D (Ultralytics metrics) against the float model's. */
async function accuracyCheck(ctx: CliContext, model: string, data: string, maxDrop: string, threads: number | undefined) {
  const { parseMaxDrop, checkBudget, metricName } = await import('../report/index.js');
  const { validate } = await import('../eval/index.js');
  const rules = parseMaxDrop(maxDrop);
  const metrics = async (file: string) => {
    const m = (await validate({ model: file, data, threads })).metrics;
    if (!m) throw new UsageError(`--data ${data}: validation gave no detection metrics`);
    return { precision: m.precision, recall: m.recall, map50: m.map50, map5095: m.map5095 };
  };
  const base = await metrics(model);
  ctx.io.err(`accuracy control: float model on ${data}: mAP50 ${formatFraction(base.map50)}, mAP50-95 ${formatFraction(base.map5095)}`);
  return async (bytes: Uint8Array) => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'prunekit-quant-acc-'));
    try {
      const f = path.join(dir, 'candidate.onnx');
      await writeFile(f, bytes);
      const b = checkBudget(rules, base, await metrics(f));
      return { ok: b.ok, summary: b.checks.map((c) => `${metricName(c.rule.metric)} ${formatFraction(c.candidate)} (drop ${formatFraction(c.drop)}, allowed ${formatFraction(c.allowedDrop)})`).join(', ') };
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  };
}

/** `--weights-only` / `--fp16-weights` / `--sparse`: storage rewrites, no calibration; checked to run with the same output shapes. */
async function runStorage(ctx: CliContext, model: string, flags: QuantizeFlags): Promise<void> {
  const out = flags.output!;
  const { serializeOnnx } = await import('../io/onnx/index.js');
  const { loadOnnx, saveOnnx } = await import('../files/onnx-file.js');
  const { refuseQuantized, weightOnlyModel, fp16Weights } = await import('../quantize/index.js');
  const { verifyRuns } = await import('../runtime/index.js');
  const m = await loadOnnx(model);
  refuseQuantized(m, 'quantize', model);
  const dense = flags.weightsOnly || flags.fp16Weights;
  const weightOnly = flags.weightsOnly ? weightOnlyModel(m, { perChannel: flags.perTensor !== true, weightZeroPoint: flags.symmetricWeights ? 'symmetric' : 'asymmetric' }) : undefined;
  const r = weightOnly ?? (flags.fp16Weights ? fp16Weights(m) : undefined);
  const sparse = flags.sparse ? await applySparse(r?.model ?? m, model, { required: !dense, all: flags.layers === true }) : undefined;
  const written = sparse?.model ?? r!.model;
  const bytes = serializeOnnx(written);
  const [before, after] = [await verifyRuns(serializeOnnx(m)), await verifyRuns(bytes)];
  const shapes = (v: typeof before) => v.outputs.map((o) => `${o.name}[${o.dims.join(',')}]`).join(' ');
  if (shapes(before) !== shapes(after)) throw new UsageError(`internal check failed: outputs ${shapes(after)} after, ${shapes(before)} before; nothing written`);
  const inBytes = m.source?.length ?? serializeOnnx(m).length;
  const flag = [flags.weightsOnly && '--weights-only', flags.fp16Weights && '--fp16-weights', flags.sparse && '--sparse'].filter(Boolean).join(' ');
  if (bytes.length >= inBytes) throw new UsageError(`${flag} would not make ${model} smaller (${formatBytes(inBytes)} → ${formatBytes(bytes.length)}); nothing written`);
  const saved = await saveOnnx(written, out, { force: flags.force });
  const gz = (b: Uint8Array) => gzipSync(b).length;
  if (r) {
    const kind = flags.weightsOnly ? 'int8 weights behind DequantizeLinear (float compute)' : 'float16 initializers behind Cast (folded at load; float compute)';
    ctx.io.out(`${kind}: ${r.tensors} tensors, weights ${formatBytes(r.bytes.before)} → ${formatBytes(r.bytes.after)}`);
    if (weightOnly && weightOnly.float16.length > 0) ctx.io.out(`float16 (stem and output layers): ${weightOnly.float16.join(', ')}`);
  }
  for (const line of sparse?.lines ?? []) ctx.io.out(line);
  ctx.io.out(`verify: runs in onnxruntime, outputs ${shapes(after)} as before`);
  ctx.io.out(`file: ${formatBytes(inBytes)} → ${formatBytes(saved.bytes)} (${formatPercent(saved.bytes / inBytes)}, gzip ${formatBytes(gz(m.source ?? serializeOnnx(m)))} → ${formatBytes(gz(bytes))}) ${saved.path}`);
  if (sparse && sparse.model !== (r?.model ?? m)) {
    const denseGz = gz(serializeOnnx(r?.model ?? m));
    if (gz(bytes) >= denseGz) ctx.io.out(`note: gzipped, the sparse file (${formatBytes(gz(bytes))}) is not smaller than the same model stored dense (${formatBytes(denseGz)}): indices compress worse than runs of zeros; to ship it compressed, gzip the dense file`);
  }
}

export const DEFAULT_QUANT_CALIB_IMAGES = 64;

/** Interleaved latency of the float model and the candidates (bench harness), at the requested threads. */
export function benchProbe(floatPath: string, threads: number | undefined, runs: number): LatencyProbe {
  return async (candidates) => {
    const { benchmarkModels } = await import('../bench/index.js');
    const dir = await mkdtemp(path.join(os.tmpdir(), 'prunekit-quant-'));
    try {
      const files = await Promise.all(candidates.map(async (c, i) => { const f = path.join(dir, `candidate${i}.onnx`); await writeFile(f, c.bytes); return f; }));
      const r = await benchmarkModels([{ path: floatPath, label: 'float' }, ...files.map((f, i) => ({ path: f, label: candidates[i]!.label }))], { threads, runs, warmup: 3 });
      return r.comparisons.map((c) => c.ratio);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  };
}

const db = (x: number) => (Number.isFinite(x) ? `${formatNumber(x, 1)} dB` : 'exact');

export function quantizeText(r: QuantizeFileResult, all: boolean): string {
  const f = r.verify.fusion;
  const lines = [`static INT8 (QDQ) of ${r.input.path}: ${r.layers.length} weighted layers int8, ${r.plan.tensors.length} activation tensors uint8/int8`];
  lines.push(`calibration: ${r.calibration.method} over ${r.calibration.images} images of ${r.calibration.description.replace(/^\d+ images? of /, '')} (${formatNumber(r.calibration.seconds, 1)} s)`);
  const byReason = new Map<string, number>();
  for (const x of r.float) byReason.set(x.reason, (byReason.get(x.reason) ?? 0) + 1);
  lines.push(`kept float: ${r.float.length} nodes${byReason.size ? ` (${[...byReason].map(([k, v]) => `${v} ${k}`).join('; ')})` : ''}`);
  if (all) for (const x of r.float) lines.push(`  ${x.op} ${x.node}: ${x.reason}`);
  if (r.floatPrefix.steps.length > 0) {
    lines.push(`float prefix (output SQNR vs float, first layers float): ${r.floatPrefix.steps.map((s) => `${s.floatLayers}: ${db(s.sqnrDb)}`).join(', ')} → ${r.floatPrefix.layers.length} layers float${r.floatPrefix.layers.length ? ` (through ${r.floatPrefix.layers[r.floatPrefix.layers.length - 1]})` : ''}`);
  }
  if (r.biasCorrection.rounds.length > 0) lines.push(`bias correction: ${r.biasCorrection.convs} convs, mean |shift| per round ${r.biasCorrection.rounds.map((x) => x.toExponential(1)).join(' → ')} (${formatNumber(r.biasCorrection.seconds, 1)} s)`);
  for (const st of r.accuracy.steps) lines.push(`accuracy control: ${st.floatLayers} most sensitive layers float → ${st.summary}${st.ok ? ' (within budget)' : ''}`);
  const cands = r.placement.candidates.filter((c) => c.speedup !== undefined);
  if (cands.length > 0) lines.push(`placement (measured, interleaved vs float): ${cands.map((c) => `${c.label} ${formatRatio(c.speedup)}`).join(', ')} → ${r.placement.chosen}${r.placement.slowerThanFloat ? ' (SLOWER than float: written anyway, as asked)' : ''}`);
  lines.push(`fusion: ${f.integerConvs} of ${f.quantizedConvs} quantized convs run as integer kernels in onnxruntime's optimized graph${f.floatConvs ? ` (${f.floatConvs} convs run in float)` : ''}${f.integerConvs < f.quantizedConvs ? ' — FUSION INCOMPLETE' : ''}`);
  lines.push(`SQNR vs float on ${r.verify.images} calibration images: ${r.verify.outputs.map((o) => `${o.name} [${o.dims.join(',')}] ${db(o.sqnrDb)}`).join('; ')}`);
  const gz = r.output.gzipBytes === undefined ? '' : `, gzip ${formatBytes(r.input.gzipBytes ?? 0)} → ${formatBytes(r.output.gzipBytes)}`;
  lines.push(`provenance: metadata_props '${r.provenance.key}' (tool version, options, calibration images)`);
  lines.push(`file: ${formatBytes(r.input.bytes)} → ${formatBytes(r.output.bytes)} (${formatPercent(r.output.bytes / r.input.bytes)}${gz}) ${r.output.path}; ${formatNumber(r.seconds.total, 1)} s`);
  return lines.join('\n');
}

export async function runQuantize(ctx: CliContext, model: string, flags: QuantizeFlags): Promise<void> {
  if (!flags.output) throw new UsageError('missing -o/--output OUT');
  if (flags.weightsOnly && flags.fp16Weights) throw new UsageError('give --weights-only or --fp16-weights, not both');
  if (flags.symmetricWeights && !flags.weightsOnly) throw new UsageError('--symmetric-weights applies to --weights-only (static INT8 weights are always symmetric)');
  if (flags.sparse && flags.calib && !(flags.weightsOnly || flags.fp16Weights)) throw new UsageError('--sparse is a storage mode (alone, or with --weights-only / --fp16-weights) and does not combine with static INT8 (--calib): int8 weights need more than 8/9 zeros before a sparse tensor is smaller');
  if (flags.weightsOnly || flags.fp16Weights || flags.sparse) {
    await checkOutputs([target('-o', flags.output)], { force: flags.force, inputs: [model] });
    return runStorage(ctx, model, flags);
  }
  if (!flags.calib) throw new UsageError('missing --calib <data.yaml|image folder>: static quantization calibrates activation ranges on images');
  const n = flags.calibImages === undefined ? DEFAULT_QUANT_CALIB_IMAGES : Number(flags.calibImages);
  if (!(Number.isInteger(n) && n >= 1)) throw new UsageError(`--calib-images ${flags.calibImages}: expected a positive integer`);
  const threads = flags.threads === undefined ? undefined : Number(flags.threads);
  if (threads !== undefined && !(Number.isInteger(threads) && threads >= 1)) throw new UsageError(`--threads ${flags.threads}: expected a positive integer`);
  const placement = flags.placement ?? 'auto';
  if (placement !== 'auto' && placement !== 'all') throw new UsageError(`--placement ${placement}: expected auto or all`);
  const method = flags.method ?? 'percentile';
  const silu = flags.silu ?? 'integer';
  if (silu !== 'integer' && silu !== 'quickgelu') throw new UsageError(`--silu ${silu}: expected integer or quickgelu`);
  const percentile = flags.percentile === undefined ? undefined : Number(flags.percentile);
  if (percentile !== undefined && !(percentile > 0 && percentile <= 1)) throw new UsageError(`--percentile ${flags.percentile}: expected a fraction in (0, 1], e.g. 0.9999`);
  const benchRuns = flags.benchRuns === undefined ? 30 : Number(flags.benchRuns);
  if (!(Number.isInteger(benchRuns) && benchRuns >= 5)) throw new UsageError(`--bench-runs ${flags.benchRuns}: expected an integer ≥ 5`);
  await checkOutputs([target('-o', flags.output), target('--json', flags.json)], { force: flags.force, inputs: [model, flags.calib, flags.data] });
  const { openCalibrationImages, readModelInfo } = await import('../eval/index.js');
  const { CALIBRATION_METHODS } = await import('../quantize/index.js');
  const { quantizeModelFile } = await import('../files/quantize-file.js');
  if (!CALIBRATION_METHODS.includes(method as never)) throw new UsageError(`--method ${method}: expected one of ${CALIBRATION_METHODS.join(', ')}`);
  const { checkQuantizable } = await import('../quantize/index.js');
  const { loadOnnx } = await import('../files/onnx-file.js');
  checkQuantizable(await loadOnnx(model), model);
  const info = await readModelInfo(model);
  const images = await openCalibrationImages(flags.calib, { images: n, imgsz: info.inputSize ?? 640, inputName: info.inputName });
  await warnCalibrationOverlap(ctx, images, flags.calib);
  if ((flags.data === undefined) !== (flags.maxDrop === undefined)) throw new UsageError('accuracy control needs both --data <data.yaml> and --max-drop <rules>');
  const check = flags.data && flags.maxDrop ? await accuracyCheck(ctx, model, flags.data, flags.maxDrop, threads) : undefined;
  const bar = progressBar(ctx.io, 'calibration');
  const r = await quantizeModelFile(model, flags.output, images, {
    method: method as 'minmax', percentile, exclude: flags.exclude?.split(',').map((s) => s.trim()).filter(Boolean),
    perChannel: flags.perTensor !== true, activationType: flags.int8Activations ? 'int8' : 'uint8', reduceRange: flags.reduceRange === true,
    placement, measure: placement === 'auto' ? benchProbe(model, threads, benchRuns) : undefined, allowSlower: flags.allowSlower === true,
    threads, force: flags.force, onProgress: bar.onProgress,
    floatPrefix: flags.floatPrefix === false ? false : {},
    biasCorrection: flags.biasCorrection === true ? {} : false, silu: silu as 'integer',
    provenance: () => ({ source: path.basename(flags.calib!), files: images.paths.filter((p) => !images.skipped.some((k) => k.path === p)).slice(0, images.count).map((p) => path.basename(p)) }),
    accuracy: check ? { check, onStep: (st) => ctx.io.err(`accuracy control: ${st.floatLayers} most sensitive layers float → ${st.summary}${st.ok ? ' ✓' : ''}`) } : undefined,
  }).finally(() => bar.stop());
  const { readFile } = await import('node:fs/promises');
  r.input.gzipBytes = gzipSync(await readFile(model)).length;
  r.output.gzipBytes = gzipSync(await readFile(r.output.path)).length;
  if (images.skipped.length > 0) ctx.io.err(`warning: ${images.skipped.length} undecodable calibration images skipped (first: ${images.skipped[0]!.path})`);
  ctx.io.out(quantizeText(r, flags.layers === true));
  if (flags.json) {
    await writeJson(flags.json, { ...r, plan: { quantized: r.plan.quantized.size, tensors: r.plan.tensors.length } }, { force: flags.force });
    ctx.io.out(`wrote ${flags.json}`);
  }
}

export const quantizeCommand: CommandModule = {
  name: 'quantize',
  register(program: Command, ctx: CliContext) {
    program.command('quantize')
      .description('static INT8 quantization (QDQ ONNX) calibrated on images, placed where integer kernels are faster on this machine')
      .argument('<model>', 'float .onnx model')
      .option('-o, --output <file>', 'output .onnx file')
      .option('--calib <source>', 'calibration images: an Ultralytics data.yaml (its val split) or a folder')
      .option('--calib-images <n>', `number of calibration images (default ${DEFAULT_QUANT_CALIB_IMAGES}; the first N in sorted order)`)
      .option('--method <m>', 'activation range: minmax | percentile | mse | entropy (default percentile; see docs/quantize.md)')
      .option('--silu <form>', 'integer SiLUs: integer (QLinearSigmoid + QLinearMul, default) | quickgelu (one onnxruntime QuickGelu between a DQ/Q pair; onnxruntime only)')
      .option('--bias-correction', 'fold each quantized conv\'s per-channel output mean shift (float vs integer on the calibration images) into its bias (2 rounds)')
      .option('--no-float-prefix', 'skip the float-prefix search (keeps float the first layers whose quantization costs the most output SQNR)')
      .option('--percentile <p>', 'fraction of values inside the range for --method percentile (default 0.9999)')
      .option('--exclude <names>', 'comma-separated node names or module-path prefixes (/model.3/) to keep float')
      .option('--placement <p>', 'auto: measure candidate placements against float and keep the fastest (default); all: quantize every quantizable layer')
      .option('--allow-slower', 'write the INT8 model even when it is slower than float on this machine')
      .option('--bench-runs <n>', 'interleaved rounds of the placement measurement (default 30)')
      .option('--weights-only', 'int8 weights + DequantizeLinear, float compute (≈4× smaller weights, runs everywhere; no calibration)')
      .option('--symmetric-weights', 'with --weights-only: zero points of 0 (for runtimes that accept only symmetric weights, e.g. TensorRT)')
      .option('--fp16-weights', 'float16 weights + Cast, folded at load (≈2× smaller; no calibration)')
      .option('--sparse', 'store initializers as ONNX sparse_initializer where smaller (unstructured-pruned models; alone or after --weights-only/--fp16-weights)')
      .option('--data <data.yaml>', 'accuracy control: evaluate candidates on this dataset (use images other than --calib ones for honest figures)')
      .option('--max-drop <rules>', 'accuracy control budget, e.g. map50-95=1pt,map50=1pt (syntax of compare)')
      .option('--per-tensor', 'one weight scale per tensor instead of per output channel')
      .option('--int8-activations', 'int8 activations instead of uint8 (onnxruntime on x86 fuses far fewer)')
      .option('--reduce-range', '7-bit weights, for CPUs without VNNI')
      .option('--threads <n>', threadsHelp())
      .option('--layers', 'list every node kept float with its reason (with --sparse: every tensor considered)')
      .option('--json <file>', 'write the full result as JSON')
      .option('--force', 'overwrite OUT if it exists')
      .action((model: string, flags: QuantizeFlags) => runQuantize(ctx, model, flags));
  },
};
