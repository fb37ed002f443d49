/**
 * Step 1 of `prunekit run`: prune the model, unstructured (default) or structured (`--structured`), optionally
 * calibrated (`--calib`; the calibration images are checked against the validation data of step 2).
 */
import { formatCount, formatPercent, formatRelative, UsageError } from '../core/index.js';
import { parseCriterion } from '../prune/index.js';
import { pruneFile } from '../files/prune-file.js';
import type { CompareOptions } from '../report/index.js';
import type { CliContext } from './context.js';
import { parseFractionFlag } from './flag-values.js';
import { calibrationSetup } from './prune-calibration.js';
import { progressBar } from './progress.js';
import type { PipelineSettings } from './run.js';

/** The pruning settings of a pipeline (flag values as given); `data` is the validation dataset (calibration images overlapping it are warned about). */
export type PipelinePruneSettings = Pick<PipelineSettings, 'preset' | 'presetConfig' | 'arch' | 'target' | 'criterion' | 'structured' | 'calib' | 'calibImages' | 'force'>
  & { model: string; data: string };

/** What the pipeline needs from the prune step. */
export interface PipelinePruneResult {
  /** Indented summary lines for the console. */
  lines: string[];
  /** How the model was pruned, for the report title. */
  label: string;
  /** Per-layer categories of an unstructured plan (the report's per-layer section). */
  categories?: CompareOptions['categories'];
  /** Per-layer reconstruction of a calibrated prune (the report's reconstruction table). */
  reconstruction?: CompareOptions['reconstruction'];
}

const int = formatCount;

export async function pipelinePrune(ctx: CliContext, s: PipelinePruneSettings, output: string): Promise<PipelinePruneResult> {
  const target = parseFractionFlag('target', s.target);
  const cal = await calibrationSetup(ctx, s.model, { calib: s.calib, calibImages: s.calibImages }, s.data);
  const bar = cal.options.calibration ? undefined : progressBar(ctx.io, 'prune');
  const onProgress = bar?.onProgress ?? cal.options.onProgress;
  const calibrated = cal.options.calibration ? `, calibrated on ${cal.options.calibration.description}` : '';
  try {
    if (s.structured) {
      const { pruneChannelsFile } = await import('../files/structured-prune-file.js');
      const criterion = s.criterion ?? 'l1';
      if (criterion !== 'l1' && criterion !== 'l2') throw new UsageError(`--criterion ${criterion}: structured pruning supports l1 or l2`);
      const r = await pruneChannelsFile(s.model, output, {
        preset: s.preset, config: s.presetConfig, arch: s.arch, target, norm: criterion, force: s.force, roundTo: 16,
        calibration: cal.options.calibration, onProgress: cal.options.onProgress,
      });
      const p = r.report.params, m = r.report.macs;
      return {
        label: `structured (${r.policy}${calibrated})`,
        lines: [
          `params ${int(p.before)} → ${int(p.after)} (${formatRelative(p.before, p.after)}), MACs ${int(m.before)} → ${int(m.after)} (${formatRelative(m.before, m.after)}), channels ${int(r.report.channels.before)} → ${int(r.report.channels.after)}`,
        ],
      };
    }
    const r = await pruneFile(s.model, output, {
      preset: s.preset, config: s.presetConfig, arch: s.arch, target,
      criterion: s.criterion === undefined ? undefined : parseCriterion(s.criterion), force: s.force, onProgress,
      calibration: cal.options.calibration, dataCriterion: cal.options.calibration ? 'obs' : undefined,
    });
    return {
      label: `${r.plan.preset}${s.target ? ` to ${s.target}` : ''}${calibrated}`,
      lines: [
        `sparsity ${formatPercent(r.totals.achieved, 2)} of prunable weights (${int(r.totals.zeroed)} weights zeroed)`,
        ...r.notes.map((n) => `note: ${n}`),
      ],
      categories: { byId: new Map(r.layers.map((l) => [l.id, l.category])), source: `pruning plan, preset ${r.plan.preset}` },
      reconstruction: new Map(r.layers.flatMap((l) => (l.reconstruction ? [[l.id, l.reconstruction] as const] : []))),
    };
  } finally {
    bar?.stop();
    cal.stop();
  }
}
