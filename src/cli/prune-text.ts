/** Console text of a prune result: plan header, category table, totals (and the per-layer table on request). */
import type { PrunedFileResult, PruneLayerRow } from '../prune/index.js';
import type { PruneVerifyResult } from '../prune/index.js';
import { formatBytes, formatCount, formatNumber, formatPercent, MISSING } from '../core/format.js';

/** A plain text table; numeric columns right-aligned. */
export function textTable(header: readonly string[], rows: readonly (readonly string[])[], numeric: ReadonlySet<number>): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: readonly string[]) =>
    cells.map((c, i) => (numeric.has(i) ? c.padStart(widths[i]!) : c.padEnd(widths[i]!))).join('  ').trimEnd();
  return [line(header), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)].join('\n');
}

const pct = (x: number, digits = 2) => formatPercent(x, digits);
const int = formatCount;

export function planHeader(r: PrunedFileResult): string {
  const o = r.options;
  const mode = o.nm ? `N:M ${o.nm}` : o.target !== undefined ? `target ${pct(o.target)} over prunable weights` : 'preset ratios';
  const lines = [
    `preset: ${o.preset}   criterion: ${o.criterion}   scope: ${o.scope}   mode: ${mode}${r.factor !== undefined && o.target !== undefined && r.notes.length === 0 ? ` (ratios × ${formatNumber(r.factor, 4)})` : ''}`,
    // The description names its kind (`yaml demo/x.yaml (…)`, `pt best.pt (…)`): printed once.
    `class source: ${r.plan.classSources[0]!.description}`,
    `head: ${r.plan.head.detail}${r.plan.head.pruned ? ' (pruned: --prune-head)' : ' (protected)'}`,
  ];
  for (const w of r.plan.warnings ?? []) lines.push(`warning: ${w}`);
  const unknown = r.layers.filter((l) => l.classChain.length === 0).length;
  if (unknown > 0) lines.push(`note: ${unknown} of ${r.layers.length} layers have no known module class (categorised by path/op rules or the default)`);
  return lines.join('\n');
}

export function categoryTable(r: PrunedFileResult): string {
  const rows = r.categories.map((c) => [
    c.category, String(c.layers), int(c.params), c.protected ? 'protected' : pct(c.presetRatio, 0), int(c.zerosBefore), int(c.zerosAfter), pct(c.sparsity),
  ]);
  return textTable(['category', 'layers', 'params', 'preset', 'zeros before', 'zeros after', 'sparsity'], rows, new Set([1, 2, 3, 4, 5, 6]));
}

export function layerTable(rows: readonly PruneLayerRow[]): string {
  // Calibrated pruning adds the refit method and the layer's relative output error, mask alone → refit.
  const rec = rows.some((l) => l.reconstruction);
  const err = (v: number | null | undefined) => formatPercent(v, 2);
  return textTable(
    ['module', 'classes', 'category', 'ratio', 'params', 'zeros before', 'zeros after', ...(rec ? ['refit', 'error mask', 'error refit'] : [])],
    rows.map((l) => [
      l.modulePath || l.id, l.classChain.join(' > ') || '?', l.category + (l.skipped ? ` (skipped: ${l.skipped})` : ''),
      l.protected ? MISSING : pct(l.ratio), int(l.params), int(l.zerosBefore), int(l.zerosAfter),
      ...(rec ? [l.reconstruction?.method ?? MISSING, err(l.reconstruction?.errorBefore), err(l.reconstruction?.errorAfter)] : []),
    ]),
    new Set([3, 4, 5, 6, 8, 9]),
  );
}

export function totalsText(r: PrunedFileResult): string {
  const t = r.totals;
  const lines = [
    `parameters: ${int(t.allParams)} float (all learned tensors, as inspect's "all params"; ${int(t.weightParams)} in weight layers, ${int(t.prunableParams)} prunable)`,
    `non-zero prunable: ${int(t.nonZeroBefore)} → ${int(t.nonZeroAfter)} (zeroed ${int(t.zeroed)})`,
    `sparsity: ${pct(t.sparsityPrunable)} of prunable weights (before ${pct(t.sparsityPrunableBefore)}), ${pct(t.sparsityAll)} of all parameters`,
  ];
  if (t.target !== undefined) lines.push(`target: ${pct(t.target)}   achieved: ${pct(t.achieved, 4)}`);
  if (r.skipped.length > 0) lines.push(`skipped by N:M: ${r.skipped.length} layer(s) (${r.skipped[0]!.reason}${r.skipped.length > 1 ? ', …' : ''})`);
  for (const n of r.notes) lines.push(`note: ${n}`);
  const f = r.files;
  lines.push(`files: ${f.input.path} ${formatBytes(f.input.bytes)}${f.output ? ` → ${f.output.path} ${formatBytes(f.output.bytes)}` : ' (dry run: nothing written)'}`);
  return lines.join('\n');
}

export function verifyText(v: PruneVerifyResult, compared: boolean): string {
  const outs = v.outputs.map((o) => {
    const dev = compared && o.maxAbsDiff !== undefined ? `, max |diff| ${o.maxAbsDiff.toPrecision(4)}, cosine ${formatNumber(o.cosine!, 6)}` : '';
    return `${o.name} [${o.dims.join(',')}]${dev}`;
  });
  return `verify: runs in onnxruntime on ${v.input} (${formatNumber(v.seconds, 2)} s): ${outs.join('; ')}`;
}
