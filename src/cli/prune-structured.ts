/**
 * `prunekit prune MODEL --structured -o OUT`: remove whole channels (see src/prune/structured). Prints the
 * policy, the dependency groups (largest cuts first; all with --layers), barriers, and params/MACs/file size
 * before → after; the written model has passed the channel-consistency check and an onnxruntime run.
 */
import { UsageError, type Tensor, errorMessage } from '../core/index.js';
import { modelInputs } from '../io/onnx/index.js';
import { loadOnnx } from '../files/onnx-file.js';
import { pruneChannelsFile, type StructuredFileResult } from '../files/structured-prune-file.js';
import type { CliContext } from './context.js';
import { formatBytes, formatCompact, formatCount, formatNumber, formatRelative } from '../core/format.js';
import { textTable, verifyText } from './prune-text.js';
import { writeJson } from './outputs.js';
import { parseScopeAlpha } from './flags.js';
import { parseCount, parseFractionFlag } from './flag-values.js';
import { calibrationSetup, reconstructionText, type CalibrationFlags } from './prune-calibration.js';

export interface StructuredFlags extends CalibrationFlags {
  output?: string; preset?: string; config?: string; arch?: string; target?: string; targetKind?: string;
  channelRatio?: string; roundTo?: string; ignore?: string; criterion?: string; pruneHead?: boolean;
  verify?: boolean; image?: string; dryRun?: boolean; json?: string; force?: boolean; layers?: boolean;
  /** false with --no-compensate */
  compensate?: boolean;
  keepHeadInputs?: boolean;
  /** layer (= per group, default) | global */
  scope?: string;
}

async function imageFeeds(model: string, image: string): Promise<Record<string, Tensor>> {
  const { decodeImageRgb, letterbox } = await import('../eval/preprocess/index.js');
  const input = modelInputs((await loadOnnx(model)).proto)[0];
  if (!input) throw new UsageError(`${model}: the model has no inputs to feed --image to`);
  const side = typeof input.shape[2] === 'number' && input.shape[2] > 0 ? input.shape[2] : 640;
  let img;
  try {
    img = await decodeImageRgb(image);
  } catch (e) {
    throw new UsageError(`--image ${image}: ${errorMessage(e)}`, image);
  }
  return { [input.name]: { dtype: 'float32', dims: [1, 3, side, side], data: letterbox(img, side).data } };
}

const pct = (before: number, after: number) => (before > 0 ? ` (${formatRelative(before, after)})` : '');
const big = (n: number) => (Math.abs(n) >= 1e3 ? `${formatCompact(n)} (${formatCount(n)})` : formatCount(n));
const groupsWord = (n: number) => `${n} group${n === 1 ? '' : 's'}`;

