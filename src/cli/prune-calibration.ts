/**
 * `--calib <data.yaml|folder>` and `--calib-images <n>` of `prunekit prune` (structured or not): open the calibration
 * images (letterboxed like validation), draw the calibration pass as a progress bar, and describe the
 * reconstruction in one line.
 */
import { UsageError } from '../core/errors.js';
import { formatCount, formatNumber, formatPercent } from '../core/format.js';
import type { CalibrationAugment, CalibrationImages } from '../eval/index.js';
import type { PruneFileResult } from '../files/prune-file.js';
import type { CalibrationSource } from '../prune/structured/index.js';
import type { StructuredFileResult } from '../files/structured-prune-file.js';
import type { CliContext } from './context.js';
import { parseCount } from './flag-values.js';
import { progressBar, type OnProgress } from './progress.js';

export interface CalibrationFlags { calib?: string; calibImages?: string; calibAugment?: string }

export interface CalibrationSetup {
  options: { calibration?: CalibrationSource; onProgress?: OnProgress };
  /** Skipped (undecodable) images, filled during the pass. */
  skipped: ReadonlyArray<{ path: string; reason: string }>;
  stop(): void;
}

export const DEFAULT_CALIB_IMAGES = 32;

/**
 * Say on stderr what a calibration set overlaps with: a yaml without a train split (val used instead), and
 * calibration images that are also validation images of `validation` (default: the calibration yaml's own val
 * split), which makes accuracy measured there after calibration optimistic. Call it from every command that
 * calibrates (prune, quantize, run, optimize).
 */
export async function warnCalibrationOverlap(
  ctx: CliContext, images: Pick<CalibrationImages, 'paths' | 'count' | 'fallback' | 'split'> & { images?: number }, calib: string, validation?: string,
): Promise<void> {
  if (images.fallback) ctx.io.err(`note: ${images.fallback}`);
  const data = validation ?? (images.split !== undefined ? calib : undefined);
  if (data === undefined) return;
  const { validationOverlap } = await import('../eval/index.js');
  const used = images.paths.slice(0, images.images ?? images.count); // images, not inputs (an augmented source feeds more)
  const n = await validationOverlap(used, data);
  if (n) {
    ctx.io.err(`warning: ${n} of the ${used.length} calibration images are also validation images of ${data} (val split): accuracy measured on them after calibration is optimistic; calibrate on other images (the train split, or a folder)`);
  }
}

export async function calibrationSetup(ctx: CliContext, model: string, flags: CalibrationFlags, validation?: string): Promise<CalibrationSetup> {
  if (!flags.calib) {
    if (flags.calibImages !== undefined) throw new UsageError('--calib-images needs --calib <data.yaml|image folder>');
    if (flags.calibAugment !== undefined) throw new UsageError('--calib-augment needs --calib <data.yaml|image folder>');
    return { options: {}, skipped: [], stop: () => undefined };
  }
  const n = parseCount('calib-images', flags.calibImages) ?? DEFAULT_CALIB_IMAGES;
  const augment = flags.calibAugment?.split(',').map((a) => a.trim());
  const known = ['flip', 'scale'];
  const bad = augment?.find((a) => !known.includes(a));
  if (bad !== undefined) throw new UsageError(`--calib-augment ${bad}: expected ${known.join(', ')} or a comma-separated list of them (flip,scale)`);
  const { openCalibrationImages, readModelInfo } = await import('../eval/index.js');
  const info = await readModelInfo(model);
  const dims = info.inputShape;
  if (dims.length !== 4 || (typeof dims[1] === 'number' && dims[1] !== 3)) {
    throw new UsageError(`--calib: ${model} takes '${info.inputName}' [${dims.join(',')}], not an image [N,3,H,W]; calibration feeds letterboxed RGB images, so it needs an image model`);
  }
  const images = await openCalibrationImages(flags.calib, { images: n, imgsz: info.inputSize ?? 640, inputName: info.inputName, augment: augment as CalibrationAugment[] | undefined });
  await warnCalibrationOverlap(ctx, images, flags.calib, validation);
  const bar = progressBar(ctx.io, 'calibration');
  return { options: { calibration: images, onProgress: bar.onProgress }, skipped: images.skipped, stop: () => bar.stop() };
}

/**
 * `32 images of X`, or with an augmented source (more inputs than images, e.g. `--calib-augment flip`)
 * `64 inputs (32 images of X + their horizontal flips)`: the number counted is what was fed.
 */
export function inputsText(inputs: number, description: string): string {
  const images = /^(\d+) images? of /.exec(description);
  if (images && Number(images[1]) === inputs) return `${inputs} images of ${description.slice(images[0].length)}`;
  return `${inputs} inputs (${description})`;
}

/** `reconstruction: …` line, or undefined when no calibration was used. */
export function reconstructionText(r: StructuredFileResult, skipped: CalibrationSetup['skipped'] = []): string | undefined {
  const rec = r.report.reconstruction, cal = r.calibration;
  if (!rec || !cal) return undefined;
  const comp = r.report.compensation;
  const fallback = rec.fallbackConsumers === 0 ? 'none fell back to bias compensation'
    : `${rec.fallbackConsumers} (${rec.fallbackChannels} slices) fell back to ${comp ? 'bias compensation' : 'plain removal (--no-compensate)'}`;
  return `reconstruction: ${rec.consumers} consumer convs refit (${rec.channels} removed input slices predicted from kept channels of ${rec.tensors} tensors) `
    + `from ${inputsText(cal.images, cal.description)} (calibration pass ${formatNumber(cal.seconds.total - cal.seconds.prune, 1)} s); ${fallback}`
    + (skipped.length > 0 ? `; ${skipped.length} undecodable images skipped (first: ${skipped[0]!.path}: ${skipped[0]!.reason})` : '');
}

/** `reconstruction: …` line of calibrated unstructured pruning, or undefined without calibration. */
export function unstructuredReconstructionText(r: PruneFileResult, skipped: CalibrationSetup['skipped'] = []): string | undefined {
  const info = r.reconstruction;
  if (!info) return undefined;
  const rows = r.layers.filter((l) => l.reconstruction && l.reconstruction.errorBefore !== null);
  let before = 0, after = 0;
  for (const l of rows) { before += l.reconstruction!.errorBefore!; after += l.reconstruction!.errorAfter!; }
  const mean = (v: number) => formatPercent(rows.length ? v / rows.length : 0, 2);
  return `reconstruction: ${info.layers.reconstructed} layers refit sequentially in ${info.blocks} blocks from ${inputsText(info.images, info.description)} `
    + `(${formatCount(info.positions)} positions per image over those layers; ${formatNumber(info.seconds.total, 1)} s); mean relative output error ${mean(before)} with the mask alone → ${mean(after)} refit`
    + (info.layers.magnitude > 0 ? `; ${info.layers.magnitude} layers cut by magnitude (no statistics: see --layers)` : '')
    + (info.rankDeficient.length > 0 ? `; ${info.rankDeficient.length} layers had rank-deficient statistics (damped; more --calib-images helps): ${info.rankDeficient.slice(0, 3).join(', ')}${info.rankDeficient.length > 3 ? ', …' : ''}` : '')
    + (skipped.length > 0 ? `; ${skipped.length} undecodable images skipped (first: ${skipped[0]!.path}: ${skipped[0]!.reason})` : '');
}
