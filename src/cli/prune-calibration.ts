/**
 * `--calib <data.yaml|folder>` and `--calib-images <n>` of `prunekit prune --structured`: open the calibration
 * images (letterboxed like validation), draw the calibration pass as a progress bar, and describe the
 * reconstruction in one line.
 */
import { UsageError } from '../core/index.js';
import type { CalibrationSource, StructuredFileResult } from '../prune/structured/index.js';
import type { CliContext } from './context.js';
import { parseCount } from './flag-values.js';
import { progressBar, type OnProgress } from './progress.js';

export interface CalibrationFlags { calib?: string; calibImages?: string }

export interface CalibrationSetup {
  options: { calibration?: CalibrationSource; onProgress?: OnProgress };
  /** Skipped (undecodable) images, filled during the pass. */
  skipped: ReadonlyArray<{ path: string; reason: string }>;
  stop(): void;
}

export const DEFAULT_CALIB_IMAGES = 32;

export async function calibrationSetup(ctx: CliContext, model: string, flags: CalibrationFlags): Promise<CalibrationSetup> {
  if (!flags.calib) {
    if (flags.calibImages !== undefined) throw new UsageError('--calib-images needs --calib <data.yaml|image folder>');
    return { options: {}, skipped: [], stop: () => undefined };
  }
  const n = parseCount('calib-images', flags.calibImages) ?? DEFAULT_CALIB_IMAGES;
  const { openCalibrationImages, readModelInfo } = await import('../eval/index.js');
  const info = await readModelInfo(model);
  const images = await openCalibrationImages(flags.calib, { images: n, imgsz: info.inputSize ?? 640, inputName: info.inputName });
  const bar = progressBar(ctx.io, 'calibration');
  return { options: { calibration: images, onProgress: bar.onProgress }, skipped: images.skipped, stop: () => bar.stop() };
}

/** `reconstruction: …` line, or undefined when no calibration was used. */
export function reconstructionText(r: StructuredFileResult, skipped: CalibrationSetup['skipped'] = []): string | undefined {
  const rec = r.report.reconstruction, cal = r.calibration;
  if (!rec || !cal) return undefined;
  const comp = r.report.compensation;
  const fallback = rec.fallbackConsumers === 0 ? 'none fell back to bias compensation'
    : `${rec.fallbackConsumers} (${rec.fallbackChannels} slices) fell back to ${comp ? 'bias compensation' : 'plain removal (--no-compensate)'}`;
  return `reconstruction: ${rec.consumers} consumer convs refit (${rec.channels} removed input slices predicted from kept channels of ${rec.tensors} tensors) `
    + `from ${cal.images} images of ${cal.description.replace(/^\d+ images? of /, '')} (calibration pass ${(cal.seconds.total - cal.seconds.prune).toFixed(1)} s); ${fallback}`
    + (skipped.length > 0 ? `; ${skipped.length} undecodable images skipped (first: ${skipped[0]!.path}: ${skipped[0]!.reason})` : '');
}
