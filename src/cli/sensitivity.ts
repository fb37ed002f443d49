/**
 * `prunekit sensitivity MODEL --data data.yaml`: cut every prunable channel group alone at a ladder of ratios,
 * score each cut with the agreement proxy (and real mAP50) on the search images, time each group's deepest cut,
 * print the table sorted by speed bought per accuracy lost, and write JSON / HTML.
 */
import type { Command } from 'commander';
import { formatFraction, formatNumber, formatPercent } from '../core/format.js';
import type { SearchJson } from '../search/report-json.js';
import type { CliContext, CommandModule } from './context.js';
import { phaseProgress, searchOptions, searchSetup, writeSearchFiles, type SearchFlags } from './search-flags.js';
import { checkOutputs, target } from './outputs.js';
import type { Int8UnitsRun } from '../search/run-int8.js';

const pct = (v: number | null) => formatPercent(v);

/** The per-group table of a search JSON. */
export function sensitivityText(j: SearchJson): string {
  const lines = [`sensitivity of ${j.model}: ${j.units.length} channel groups × ratios ${j.ratios.join(', ')}; ${j.evaluations} evaluations in ${formatNumber(j.seconds.total, 0)} s`,
    `search images: ${j.images.search}; calibration: ${j.images.calibration}`,
    `original on the search images: mAP50 ${formatFraction(j.reference.map50)}; proxy rank correlation with the real mAP50 drop: ${formatNumber(j.rankCorrelation.agreementVsMap50, 2)} (head-output error ${formatNumber(j.rankCorrelation.outputErrorVsMap50, 2)}), ${j.rankCorrelation.points} cuts`, ''];
  lines.push(`${'group'.padEnd(26)}${'ch'.padStart(5)}${'speed-up'.padStart(16)}  proxy damage by ratio (· = same as previous, × = skipped after collapse)`);
  for (const u of j.units) {
    const lat = u.latency ? `${formatNumber(u.latency.speedup, 3)}× @${u.latency.ratio}` : '–';
    const ladder = u.points.map((p) => (p.damage !== null ? pct(p.damage) : p.status === 'same-as-previous' ? '·' : p.status === 'no-cut' ? '–' : '×')).join(' ');
    lines.push(`${u.root.padEnd(26)}${String(u.channels).padStart(5)}${lat.padStart(16)}  ${ladder}`);
  }
  return lines.join('\n');
}

/** The INT8 unit table of `sensitivity --int8`: the most damaging in the INT8 model first. */
export function int8UnitsText(r: Int8UnitsRun): string {
  const q = r.quantize;
  const lines = ['', `INT8 units (${r.units.length}) of the model as \`prunekit quantize\` makes it: calibrated on ${r.images.calibration}; float prefix ${q.floatPrefix.length} layers; placement ${q.placement}; SQNR probes on ${r.images.probes}`,
    `${'layer'.padEnd(44)}${'kind'.padEnd(10)}${'SQNR alone'.padStart(12)}${'kept float'.padStart(12)}${'speed kept float'.padStart(18)}`];
  for (const u of [...r.units].sort((a, b) => b.keptFloatGainDb - a.keptFloatGainDb)) {
    lines.push(`${u.node.padEnd(44)}${(u.kind ?? '').padEnd(10)}${`${formatNumber(u.quantizedSqnrDb, 1)} dB`.padStart(12)}${`+${formatNumber(u.keptFloatGainDb, 2)} dB`.padStart(12)}${(Number.isFinite(u.keptFloatSpeed) ? `${formatNumber(u.keptFloatSpeed, 3)}×` : '–').padStart(18)}`);
  }
  lines.push('(SQNR alone: output SQNR vs float with only that layer integer, low = costly; kept float: SQNR the INT8 model regains with that layer float; speed: the INT8 model with it float / the INT8 model, interleaved)');
  return lines.join('\n');
}

async function run(ctx: CliContext, model: string, flags: SearchFlags & { int8?: boolean }): Promise<void> {
  await checkOutputs([target('--json', flags.json), target('--html', flags.html)], { force: flags.force, inputs: [model, flags.data] });
  const setup = await searchSetup(model, flags, ctx);
  const { runSensitivity } = await import('../search/run-sensitivity.js');
  const { sensitivityJson } = await import('../search/report-json.js');
  const { tableRankCorrelation } = await import('../search/sensitivity.js');
  const progress = phaseProgress(ctx);
  const r = await runSensitivity({ ...setup.options, onProgress: progress.onProgress }).finally(() => progress.stop());
  if (r.table.length === 0) {
    ctx.io.out(`${model}: no prunable channel group (every channel reaches a barrier); nothing to analyse`);
    return;
  }
  const j = sensitivityJson(r, { command: 'sensitivity', model }, tableRankCorrelation(r.table));
  ctx.io.out(sensitivityText(j));
  if (flags.int8) {
    const { runInt8Units } = await import('../search/run-int8.js');
    const p2 = phaseProgress(ctx);
    j.int8Units = await runInt8Units(r.model, setup.search, { threads: setup.options.threads, unitRounds: setup.options.latencyRounds, onProgress: p2.onProgress }).finally(() => p2.stop());
    ctx.io.out(int8UnitsText(j.int8Units));
  }
  await writeSearchFiles(ctx, j, flags);
}

export const sensitivityCommand: CommandModule = {
  name: 'sensitivity',
  register(program: Command, ctx: CliContext) {
    searchOptions(program.command('sensitivity')
      .description('measure how much each channel group can lose: damage (proxy and mAP50) and latency gained per ratio')
      .argument('<model>', 'ONNX model'))
      .option('--int8', 'also the INT8 units: each layer quantize makes integer, its damage quantized alone / kept float and the latency of keeping it float')
      .action((model: string, flags: SearchFlags & { int8?: boolean }) => run(ctx, model, flags));
  },
};
