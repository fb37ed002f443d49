/**
 * The INT8 step of `prunekit run --int8` (and of the demo): static QDQ quantization of the pruned model, calibrated
 * on `--calib` (else on the dataset yaml: its train split, or its val split with a warning), placed by measuring
 * candidate placements against the float pruned model on this machine. When every placement is slower than
 * float, the fastest is still written (the pipeline shows what INT8 costs and buys) and a line says so.
 */
import { formatRatio, UsageError } from '../core/index.js';
import type { QuantizeFileResult } from '../files/quantize-file.js';
import type { CliContext } from './context.js';
import { parseCount } from './flag-values.js';
import { warnCalibrationOverlap } from './prune-calibration.js';
import { progressBar } from './progress.js';
import { benchProbe, DEFAULT_QUANT_CALIB_IMAGES, quantizeText } from './quantize.js';

export interface PipelineQuantizeSettings {
  /** Calibration images (yaml or folder); default: `data`. */
  calib?: string;
  calibImages?: string;
  /** The validation dataset (calibration images overlapping its val split are warned about). */
  data: string;
  threads?: number;
  /** Interleaved rounds of the placement measurement (default 30). */
  benchRuns?: number;
  force?: boolean;
}

export interface PipelineQuantizeResult {
  result: QuantizeFileResult;
  /** Indented summary lines for the console. */
  lines: string[];
  /** Stage label for reports. */
  label: string;
}

export async function pipelineQuantize(ctx: CliContext, s: PipelineQuantizeSettings, input: string, output: string): Promise<PipelineQuantizeResult> {
  const source = s.calib ?? s.data;
  const n = parseCount('calib-images', s.calibImages) ?? DEFAULT_QUANT_CALIB_IMAGES;
  const { openCalibrationImages, readModelInfo } = await import('../eval/index.js');
  const { checkQuantizable } = await import('../quantize/index.js');
  const { quantizeModelFile } = await import('../files/quantize-file.js');
  const { loadOnnx } = await import('../files/onnx-file.js');
  checkQuantizable(await loadOnnx(input), input);
  const info = await readModelInfo(input);
  const images = await openCalibrationImages(source, { images: n, imgsz: info.inputSize ?? 640, inputName: info.inputName });
  await warnCalibrationOverlap(ctx, images, source, s.data);
  const bar = progressBar(ctx.io, 'INT8 calibration');
  const r = await quantizeModelFile(input, output, images, {
    placement: 'auto', measure: benchProbe(input, s.threads, s.benchRuns ?? 30), allowSlower: true, threads: s.threads, force: s.force,
    onProgress: bar.onProgress,
  }).finally(() => bar.stop());
  if (r.layers.length === 0) throw new UsageError(`${input}: no layer could be quantized; nothing written`);
  const lines = quantizeText(r, false).split('\n');
  const best = r.placement.candidates.find((c) => c.label === r.placement.chosen)?.speedup;
  if (r.placement.slowerThanFloat) lines.push(`note: INT8 is slower than the float model it came from on this machine (${formatRatio(best ?? 0)}); written anyway so the comparison shows what it costs — ship the float model`);
  return { result: r, lines, label: `INT8 (${r.layers.length} layers, ${r.placement.chosen}, calibrated on ${r.calibration.images} images)` };
}
