/**
 * `prunekit optimize MODEL --data data.yaml --max-drop map50=1% -o OUT.onnx`: sensitivity scan, allocation
 * under the budget, verification with back-off, the chosen model written through `prune --structured --config`
 * (its config saved beside it), measured on the measurement images, the explored points timed. Exit 1 when no
 * cut holds the budget (the closest point is written) or the chosen model breaks it on the measurement images.
 */
import type { Command } from 'commander';
import os from 'node:os';
import path from 'node:path';
import { UsageError } from '../core/errors.js';
import { formatFraction, formatNumber, formatPercent } from '../core/format.js';
import type { Objective } from '../search/optimize.js';
import type { SearchJson } from '../search/report-json.js';
import type { CliContext, CommandModule } from './context.js';
import { ExitCode } from './io.js';
import { DEFAULT_CONFIDENCE } from '../search/accept.js';
import { phaseProgress, searchOptions, searchSetup, writeSearchFiles, type SearchFlags } from './search-flags.js';
import { sensitivityText } from './sensitivity.js';
import { checkOutputs, target, writeJson, writeText } from './outputs.js';

interface OptimizeFlags extends SearchFlags {
  maxDrop?: string; objective?: string; output?: string; saveConfig?: string; report?: string;
  maxVerifications?: string; paretoRounds?: string; benchRuns?: string; int8?: boolean; margin?: string; confidence?: string; int8CalibImages?: string;
}

const pct = (v: number, d = 2) => formatPercent(v, d);

/**
 * Default noise margin: none since session 9 — the paired-bootstrap upper bound (`--confidence`, default 0.9,
 * Bonferroni-corrected over the verified candidates) replaces it; `--margin` still shrinks the threshold the
 * bound must reach, and `--confidence none --margin 0.5` is the rule before session 9 (docs/optimize.md).
 */
export const DEFAULT_MARGIN = 0;
const x3 = (v: number) => formatNumber(v, 3);

export function optimizeText(j: SearchJson): string {
  const o = j.optimize!;
  const lines = ['', `pareto (explored points; speed-up measured interleaved, drop verified on the search images):`];
  for (const p of o.pareto) {
    lines.push(`  ${(p.via + (p.chosen ? ' *chosen*' : '')).padEnd(20)} groups ${String(p.units).padStart(3)}  drop ${pct(p.drop).padStart(7)}  bound ${pct(p.bound ?? p.drop).padStart(7)} ${(p.accepted ?? p.holds) ? 'accepted' : 'rejected'}  ${x3(p.speedup)}× (95% CI ${x3(p.ciLow)}–${x3(p.ciHigh)})`);
  }
  const sel = o.selection;
  if (sel) lines.push(`acceptance: ${sel.confidence === null ? 'drop' : `upper bound at ${pct(sel.correctedLevel ?? NaN)} one-sided (${pct(sel.confidence, 0)}, Bonferroni over ${sel.family} verified points; paired bootstrap, ${sel.resamples} resamples of the search images)`} ≤ ${pct(sel.threshold)}; ${sel.reason}`);
  const m = o.measured;
  const c = o.pareto.find((p) => p.chosen);
  lines.push('', !o.feasible ? `no cut is accepted for ${o.budget} on the search images; the closest point found is written`
    : c?.via === 'original' ? 'chosen: the original (no accepted cut is measurably faster); written unchanged'
      : `chosen: ${Object.keys(o.chosen?.ratios ?? {}).length} groups cut; ${c ? `${x3(c.speedup)}× faster (95% CI ${x3(c.ciLow)}–${x3(c.ciHigh)})` : ''}`);
  lines.push(`measured on ${m.set}${m.inSample ? ' (IN-SAMPLE: the search images; pass --val-split for an honest figure)' : ''}: mAP50 ${formatFraction(m.original.map50)} → ${formatFraction(m.chosen.map50)}, mAP50-95 ${formatFraction(m.original.map5095)} → ${formatFraction(m.chosen.map5095)}; drop ${pct(m.drop)} → budget ${o.budget} ${m.holds ? 'holds' : 'BROKEN'}`);
  lines.push(`wrote ${o.output} and its config ${o.config} (its header has the prune command that rebuilds the model)`);
  return lines.join('\n');
}

/** `--confidence`: a one-sided level in [0.5, 1), or `none` (the point estimate, no bootstrap). */
export function parseConfidence(text: string | undefined): number | null {
  if (text === undefined) return DEFAULT_CONFIDENCE;
  if (text === 'none') return null;
  const v = Number(text);
  if (!(v >= 0.5 && v < 1)) throw new UsageError(`--confidence ${text}: expected a one-sided confidence in [0.5, 1), e.g. 0.9, or none`);
  return v;
}

