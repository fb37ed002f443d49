/**
 * Flags and setup shared by `sensitivity` and `optimize`: the search and measurement image sets (`--data`,
 * `--split`, `--search-images`, `--val-split`), the ladder, calibration, threads, and a progress bar per phase.
 */
import type { Command } from 'commander';
import { UsageError } from '../core/errors.js';
import type { SensitivityOptions } from '../search/run-sensitivity.js';
import type { ImageSet } from '../search/images.js';
import type { CliContext } from './context.js';
import { parseFractionFlag } from './flag-values.js';
import { writeJson, writeText } from './outputs.js';
import { progressBar } from './progress.js';
import type { SearchJson } from '../search/report-json.js';

export interface SearchFlags {
  data?: string; split?: string; searchImages?: string; valSplit?: string; ratios?: string; collapse?: string;
  roundTo?: string; proxyImages?: string; calib?: string; calibImages?: string; threads?: string; workers?: string; latencyRounds?: string;
  ignore?: string; pruneHead?: boolean; keepHeadInputs?: boolean; json?: string; html?: string; force?: boolean;
}

/** Register the shared flags on a command. */
export function searchOptions(cmd: Command): Command {
  return cmd
    .option('--data <yaml>', 'dataset yaml (labelled): the search images, and the measurement images with --val-split')
    .option('--split <name>', "split of the yaml to search on (default 'val')")
    .option('--search-images <range>', 'images of the split to search on, FIRST-LAST (1-based, sorted by file name; default: all, minus a --val-split range)')
    .option('--val-split <name|range>', 'measure the result on images not searched on: another split of the yaml, or a range of the same split (e.g. 65-128)')
    .option('--ratios <list>', 'ladder of channel ratios tried per group (default 0.125,0.25,0.375,0.5,0.625,0.75)')
    .option('--collapse <f>', "stop a group's ladder once the proxy damage exceeds this fraction (default 0.3)")
    .option('--proxy-images <n>', 'the scan scores each cut on the first n search images (default 32; verification uses all)')
    .option('--round-to <n>', 'kept channel counts are multiples of n (default 16)')
    .option('--calib <yaml|folder|none>', 'calibration images for the refit (default: the first --calib-images search images)')
    .option('--calib-images <n>', 'calibration images (default 32)')
    .option('--threads <n>', 'onnxruntime threads per evaluation and for timing (default 1)')
    .option('--workers <n>', 'evaluations in flight at once (default 2)')
    .option('--latency-rounds <n>', 'interleaved rounds when timing the units (default 20; INT8 units: 10)')
    .option('--ignore <list>', 'layers whose output channels are never cut (weight names or module paths)')
    .option('--prune-head', 'let the detection head lose channels too')
    .option('--keep-head-inputs', 'keep every channel that enters the head')
    .option('--json <file>', 'write the full result as JSON')
    .option('--html <file>', 'write the HTML page (curves per group, Pareto plot)')
    .option('--force', 'overwrite existing outputs');
}

function int(flag: string, text: string | undefined, min: number): number | undefined {
  if (text === undefined) return undefined;
  const v = Number(text);
  if (!(Number.isInteger(v) && v >= min)) throw new UsageError(`--${flag} ${text}: expected an integer ≥ ${min}`);
  return v;
}

export interface SearchSetup {
  options: Omit<SensitivityOptions, 'onProgress'>;
  search: ImageSet;
  measure: ImageSet | undefined;
  calibrationArg: string | undefined;
}