export function structuredText(r: StructuredFileResult, all: boolean, skipped: Parameters<typeof reconstructionText>[1] = []): string {
  const { report } = r;
  const lines = [`structured pruning of ${r.files.input.path}: ${r.policy}${report.ratio !== undefined ? ` (ratio ${formatNumber(report.ratio, 3)})` : ''}`];
  const prunable = report.groups.filter((g) => g.pinned < g.channelsBefore);
  const cut = report.groups.filter((g) => g.channelsAfter < g.channelsBefore);
  lines.push(`groups: ${report.groups.length} (${prunable.length} prunable, ${cut.length} cut); channels ${formatCount(report.channels.before)} → ${formatCount(report.channels.after)}`);
  // The table lists the groups that were cut (largest cut first), or every group with --layers.
  const shown = [...(all ? report.groups : cut)]
    .sort((a, b) => (b.channelsBefore - b.channelsAfter) - (a.channelsBefore - a.channelsAfter) || a.id - b.id);
  const rows = (all ? shown : shown.slice(0, 15)).map((g) => [String(g.id), g.root, String(g.roots.length), String(g.members), `${g.channelsBefore} → ${g.channelsAfter}`, String(g.pinned)]);
  if (rows.length > 0) {
    const what = all ? `all ${groupsWord(shown.length)}` : rows.length < shown.length ? `the ${rows.length} largest of the ${shown.length} groups cut` : `the ${groupsWord(shown.length)} cut`;
    lines.push('', `${what}, largest cut first:`, textTable(['group', 'root layer', 'roots', 'members', 'channels', 'pinned'], rows, new Set([0, 2, 3, 5])));
  }
  if (!all && shown.length > rows.length) lines.push(`… ${shown.length - rows.length} more groups cut (--layers shows all ${report.groups.length} groups)`);
  if (report.barriers.length > 0) {
    lines.push('', `barriers (${report.barriers.length}; channels reaching them are kept):`);
    for (const b of all ? report.barriers : report.barriers.slice(0, 8)) lines.push(`  ${b}`);
    if (!all && report.barriers.length > 8) lines.push(`  … ${report.barriers.length - 8} more (--layers shows all)`);
  }
  lines.push('', `params: ${big(report.params.before)} → ${big(report.params.after)}${pct(report.params.before, report.params.after)}`);
  lines.push(`MACs:   ${big(report.macs.before)} → ${big(report.macs.after)}${pct(report.macs.before, report.macs.after)}`);
  const out = r.files.output;
  lines.push(`file:   ${formatBytes(r.files.input.bytes)} → ${out ? `${formatBytes(out.bytes)}${pct(r.files.input.bytes, out.bytes)} (${out.path})` : 'not written (dry run)'}`);
  const c = report.compensation;
  const rec = reconstructionText(r, skipped);
  if (rec) lines.push(rec);
  else if (c) {
    const skipped = c.skippedChannels > 0 ? `; ${c.skippedChannels} channel slices in ${c.skippedConsumers} convs not compensated (constant unknown)` : '';
    lines.push(`bias compensation: ${c.channels} removed channel slices folded into ${c.consumers} consumer biases${skipped}`);
  } else if (report.channels.after < report.channels.before) lines.push('bias compensation: off (--no-compensate)');
  lines.push(`checks: channel consistency ok; pruning (analyse, apply, count MACs) took ${formatNumber(r.seconds.prune, 2)} s`);
  if (report.message) lines.push(`note: ${report.message}`);
  return lines.join('\n');
}


export async function runStructured(ctx: CliContext, model: string, flags: StructuredFlags): Promise<void> {
  if (!flags.output && !flags.dryRun) throw new UsageError('missing -o/--output OUT (or pass --dry-run)');
  const kind = flags.targetKind ?? 'params';
  if (kind !== 'params' && kind !== 'macs') throw new UsageError(`--target-kind ${kind}: expected params or macs`);
  // Default 16: channel counts off onnxruntime's blocked-conv block size (8 with AVX2, 16 with AVX-512) fall back to
  // plain kernels plus layout reorders (measured: round-to 1 is slower than the original, 16 beats 8 on AVX-512).
  const roundTo = parseCount('round-to', flags.roundTo) ?? 16;
  const imp = flags.criterion ?? 'l1';
  if (imp !== 'l1' && imp !== 'l2') throw new UsageError(`--criterion ${imp}: structured pruning supports l1 or l2`);
  const { scope } = parseScopeAlpha(flags);
  const feeds = flags.image ? await imageFeeds(model, flags.image) : undefined;
  const calib = await calibrationSetup(ctx, model, flags);
  const r = await pruneChannelsFile(model, flags.output, {
    preset: flags.preset, config: flags.config, arch: flags.arch, pruneHead: flags.pruneHead,
    ratio: parseFractionFlag('channel-ratio', flags.channelRatio), target: parseFractionFlag('target', flags.target), targetKind: kind, roundTo,
    ignore: flags.ignore?.split(',').map((s) => s.trim()).filter(Boolean), norm: imp,
    compare: flags.verify === true, feeds, inputLabel: flags.image ? `image ${flags.image} (letterboxed)` : undefined,
    dryRun: flags.dryRun, force: flags.force, compensate: flags.compensate !== false, keepHeadInputs: flags.keepHeadInputs === true,
    scope: scope === 'global' ? 'global' : 'group',
    ...calib.options,
  }).finally(calib.stop);
  ctx.io.out(structuredText(r, flags.layers === true, calib.skipped));
  if (r.verify) ctx.io.out(verifyText(r.verify, flags.verify === true));
  if (flags.json) {
    const { model: _m, graph: _g, ...rest } = r;
    await writeJson(flags.json, rest, { force: flags.force });
    ctx.io.out(`wrote ${flags.json}`);
  }
}