async function run(ctx: CliContext, model: string, flags: OptimizeFlags): Promise<void> {
  if (!flags.output) throw new UsageError('missing -o/--output OUT.onnx');
  const objective = (flags.objective ?? 'latency') as Objective;
  if (!['latency', 'macs', 'size'].includes(objective)) throw new UsageError(`--objective ${flags.objective}: expected latency, macs or size`);
  const { parseMaxDrop } = await import('../report/budget.js');
  const rules = parseMaxDrop(flags.maxDrop ?? 'map50=1%');
  if (rules.length !== 1 || (rules[0]!.metric !== 'map50' && rules[0]!.metric !== 'map5095')) throw new UsageError(`--max-drop ${flags.maxDrop}: optimize takes one budget on map50 or map50-95, e.g. map50=1%`);
  const budget = rules[0]!;
  const int = (flag: string, t: string | undefined) => {
    if (t === undefined) return undefined;
    const v = Number(t);
    if (!(Number.isInteger(v) && v >= 1)) throw new UsageError(`--${flag} ${t}: expected a positive integer`);
    return v;
  };
  const maxVerifications = int('max-verifications', flags.maxVerifications);
  const paretoRounds = int('pareto-rounds', flags.paretoRounds);
  const benchRuns = int('bench-runs', flags.benchRuns) ?? 100;
  const margin = flags.margin === undefined ? DEFAULT_MARGIN : Number(flags.margin);
  if (!(margin >= 0 && margin < 1)) throw new UsageError(`--margin ${flags.margin}: expected a fraction of the budget in [0, 1), e.g. 0.5`);
  const confidence = parseConfidence(flags.confidence);
  const int8CalibImages = int('int8-calib-images', flags.int8CalibImages);
  const configPath = flags.saveConfig ?? flags.output.replace(/\.onnx$/i, '') + '.config.yaml';
  // --int8: the structured choice goes beside OUT (its config rebuilds it); OUT is the INT8 (or structured) winner.
  const structuredOut = flags.int8 ? flags.output.replace(/\.onnx$/i, '') + '.structured.onnx' : flags.output;
  const calibList = configPath.replace(/\.ya?ml$/i, '') + '.calib.yaml';
  await checkOutputs([
    target('-o', flags.output), ...(flags.int8 ? [target('-o (structured stage)', structuredOut)] : []), target('--save-config', configPath), target('--save-config (calibration list)', calibList), target('--json', flags.json),
    target('--html', flags.html), target('--report', flags.report, 'folder'),
  ], { force: flags.force, inputs: [model, flags.data] });
  const setup = await searchSetup(model, flags, ctx);
  const { runOptimize } = await import('../search/run-optimize.js');
  const { optimizeJson } = await import('../search/report-json.js');
  const { tableRankCorrelation } = await import('../search/sensitivity.js');
  let calibrationArg = setup.calibrationArg;
  if (setup.options.calibration === 'search') {
    // The calibration images as a list yaml, so the config's `prune --calib` line repeats the same refit.
    const { writeImageListYaml } = await import('../search/image-list.js');
    const n = Math.min(setup.options.calibImages ?? 32, setup.search.images.length);
    calibrationArg = await writeImageListYaml(calibList, setup.search.images.slice(0, n).map((im) => im.path), setup.search.names, { force: flags.force });
  }
  const progress = phaseProgress(ctx);
  const r = await runOptimize({
    ...setup.options, budget, margin, confidence, objective, measure: setup.measure, output: structuredOut, configPath, force: flags.force,
    maxVerifications, paretoRounds, calibrationArg, onProgress: progress.onProgress,
  }).finally(() => progress.stop());
  if (r.sensitivity.table.length === 0) ctx.io.out(`${model}: no prunable channel group (every channel reaches a barrier); the model is written unchanged`);
  const j = optimizeJson(r, { model, budget: budget.text, objective, output: structuredOut, config: configPath }, tableRankCorrelation(r.sensitivity.table));
  ctx.io.out(sensitivityText(j));
  ctx.io.out(optimizeText(j));
  let broken = !r.result.feasible || !r.measured.holds;
  if (flags.int8) {
    const { int8Input, runInt8Stage } = await import('../search/run-int8.js');
    const { int8Text } = await import('./optimize-int8.js');
    const p2 = phaseProgress(ctx);
    const stage = await runInt8Stage(int8Input(r), {
      budget, margin, confidence, threads: setup.options.threads, rounds: paretoRounds, unitRounds: setup.options.latencyRounds, measure: setup.measure, output: flags.output, force: flags.force,
      calibImages: int8CalibImages, onProgress: p2.onProgress,
    }).finally(() => p2.stop());
    j.int8 = stage;
    ctx.io.out(int8Text(stage, { structured: structuredOut, output: flags.output, calibration: setup.search.description, calibImages: Math.min(int8CalibImages ?? 64, setup.search.images.length), threads: setup.options.threads ?? 1 }));
    broken = !stage.feasible || !stage.measured.holds;
  }
  await writeSearchFiles(ctx, j, flags);
  if (flags.report) await writeReport(ctx, flags.report, model, flags.output, j, setup, budget, benchRuns, setup.options.threads ?? 1, flags.force);
  if (broken) throw new ExitCode(1);
}