/** Check the flags (UsageError → exit 2) and read the image sets once. */
export async function searchSetup(model: string, f: SearchFlags, ctx: CliContext): Promise<SearchSetup> {
  if (!f.data) throw new UsageError('missing --data <data.yaml>: the search scores candidates on labelled images');
  const ratios = f.ratios?.split(',').map((s) => parseFractionFlag('ratios', s.trim())!).sort((a, b) => a - b);
  if (ratios && ratios.some((r) => r <= 0)) throw new UsageError(`--ratios ${f.ratios}: every ratio must be in (0, 1)`);
  const collapse = f.collapse === undefined ? undefined : Number(f.collapse);
  if (collapse !== undefined && !(collapse > 0 && collapse <= 1)) throw new UsageError(`--collapse ${f.collapse}: expected a fraction in (0, 1]`);
  const { openImageSet, parseImageRange } = await import('../search/images.js');
  const split = f.split ?? 'val';
  const range = f.valSplit !== undefined && /^\s*\d/.test(f.valSplit) ? parseImageRange(f.valSplit, '--val-split') : undefined;
  let searchRange = f.searchImages === undefined ? undefined : parseImageRange(f.searchImages, '--search-images');
  if (range && !searchRange) {
    if (range.first <= 1) throw new UsageError(`--val-split ${f.valSplit}: give --search-images too (the search images must not overlap the measurement images)`);
    searchRange = { first: 1, last: range.first - 1 };
  }
  if (range && searchRange && !(searchRange.last < range.first || searchRange.first > range.last)) {
    throw new UsageError(`--search-images ${f.searchImages} overlaps --val-split ${f.valSplit}: measure on images the search did not see`);
  }
  const search = await openImageSet({ data: f.data, split, range: searchRange, model });
  const measure = f.valSplit === undefined ? undefined
    : range ? await openImageSet({ data: f.data, split, range, model }) : await openImageSet({ data: f.data, split: f.valSplit, model });
  let calibration: SensitivityOptions['calibration'] = 'search';
  let calibrationArg: string | undefined;
  const calibImages = int('calib-images', f.calibImages, 1) ?? 32;
  if (f.calib === 'none') calibration = 'none';
  else if (f.calib !== undefined) {
    const { openCalibrationImages } = await import('../eval/index.js');
    calibration = await openCalibrationImages(f.calib, { images: calibImages, imgsz: search.imgsz, inputName: search.inputName });
    calibrationArg = f.calib;
  }
  void ctx;
  return {
    search, measure, calibrationArg,
    options: {
      model, search, ratios, collapse, proxyImages: int('proxy-images', f.proxyImages, 1), roundTo: int('round-to', f.roundTo, 1), calibration, calibImages,
      threads: int('threads', f.threads, 1), workers: int('workers', f.workers, 1) ?? 2, latencyRounds: int('latency-rounds', f.latencyRounds, 2),
      ignore: f.ignore?.split(',').map((s) => s.trim()).filter(Boolean), headPath: f.pruneHead ? null : undefined, keepHeadInputs: f.keepHeadInputs === true,
    },
  };
}

/** One progress bar per phase (the previous one stops when the phase changes); ETA from the bar. */
export function phaseProgress(ctx: CliContext): { onProgress: NonNullable<SensitivityOptions['onProgress']>; stop(): void } {
  let current: { phase: string; bar: ReturnType<typeof progressBar> } | undefined;
  return {
    onProgress(phase, p) {
      if (current?.phase !== phase) {
        current?.bar.stop();
        current = { phase, bar: progressBar(ctx.io, phase) };
      }
      current.bar.onProgress(p);
    },
    stop: () => current?.bar.stop(),
  };
}

/** `--json` and `--html` of a search run. */
export async function writeSearchFiles(ctx: CliContext, j: SearchJson, flags: Pick<SearchFlags, 'json' | 'html' | 'force'>): Promise<void> {
  if (flags.json) {
    await writeJson(flags.json, j, { force: flags.force });
    ctx.io.out(`wrote ${flags.json}`);
  }
  if (flags.html) {
    const { renderSearchHtml } = await import('../report/search-html.js');
    await writeText(flags.html, renderSearchHtml(j), { force: flags.force });
    ctx.io.out(`wrote ${flags.html}`);
  }
}