/** `--report DIR`: the compare report (before/after on the measurement images, budget, latency with CI) and the search page. */
async function writeReport(ctx: CliContext, dir: string, model: string, candidate: string, j: SearchJson, setup: Awaited<ReturnType<typeof searchSetup>>, budget: import('../report/types.js').BudgetRule, runs: number, threads: number, force?: boolean): Promise<void> {
  const { compareModels, renderHtml } = await import('../report/index.js');
  const { renderSearchHtml } = await import('../report/search-html.js');
  const { writeImageListYaml } = await import('../search/image-list.js');
  const set = setup.measure ?? setup.search;
  const data = await writeImageListYaml(path.join(await import('node:fs/promises').then((f) => f.mkdtemp(path.join(os.tmpdir(), 'prunekit-optimize-'))), 'measure.yaml'), set.images.map((im) => im.path), set.names);
  const progress = phaseProgress(ctx);
  const outcome = await compareModels({
    base: model, candidate, data, budget: [budget], bench: { threads, runs, warmup: 10 },
    validation: { threads }, title: `prunekit optimize: ${path.basename(candidate)} vs ${path.basename(model)} on ${set.description}`,
    onProgress: (p) => progress.onProgress('final', p),
  }).finally(() => progress.stop());
  await writeText(path.join(dir, 'compare.html'), renderHtml(outcome.report), { force });
  await writeJson(path.join(dir, 'compare.json'), outcome.report, { force });
  await writeText(path.join(dir, 'search.html'), renderSearchHtml(j), { force });
  await writeJson(path.join(dir, 'search.json'), j, { force });
  ctx.io.out(`wrote ${dir}/compare.html, compare.json, search.html, search.json`);
}

export const optimizeCommand: CommandModule = {
  name: 'optimize',
  register(program: Command, ctx: CliContext) {
    searchOptions(program.command('optimize')
      .description('choose per-group channel ratios that make the model fastest within an accuracy budget, from measured sensitivity')
      .argument('<model>', 'ONNX model'))
      .option('--max-drop <rule>', 'accuracy budget on the search images, e.g. map50=1% (relative) or map50=0.01 (absolute); default map50=1%')
      .option('--objective <kind>', 'what to maximise: latency (measured), macs or size (default latency)')
      .option('-o, --output <file>', 'the chosen model')
      .option('--save-config <file>', 'where the reusable prune --config goes (default OUT.config.yaml)')
      .option('--report <dir>', 'compare report (compare.html/json on the measurement images) and search page (search.html/json)')
      .option('--max-verifications <n>', 'combinations verified on the search images at most (default 24)')
      .option('--pareto-rounds <n>', 'interleaved rounds timing the explored points (default 20)')
      .option('--bench-runs <n>', 'benchmark rounds of the --report comparison (default 100)')
      .option('--confidence <p>', 'a candidate is accepted when the one-sided p upper bound of its drop (paired bootstrap over the search images, Bonferroni-corrected over the candidates verified) is within the budget; none = the drop itself (default 0.9)')
      .option('--margin <f>', 'a fraction of the budget kept in reserve: the bound must be ≤ budget × (1 − f) (default 0; before the bootstrap it was 0.5)')
      .option('--int8-calib-images <n>', 'INT8 calibration images, the first n search images (default 64, as quantize)')
      .option('--int8', 'then INT8 on top, under the same budget: the search picks which layers stay float (OUT.structured.onnx keeps the structured stage)')
      .action((model: string, flags: OptimizeFlags) => run(ctx, model, flags));
  },
};
